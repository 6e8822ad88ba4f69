"""Figures of the public pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def wan(fen: int | None) -> str:
    """Fen as 万元 with two decimals: ``123456789`` -> ``123.46``."""
    if fen is None:
        return "—"
    value = (Decimal(int(fen)) / Decimal(1_000_000)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{value:,.2f}"
