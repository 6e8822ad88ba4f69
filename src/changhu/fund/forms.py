"""The filters of the fund's ledger page."""

from __future__ import annotations

from django import forms

from changhu.fund.models import EntryKind
from changhu.web.forms import StaffForm, blank_first


class EntryFilterForm(StaffForm):
    fund = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    period = forms.CharField(
        label="月份",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM"}),
    )
    kind = forms.CharField(
        label="类别",
        required=False,
        max_length=40,
        widget=forms.Select(choices=blank_first("全部类别", EntryKind.choices)),
    )

    filter_columns = {"period": "col-6 col-lg-2"}
