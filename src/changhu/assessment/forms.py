"""Staff-page forms of the assessment workflow. They only collect input: every rule and its
Chinese message comes from the services, the same as through the API."""

from __future__ import annotations

from django import forms

from changhu.assessment import services
from changhu.assessment.models import (
    Channel,
    DocumentKind,
    ExpertConflict,
    Place,
    Profession,
    RefusalReason,
    Relationship,
)
from changhu.assessment.scoring import Scale
from changhu.web.forms import StaffForm, date_field
from changhu.web.pickers import PickerField


def _moment() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _choices(enum, blank: str = "") -> list[tuple[str, str]]:
    return ([("", blank)] if blank else []) + list(enum.choices)


def _note(label: str = "说明", max_length: int = 500) -> forms.CharField:
    """A short free text under a decision or a step of the case."""
    return forms.CharField(label=label, required=False, max_length=max_length, widget=_text(2))


def _decision(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    """Radio buttons, the first choice already chosen."""
    return forms.ChoiceField(
        label=label, choices=choices, widget=forms.RadioSelect, initial=choices[0][0]
    )


class CaseFilterForm(StaffForm):
    q = forms.CharField(label="姓名或申请编号", required=False, max_length=40)
    district = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    queue = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


class ApplicationForm(StaffForm):
    """Intake at a counter, a mobile acceptance point or for a family doctor."""

    person = PickerField("person", label="被评估人")
    applicant_name = forms.CharField(label="申请人姓名", required=False, max_length=40)
    relationship = forms.ChoiceField(
        label="与被评估人关系", required=False, choices=_choices(Relationship, "请选择")
    )
    phone = forms.CharField(label="联系电话", required=False, max_length=20)
    address = forms.CharField(label="照护地址（上门评估地址）", required=False, max_length=200)
    place = forms.ChoiceField(
        label="照护/评估地点",
        required=False,
        choices=Place.choices,
        initial=Place.HOME,
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(
        label="受理渠道",
        required=False,
        choices=[c for c in Channel.choices if c[0] not in (Channel.ONLINE, Channel.SYSTEM)],
        initial=Channel.COUNTER,
    )
    referrer = forms.CharField(label="协助申请的家庭医生及机构", required=False, max_length=100)
    reason = forms.CharField(label="申请理由", required=False, max_length=500, widget=_text())
    id_card = forms.FileField(label="身份证件", required=False)
    medical_record = forms.FileField(label="病历资料", required=False)
    self_assessment = forms.FileField(label="自评表", required=False)

    FILE_FIELDS = ("id_card", "medical_record", "self_assessment")
    required_marks = ("person", "applicant_name", "relationship", "phone", "address")

    def to_input(self, person) -> services.ApplicationInput:
        skip = {*self.FILE_FIELDS, "person"}
        data = {k: v for k, v in self.cleaned_data.items() if k not in skip}
        data["place"] = data.get("place") or Place.HOME
        data["person_id"] = person.pk
        return services.ApplicationInput(**data)

    def uploads(self) -> list[services.Upload]:
        return [
            services.Upload(kind=name, file=self.cleaned_data[name])
            for name in self.FILE_FIELDS
            if self.cleaned_data.get(name)
        ]


class DocumentForm(StaffForm):
    kind = forms.ChoiceField(label="材料类型", choices=DocumentKind.choices)
    file = forms.FileField(label="文件（PDF、JPEG、PNG，不超过10MB）")


class RefuseForm(StaffForm):
    reason = forms.ChoiceField(
        label="不予受理原因", required=False, choices=_choices(RefusalReason, "请选择")
    )
    text = _note()


class MaterialsForm(StaffForm):
    note = _note("需补充的材料")
    due_date = date_field("补充期限（默认按规则）")


class NoteForm(StaffForm):
    note = _note()


class ReasonForm(StaffForm):
    reason = _note("原因")


class DispatchForm(StaffForm):
    institution = forms.ChoiceField(label="评估机构", required=False)
    due_date = date_field("评估完成期限（默认按规则）")
    care_institutions = forms.MultipleChoiceField(
        label="为该参保人提供护理服务的机构（须回避）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label="派单说明", required=False, max_length=200)

    def __init__(self, *args, options=(), care_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "自动选择（负荷最小的可派单机构）")] + [
            (str(o.organization.pk), o.organization.name) for o in options if not o.excluded
        ]
        self.fields["care_institutions"].choices = [(str(pk), name) for pk, name in care_choices]


class TeamForm(StaffForm):
    user_ids = forms.MultipleChoiceField(
        label="现场评估人员", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user_ids"].choices = [
            (str(o.user.pk), f"{o.user.display_name}（{'评估专家' if o.is_expert else '评估员'}）")
            for o in options
            if not o.excluded
        ]


class ConfirmForm(StaffForm):
    decision = _decision("意见", [("confirm", "确认评估结果"), ("return", "退回重评")])
    comment = _note()


class ReviewForm(StaffForm):
    decision = _decision("复核意见", [("approve", "复核通过"), ("return", "退回评估机构")])
    note = _note()


class ObjectionForm(StaffForm):
    raised_by = forms.CharField(label="异议人", required=False, max_length=40)
    content = _note("异议内容", max_length=1000)
    received_on = date_field("收到日期（默认今天）")


class ObjectionHandleForm(StaffForm):
    decision = _decision(
        "处理结果", [("dismissed", "异议不成立"), ("upheld", "异议成立，重新评估")]
    )
    note = _note("处理意见", max_length=1000)


class AppealForm(StaffForm):
    reason = _note("复评理由")
    place = forms.ChoiceField(label="评估地点", required=False, choices=Place.choices)


class ReassessForm(StaffForm):
    kind = forms.ChoiceField(
        label="复评类型",
        choices=[("condition_change", "状况变化复评"), ("spot_check", "抽查复评")],
    )
    reason = _note("原因")


class AssessmentForm(StaffForm):
    """The on-site form: one radio group per item of the case's scale, and the visit record."""

    started_at = forms.DateTimeField(
        label="评估开始时间", required=False, widget=_moment(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    ended_at = forms.DateTimeField(
        label="评估结束时间", required=False, widget=_moment(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    latitude = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label="经度", required=False, max_digits=9, decimal_places=6)
    location_accuracy = forms.FloatField(label="定位精度（米）", required=False)
    guardian_present = forms.BooleanField(label="监护人/代理人在场", required=False)
    guardian_name = forms.CharField(label="在场监护人/代理人姓名", required=False, max_length=40)
    guardian_relationship = forms.ChoiceField(
        label="与被评估人关系", required=False, choices=_choices(Relationship, "请选择")
    )
    video_reference = forms.CharField(label="现场录像编号/存储位置", required=False, max_length=200)
    remarks = _note("评估说明", max_length=1000)
    present_ids = forms.MultipleChoiceField(
        label="到场评估人员", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, scale: Scale, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.item_fields: list[tuple[str, list[str]]] = []
        for indicator in scale.indicators:
            names = []
            for index, item in enumerate(indicator.items):
                name = f"item_{indicator.code}_{index}"
                # A plain text field with radio buttons: the scoring engine, not Django, says
                # what is wrong with an answer, in the same words as the API.
                self.fields[name] = forms.CharField(
                    label=item.name,
                    required=False,
                    widget=forms.RadioSelect(
                        choices=[(o.points, f"{o.text}（{o.points}分）") for o in item.options]
                    ),
                )
                names.append(name)
            self.item_fields.append((indicator.name, names))
        self.fields["present_ids"].choices = [
            (str(a.user_id), f"{a.user.display_name}（{'评估专家' if a.is_expert else '评估员'}）")
            for a in team
        ]

    @classmethod
    def initial_from(cls, assessment, scale: Scale, team) -> dict:
        initial = {
            name: getattr(assessment, name)
            for name in (
                "latitude",
                "longitude",
                "location_accuracy",
                "guardian_name",
                "guardian_relationship",
                "video_reference",
                "remarks",
            )
        }
        for name in ("started_at", "ended_at"):
            value = getattr(assessment, name)
            if value is not None:
                from django.utils import timezone

                initial[name] = timezone.localtime(value).replace(second=0, microsecond=0)
        initial["guardian_present"] = bool(assessment.guardian_present)
        initial["present_ids"] = [str(a.user_id) for a in team if a.present]
        for indicator in scale.indicators:
            for index, item in enumerate(indicator.items):
                if item.name in assessment.answers:
                    initial[f"item_{indicator.code}_{index}"] = assessment.answers[item.name]
        return initial

    @property
    def error_anchors(self) -> dict[str, str]:
        """The error banner links each item and the team to its fieldset."""
        return {name: f"fs-{name}" for name in self.fields if name.startswith("item_")} | {
            "present_ids": "fs-present_ids"
        }

    def field_map(self) -> dict[str, str]:
        """Service field names (item names) to this form's field names."""
        return {
            item.name: f"item_{indicator.code}_{index}"
            for indicator in self.scale.indicators
            for index, item in enumerate(indicator.items)
        }

    def item_groups(self):
        return [(title, [self[name] for name in names]) for title, names in self.item_fields]

    def answers(self) -> dict[str, int]:
        """Answers given so far, by item name (raw values, so a forged option is still caught
        by the scoring engine with its own message)."""
        answers = {}
        for indicator in self.scale.indicators:
            for index, item in enumerate(indicator.items):
                raw = self.data.get(f"item_{indicator.code}_{index}")
                if raw not in (None, ""):
                    answers[item.name] = raw
        return answers

    def to_input(self) -> services.FormInput:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return services.FormInput(
            answers=self.answers(),
            started_at=data.get("started_at"),
            ended_at=data.get("ended_at"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            location_accuracy=data.get("location_accuracy"),
            guardian_present=data.get("guardian_present"),
            guardian_name=data.get("guardian_name", ""),
            guardian_relationship=data.get("guardian_relationship", ""),
            video_reference=data.get("video_reference", ""),
            remarks=data.get("remarks", ""),
            present_ids=[int(v) for v in data.get("present_ids", [])],
        )


# --- the expert pool ---------------------------------------------------------------------------


class PoolFilterForm(StaffForm):
    q = forms.CharField(label="专家姓名", required=False, max_length=40)
    institution = forms.ChoiceField(label="工作单位", required=False)
    profession = forms.ChoiceField(
        label="专业", required=False, choices=_choices(Profession, "全部专业")
    )
    active = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), ("1", "在库"), ("0", "已停用")],
    )

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "全部单位"), *institutions]


class ExpertForm(StaffForm):
    """Putting an expert in the pool: their login, their institution, profession and dates."""

    user_id = forms.ChoiceField(label="专家账号")
    institution_id = forms.ChoiceField(label="工作单位（不选为账号所属机构）", required=False)
    profession = forms.ChoiceField(label="专业", choices=_choices(Profession, "请选择"))
    speciality = forms.CharField(label="专业特长", required=False, max_length=100)
    active_from = date_field("入库日期（不填为今天）")
    active_until = date_field("有效期至")

    def __init__(self, *args, accounts=(), institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user_id"].choices = [("", "请选择"), *accounts]
        self.fields["institution_id"].choices = [("", "账号所属机构"), *institutions]

    def to_input(self) -> services.ExpertInput:
        d = self.cleaned_data
        return services.ExpertInput(
            user_id=int(d["user_id"]),
            institution_id=int(d["institution_id"]) if d.get("institution_id") else None,
            profession=d["profession"],
            speciality=d.get("speciality", ""),
            active_from=d.get("active_from"),
            active_until=d.get("active_until"),
        )


class ConflictForm(StaffForm):
    kind = forms.ChoiceField(label="关系类型", choices=_choices(ExpertConflict.Kind, "请选择"))
    person = PickerField("person", label="相关参保人（亲属或其他利害关系）")
    organization = forms.ChoiceField(label="任职的机构", required=False)
    note = forms.CharField(label="说明", required=False, max_length=300)

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", "请选择"), *organizations]
