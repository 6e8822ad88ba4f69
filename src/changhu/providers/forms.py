"""Staff-page forms for institutions and caregivers. They collect input; the services validate.

Fields stay optional or loosely typed on the Django side so that every rule and its Chinese
message comes from the services, the same as through the API.
"""

from __future__ import annotations

from django import forms

from changhu.orgs import selectors as org_selectors
from changhu.orgs.models import CareKind
from changhu.providers import rules, selectors, services
from changhu.providers.models import (
    AdmissionStatus,
    CaregiverKind,
    CaregiverStatus,
    CertificateKind,
    ImportBatch,
    InstitutionStatus,
    Qualification,
)
from changhu.web.forms import StaffForm, blank_first, date_field

MODE_CHOICES = list(rules.MODE_LABELS.items())


class InstitutionFilterForm(StaffForm):
    q = forms.CharField(label="机构名称或信用代码", required=False, max_length=100)
    care_kind = forms.ChoiceField(
        label="机构类别", required=False, choices=blank_first("全部类别", CareKind.choices)
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=blank_first("全部状态", InstitutionStatus.choices)
    )
    care_mode = forms.ChoiceField(
        label="照护方式", required=False, choices=blank_first("全部方式", MODE_CHOICES)
    )

    def filters(self) -> selectors.InstitutionFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.InstitutionFilters(
            q=data.get("q", ""),
            care_kind=data.get("care_kind", ""),
            status=data.get("status", ""),
            care_mode=data.get("care_mode", ""),
        )


class CaregiverFilterForm(StaffForm):
    q = forms.CharField(label="姓名或完整身份证号码", required=False, max_length=40)
    kind = forms.ChoiceField(
        label="类别", required=False, choices=blank_first("全部类别", CaregiverKind.choices)
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=blank_first("全部状态", CaregiverStatus.choices)
    )
    institution = forms.TypedChoiceField(label="所属机构", required=False, coerce=int)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["institution"].choices = blank_first(
            "全部机构",
            [
                (i.pk, i.name)
                for i in selectors.institution_options(fetched_by=user, active_only=False)
            ],
        )

    def filters(self) -> selectors.CaregiverFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.CaregiverFilters(
            q=data.get("q", ""),
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            institution_id=data.get("institution") or None,
        )


class InstitutionStatusForm(StaffForm):
    action = forms.ChoiceField(
        label="操作",
        choices=[("suspend", "暂停"), ("reinstate", "恢复"), ("terminate", "终止（淘汰）")],
    )
    effective_on = date_field("生效日期（默认今天）")
    reason = forms.CharField(label="原因", required=False, max_length=300)


class AgreementForm(StaffForm):
    number = forms.CharField(label="协议编号（留空自动编号）", required=False, max_length=40)
    signed_on = date_field("签订日期")
    valid_from = date_field("协议起始日")
    valid_until = date_field("协议终止日")
    note = forms.CharField(label="备注", required=False, max_length=300)

    def to_input(self) -> services.AgreementInput:
        d = self.cleaned_data
        return services.AgreementInput(
            number=d.get("number", ""),
            signed_on=d.get("signed_on"),
            valid_from=d.get("valid_from"),
            valid_until=d.get("valid_until"),
            note=d.get("note", ""),
        )


class ApproveForm(AgreementForm):
    reason = forms.CharField(label="准入意见", required=False, max_length=300)


class RenewForm(StaffForm):
    valid_until = date_field("新协议终止日")
    number = forms.CharField(label="新协议编号（留空自动编号）", required=False, max_length=40)


class ReasonForm(StaffForm):
    reason = forms.CharField(label="理由", required=False, max_length=300)


class InspectionPlanForm(StaffForm):
    planned_on = date_field("核查日期")


class InspectionResultForm(StaffForm):
    inspected_on = date_field("核查完成日期")
    passed = forms.TypedChoiceField(
        label="核查结论", choices=[("1", "通过"), ("0", "不通过")], coerce=lambda v: v == "1"
    )
    notes = forms.CharField(label="核查意见", required=False, max_length=500)


