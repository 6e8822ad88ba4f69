"""The day rule of :mod:`changhu.care.eligibility` as SQL predicates, for set-based readers.

Settlement stages a month's eligible days in SQL (``settlement.compute.staging``) and screening
checks every visit and bed-day of a month in SQL (``visits.screening``); both build their
queries from these predicates, so the rule has one Python definition (``eligibility``) and one
SQL form, here. ``care/tests/test_eligibility_sql.py`` checks each predicate against the Python
rule on random spans in the real database (SQLite and PostgreSQL), and the settlement and
screening property tests check the whole answer.

Each function takes SQL expressions (column references or placeholders) and returns a boolean
SQL expression; nothing here touches the database.
"""

from __future__ import annotations


def span_covers(day: str, start: str, end: str) -> str:
    """``eligibility.Span(start, end).covers(day)``: first to last day inclusive, an open end
    (NULL) covering every later day. Care periods, pauses and enrolment periods."""
    return f"({start} <= {day} AND ({end} IS NULL OR {end} >= {day}))"


def hospital_covers(day: str, admitted: str, discharged: str) -> str:
    """``eligibility.hospital_days(stay).covers(day)``: the admission day is a hospital day, the
    discharge day is not (算入不算出), a same-day stay is one hospital day, and a stay without a
    discharge date pauses from admission on."""
    return (
        f"({admitted} <= {day} AND ({discharged} IS NULL OR {day} < {discharged} "
        f"OR ({discharged} = {admitted} AND {day} = {admitted})))"
    )


def after_death(day: str, died_on: str) -> str:
    """A day after the day of death (the day of death itself is still eligible)."""
    return f"({died_on} IS NOT NULL AND {day} > {died_on})"
