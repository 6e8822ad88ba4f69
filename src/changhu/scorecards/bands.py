"""Turning an indicator's value into points through its scoring bands (pure Python).

A band is ``{"at_least": x, "points": p}`` (higher is better) or ``{"at_most": x,
"points": p}`` (lower is better); the first band the value meets gives its points, none gives 0.
A value of ``None`` (nothing to measure: no visits, no complaints due) gives the indicator's
``no_data`` points: ``"full"`` (the weight) or ``"zero"``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def points_for(indicator: dict, value: Decimal | None) -> Decimal:
    """The points an indicator's value earns, between 0 and its weight."""
    weight = Decimal(str(indicator["weight"]))
    if indicator["formula"] == "manual":
        if value is None:
            return Decimal("0.00")
        return quantize(min(max(Decimal(value), Decimal(0)), weight))
    if value is None:
        return quantize(weight if indicator.get("no_data", "full") == "full" else 0)
    for band in indicator["bands"]:
        if "at_least" in band and value >= Decimal(str(band["at_least"])):
            return quantize(band["points"])
        if "at_most" in band and value <= Decimal(str(band["at_most"])):
            return quantize(band["points"])
    return Decimal("0.00")
