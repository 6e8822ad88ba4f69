"""Forms of the complaint, return-visit and survey pages."""

from __future__ import annotations

from django import forms

from changhu.feedback.models import (
    Category,
    Channel,
    ComplaintStatus,
    ReplyChannel,
    ReturnVisitStatus,
    SurveyChannel,
)
from changhu.web.forms import StaffForm, blank_first, month_field
from changhu.web.pickers import PickerField

SCORES = [
    (str(n), label)
    for n, label in ((5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "非常不满意"))
]


class ComplaintFilterForm(StaffForm):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), ("open", "未办结"), *ComplaintStatus.choices],
    )
    category = forms.ChoiceField(
        label="类别", required=False, choices=blank_first("全部类别", Category.choices)
    )
    channel = forms.ChoiceField(
        label="渠道", required=False, choices=blank_first("全部渠道", Channel.choices)
    )
    overdue = forms.BooleanField(label="仅看已超期", required=False)
    q = forms.CharField(label="投诉编号", required=False, max_length=20)


class ComplaintForm(StaffForm):
    """热线、窗口登记投诉: what it is about is chosen, never typed as a number."""

    channel = forms.ChoiceField(
        label="渠道", choices=[(Channel.HOTLINE, "服务热线"), (Channel.COUNTER, "窗口")]
    )
    category = forms.ChoiceField(label="投诉类别", choices=blank_first("请选择", Category.choices))
    person = PickerField("person", label="服务对象（参保人）")
    institution = PickerField("care_institution", label="被投诉的护理机构")
    caregiver = PickerField("feedback_caregiver", label="被投诉的护理员")
    content = forms.CharField(
        label="投诉内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    anonymous = forms.BooleanField(label="匿名投诉（不记录姓名）", required=False)
    complainant_name = forms.CharField(label="投诉人姓名", required=False, max_length=50)
    complainant_phone = forms.CharField(label="联系电话", required=False, max_length=20)
    required_marks = ("channel", "category", "content")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["person"].help_text = "可选；投诉涉及某位参保人的服务时选择，以便关联服务记录"

    def clean_person(self):
        return self.fields["person"].resolve_for(
            self.user, self.cleaned_data["person"], required=False
        )

    def clean_institution(self):
        field = self.fields["institution"]
        return field.resolve_for(self.user, self.cleaned_data["institution"], required=False)

    def clean_caregiver(self):
        field = self.fields["caregiver"]
        return field.resolve_for(self.user, self.cleaned_data["caregiver"], required=False)


class EscalateForm(StaffForm):
    reason = forms.CharField(label="升级原因", max_length=300)


class ReplyForm(StaffForm):
    reply = forms.CharField(
        label="答复内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    reply_channel = forms.ChoiceField(
        label="答复方式", choices=blank_first("请选择", ReplyChannel.choices)
    )
    substantiated = forms.BooleanField(label="投诉属实", required=False)


class SubstantiateForm(StaffForm):
    visits = forms.MultipleChoiceField(
        label="涉及的服务记录", widget=forms.CheckboxSelectMultiple, choices=()
    )
    note = forms.CharField(label="查实情况", max_length=500)

    def __init__(self, *args, visits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visits"].choices = [(str(v.pk), visit_label(v)) for v in visits]


class CloseForm(StaffForm):
    satisfaction = forms.ChoiceField(label="投诉人满意度", choices=SCORES, widget=forms.RadioSelect)
    note = forms.CharField(label="说明", required=False, max_length=300)


def visit_label(visit) -> str:
    """A visit as a family or a case worker recognises it: day, time, who came."""
    start = visit.check_in_at
    from django.utils import timezone

    local = timezone.localtime(start)
    return f"{local:%m月%d日 %H:%M} {visit.caregiver.name}（{visit.institution.organization.name}）"


class FamilyComplaintForm(forms.Form):
    """家属投诉: one question at a time in plain words."""

    person = forms.ChoiceField(label="为哪位老人反映问题", choices=())
    category = forms.ChoiceField(
        label="遇到了什么问题", choices=Category.choices, widget=forms.RadioSelect
    )
    content = forms.CharField(
        label="请说说具体情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    visits = forms.MultipleChoiceField(
        label="涉及哪几次上门（可不选）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )
    phone = forms.CharField(label="您的联系电话（可不填）", required=False, max_length=20)

    def __init__(self, *args, persons=(), visits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(str(p.pk), p.name) for p in persons]
        self.fields["visits"].choices = [(str(v.pk), visit_label(v)) for v in visits]


class FamilyRateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label="您对这次处理满意吗", choices=SCORES, widget=forms.RadioSelect
    )
    note = forms.CharField(label="还想说的话（可不填）", required=False, max_length=300)


class ReturnVisitFilterForm(StaffForm):
    period = month_field("月份")
    status = forms.ChoiceField(
        label="回访结果", required=False, choices=blank_first("全部", ReturnVisitStatus.choices)
    )


class DrawForm(StaffForm):
    period = forms.CharField(
        label="抽取月份", max_length=7, widget=forms.TextInput(attrs={"placeholder": "YYYY-MM"})
    )


class SurveyFilterForm(StaffForm):
    period = month_field("月份")
    channel = forms.ChoiceField(
        label="来源", required=False, choices=blank_first("全部来源", SurveyChannel.choices)
    )


def score_fields(questions: list[dict], *, prefix: str = "s_", required: bool = True) -> dict:
    """One 1–5 choice per scored question of a questionnaire."""
    return {
        f"{prefix}{q['code']}": forms.ChoiceField(
            label=q["text"], choices=SCORES, widget=forms.RadioSelect, required=required
        )
        for q in questions
    }


class PaperSurveyForm(StaffForm):
    person = PickerField("person", label="参保人")
    comment = forms.CharField(label="意见建议", required=False, max_length=500)

    def __init__(self, *args, user, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields.update(score_fields(questions))

    def clean_person(self):
        return self.fields["person"].resolve_for(self.user, self.cleaned_data["person"])


class FamilySurveyForm(forms.Form):
    person = forms.ChoiceField(label="为哪位老人评价", choices=())
    comment = forms.CharField(label="您的意见和建议（可不填）", required=False, max_length=500)

    def __init__(self, *args, persons=(), questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(str(p.pk), p.name) for p in persons]
        comment = self.fields.pop("comment")
        self.fields.update(score_fields(list(questions)))
        self.fields["comment"] = comment
