"""Was a person eligible on a day, in which care mode, with which institution? Pure, no Django.

The answer for a day, in the order the checks are made:

1. **Death.** The day of death is eligible; every later day is not (``deceased``).
2. **Insured status.** When enrolment periods are given, a day outside all of them is not
   eligible (``not_insured``).
3. **Entitlement.** The day must fall in a care period: an arrangement of an entitlement, cut
   to the entitlement's validity and end date (``no_entitlement`` otherwise). Periods never
   overlap (the services refuse that), so a day has at most one care mode and institution.
4. **Hospital stay.** Benefits pause while the person is in hospital. The admission day is a
   hospital day, the discharge day is not: the medical fund pays hospital bed days "counting
   the admission day, not the discharge day" (算入不算出), so LTCI pays the complementary
   days and never the same day twice. A stay with admission and discharge on the same day is
   one hospital day. A stay without a discharge date pauses from admission on (``hospital``).
5. **Pause** set by hand on the entitlement, first to last day inclusive (``paused``).

For days inside a care period that are not eligible (hospital, pause, after death), the answer
still names the period, so screening can tell "a visit to a person in hospital" from "a visit
to a person without any entitlement".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from changhu.core import months

ONE_DAY = dt.timedelta(days=1)

ELIGIBLE = "eligible"
DECEASED = "deceased"
NOT_INSURED = "not_insured"
NO_ENTITLEMENT = "no_entitlement"
HOSPITAL = "hospital"
PAUSED = "paused"

REASON_LABELS = {
    ELIGIBLE: "享受待遇",
    DECEASED: "已身故",
    NOT_INSURED: "未参保",
    NO_ENTITLEMENT: "无待遇资格",
    HOSPITAL: "住院期间暂停",
    PAUSED: "待遇暂停",
}


@dataclass(frozen=True)
class Span:
    """Days ``start`` through ``end`` inclusive; ``end`` None means still open."""

    start: dt.date
    end: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class CarePeriod:
    """One arrangement, already cut to its entitlement's first and last day."""

    start: dt.date
    end: dt.date | None
    entitlement_id: int
    grade: int
    care_mode: str
    institution_id: int
    social_support: bool = False

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Facts:
    """Everything the answer depends on, for one person."""

    periods: tuple[CarePeriod, ...] = ()
    hospital_stays: tuple[Span, ...] = ()  # as registered: admission day, discharge day
    pauses: tuple[Span, ...] = ()
    enrolments: tuple[Span, ...] | None = None  # None: insured status is not checked
    died_on: dt.date | None = None


@dataclass(frozen=True)
class DayAnswer:
    day: dt.date
    eligible: bool
    reason: str
    entitlement_id: int | None = None
    grade: int | None = None
    care_mode: str = ""
    institution_id: int | None = None
    social_support: bool = False

    @property
    def reason_label(self) -> str:
        return REASON_LABELS[self.reason]


def care_period(
    *,
    arrangement_start: dt.date,
    arrangement_end: dt.date | None,
    entitlement_start: dt.date,
    entitlement_last: dt.date,
    entitlement_id: int,
    grade: int,
    care_mode: str,
    institution_id: int,
    social_support: bool = False,
) -> CarePeriod | None:
    """An arrangement cut to its entitlement; None when nothing of it remains."""
    start = max(arrangement_start, entitlement_start)
    end = entitlement_last if arrangement_end is None else min(arrangement_end, entitlement_last)
    if end < start:
        return None
    return CarePeriod(start, end, entitlement_id, grade, care_mode, institution_id, social_support)


def hospital_days(stay: Span) -> Span:
    """The days a hospital stay pauses benefits (see the module docstring)."""
    if stay.end is None or stay.end == stay.start:
        return Span(stay.start, stay.end)
    return Span(stay.start, stay.end - ONE_DAY)


def answer(facts: Facts, day: dt.date) -> DayAnswer:
    """The answer for one day."""
    period = next((p for p in facts.periods if p.covers(day)), None)
    detail = {}
    if period is not None:
        detail = {
            "entitlement_id": period.entitlement_id,
            "grade": period.grade,
            "care_mode": period.care_mode,
            "institution_id": period.institution_id,
            "social_support": period.social_support,
        }
    if facts.died_on is not None and day > facts.died_on:
        return DayAnswer(day, False, DECEASED, **detail)
    if facts.enrolments is not None and not any(e.covers(day) for e in facts.enrolments):
        return DayAnswer(day, False, NOT_INSURED, **detail)
    if period is None:
        return DayAnswer(day, False, NO_ENTITLEMENT)
    if any(hospital_days(stay).covers(day) for stay in facts.hospital_stays):
        return DayAnswer(day, False, HOSPITAL, **detail)
    if any(p.covers(day) for p in facts.pauses):
        return DayAnswer(day, False, PAUSED, **detail)
    return DayAnswer(day, True, ELIGIBLE, **detail)


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def calendar(facts: Facts, first: dt.date, last: dt.date) -> list[DayAnswer]:
    """The answer for every day from ``first`` through ``last``."""
    return [answer(facts, day) for day in days(first, last)]


def eligible_days(answers: Iterable[DayAnswer]) -> int:
    return sum(1 for a in answers if a.eligible)


def month_bounds(month: str | dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of a business month given as ``YYYY-MM`` or any date in it."""
    return months.bounds(month)


def overlaps(
    a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None
) -> bool:
    """Whether two inclusive date ranges (None = open end) share a day."""
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)
