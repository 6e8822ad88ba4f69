"""Staff lists show the newest first; work queues stay oldest first (FIFO)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from changhu.assessment.models import Application
from changhu.core import clock
from tests.factories import make_conclusion, make_person

pytestmark = pytest.mark.django_db


def _positions(html: str, *needles: str) -> list[int]:
    return [html.index(n) for n in needles]


def _case(person, days_ago: int, **fields):
    application = make_conclusion(person).application
    submitted = clock.now() - dt.timedelta(days=days_ago)
    Application.objects.filter(pk=application.pk).update(submitted_at=submitted, **fields)
    return Application.objects.get(pk=application.pk)


def test_assessment_case_list_shows_the_newest_first(client, users, city):
    older = _case(make_person(city.streets["510104001000"], name="钱老大"), 5, status="submitted")
    newer = _case(make_person(city.streets["510104002000"], name="钱老二"), 1, status="submitted")
    client.force_login(users.worker_a)
    html = client.get(reverse("assessment:case_list")).content.decode()
    new_at, old_at = _positions(html, newer.number, older.number)
    assert new_at < old_at and "最新申请在前" in html
    # The 待受理 work queue is worked oldest first.
    html = client.get(reverse("assessment:case_list") + "?queue=intake").content.decode()
    new_at, old_at = _positions(html, newer.number, older.number)
    assert old_at < new_at and "按申请先后排列" in html


def test_register_list_shows_the_newest_first(client, users, city):
    make_person(city.streets["510104001000"], name="孙先登")
    make_person(city.streets["510104002000"], name="孙后登")
    client.force_login(users.worker_a)
    html = client.get(reverse("insured:person_list")).content.decode()
    later, earlier = _positions(html, "孙后登", "孙先登")
    assert later < earlier
