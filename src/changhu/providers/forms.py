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
    AssessorStatus,
    CaregiverKind,
    CaregiverStatus,
    CertificateKind,
    DesignationKind,
    ImportBatch,
    InstitutionStatus,
    Profession,
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

    def __init__(self, *args, kind: str = DesignationKind.CARE, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == DesignationKind.ASSESSMENT:  # no care kinds or modes
            del self.fields["care_kind"]
            del self.fields["care_mode"]

    def filters(self) -> selectors.InstitutionFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.InstitutionFilters(
            kind=self.kind,
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


class AgreementEndForm(StaffForm):
    ended_on = date_field("解除日期")
    reason = forms.CharField(label="解除原因", required=False, max_length=300)


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

    ASSESSMENT_ONLY = ("organization",)
    CARE_ONLY = (
        "care_kind",
        "beds",
        "care_modes",
        "nurse_count",
        "care_worker_count",
        "medical_designated",
        "fast_channel",
        "service_points",
    )
    organization = forms.TypedChoiceField(
        label="已登记的评估机构",
        coerce=int,
        required=False,
        help_text="机构已在系统中登记时选择；否则留空并填写名称",
    )

    def __init__(self, *args, user, care_actor: bool, kind: str = DesignationKind.CARE, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        districts = org_selectors.districts_in_scope(user=user)
        self.fields["region_code"].choices = [(d.code, d.name) for d in districts]
        if care_actor:
            del self.fields["name"]
        dropped = self.CARE_ONLY if kind == DesignationKind.ASSESSMENT else self.ASSESSMENT_ONLY
        for name in dropped:
            del self.fields[name]
        if "organization" in self.fields:
            self.fields["organization"].choices = blank_first(
                "（新机构）",
                [
                    (o.pk, o.name)
                    for o in org_selectors.organization_list(fetched_by=user).filter(
                        kind=DesignationKind.ASSESSMENT, institution__isnull=True
                    )
                ],
            )

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
            kind=self.kind,
            organization_id=d.get("organization") or None,
            name=d.get("name", ""),
            uscc=d.get("uscc", ""),
            care_kind=d.get("care_kind", ""),
            region_code=d.get("region_code", ""),
            address=d.get("address", ""),
            beds=d.get("beds", "") or 0,
            care_modes=d.get("care_modes", []),
            staff_count=d.get("staff_count", ""),
            nurse_count=d.get("nurse_count", "") or 0,
            care_worker_count=d.get("care_worker_count", "") or 0,
            legal_representative=d.get("legal_representative", ""),
            contact_name=d.get("contact_name", ""),
            contact_phone=d.get("contact_phone", ""),
            medical_designated=bool(d.get("medical_designated")),
            fast_channel=bool(d.get("fast_channel")),
            service_points=points,
            documents=documents,
        )


class AdmissionFilterForm(StaffForm):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=blank_first("全部状态", [("open", "待办（办理中）"), *AdmissionStatus.choices]),
    )
    kind = forms.ChoiceField(
        label="申请类别", required=False, choices=blank_first("全部类别", DesignationKind.choices)
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


CAREGIVER_CERTIFICATES = ("care_worker", "nurse", "family_training", "health")


class CertificateForm(StaffForm):
    kind = forms.ChoiceField(
        label="证书类别",
        choices=[(k, v) for k, v in CertificateKind.choices if k in CAREGIVER_CERTIFICATES],
    )
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


# --- assessors ------------------------------------------------------------------------------


class AssessorFilterForm(StaffForm):
    q = forms.CharField(label="姓名或完整身份证号码", required=False, max_length=40)
    institution = forms.TypedChoiceField(label="评估机构", coerce=int, required=False)
    profession = forms.ChoiceField(
        label="专业", required=False, choices=blank_first("全部专业", Profession.choices)
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=blank_first("全部状态", AssessorStatus.choices)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = blank_first(
            "全部机构",
            [(i.pk, i.name) for i in selectors.assessment_institution_options(fetched_by=user)],
        )

    def filters(self) -> selectors.AssessorFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.AssessorFilters(
            q=data.get("q", ""),
            institution_id=data.get("institution") or None,
            profession=data.get("profession", ""),
            status=data.get("status", ""),
        )


def _account_choices(institution_ids) -> list:
    from changhu.orgs.models import User
    from changhu.orgs.roles import Role
    from changhu.providers.models import Institution

    orgs = Institution.all_kinds.filter(pk__in=institution_ids).values("organization_id")
    users = User.objects.filter(
        organization_id__in=orgs,
        role__in=[Role.ASSESSOR, Role.ASSESSMENT_EXPERT],
        is_active=True,
    ).order_by("organization_id", "real_name", "username")
    return blank_first(
        "（不关联）",
        [(u.pk, f"{u.display_name}（{u.get_role_display()}，{u.organization}）") for u in users],
    )


class AssessorForm(StaffForm):
    institution = forms.TypedChoiceField(label="所属评估机构", coerce=int, required=False)
    name = forms.CharField(label="姓名", required=False, max_length=40)
    id_number = forms.CharField(label="身份证号码", required=False, max_length=32)
    phone = forms.CharField(label="手机号码", required=False, max_length=20)
    profession = forms.ChoiceField(label="专业", choices=Profession.choices)
    title = forms.CharField(label="职称", required=False, max_length=40)
    hired_on = date_field("入职/登记日期")
    user = forms.TypedChoiceField(
        label="登录账号", coerce=int, required=False, help_text="评估人员在系统中的登录账号"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        options = list(selectors.assessment_institution_options(fetched_by=user))
        self.fields["institution"].choices = [(i.pk, i.name) for i in options]
        self.fields["user"].choices = _account_choices([i.pk for i in options])

    def to_input(self) -> services.AssessorInput:
        d = self.cleaned_data
        return services.AssessorInput(
            institution_id=d.get("institution") or None,
            name=d.get("name", ""),
            id_number=d.get("id_number", ""),
            phone=d.get("phone", ""),
            profession=d.get("profession", ""),
            title=d.get("title", ""),
            hired_on=d.get("hired_on"),
            user_id=d.get("user") or None,
        )


class AssessorEditForm(StaffForm):
    phone = forms.CharField(label="手机号码", required=False, max_length=20)
    profession = forms.ChoiceField(label="专业", choices=Profession.choices)
    title = forms.CharField(label="职称", required=False, max_length=40)
    user = forms.TypedChoiceField(label="登录账号", coerce=int, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, assessor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = _account_choices([assessor.institution_id])


class AssessorCertificateForm(CertificateForm):
    kind = forms.ChoiceField(
        label="证书类别",
        choices=[(k, v) for k, v in CertificateKind.choices if k in services.ASSESSOR_HELD_KINDS],
    )


class AssessorStatusForm(CaregiverStatusForm):
    pass