class AdmissionForm(StaffForm):
    name = forms.CharField(label="机构名称", required=False, max_length=100)
    uscc = forms.CharField(label="统一社会信用代码", required=False, max_length=30)
    care_kind = forms.ChoiceField(label="机构类别", choices=CareKind.choices)
    region_code = forms.ChoiceField(label="所在区县")
    address = forms.CharField(label="地址", required=False, max_length=200)
    beds = forms.CharField(label="床位数", required=False, max_length=8)
    care_modes = forms.MultipleChoiceField(
        label="提供的照护方式",
        required=False,
        choices=MODE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    staff_count = forms.CharField(label="从业人员数", required=False, max_length=8)
    nurse_count = forms.CharField(label="护士数", required=False, max_length=8)
    care_worker_count = forms.CharField(label="护理员数", required=False, max_length=8)
    legal_representative = forms.CharField(label="法定代表人", required=False, max_length=40)
    contact_name = forms.CharField(label="联系人", required=False, max_length=40)
    contact_phone = forms.CharField(label="联系电话", required=False, max_length=20)
    medical_designated = forms.BooleanField(label="已是医保定点医疗机构", required=False)
    fast_channel = forms.BooleanField(label="申请快速通道", required=False)
    service_points = forms.CharField(
        label="服务站点",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个：站点名称|地址",
    )
    documents = forms.CharField(
        label="申请材料",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一份材料的名称，如“营业执照（副本）”",
    )

    def __init__(self, *args, user, care_actor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        districts = org_selectors.districts_in_scope(user=user)
        self.fields["region_code"].choices = [(d.code, d.name) for d in districts]
        if care_actor:
            del self.fields["name"]

    def to_input(self) -> services.AdmissionInput:
        d = self.cleaned_data
        points = []
        for line in (d.get("service_points") or "").splitlines():
            if line.strip():
                name, _, address = line.partition("|")
                points.append({"name": name.strip(), "address": address.strip()})
        documents = [
            {"title": line.strip()}
            for line in (d.get("documents") or "").splitlines()
            if line.strip()
        ]
        return services.AdmissionInput(
            name=d.get("name", ""),
            uscc=d.get("uscc", ""),
            care_kind=d.get("care_kind", ""),
            region_code=d.get("region_code", ""),
            address=d.get("address", ""),
            beds=d.get("beds", ""),
            care_modes=d.get("care_modes", []),
            staff_count=d.get("staff_count", ""),
            nurse_count=d.get("nurse_count", ""),
            care_worker_count=d.get("care_worker_count", ""),
            legal_representative=d.get("legal_representative", ""),
            contact_name=d.get("contact_name", ""),
            contact_phone=d.get("contact_phone", ""),
            medical_designated=d.get("medical_designated", False),
            fast_channel=d.get("fast_channel", False),
            service_points=points,
            documents=documents,
        )


class AdmissionFilterForm(StaffForm):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=blank_first("全部状态", [("open", "待办（办理中）"), *AdmissionStatus.choices]),
    )


class CaregiverForm(StaffForm):
    institution = forms.TypedChoiceField(label="所属机构", coerce=int, required=False)
    kind = forms.ChoiceField(label="类别", choices=CaregiverKind.choices)
    name = forms.CharField(label="姓名", required=False, max_length=40)
    id_number = forms.CharField(label="身份证号码", required=False, max_length=32)
    phone = forms.CharField(label="手机号码", required=False, max_length=20)
    qualification = forms.ChoiceField(label="资质", choices=Qualification.choices)
    hired_on = date_field("入职/登记日期")
    beneficiary_id_number = forms.CharField(
        label="亲情护理对象身份证号码", required=False, max_length=32, help_text="仅亲情护理员填写"
    )
    relationship = forms.CharField(label="与护理对象关系", required=False, max_length=20)

    def __init__(self, *args, user, care_actor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if care_actor:
            del self.fields["institution"]
        else:
            self.fields["institution"].choices = [
                (i.pk, i.name) for i in selectors.institution_options(fetched_by=user)
            ]

    def to_input(self) -> services.CaregiverInput:
        d = self.cleaned_data
        number = (d.get("beneficiary_id_number") or "").strip()
        beneficiary = services.person_id_by_id_number(number) if number else None
        if number and beneficiary is None:
            beneficiary = -1  # resolved to "unknown beneficiary" by the service
        return services.CaregiverInput(
            institution_id=d.get("institution") or None,
            kind=d.get("kind", ""),
            name=d.get("name", ""),
            id_number=d.get("id_number", ""),
            phone=d.get("phone", ""),
            qualification=d.get("qualification", ""),
            beneficiary_id=beneficiary,
            relationship=d.get("relationship", ""),
            hired_on=d.get("hired_on"),
        )


class CertificateForm(StaffForm):
    kind = forms.ChoiceField(label="证书类别", choices=CertificateKind.choices)
    number = forms.CharField(label="证书编号", required=False, max_length=40)
    issuer = forms.CharField(label="发证机关", required=False, max_length=100)
    issued_on = date_field("发证日期")
    expires_on = date_field("有效期至")

    def to_input(self) -> services.CertificateInput:
        return services.CertificateInput(**self.cleaned_data)


class TrainingForm(StaffForm):
    topic = forms.CharField(label="培训内容", required=False, max_length=100)
    trainer = forms.CharField(label="培训人/机构", required=False, max_length=100)
    held_on = date_field("培训日期")
    hours = forms.CharField(label="学时", required=False, max_length=8)
    passed = forms.BooleanField(label="考核合格", required=False, initial=True)


class CaregiverStatusForm(StaffForm):
    action = forms.ChoiceField(
        label="操作",
        choices=[("suspend", "暂停执业"), ("reinstate", "恢复执业"), ("leave", "离职")],
    )
    on_date = date_field("日期（默认今天）")
    reason = forms.CharField(label="原因", required=False, max_length=300)


class CaregiverAccountForm(StaffForm):
    username = forms.CharField(
        label="登录名",
        max_length=40,
        help_text="3至40位字母、数字或 _ . -，例如手机号",
    )


class ImportUploadForm(StaffForm):
    kind = forms.ChoiceField(label="导入内容", choices=ImportBatch.Kind.choices)
    file = forms.FileField(
        label="文件",
        help_text=f"Excel（.xlsx）或 CSV（UTF-8 / GB18030），不超过"
        f"{ImportBatch.MAX_FILE_BYTES // (1024 * 1024)}MB、{ImportBatch.MAX_ROWS:,}行",
    )


class CommitForm(StaffForm):
    mode = forms.ChoiceField(label="导入方式", choices=ImportBatch.Mode.choices)
