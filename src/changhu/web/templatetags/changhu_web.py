"""Template helpers for the back office: Bootstrap form widgets, badges, audit rows, and the
components pages are built of (cards, tables, page headers, filter bars: web/components.py)."""

from __future__ import annotations

import re

from django import forms, template
from django.urls import reverse
from django.utils.html import format_html

from changhu.insured.models import InsuranceType, PersonStatus, SpecialGroup
from changhu.web import labels
from changhu.web.components import (
    Component,
    box_attributes,
    register_component,
    register_slot,
    table_columns,
)

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
def is_choice_list(bound_field) -> bool:
    """Radio buttons or check boxes: drawn by ``web/_choices.html``, one label per choice."""
    return _is_multi_input(bound_field.field.widget)


@register.simple_tag
def choice_input(option, field):
    """One radio or box of a choice list with Bootstrap's class, marked invalid with the field."""
    attrs = dict(option.data["attrs"])
    classes = attrs.get("class", "").split()
    if "form-check-input" not in classes:
        classes.insert(0, "form-check-input")
    if field.errors:
        classes.append("is-invalid")
    attrs["class"] = " ".join(classes)
    context = {"widget": {**option.data, "attrs": attrs, "wrap_label": False}}
    return option.parent_widget._render(option.template_name, context, option.renderer)


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


# --- components -----------------------------------------------------------------------------

EMPTY_LIST_ICON = '<i class="bi bi-inbox fs-3 d-block mb-2" aria-hidden="true"></i>{}'


def _result_table(values: dict) -> dict:
    values["empty"] = format_html(EMPTY_LIST_ICON, values["empty"])
    return table_columns(values)


register_slot(register)
for _component in (
    Component(
        "card",
        "web/components/card.html",
        positional=("title",),
        defaults={"title": "", "footer": ""},
        prepare=box_attributes,
    ),
    Component(
        "list_card",
        "web/components/list_card.html",
        positional=("title",),
        defaults={"title": "", "empty": "无", "small": False, "footer": ""},
        prepare=box_attributes,
    ),
    Component(
        "table_card",
        "web/components/table_card.html",
        positional=("title",),
        defaults={
            "title": "",
            "empty": "无",
            "hover": False,
            "empty_class": "py-3",
            "table_testid": "",
            "header": "",
            "foot": "",
            "footer": "",
        },
        prepare=table_columns,
    ),
    Component(
        "result_table",
        "web/components/result_table.html",
        positional=("page",),
        defaults={
            "empty": "没有符合条件的记录",
            "hover": True,
            "empty_class": "py-5",
            "table_testid": "",
            "after": "",
            "note": "",
            "foot": "",
        },
        prepare=_result_table,
    ),
    Component(
        "form_card",
        "web/components/form_card.html",
        defaults={
            "title": "",
            "action": "",
            "tone": "primary",
            "cancel_url": "",
            "upload": False,
            "novalidate": False,
            "button_testid": "",
            "confirm": "",
        },
        prepare=box_attributes,
    ),
    Component(
        "page_header",
        "web/components/page_header.html",
        positional=("title",),
        defaults={
            "title": "",
            "current": "",
            "testid": "",
            "crumbs": "",
            "actions": "",
            "lead": "",
        },
    ),
):
    register_component(register, _component)


@register.simple_tag
def crumb(label, view_name: str, *args) -> str:
    """A step of a page_header's breadcrumb: ``{% crumb "参保人" "insured:person_list" %}``."""
    href = reverse(view_name, args=args)
    return format_html('<li class="breadcrumb-item"><a href="{}">{}</a></li>', href, label)


FILTER_COLUMNS = "col-6 col-lg-3"
_LG_SPAN = re.compile(r"\bcol-lg-(\d+)\b")


@register.inclusion_tag("web/components/filter_bar.html", takes_context=True)
def filter_bar(context, form, reset_url=None):
    """The search form above a list: each visible field in a column (``form.filter_columns``
    names other widths than the default), check boxes as check boxes, and the buttons filling
    the rest of the last row. 重置 goes to the list without filters (this page's path), or to
    ``reset_url``; an empty ``reset_url`` leaves it out."""
    if reset_url is None:
        request = context.get("request")
        reset_url = request.path if request is not None else ""
    widths = getattr(form, "filter_columns", None) or {}
    cells, used = [], 0
    for field in form.visible_fields():
        columns = widths.get(field.name, FILTER_COLUMNS)
        span = _LG_SPAN.search(columns)
        used += int(span.group(1)) if span else 12
        check = isinstance(field.field.widget, forms.CheckboxInput)
        cells.append({"field": field, "columns": columns, "check": check})
    rest = 12 - used % 12
    actions = "col-12" if rest == 12 else f"col-12 col-lg-{rest}"
    return {"form": form, "cells": cells, "actions_columns": actions, "reset_url": reset_url}
