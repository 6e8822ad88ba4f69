"""Forms of the caregiver assignment pages (护理员派定); the services do the deciding."""

from __future__ import annotations

from django import forms

from changhu.web.forms import StaffForm, date_field

DATE_INVALID = "日期格式应为 年-月-日，如 2026-03-01"


def _date(label: str, *, required: bool) -> forms.DateField:
    messages = {"required": f"请填写{label}", "invalid": DATE_INVALID}
    return date_field(label, required=required, error_messages=messages)


class BeneficiaryFilterForm(StaffForm):
    q = forms.CharField(label="姓名", required=False, max_length=40)
    unassigned = forms.BooleanField(label="只看未派定护理员的", required=False)


class AssignForm(StaffForm):
    """Pick a caregiver from the institution's list (never type an id), an optional plan item
    and the first day."""

    caregiver = forms.TypedChoiceField(
        label="护理员",
        coerce=int,
        error_messages={
            "required": "请选择护理员",
            "invalid_choice": "请从列表中选择本机构在岗的护理员",
        },
    )
    item = forms.ChoiceField(label="负责服务项目", required=False)
    start_date = _date("起始日", required=True)

    def __init__(self, *args, caregiver_ids, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caregiver"].choices = [(pk, str(pk)) for pk in caregiver_ids]
        self.fields["item"].choices = [("", "全部服务项目（不限）")] + [
            (i.item.code, f"{i.item.name}（{i.item.get_qualification_display()}）") for i in items
        ]
        self.fields["item"].error_messages["invalid_choice"] = "请从执行中的护理计划里选择项目"


class EndForm(StaffForm):
    end_date = _date("最后服务日", required=True)
