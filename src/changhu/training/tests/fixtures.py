"""Fixtures of the training tests: a certificate course, a session that ended last week, and
two uncertified care workers of the fixture institution plus one of another institution."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from changhu.core import clock
from changhu.training import services
from tests.factories import make_caregiver


@pytest.fixture
def course(users, orgs):
    return services.course_create(
        actor=users.bureau_admin,
        data=services.CourseInput(
            name="养老护理员（初级）岗前培训",
            audience="caregiver",
            hours="40",
            certificate_kind="care_worker",
            validity_months=36,
        ),
    )


@pytest.fixture
def trainees(institution, other):
    return SimpleNamespace(
        a=make_caregiver(institution, name="王秀兰", certificate=None),
        b=make_caregiver(institution, name="李春梅", certificate=None),
        outsider=make_caregiver(other.institution, name="张丽", certificate=None),
    )


@pytest.fixture
def held(users, course):
    """A session that ran from twelve to eight days ago."""
    today = clock.today()
    return services.session_create(
        actor=users.bureau_admin,
        course_id=course.pk,
        data=services.SessionInput(
            starts_on=today - dt.timedelta(days=12),
            ends_on=today - dt.timedelta(days=8),
            place="市社保培训中心三楼",
            capacity=30,
            pass_mark="60",
        ),
    )
