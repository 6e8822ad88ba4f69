"""Random months in the database: the screening's SQL flags a visit as not payable for a
reason of eligibility (after death, in hospital, not entitled) exactly on the days the Python
rule (care.eligibility, through care.selectors.eligibility_facts) says the person was not
eligible with the visit's institution, and with the rule of the first reason it names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changhu.care import eligibility
from changhu.care import selectors as care_selectors
from changhu.care.models import Pause
from changhu.insured.models import EnrolmentPeriod, LifeEvent, Person
from changhu.visits import rulesets, screening
from changhu.visits.models import Finding
from changhu.visits.tests.fixtures import month_start
from tests.factories import make_visit

pytestmark = pytest.mark.django_db

RULE_OF = {
    eligibility.DECEASED: "person_deceased",
    eligibility.HOSPITAL: "person_in_hospital",
    eligibility.PAUSED: "not_entitled",
    eligibility.NOT_INSURED: "not_entitled",
    eligibility.NO_ENTITLEMENT: "not_entitled",
}
ELIGIBILITY_RULES = set(RULE_OF.values())

day = st.integers(min_value=1, max_value=28)
span = st.one_of(st.none(), st.tuples(day, st.one_of(st.none(), st.integers(0, 6))))
month_of = st.fixed_dictionaries(
    {
        "hospital": st.lists(span, max_size=2),
        "pause": span,
        "died": st.one_of(st.none(), day),
        "insured_until": st.one_of(st.none(), day),
    }
)


def d(n: int) -> dt.date:
    return month_start() + dt.timedelta(days=n - 1)


def _facts(home, spec) -> None:
    person = home.person
    for stay in spec["hospital"]:
        if stay:
            first, length = stay
            end = None if length is None else d(min(28, first + length))
            LifeEvent.objects.create(
                person=person, kind="hospital_stay", start_date=d(first), end_date=end
            )
    if spec["pause"]:
        first, length = spec["pause"]
        Pause.objects.create(
            entitlement=person.entitlements.get(),
            person=person,
            start_date=d(first),
            end_date=None if length is None else d(min(28, first + length)),
            reason="测试",
        )
    if spec["insured_until"]:
        EnrolmentPeriod.objects.filter(person=person).update(end_date=d(spec["insured_until"]))
    if spec["died"]:
        Person.objects.filter(pk=person.pk).update(status="deceased", died_on=d(spec["died"]))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=month_of)
def test_screening_agrees_with_the_eligibility_rule(home, institution, spec):
    person = home.person
    rules = rulesets.rules_on(month_start())
    with transaction.atomic():
        _facts(home, spec)
        visits = {}
        for n in range(1, 29):  # a visit every day: each day of the month is checked
            start = timezone.make_aware(dt.datetime.combine(d(n), dt.time(9)))
            visits[n] = make_visit(
                caregiver=home.caregiver,
                person=person,
                start=start,
                minutes=45,
                items=((home.items["SH05"], 1),),
            )
        screening.screen_institution(
            institution_id=institution.pk, period=month_start().strftime("%Y-%m"), rules=rules
        )
        facts = care_selectors.eligibility_facts([person.pk], d(1), d(28))[person.pk]
        fired: dict[int, set[str]] = {}
        for visit_id, rule in Finding.objects.filter(rule_code__in=ELIGIBILITY_RULES).values_list(
            "visit_id", "rule_code"
        ):
            fired.setdefault(visit_id, set()).add(rule)
        for n, visit in visits.items():
            answer = eligibility.answer(facts, d(n))
            payable = answer.eligible and answer.institution_id == institution.pk
            got = fired.get(visit.pk, set())
            assert (not got) == payable, (n, answer, got, spec)
            if not answer.eligible:
                assert RULE_OF[answer.reason] in got, (n, answer, got, spec)
        transaction.set_rollback(True)
