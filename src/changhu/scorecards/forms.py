"""The forms of the scorecard pages."""

from __future__ import annotations

from django import forms

from changhu.scorecards.models import ScorecardKind
from changhu.web.forms import StaffForm, blank_first

PERIOD_HELP = "月份YYYY-MM、季度YYYY-Qn或年度YYYY"


def _period(required: bool) -> forms.CharField:
    return forms.CharField(
        label="考核期",
        required=required,
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "如 2026-Q1"}),
        help_text=PERIOD_HELP,
    )


class RankingFilterForm(StaffForm):
    kind = forms.ChoiceField(label="考核对象", required=False, choices=ScorecardKind.choices)
    period = _period(required=False)
    district = forms.ChoiceField(label="区县", required=False, choices=())

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = blank_first(
            "全部区县", [(d.code, d.name) for d in districts]
        )


class ComputeForm(StaffForm):
    kind = forms.ChoiceField(label="考核对象", choices=ScorecardKind.choices)
    period = _period(required=True)


class ManualScoreForm(StaffForm):
    indicator_code = forms.ChoiceField(label="考核指标", choices=())
    points = forms.CharField(label="得分", max_length=10)
    reason = forms.CharField(
        label="评分理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.FileField(
        label="佐证材料", help_text="现场检查记录、照片等，PDF、JPEG或PNG格式"
    )

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_code"].choices = [
            (i["code"], f"{i['name']}（满分{i['weight']}）") for i in indicators
        ]
