"""The part of a paid line that fell after a death (table-driven)."""

from __future__ import annotations

import datetime as dt

import pytest

from changhu.matching.rules import days_after_death, recovery_fen


def mask(*days: int) -> int:
    return sum(1 << (d - 1) for d in days)


@pytest.mark.parametrize(
    ("month", "days_mask", "died_on", "expected"),
    [
        ("2026-03", mask(*range(1, 32)), dt.date(2026, 3, 10), (21, 31)),  # the 10th stays paid
        ("2026-03", mask(2, 9, 16, 23, 30), dt.date(2026, 3, 16), (2, 5)),
        ("2026-03", mask(2, 9), dt.date(2026, 3, 16), (0, 2)),
        ("2026-03", 0, dt.date(2026, 3, 10), (21, 31)),  # paid by the month
        ("2026-04", 0, dt.date(2026, 3, 31), (30, 30)),  # a month wholly after the death
        ("2026-02", mask(28), dt.date(2026, 2, 27), (1, 1)),
        ("2024-02", 0, dt.date(2024, 2, 28), (1, 29)),  # leap year
    ],
)
def test_days_after_death(month, days_mask, died_on, expected):
    assert days_after_death(month, days_mask, died_on) == expected


@pytest.mark.parametrize(
    ("fund_fen", "after", "paid", "recoverable", "expected"),
    [
        (179600, 21, 31, 179600, 121665),  # 121664.52 to the fen
        (5, 1, 2, 5, 3),  # 2.5 rounds half up
        (30000, 2, 5, 30000, 12000),
        (30000, 0, 5, 30000, 0),
        (30000, 5, 5, 20000, 20000),  # no more than is left after earlier adjustments
        (30000, 5, 5, -100, 0),
        (0, 5, 5, 0, 0),
    ],
)
def test_recovery_fen(fund_fen, after, paid, recoverable, expected):
    assert recovery_fen(fund_fen, after, paid, recoverable=recoverable) == expected
