"""Random months in the database: the SQL settlement agrees with the interpreter, every line's
shares add up and are never negative, and computing again changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changhu.care.models import Arrangement, Pause
from changhu.insured.models import LifeEvent
from changhu.settlement import facts, policies, services
from changhu.settlement import policy as rules
from changhu.settlement.models import ClaimLine
from changhu.settlement.tests.conftest import MONTH, d, line_values, visit
from tests.factories import make_bed_days, make_entitlement, make_person

MODES = ["institutional", "home_visit", "individual", "family"]
CODES = ["SH05", "YL04", "SZ02", "SZ05"]

day = st.integers(min_value=1, max_value=31)
month_of = st.fixed_dictionaries(
    {
        "grade": st.integers(min_value=2, max_value=5),
        "mode": st.sampled_from(MODES),
        "start": day,
        "change": st.one_of(st.none(), st.tuples(day, st.sampled_from(MODES))),
        "hospital": st.one_of(st.none(), st.tuples(day, st.integers(0, 6))),
        "died": st.one_of(st.none(), day),
        "pause": st.one_of(st.none(), st.tuples(day, st.integers(0, 4))),
        "visits": st.lists(st.tuples(day, st.sampled_from(CODES), st.integers(1, 3)), max_size=6),
        "beds": st.one_of(st.none(), st.tuples(day, day)),
    }
)


def _person(world, spec, n: int):
    person = make_person(world.city.streets["510104001000"], name="测试" + "甲乙丙丁"[n])
    inst, other = (world.a, world.b) if n % 2 else (world.b, world.a)
    start = d(spec["start"])
    change = spec["change"]
    end = d(change[0]) - dt.timedelta(days=1) if change and change[0] > spec["start"] else None
    ent = make_entitlement(
        person, inst, grade=spec["grade"], care_mode=spec["mode"], start=start, arrangement_end=end
    )
    if end is not None:
        Arrangement.objects.create(
            entitlement=ent,
            person=person,
            start_date=end + dt.timedelta(days=1),
            care_mode=change[1],
            institution=other,
        )
    if spec["hospital"]:
        first, length = spec["hospital"]
        LifeEvent.objects.create(
            person=person,
            kind="hospital_stay",
            start_date=d(first),
            end_date=d(min(31, first + length)),
        )
    if spec["pause"]:
        first, length = spec["pause"]
        Pause.objects.create(
            entitlement=ent,
            person=person,
            start_date=d(first),
            end_date=d(min(31, first + length)),
            reason="测试",
        )
    if spec["died"]:
        person.status, person.died_on = "deceased", d(spec["died"])
        person.save(update_fields=["status", "died_on"])
    caregiver = world.cg_a if inst == world.a else world.cg_b
    for n_visit, (when, code, qty) in enumerate(spec["visits"]):
        visit(world, caregiver, person, when, (code, qty), hour=7 + n_visit)
    if spec["beds"]:
        a, b = sorted(spec["beds"])
        make_bed_days(person, inst, d(a), d(b))
    return person


def _lines(period):
    return line_values(
        period,
        "person_id benefit payer payee_kind institution_id care_mode "
        "grade days_mask eligible_cost_fen fund_fen personal_fen status",
    )


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(month_of, min_size=1, max_size=3),
    code=st.sampled_from(["chengdu", "tengzhou", "chengde", "lishui"]),
)
def test_property_random_months(world, specs, code):
    with transaction.atomic():
        persons = [_person(world, spec, n) for n, spec in enumerate(specs)]
        period = services.period_open(
            actor=world.users.bureau_admin, month=MONTH, region_code="510100", policy_code=code
        )
        services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
        first = _lines(period)
        policy = policies.parsed(period.policy)
        expected = []
        for pid, month in facts.person_months([p.pk for p in persons], MONTH).items():
            for x in rules.settle_person(policy, month).lines:
                expected.append(
                    (
                        pid,
                        x.benefit,
                        x.payer,
                        x.payee,
                        x.institution,
                        x.care_mode,
                        x.grade,
                        sum(1 << (dd.day - 1) for dd in x.days),
                        x.eligible_cost_fen,
                        x.fund_fen,
                        x.personal_fen,
                        "payable",
                    )
                )
        assert [row for row in first if row[2] == code] == sorted(expected)
        for row in first:
            assert row[9] >= 0 and row[10] >= 0
        for line in ClaimLine.objects.filter(period=period):
            assert line.fund_fen + line.personal_fen == line.eligible_cost_fen
        services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
        assert _lines(period) == first
        transaction.set_rollback(True)
