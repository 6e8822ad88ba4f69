"""Template filters for settlement pages: money in yuan, a line's days as runs, and the
Chinese labels of the codes a line or a period stores."""

from __future__ import annotations

from django import template

from changhu.core.money import format_yuan
from changhu.settlement import labels
from changhu.settlement.policy import mask_ranges

register = template.Library()


@register.filter
def yuan(fen) -> str:
    return format_yuan(fen)


@register.filter
def line_days(line) -> str:
    return mask_ranges(int(line.days_mask or 0))


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{value}%"


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def care_mode(code) -> str:
    return labels.care_mode_label(code or "")


@register.filter
def institution_class(code) -> str:
    return labels.institution_class_label(code or "")


@register.filter
def policy_label(policy, names) -> str:
    """``{{ period.policy|policy_label:labels }}`` with a :class:`labels.PolicyLabels`."""
    return names.policy(policy)


@register.filter
def rule_label(line, names) -> str:
    return names.rule(line)


@register.filter
def payer_label(code, names) -> str:
    return names.payer(code)


@register.filter
def version_label(version) -> str:
    return labels.version_label(str(version or ""))
