"""The eligibility rule, table-driven, plus invariants over random facts."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changhu.care import eligibility as el
from changhu.core.tests.test_months import BOUNDS

D = dt.date


def period(start, end, mode="institutional", institution=1, entitlement=1, grade=4):
    return el.CarePeriod(start, end, entitlement, grade, mode, institution)


FACTS = el.Facts(
    periods=(
        period(D(2026, 3, 1), D(2026, 3, 14)),
        period(D(2026, 3, 15), D(2026, 12, 31), mode="home_visit", institution=2),
    ),
    hospital_stays=(
        el.Span(D(2026, 3, 10), D(2026, 3, 12)),  # admitted the 10th, discharged the 12th
        el.Span(D(2026, 3, 17), D(2026, 3, 17)),  # in and out the same day
    ),
    pauses=(el.Span(D(2026, 3, 5), D(2026, 3, 6)),),
    enrolments=(el.Span(D(2020, 1, 1), D(2026, 3, 25)),),
    died_on=D(2026, 3, 20),
)


@pytest.mark.parametrize(
    ("day", "eligible", "reason", "mode", "institution"),
    [
        (D(2026, 2, 28), False, "no_entitlement", "", None),
        (D(2026, 3, 1), True, "eligible", "institutional", 1),
        (D(2026, 3, 4), True, "eligible", "institutional", 1),
        (D(2026, 3, 5), False, "paused", "institutional", 1),
        (D(2026, 3, 6), False, "paused", "institutional", 1),
        (D(2026, 3, 9), True, "eligible", "institutional", 1),
        (D(2026, 3, 10), False, "hospital", "institutional", 1),  # admission day: in hospital
        (D(2026, 3, 11), False, "hospital", "institutional", 1),
        (D(2026, 3, 12), True, "eligible", "institutional", 1),  # discharge day: back home
        (D(2026, 3, 14), True, "eligible", "institutional", 1),  # last day before the change
        (D(2026, 3, 15), True, "eligible", "home_visit", 2),  # the change takes effect
        (D(2026, 3, 17), False, "hospital", "home_visit", 2),  # same-day stay: one hospital day
        (D(2026, 3, 20), True, "eligible", "home_visit", 2),  # the day of death counts
        (D(2026, 3, 21), False, "deceased", "home_visit", 2),
        (D(2026, 3, 26), False, "deceased", "home_visit", 2),  # death wins over enrolment end
    ],
)
def test_answer_by_day(day, eligible, reason, mode, institution):
    answer = el.answer(FACTS, day)
    assert (answer.eligible, answer.reason, answer.care_mode, answer.institution_id) == (
        eligible,
        reason,
        mode,
        institution,
    )
    assert answer.reason_label


def test_open_stay_pauses_from_admission_on_and_enrolment_end_stops_benefits():
    facts = el.Facts(
        periods=(period(D(2026, 1, 1), None),),
        hospital_stays=(el.Span(D(2026, 5, 10), None),),
        enrolments=(el.Span(D(2020, 1, 1), D(2026, 4, 30)),),
    )
    assert el.answer(facts, D(2026, 4, 30)).eligible
    assert el.answer(facts, D(2026, 5, 1)).reason == "not_insured"
    open_stay = el.Facts(periods=facts.periods, hospital_stays=facts.hospital_stays)
    assert el.answer(open_stay, D(2026, 5, 9)).eligible
    assert el.answer(open_stay, D(2027, 1, 1)).reason == "hospital"


@pytest.mark.parametrize(
    ("stay", "paused"),
    [
        (el.Span(D(2026, 1, 10), D(2026, 1, 12)), el.Span(D(2026, 1, 10), D(2026, 1, 11))),
        (el.Span(D(2026, 1, 10), D(2026, 1, 10)), el.Span(D(2026, 1, 10), D(2026, 1, 10))),
        (el.Span(D(2026, 1, 10), None), el.Span(D(2026, 1, 10), None)),
    ],
)
def test_hospital_days(stay, paused):
    assert el.hospital_days(stay) == paused


@pytest.mark.parametrize(
    ("arrangement", "entitlement", "expected"),
    [
        ((D(2026, 1, 1), None), (D(2026, 1, 1), D(2026, 6, 30)), (D(2026, 1, 1), D(2026, 6, 30))),
        (
            (D(2025, 1, 1), D(2026, 2, 1)),
            (D(2026, 1, 1), D(2026, 6, 30)),
            (D(2026, 1, 1), D(2026, 2, 1)),
        ),
        ((D(2026, 7, 1), None), (D(2026, 1, 1), D(2026, 6, 30)), None),
        ((D(2026, 1, 1), None), (D(2026, 1, 1), D(2025, 12, 31)), None),  # voided entitlement
    ],
)
def test_care_period_is_cut_to_the_entitlement(arrangement, entitlement, expected):
    cut = el.care_period(
        arrangement_start=arrangement[0],
        arrangement_end=arrangement[1],
        entitlement_start=entitlement[0],
        entitlement_last=entitlement[1],
        entitlement_id=1,
        grade=3,
        care_mode="family",
        institution_id=1,
    )
    assert (cut and (cut.start, cut.end)) == expected


@pytest.mark.parametrize(
    ("month", "first", "last"), [*BOUNDS, (D(2026, 4, 17), D(2026, 4, 1), D(2026, 4, 30))]
)
def test_month_bounds(month, first, last):
    assert el.month_bounds(month) == (first, last)


def test_month_bounds_refuses_bad_text():
    with pytest.raises(ValueError):
        el.month_bounds("2026/13")


days = st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 3, 31))
spans = st.builds(
    lambda a, n: el.Span(a, None if n is None else a + dt.timedelta(days=n)),
    days,
    st.one_of(st.none(), st.integers(0, 20)),
)


@settings(max_examples=60, deadline=None)
@given(
    stays=st.lists(spans, max_size=3),
    extra=spans,
    died=st.one_of(st.none(), days),
)
def test_more_hospital_days_never_mean_more_eligible_days(stays, extra, died):
    base = el.Facts(
        periods=(period(D(2026, 1, 1), None),), hospital_stays=tuple(stays), died_on=died
    )
    more = el.Facts(periods=base.periods, hospital_stays=(*stays, extra), died_on=died)
    first, last = D(2026, 1, 1), D(2026, 3, 31)
    before = el.calendar(base, first, last)
    after = el.calendar(more, first, last)
    assert el.eligible_days(after) <= el.eligible_days(before)
    # A day that is eligible is always inside a care period with one mode and institution.
    assert all(a.care_mode and a.institution_id for a in after if a.eligible)
