"""The back office's forms of data matching."""

from __future__ import annotations

from django import forms

from changhu.matching.models import ListKind, ListSource, MatchBatch, MatchStatus
from changhu.web.forms import StaffForm


class UploadForm(StaffForm):
    kind = forms.ChoiceField(
        label="名单类型",
        choices=ListKind.choices,
        initial=ListKind.DEATHS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择名单类型", "invalid_choice": "请选择名单类型"},
    )
    source = forms.ChoiceField(
        label="数据来源",
        choices=ListSource.choices,
        initial=ListSource.CIVIL_AFFAIRS,
        error_messages={"required": "请选择数据来源", "invalid_choice": "请选择数据来源"},
    )
    file = forms.FileField(
        label="文件",
        help_text=f"Excel（.xlsx）或 CSV（UTF-8 / GB18030 / UTF-16），不超过"
        f"{MatchBatch.MAX_FILE_BYTES // (1024 * 1024)}MB、{MatchBatch.MAX_ROWS:,}行",
        error_messages={"required": "请选择要上传的文件", "empty": "文件是空的"},
    )


class BatchFilterForm(StaffForm):
    kind = forms.ChoiceField(
        label="名单类型", required=False, choices=[("", "全部"), *ListKind.choices]
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *MatchBatch.Status.choices]
    )


class RecordFilterForm(StaffForm):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *MatchStatus.choices]
    )
    kind = forms.ChoiceField(
        label="名单类型", required=False, choices=[("", "全部"), *ListKind.choices]
    )
    name_mismatch = forms.ChoiceField(
        label="姓名", required=False, choices=[("", "全部"), ("1", "姓名不一致")]
    )


class ReasonForm(StaffForm):
    reason = forms.CharField(
        label="原因",
        max_length=300,
        error_messages={"required": "请填写原因", "max_length": "原因不能超过300字"},
    )
