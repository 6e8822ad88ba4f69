"""Forms of the supervision pages: list filters, the plan, answers, re-checks and appeals."""

from __future__ import annotations

from django import forms

from changhu.core import clock
from changhu.core.scope import scope_of
from changhu.orgs.models import Region
from changhu.supervision.models import (
    AppealStatus,
    InspectionKind,
    RectificationStatus,
    TaskStatus,
)
from changhu.web.forms import StaffForm, blank_first

ALL = [("", "全部")]


def _select(label: str, choices) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=40, widget=forms.Select(choices=choices)
    )


class TaskFilterForm(StaffForm):
    status = _select("状态", ALL + list(TaskStatus.choices))
    kind = _select("检查类型", ALL + list(InspectionKind.choices))
    period = forms.CharField(
        label="检查月份",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM"}),
    )


class RectificationFilterForm(StaffForm):
    status = _select("状态", [*ALL, ("open", "待整改（含逾期督办）"), *RectificationStatus.choices])
    overdue = forms.BooleanField(label="只看已逾期", required=False)


class AppealFilterForm(StaffForm):
    status = _select("状态", ALL + list(AppealStatus.choices))


def region_choices(user) -> list[tuple[str, str]]:
    """The city and the districts the user may plan inspections for."""
    s = scope_of(user)
    rows = Region.objects.filter(level__in=["city", "district"], active=True).order_by("code")
    return [
        (r.code, r.name if r.level == "district" else f"{r.name}（全市）")
        for r in rows
        if s.unrestricted or any(r.prefix.startswith(p) for p in s.region_prefixes)
    ]


class PlanForm(StaffForm):
    title = forms.CharField(label="任务名称", max_length=100)
    kind = forms.ChoiceField(
        label="检查类型", choices=blank_first("检查类型", InspectionKind.choices)
    )
    period = forms.CharField(label="检查月份", max_length=7, help_text="格式：YYYY-MM")
    region_code = forms.ChoiceField(label="检查范围")
    institution_sample = forms.IntegerField(
        label="抽查机构数", min_value=0, max_value=50, initial=2
    )
    beneficiary_sample = forms.IntegerField(
        label="抽查居家服务对象数", min_value=0, max_value=50, initial=5
    )
    seed = forms.IntegerField(
        label="抽样种子",
        required=False,
        min_value=1,
        max_value=2**53,
        help_text="留空则随机生成；填写相同种子可复现同一抽样结果",
    )
    note = forms.CharField(label="说明", required=False, max_length=300)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = blank_first("检查范围", region_choices(user))
        self.fields["period"].initial = clock.today().strftime("%Y-%m")


class ReasonForm(StaffForm):
    reason = forms.CharField(label="原因", max_length=300)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class AnswerForm(StaffForm):
    text = forms.CharField(
        label="整改情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = MultipleFileField(
        label="佐证材料", required=False, help_text="PDF、JPEG或PNG，最多5个，每个不超过10MB"
    )


class ReviewForm(StaffForm):
    decision = forms.ChoiceField(
        label="复查结果",
        choices=[("accept", "通过，销号"), ("reject", "退回，重新整改")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="复查意见", required=False, max_length=500)
    working_days = forms.IntegerField(
        label="重新整改期限（工作日）",
        required=False,
        min_value=1,
        max_value=60,
        help_text="退回时适用；留空按检查表规定的时限",
    )


class AppealForm(StaffForm):
    reason = forms.CharField(
        label="申诉理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AppealDecideForm(StaffForm):
    decision = forms.ChoiceField(
        label="裁决结果",
        choices=[("uphold", "申诉成立"), ("reject", "申诉不成立")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="裁决意见", max_length=500)
