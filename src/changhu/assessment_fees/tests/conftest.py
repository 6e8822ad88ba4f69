"""Fixtures of the assessment fee tests: the shipped fee table, concluded cases written
directly (``tests.factories.make_conclusion``) at a chosen place, kind and day, a dispatch ended
on site, and a second assessment institution."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.utils import timezone

from changhu.assessment.models import Application, Assessment, Conclusion, RuleVersion
from changhu.assessment_fees import tables
from changhu.core import clock, months
from changhu.orgs.models import OrgKind
from tests.factories import OrganizationFactory, UserFactory, make_conclusion

_serial = itertools.count(1)


@pytest.fixture
def fee_tables(db):
    tables.load_fee_tables()


@pytest.fixture
def month() -> str:
    """Last month (the usual month to settle), whatever today is."""
    return months.key(clock.previous_month_start())


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def in_month(month: str, day: int) -> dt.date:
    first, last = months.bounds(month)
    return min(first + dt.timedelta(days=day - 1), last)


def conclude(
    person,
    *,
    on: dt.date,
    place: str = "home",
    kind: str = "initial",
    institution=None,
    previous=None,
    grade: int = 4,
    applicant_fen: int = 0,
) -> Conclusion:
    """A conclusion issued on ``on`` of a case of ``kind`` assessed at ``place`` by
    ``institution``; an appeal records who bears its fee as the conclusion service would."""
    conclusion = make_conclusion(person, grade=grade, kind=kind, previous=previous)
    Application.objects.filter(pk=conclusion.application_id).update(place=place)
    if institution is not None:
        Assessment.objects.filter(pk=conclusion.assessment_id).update(institution=institution)
        Application.objects.filter(pk=conclusion.application_id).update(institution=institution)
    changes = {"issued_at": moment(on)}
    if kind == "appeal":
        changes.update(
            grade_changed=previous.grade != grade,
            fee_payer="applicant" if applicant_fen else "fund",
            fee_fen=applicant_fen,
        )
    Conclusion.objects.filter(pk=conclusion.pk).update(**changes)
    conclusion.refresh_from_db()
    return conclusion


def ended_on_site(person, *, on: dt.date, institution, place: str = "home", reason="recalled"):
    """A case whose dispatch went on site on ``on`` and was then taken back (no result)."""
    from changhu.assessment.presets import (
        load_rule_presets,
        load_scale_presets,
        rules_for,
        scale_for,
    )

    if not RuleVersion.objects.exists():
        load_scale_presets()
        load_rule_presets()
    application = Application.objects.create(
        number=f"E{next(_serial):010d}",
        kind="initial",
        channel="counter",
        status="accepted",
        person=person,
        region_code=person.region_code,
        rules=rules_for(person.region_code, on),
        applicant_name="张小梅",
        relationship="child",
        place=place,
    )
    return Assessment.objects.create(
        application=application,
        institution=institution,
        due_date=on,
        scale_version=scale_for("national-2021", on),
        active=False,
        superseded_reason=reason,
        started_at=moment(on, 9),
    )


@pytest.fixture
def second(city, orgs):
    """Another assessment institution (in Wuhou) with an assessor of its own."""
    org = OrganizationFactory(kind=OrgKind.ASSESSMENT, name="武侯失能评估中心", region=city.wuhou)
    user = UserFactory(username="assessor_wh", role="assessor", organization=org)
    return SimpleNamespace(org=org, assessor=user)


@pytest.fixture
def outsider_worker(db, city):
    """An insurer's case worker of another city (Kunming)."""
    from changhu.orgs.models import RegionLevel
    from tests.fixtures import _region

    kunming = _region("530100", "昆明市", RegionLevel.CITY)
    org = OrganizationFactory(kind=OrgKind.INSURER, name="丙保险昆明分公司", region=kunming)
    return UserFactory(username="worker_km", role="insurer_case_worker", organization=org)
