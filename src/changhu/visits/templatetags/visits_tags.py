"""Labels and badges for visit pages."""

from __future__ import annotations

from django import template

from changhu.visits.api import RULE_LABELS

register = template.Library()

_PLACE = {
    "compliant": ("text-bg-success", "位置相符"),
    "warning": ("text-bg-warning", "位置存疑"),
    "violation": ("text-bg-danger", "位置不符"),
}
_SEVERITY = {"low": "text-bg-light border", "medium": "text-bg-warning", "high": "text-bg-danger"}
_FINDING = {
    "open": "text-bg-warning",
    "confirmed": "text-bg-danger",
    "dismissed": "text-bg-light border",
}


@register.filter
def rule_label(code: str) -> str:
    return RULE_LABELS.get(code, code)


@register.filter
def place_class(result: str) -> str:
    return _PLACE.get(result, ("text-bg-light border", ""))[0]


@register.filter
def place_label(result: str) -> str:
    return _PLACE.get(result, ("", result or "—"))[1]


@register.filter
def severity_class(severity: str) -> str:
    return _SEVERITY.get(severity, "text-bg-light border")


@register.filter
def finding_class(status: str) -> str:
    return _FINDING.get(status, "text-bg-light border")
