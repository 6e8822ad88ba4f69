"""Pure calculation of a recovery: the part of a paid claim line that fell on days after a death.

No Django: table-driven tests in ``tests/test_rules.py``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal


def days_after_death(month: str, days_mask: int, died_on: dt.date) -> tuple[int, int]:
    """``(days paid after the death, days paid)`` of a line of ``month`` (``YYYY-MM``).

    ``days_mask`` has bit ``n - 1`` set for each day ``n`` the line paid; a line paid by the
    month (no days, mask 0) counts every day of the month. The day of death itself was a day of
    care and stays paid.
    """
    year, number = (int(part) for part in month.split("-"))
    length = calendar.monthrange(year, number)[1]
    paid = [n for n in range(1, length + 1) if days_mask >> (n - 1) & 1] if days_mask else []
    if not paid:
        paid = list(range(1, length + 1))
    after = [n for n in paid if dt.date(year, number, n) > died_on]
    return len(after), len(paid)


def recovery_fen(fund_fen: int, after: int, paid: int, *, recoverable: int) -> int:
    """The fund's share of the days after death, half-up to the fen, at most ``recoverable``
    (what is left of the line after earlier adjustments)."""
    if fund_fen <= 0 or after <= 0 or paid <= 0:
        return 0
    share = (Decimal(fund_fen) * after / paid).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(0, min(int(share), recoverable))
