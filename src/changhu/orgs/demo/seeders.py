"""Seeding the demo city; every app's registered demo seeder (``core.preset_registry``) runs
after it."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction

from changhu.core import audit
from changhu.insured.models import (
    ApplicantLink,
    Person,
)
from changhu.orgs.demo.city import _regions, _seed_organizations, _seed_users
from changhu.orgs.demo.data import BUREAU_NAME, SeedReport
from changhu.orgs.demo.persons import _seed_parent, _seed_persons


def seed_demo(*, persons: int = 2000) -> SeedReport:
    """Create (or complete) the demo city; safe to run again."""
    started = time.monotonic()
    report = SeedReport()
    regions = _regions()
    with transaction.atomic():
        orgs = _seed_organizations(regions, report)
        users = _seed_users(orgs, report)
        parent = _seed_parent(regions, report)
        _seed_persons(max(0, persons), regions, report)
        ApplicantLink.objects.get_or_create(
            user=users["applicant"],
            person=parent,
            defaults={"relationship": ApplicantLink.Relationship.CHILD},
        )
        if report.organizations_created or report.users_created or report.persons_created:
            audit.record(
                action="import",
                obj=orgs[BUREAU_NAME],
                note=f"生成演示数据：机构{report.organizations_created}个，"
                f"用户{report.users_created}个，参保人{report.persons_created}名",
            )
    report.persons_total = Person.objects.count()
    report.seconds = time.monotonic() - started
    return report


def demo_allowed() -> bool:
    """Demo logins share a published password: only the demo and test profiles get them."""
    return bool(getattr(settings, "DEMO", False))
