"""Template filters for settlement pages: money in yuan, a line's days as runs."""

from __future__ import annotations

from django import template

from changhu.core.money import format_yuan
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
