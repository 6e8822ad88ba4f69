"""The SQL form of the day rule (care/eligibility_sql.py) agrees with its Python definition
(care/eligibility.py), evaluated by the database the suite runs on (SQLite or PostgreSQL), on
random spans around month ends, same-day stays and open ends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changhu.care import eligibility
from changhu.care import eligibility_sql as sql

pytestmark = pytest.mark.django_db

BASE = dt.date(2026, 2, 20)  # spans cross a short month's end
offset = st.integers(min_value=0, max_value=20)
open_end = st.one_of(st.none(), st.integers(min_value=0, max_value=8))
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def in_database(expression: str, day: dt.date, start: dt.date, end: dt.date | None) -> bool:
    """Evaluate ``expression`` over the columns x.d, x.s, x.e holding the three dates."""
    cast = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN {expression} THEN 1 ELSE 0 END "
            f"FROM (SELECT {cast} AS d, {cast} AS s, {cast} AS e) x",
            [day, start, end],
        )
        return cursor.fetchone()[0] == 1


def dates(start: int, length: int | None, day: int):
    first = BASE + dt.timedelta(days=start)
    last = None if length is None else first + dt.timedelta(days=length)
    return BASE + dt.timedelta(days=day), first, last


@SETTINGS
@given(start=offset, length=open_end, day=offset)
def test_span_covers_matches_span(start, length, day):
    when, first, last = dates(start, length, day)
    expected = eligibility.Span(first, last).covers(when)
    assert in_database(sql.span_covers("x.d", "x.s", "x.e"), when, first, last) == expected


@SETTINGS
@given(start=offset, length=open_end, day=offset)
def test_hospital_covers_matches_hospital_days(start, length, day):
    when, admitted, discharged = dates(start, length, day)
    expected = eligibility.hospital_days(eligibility.Span(admitted, discharged)).covers(when)
    predicate = sql.hospital_covers("x.d", "x.s", "x.e")
    assert in_database(predicate, when, admitted, discharged) == expected


@SETTINGS
@given(died=open_end, day=offset)
def test_after_death_matches_the_day_of_death_rule(died, day):
    when = BASE + dt.timedelta(days=day)
    died_on = None if died is None else BASE + dt.timedelta(days=died)
    facts = eligibility.Facts(
        periods=(eligibility.CarePeriod(BASE, None, 1, 4, "home_visit", 1),), died_on=died_on
    )
    expected = eligibility.answer(facts, when).reason == eligibility.DECEASED
    assert in_database(sql.after_death("x.d", "x.e"), when, when, died_on) == expected
