"""Business months in one place: parsing, bounds, stepping across years and leap Februaries."""

import datetime as dt

import pytest

from changhu.core import months

D = dt.date
# (a month or a day in it, its first day, its last day)
BOUNDS = [
    ("2026-02", D(2026, 2, 1), D(2026, 2, 28)),
    ("2028-02", D(2028, 2, 1), D(2028, 2, 29)),
    ("2026-12", D(2026, 12, 1), D(2026, 12, 31)),
    (" 2026-3 ", D(2026, 3, 1), D(2026, 3, 31)),
    (D(2028, 2, 29), D(2028, 2, 1), D(2028, 2, 29)),
]


@pytest.mark.parametrize(("value", "first", "last"), BOUNDS)
def test_bounds(value, first, last):
    assert months.bounds(value) == (first, last)
    assert months.last_day(value) == last
    assert len(months.days(value)) == last.day


@pytest.mark.parametrize("bad", ["", "2026", "2026-13", "2026-00", "26-01", "2026/01", None, "x"])
def test_bad_months_are_value_errors(bad):
    with pytest.raises(ValueError):
        months.bounds(bad)


def test_strict_form_and_steps():
    assert months.is_strict("2026-03") and not months.is_strict("2026-3")
    assert months.shift("2026-12", 1) == D(2027, 1, 1)
    assert months.shift(D(2026, 1, 31), -1) == D(2025, 12, 1)
    assert months.shift("2026-05", -17) == D(2024, 12, 1)
    assert months.key(D(2027, 2, 5)) == "2027-02"
