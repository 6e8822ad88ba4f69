"""Forms of the visits pages: the filters above the lists and the screening request.

A filter's value goes to the scoped selector as it is (a district or an institution outside
the scope filters to nothing rather than being ignored), so the drop-downs are text fields
drawn as selects; a date that does not parse is ignored.
"""

from __future__ import annotations

from django import forms

from changhu.visits.models import FindingStatus, FollowUpParty, Severity
from changhu.visits.rules import RULE_LABELS
from changhu.web.forms import StaffForm, blank_first, date_field, month_field

ALL = [("", "全部")]


def _select(label: str, choices=()) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=40, widget=forms.Select(choices=choices)
    )


class MonitorFilterForm(StaffForm):
    date = date_field("服务日期")
    district = _select("区县")
    institution = _select("护理机构")

    filter_columns = {"date": "col-6 col-lg-2", "institution": "col-12 col-lg-4"}

    def __init__(self, data=None, *, districts: dict[str, str], institutions, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].widget.choices = ALL + list(districts.items())
        self.fields["institution"].widget.choices = ALL + [
            (str(i.pk), i.organization.name) for i in institutions
        ]


class FindingFilterForm(StaffForm):
    status = _select("状态", [*FindingStatus.choices, ("all", "全部")])
    rule = _select("规则", ALL + list(RULE_LABELS.items()))
    period = month_field("月份")
    severity = _select("严重程度", ALL + list(Severity.choices))

    filter_columns = {"status": "col-6 col-lg-2", "period": "col-6 col-lg-2"}


class TrackFilterForm(StaffForm):
    date = date_field("日期")
    caregiver = _select("护理员")

    filter_columns = {"caregiver": "col-6 col-lg-4"}

    def __init__(self, data=None, *, caregivers, chosen: int | None = None, **kwargs):
        super().__init__(data, **kwargs)
        choices = [("", "请选择")] + [
            (str(c.pk), f"{c.name} · {c.institution.organization.name}") for c in caregivers
        ]
        if chosen and not caregivers:  # a link from a visit, for a reader without the list
            choices.append((str(chosen), f"护理员{chosen}"))
        self.fields["caregiver"].widget.choices = choices


class RunForm(StaffForm):
    period = forms.RegexField(
        label="稽核月份",
        regex=r"^\d{4}-\d{2}$",
        error_messages={"invalid": "月份应为YYYY-MM格式"},
    )


# --- patrol visits and their follow-ups -----------------------------------------------------

PASS_CHOICES = [("1", "合格"), ("0", "不合格")]


class FollowUpForm(StaffForm):
    """A follow-up set on a patrol visit: what, by when, by whom."""

    action = forms.CharField(
        label="跟进事项",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "例如：教会家属每两小时翻身一次"}),
    )
    due_on = date_field("完成期限", required=True)
    party = forms.ChoiceField(
        label="由谁跟进", choices=blank_first("请选择", FollowUpParty.choices)
    )


class FollowUpDoneForm(StaffForm):
    note = forms.CharField(
        label="完成情况",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "做了什么、结果如何"}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ten photos in one file box."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > 10:
            raise forms.ValidationError("照片最多10张")
        return [super(PhotosField, self).clean(f, initial) for f in files]


class PatrolForm(StaffForm):
    """The patrol visit on the phone: whom, the checklist (each item passed or not, with a
    note), the person's condition, what was found, photos, the position if the phone gives
    one, and optionally one follow-up."""

    person = forms.ChoiceField(label="巡护对象")
    condition_note = forms.CharField(
        label="参保人状况", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    findings = forms.CharField(
        label="发现的问题与现场指导",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = PhotosField(label="现场照片", required=False)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    accuracy_m = forms.FloatField(required=False, widget=forms.HiddenInput)
    fu_action = forms.CharField(
        label="跟进事项",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "不需要跟进可不填"}),
    )
    fu_due_on = date_field("完成期限")
    fu_party = forms.ChoiceField(
        label="由谁跟进",
        required=False,
        choices=FollowUpParty.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, checklist=(), persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = list(checklist)
        self.fields["person"].choices = [("", "请选择"), *persons]
        for entry in self.checklist:
            self.fields[f"r_{entry['code']}"] = forms.ChoiceField(
                label=entry["label"],
                choices=PASS_CHOICES,
                widget=forms.RadioSelect,
                error_messages={"required": "请选择合格或不合格"},
            )
            self.fields[f"n_{entry['code']}"] = forms.CharField(
                label=f"{entry['label']}（说明）", required=False, max_length=200
            )

    def checklist_rows(self) -> list[dict]:
        """Each checklist entry with its pass/fail field and its note field, for the page."""
        return [
            {**entry, "result": self[f"r_{entry['code']}"], "note": self[f"n_{entry['code']}"]}
            for entry in self.checklist
        ]

    def field_map(self) -> dict[str, str]:
        names = {
            "person_id": "person",
            "photo_sha256s": "photos",
            "follow_ups.0.action": "fu_action",
            "follow_ups.0.due_on": "fu_due_on",
            "follow_ups.0.party": "fu_party",
            "follow_ups": "fu_action",
        }
        return names
