"""Template helpers for care pages: money in yuan, labels of codes."""

from __future__ import annotations

from django import template

from changhu.care import conf
from changhu.core.money import format_yuan
from changhu.providers.rules import MODE_LABELS

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen as yuan with two decimals: ``123456`` -> ``1,234.56``."""
    return format_yuan(fen) if fen is not None else "—"


@register.filter
def mode_label(code: str) -> str:
    return MODE_LABELS.get(code, code)


@register.filter
def grade_label(grade) -> str:
    return conf.grade_label(grade)
