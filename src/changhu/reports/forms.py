"""The forms of the report pages."""

from __future__ import annotations

import datetime as dt

from django import forms

from changhu.core import months
from changhu.reports.models import PeriodKind
from changhu.web.forms import StaffForm, blank_first

MONTHS_OFFERED = 36
YEARS_OFFERED = 6


def period_choices(period_kind: str, today: dt.date) -> list[tuple[str, str]]:
    """The periods offered, newest first: the months (or years) up to the last complete one."""
    if period_kind == PeriodKind.YEAR:
        return [
            (str(y), f"{y}年") for y in range(today.year - 1, today.year - 1 - YEARS_OFFERED, -1)
        ]
    out = []
    for n in range(1, MONTHS_OFFERED + 1):
        first = months.shift(today, -n)
        out.append((months.key(first), f"{first.year}年{first.month}月"))
    return out


class RunForm(StaffForm):
    period = forms.ChoiceField(label="报告期", choices=())
    district = forms.ChoiceField(label="区县", required=False, choices=())

    def __init__(self, *args, periods=(), districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = list(periods)
        if districts is None:
            del self.fields["district"]
        else:
            self.fields["district"].choices = blank_first(
                "全部（本单位管辖范围）", [(d.code, d.name) for d in districts]
            )
