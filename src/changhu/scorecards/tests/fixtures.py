"""A care institution with hand-countable rows behind every computed indicator, in the last
quarter that has ended (so nothing depends on today's date)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from types import SimpleNamespace

import pytest
from django.utils import timezone

from changhu.core import clock
from changhu.scorecards import consequences, periods
from tests.factories import make_entitlement, make_person

_numbers = itertools.count(1)


def add_finding(institution, person, month: str, *, status: str = "open"):
    from changhu.visits.models import Finding

    return Finding.objects.create(
        person=person,
        institution=institution,
        region_code=person.region_code,
        period=month,
        rule_code=f"rule-{next(_numbers)}",
        severity="medium",
        status=status,
        rule_version="2026.1",
        reason="服务时长不足",
    )


def add_complaint(institution, person, received: dt.date):
    from changhu.feedback.models import Complaint

    at = timezone.make_aware(dt.datetime.combine(received, dt.time(10)))
    return Complaint.objects.create(
        number=f"TS{next(_numbers):08d}",
        channel="hotline",
        category="service_quality",
        status="received",
        content="护理员未按时上门",
        person=person,
        institution=institution,
        region_code=person.region_code,
        received_at=at,
        ack_due=received + dt.timedelta(days=2),
        reply_due=received + dt.timedelta(days=10),
    )


@pytest.fixture
def scored(city, institution, caregivers, other):
    """The Jinjiang institution in the last ended quarter: 4 beneficiaries, 3 findings (2 in the
    quarter's months, 1 the month before), 1 confirmed and 1 dismissed; 2 complaints in the
    quarter and 1 after; 3 caregivers of whom 2 hold a valid certificate at the quarter's end
    (one expired last year)."""
    quarter = periods.last_complete_quarter(clock.today())
    months = quarter.months
    street = city.streets["510104001000"]
    persons = [make_person(street) for _ in range(4)]
    for person in persons:
        make_entitlement(person, institution, start=quarter.first - dt.timedelta(days=30))
    add_finding(institution, persons[0], months[0], status="confirmed")
    add_finding(institution, persons[1], months[1], status="dismissed")
    add_finding(institution, persons[2], months[2])
    before = quarter.shift(-1).months[-1]
    add_finding(institution, persons[3], before, status="confirmed")
    add_complaint(institution, persons[0], quarter.first + dt.timedelta(days=3))
    add_complaint(institution, persons[1], quarter.last)
    add_complaint(institution, persons[2], quarter.last + dt.timedelta(days=1))
    return SimpleNamespace(quarter=quarter, persons=persons, institution=institution, other=other)


# --- consequences -----------------------------------------------------------------------------

EVERY_ACTION = [
    {"action": "warning"},
    {"action": "interview"},
    {"action": "withholding", "percent": 5},
    {"action": "suspension"},
    {"action": "termination"},
]


def rule_file(tmp_path, kinds, **header):
    raw = {
        "code": "test-consequences",
        "version": "t1",
        "name": "测试规则",
        "effective_from": "2000-01-01",
        "kinds": kinds,
        **header,
    }
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def every_score(tmp_path):
    """Rules under which every care-institution score calls for every consequence, and every
    insurer score for a fee factor of 0.9."""
    consequences.load_rules_file(
        rule_file(
            tmp_path,
            {
                "care-institution": [{"consequences": EVERY_ACTION}],
                "insurer": [{"consequences": [{"action": "fee_factor", "factor": 0.9}]}],
            },
        )
    )


@pytest.fixture
def settled(scored, orgs):
    """The scored institution was paid 12,345.00 yuan for the quarter's last month, and the
    month after the quarter is open for settlement."""
    from changhu.settlement import policies
    from changhu.settlement.models import Claim, ClaimLine, PolicyVersion, SettlementPeriod

    policies.load_all_policies()
    policy = PolicyVersion.objects.filter(code="chengdu").order_by("-effective_from").first()
    region = orgs.bureau.region  # the city: its periods cover every district

    def period(month, status="open"):
        return SettlementPeriod.objects.create(
            month=month,
            region=region,
            region_code=region.code,
            region_prefix=region.prefix,
            policy=policy,
            status=status,
        )

    paid = period(scored.quarter.months[-1], status="paid")
    claim = Claim.objects.create(period=paid, institution=scored.institution, status="paid")
    ClaimLine.objects.create(
        period=paid,
        claim=claim,
        institution=scored.institution,
        person=scored.persons[0],
        line_key="k1",
        benefit="institution",
        benefit_name="机构护理",
        kind="bed_day",
        payer=policy.code,
        payee_kind="institution",
        grade=3,
        care_mode="institution",
        fund_fen=1_234_500,
        rule="r",
        policy=policy,
    )
    scored.next_period = period(scored.quarter.shift(1).months[0])
    return scored
