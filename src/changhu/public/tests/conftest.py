"""Fixtures of the public site's tests: an empty page cache, cases under publicity, a ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from changhu.core import clock
from changhu.providers.tests.fixtures import institution, other  # noqa: F401
from tests.factories import make_conclusion


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anonymous():
    return Client(REMOTE_ADDR="203.0.113.9")


def under_publicity(person, *, start: dt.date, end: dt.date, grade: int = 4):
    """A case of ``person`` under publicity from ``start`` to ``end`` (written directly)."""
    from changhu.assessment.models import Application

    conclusion = make_conclusion(person, grade=grade, valid_from=start)
    application, assessment = conclusion.application, conclusion.assessment
    conclusion.delete()
    Application.objects.filter(pk=application.pk).update(
        status="publicity",
        publicity_from=start,
        publicity_until=end,
        current_assessment=assessment,
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def publicity(people):
    """张建国 (Jinjiang) under publicity now; 李秀英 (Qingyang) whose period ended yesterday
    (not yet closed by the job); 王淑芬 (Wuhou) whose period starts tomorrow."""
    today = clock.today()
    day = dt.timedelta(days=1)
    return {
        "now": under_publicity(people.jinjiang, start=today - 2 * day, end=today + 3 * day),
        "ended": under_publicity(people.qingyang, start=today - 8 * day, end=today - day),
        "future": under_publicity(people.wuhou, start=today + day, end=today + 6 * day),
    }
