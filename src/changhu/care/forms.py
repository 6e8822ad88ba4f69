"""Staff-page forms for entitlements and care plans; the services do the validating."""

from __future__ import annotations

from django import forms

from changhu.care.models import (
    CarePlanStatus,
    EndReason,
    EntitlementStatus,
    TransferStatus,
)
from changhu.care.services import RELATIONSHIPS
from changhu.providers.rules import MODE_LABELS
from changhu.web.forms import StaffForm, blank_first, date_field
from changhu.web.pickers import PickerField

MODE_CHOICES = list(MODE_LABELS.items())


class EntitlementFilterForm(StaffForm):
    q = forms.CharField(label="姓名", required=False, max_length=40)
    status = forms.ChoiceField(
        label="状态", required=False, choices=blank_first("全部状态", EntitlementStatus.choices)
    )
    care_mode = forms.ChoiceField(
        label="当前照护方式", required=False, choices=blank_first("全部方式", MODE_CHOICES)
    )


class EntitlementOpenForm(StaffForm):
    """办理待遇: only what the guardian chooses; grade and validity come from the conclusion."""

    care_mode = forms.ChoiceField(label="照护方式（监护人选择）", choices=MODE_CHOICES)
    institution = PickerField("care_institution", label="护理机构")
    social_support = forms.BooleanField(label="含社会支持类上门服务", required=False)
    start_date = date_field("待遇起始日")
    required_marks = ("care_mode", "institution", "start_date")

    def __init__(self, *args, user, conclusion, **kwargs):
        kwargs.setdefault("initial", {"start_date": conclusion.valid_from})
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["start_date"].help_text = (
            f"默认评估结论生效日；须在有效期{conclusion.valid_from:%Y-%m-%d}至"
            f"{conclusion.valid_until:%Y-%m-%d}内"
        )

    def clean_institution(self):
        return self.fields["institution"].resolve_for(self.user, self.cleaned_data["institution"])


class AwaitingFilterForm(StaffForm):
    q = forms.CharField(label="姓名", required=False, max_length=40)


class ArrangementForm(StaffForm):
    effective_date = date_field("生效日期")
    care_mode = forms.ChoiceField(
        label="新的照护方式", required=False, choices=blank_first("不变", MODE_CHOICES)
    )
    institution = PickerField(
        "care_institution", label="新的护理机构", placeholder="不变；换机构时输入名称查找"
    )
    social_support = forms.TypedChoiceField(
        label="社会支持服务",
        required=False,
        choices=[("", "不变"), ("1", "含"), ("0", "不含")],
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    reason = forms.CharField(label="变更原因", required=False, max_length=300)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_institution(self):
        field = self.fields["institution"]
        return field.resolve_for(self.user, self.cleaned_data["institution"], required=False)


class PauseForm(StaffForm):
    start_date = date_field("暂停起始日")
    end_date = date_field("暂停截止日（可空）")
    reason = forms.CharField(label="原因", required=False, max_length=300)


class TerminateForm(StaffForm):
    end_date = date_field("最后享受待遇日")
    reason = forms.ChoiceField(
        label="终止原因", choices=[c for c in EndReason.choices if c[0] != EndReason.EXPIRED]
    )
    note = forms.CharField(label="说明", required=False, max_length=300)


class PlanFilterForm(StaffForm):
    q = forms.CharField(label="姓名", required=False, max_length=40)
    status = forms.ChoiceField(
        label="状态", required=False, choices=blank_first("全部状态", CarePlanStatus.choices)
    )
    revision = forms.BooleanField(label="只看等级变更后需修订的计划", required=False)


class CounterConfirmForm(StaffForm):
    signer_name = forms.CharField(label="签字确认人", required=False, max_length=40)
    signer_relationship = forms.ChoiceField(
        label="与参保人关系", choices=list(RELATIONSHIPS.items())
    )
    note = forms.CharField(label="确认记录（如纸质确认书编号）", required=False, max_length=300)


# --- transfers (转移安置) ---------------------------------------------------------------------


class TransferFilterForm(StaffForm):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[
            ("pending", "未转移（待选择或已选定）"),
            ("", "全部状态"),
            *TransferStatus.choices,
        ],
    )
    q = forms.CharField(label="姓名", required=False, max_length=40)
    overdue = forms.BooleanField(label="只看逾期", required=False)


def _institution_choices(options) -> list[tuple[str, str]]:
    return [("", "请选择"), *((str(i.pk), i.name) for i in options)]


class TransferAssignForm(StaffForm):
    """The new institution, among those that can take the person over."""

    institution = forms.ChoiceField(label="新护理机构")
    note = forms.CharField(label="说明", required=False, max_length=300)
    required_marks = ("institution",)

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = _institution_choices(options)


class TransferCompleteForm(StaffForm):
    effective_date = date_field("转入生效日期")

    def __init__(self, *args, transfer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if transfer is not None:
            self.fields["effective_date"].help_text = (
                f"新机构开始服务的日期；原机构服务至前一日。默认{transfer.stopped_on:%Y-%m-%d}"
                "的次日或今天"
            )


class TransferCancelForm(StaffForm):
    reason = forms.CharField(label="撤销原因", max_length=300)
    required_marks = ("reason",)


class FamilyChoiceForm(StaffForm):
    institution = forms.ChoiceField(label="新的护理机构")
    required_marks = ("institution",)

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = _institution_choices(options)
