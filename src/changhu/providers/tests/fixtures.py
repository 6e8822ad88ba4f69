"""Fixtures shared by the providers and care tests: designated institutions and their admins."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from changhu.core import clock
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Role
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    load_demo_catalogue,
    make_caregiver,
    make_institution,
)


@pytest.fixture
def institution(orgs):
    """The fixture city's care organization (锦江康养护理院), designated, every care mode."""
    return make_institution(orgs.care)


@pytest.fixture
def other(city):
    """A second institution (a home-visit service in Wuhou) with its own admin."""
    org = OrganizationFactory(
        kind=OrgKind.CARE, name="武侯居家照护服务中心", region=city.wuhou, care_kind="home_service"
    )
    inst = make_institution(org, care_kind="home_service", care_modes=("home_visit", "family"))
    admin = UserFactory(username="other_care_admin", role=Role.CARE_ADMIN, organization=org)
    return SimpleNamespace(institution=inst, organization=org, admin=admin)


@pytest.fixture
def catalogue(db):
    return load_demo_catalogue()


@pytest.fixture
def caregivers(institution):
    """A care worker, a nurse, and a care worker whose certificate expired last year."""
    today = clock.today()
    return SimpleNamespace(
        worker=make_caregiver(institution, name="刘桂芳"),
        nurse=make_caregiver(institution, qualification="nurse", certificate="nurse", name="陈静"),
        expired=make_caregiver(
            institution,
            name="赵红梅",
            issued_on=dt.date(2020, 1, 1),
            expires_on=today - dt.timedelta(days=365),
        ),
    )
