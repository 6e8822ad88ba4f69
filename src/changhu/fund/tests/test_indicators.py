"""Fund indicators and their warning levels, table-driven (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from changhu.fund import indicators
from changhu.fund.indicators import MonthFigures


def series(*rows):
    return [MonthFigures(m, i, e, b) for m, i, e, b in rows]


@pytest.mark.parametrize(
    ("rows", "month", "expected"),
    [
        # balance 1,200 over 12 months of 100 spent: 12 months; spent 1,200 of 1,500 income.
        (
            [(f"2026-{n:02d}", 125, 100, 100 * n) for n in range(1, 13)],
            "2026-12",
            {
                "coverage_months": Decimal("12"),
                "payout_ratio": Decimal("0.8"),
                "mom_growth": Decimal("0"),
            },
        ),
        # a young fund: three months, expenditure doubling.
        (
            [
                ("2026-01", 1000, 100, 900),
                ("2026-02", 1000, 200, 1700),
                ("2026-03", 1000, 400, 2300),
            ],
            "2026-03",
            {
                "coverage_months": Decimal("9.8571"),
                "payout_ratio": Decimal("0.2333"),
                "mom_growth": Decimal("1"),
            },
        ),
        # no expenditure yet, no previous month: not computable, not a warning.
        (
            [("2026-01", 1000, 0, 1000)],
            "2026-01",
            {"coverage_months": None, "payout_ratio": Decimal("0"), "mom_growth": None},
        ),
        # the year-to-date ratio restarts in January.
        (
            [("2025-12", 100, 500, 0), ("2026-01", 400, 200, 200)],
            "2026-01",
            {
                "coverage_months": Decimal("0.5714"),
                "payout_ratio": Decimal("0.5"),
                "mom_growth": Decimal("-0.6"),
            },
        ),
        # a month without figures.
        ([("2026-01", 1, 1, 0)], "2026-02", dict.fromkeys(indicators.INDICATORS)),
    ],
)
def test_values(rows, month, expected):
    got = indicators.values(series(*rows), month)
    assert {k: (v.normalize() if v is not None else None) for k, v in got.items()} == {
        k: (v.normalize() if v is not None else None) for k, v in expected.items()
    }


@pytest.mark.parametrize(
    ("code", "value", "overrides", "level"),
    [
        ("coverage_months", Decimal("12"), {}, ""),
        ("coverage_months", Decimal("5"), {}, "warning"),
        ("coverage_months", Decimal("2.9"), {}, "critical"),
        (
            "coverage_months",
            Decimal("7"),
            {("coverage_months", "warning"): Decimal("8")},
            "warning",
        ),
        ("payout_ratio", Decimal("0.9"), {}, ""),
        ("payout_ratio", Decimal("0.96"), {}, "warning"),
        ("payout_ratio", Decimal("1.2"), {}, "critical"),
        ("mom_growth", Decimal("0.3"), {}, "critical"),
        ("mom_growth", Decimal("0.3"), {("mom_growth", "critical"): Decimal("0.5")}, "warning"),
        ("mom_growth", None, {}, ""),
    ],
)
def test_levels(code, value, overrides, level):
    reading = next(
        r for r in indicators.evaluate({code: value}, overrides) if r.indicator.code == code
    )
    assert reading.level == level


def test_display():
    readings = indicators.evaluate(
        {"coverage_months": Decimal("5.25"), "payout_ratio": Decimal("0.95555")}
    )
    shown = {r.indicator.code: r.display for r in readings}
    assert shown == {"coverage_months": "5.3个月", "payout_ratio": "95.6%", "mom_growth": "—"}
