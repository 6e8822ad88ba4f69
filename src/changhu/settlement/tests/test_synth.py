"""A small synthetic city settles in SQL exactly as the interpreter says, person by person."""

from __future__ import annotations

import random

import pytest

from changhu.settlement import facts, policies, services, synth
from changhu.settlement import policy as rules
from changhu.settlement.models import ClaimLine, Exclusion, SupplementaryMember
from changhu.settlement.tests.conftest import LINE_ORDER
from changhu.visits.models import Visit
from tests.factories import UserFactory, load_demo_catalogue


def _lines(queryset):
    out: dict[int, list[tuple]] = {}
    for x in queryset.order_by(*LINE_ORDER):
        out.setdefault(x.person_id, []).append(
            (
                x.benefit,
                x.payer,
                x.payee_kind,
                x.institution_id,
                x.care_mode,
                x.days_mask,
                x.eligible_cost_fen,
                x.fund_fen,
                x.personal_fen,
            )
        )
    return out


@pytest.mark.parametrize(("city", "region"), [("lishui", "331100"), ("tengzhou", "370481")])
def test_synthetic_month_matches_the_interpreter(db, city, region):
    policies.load_all_policies()
    load_demo_catalogue()
    report = synth.generate(
        synth.SynthConfig(persons=360, institutions=6, city=city, seed=7), log=lambda _: None
    )
    assert report.counts["person"] == 360 and report.counts["visit"] > 1000
    grades = set(ClaimLine.objects.values_list("grade", flat=True))
    actor = UserFactory(username="root", is_superuser=True, role="")
    period = services.period_open(actor=actor, month="2026-10", region_code=region)
    assert period.policy.code == city
    services.period_compute(actor=actor, period_id=period.pk)
    period.refresh_from_db()
    assert period.line_count > 300
    modes = set(ClaimLine.objects.filter(period=period).values_list("care_mode", flat=True))
    grades = set(ClaimLine.objects.filter(period=period).values_list("grade", flat=True))
    assert grades == {3, 4, 5} and len(modes) >= 3
    reasons = set(Exclusion.objects.filter(period=period).values_list("reason_code", flat=True))
    assert "no_eligible_day" in reasons and reasons & {code for code, _ in synth.FINDING_RULES}
    assert Visit.objects.filter(payable=False).exists()

    persons = sorted(
        set(ClaimLine.objects.filter(period=period).values_list("person_id", flat=True))
    )
    sample = random.Random(1).sample(persons, 60)
    policy = policies.parsed(period.policy)
    members = set(SupplementaryMember.objects.values_list("person_id", flat=True))
    expected: dict[int, list[tuple]] = {}
    months = facts.person_months(sample, "2026-10")
    for pid in sample:
        lines = rules.settle_person(policy, months[pid]).lines
        if period.supplementary_id and pid in members:
            lines += rules.supplement(lines, policies.parsed(period.supplementary))
        for x in sorted(lines, key=lambda x: (x.tier, *x.sort_key())):
            expected.setdefault(pid, []).append(
                (
                    x.benefit,
                    x.payer,
                    x.payee,
                    x.institution,
                    x.care_mode,
                    sum(1 << (d.day - 1) for d in x.days),
                    x.eligible_cost_fen,
                    x.fund_fen,
                    x.personal_fen,
                )
            )
    got = _lines(ClaimLine.objects.filter(period=period, person_id__in=sample).order_by("tier"))
    for pid in sample:
        got[pid] = sorted(got.get(pid, []), key=lambda row: row[1] != city)
        expected[pid] = sorted(expected.get(pid, []), key=lambda row: row[1] != city)
    assert got == expected
