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


FILE_NOT_KEPT = "上次选择的文件未保存，请重新选择"


def _is_multi_input(widget) -> bool:
    return isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple)


@register.filter
def error_anchor(bound_field) -> str:
    """The id the error banner links to: the field's input, or its first radio/check box.

    A form may name another element (a fieldset) in ``error_anchors``.
    """
    overrides = getattr(bound_field.form, "error_anchors", None) or {}
    if bound_field.name in overrides:
        return overrides[bound_field.name]
    if _is_multi_input(bound_field.field.widget):
        return f"{bound_field.auto_id}_0" if bound_field.auto_id else ""
    return bound_field.id_for_label


@register.filter
def file_not_kept(bound_field) -> bool:
    """True for a file input of a form that failed: browsers cannot refill it.

    A form that stores its uploads before validating lists them in ``stored_files``.
    """
    form = bound_field.form
    if not isinstance(bound_field.field, forms.FileField) or not form.is_bound:
        return False
    if not form.errors or bound_field.name in getattr(form, "stored_files", ()):
        return False
    return bool(form.files.get(bound_field.html_name))


@register.filter
def error_items(form) -> list[dict]:
    """The error banner's rows: one per field error (linked), then form-wide errors."""
    if form is None or not form.is_bound or not form.errors:
        return []
    rows = []
    for bound in form:
        for message in bound.errors:
            if bound.is_hidden:  # nothing to link to: said as the form's own error
                rows.append({"anchor": "", "label": "", "message": message})
            else:
                rows.append(
                    {"anchor": error_anchor(bound), "label": bound.label, "message": message}
                )
    rows.extend({"anchor": "", "label": "", "message": m} for m in form.non_field_errors())
    return rows


@register.filter
def files_not_kept(form) -> list:
    if form is None:
        return []
    return [bound for bound in form if file_not_kept(bound)]
