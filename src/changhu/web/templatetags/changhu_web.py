"""Template helpers for the back office: Bootstrap form widgets, badges, audit rows."""

from __future__ import annotations

from django import forms, template

from changhu.insured.models import InsuranceType, PersonStatus, SpecialGroup
from changhu.web import labels

register = template.Library()

STATUS_BADGES = {
    "active": "text-bg-success",
    "suspended": "text-bg-warning",
    "deceased": "text-bg-secondary",
    "terminated": "text-bg-secondary",
}
CHANNEL_LABELS = labels.AUDIT_CHANNELS
# Audit diffs store codes; these fields are shown by their Chinese labels.
VALUE_LABELS = {
    "insurance_type": dict(InsuranceType.choices),
    "status": dict(PersonStatus.choices),
    "special_groups": dict(SpecialGroup.choices),
}


@register.filter
def bs_widget(bound_field):
    """The field's widget with Bootstrap's classes, marked invalid when it has errors."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.Select):
        base = "form-select"
    elif isinstance(widget, forms.CheckboxInput):
        base = "form-check-input"
    else:
        base = "form-control"
    classes = widget.attrs.get("class", base).split()
    if base not in classes:
        classes.insert(0, base)
    if bound_field.errors:
        classes.append("is-invalid")
    return bound_field.as_widget(attrs={"class": " ".join(classes)})


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-light")


@register.filter
def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)


@register.filter
def change_rows(changes) -> list[dict]:
    """An audit entry's changes as rows of label / old / new; a full view lists the fields."""
    rows = []
    for field, change in (changes or {}).items():
        if isinstance(change, dict):
            rows.append(
                {
                    "label": change.get("label", field),
                    "old": _show(change.get("old"), VALUE_LABELS.get(field, {})),
                    "new": _show(change.get("new"), VALUE_LABELS.get(field, {})),
                    "viewed": False,
                }
            )
        else:
            rows.append({"label": change, "old": "", "new": "", "viewed": True})
    return rows


def _show(value, labels: dict) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, list | tuple):
        return "、".join(str(labels.get(v, v)) for v in value) or "（空）"
    return str(labels.get(value, value))
