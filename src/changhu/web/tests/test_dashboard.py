"""The home page leads with what is overdue, then what is due today, grouped by module."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from changhu.assessment import selectors as assessment_selectors
from changhu.assessment.models import Application, Conclusion
from changhu.care import selectors as care_selectors
from changhu.core import clock
from changhu.web.queues import dashboard, queues_for, register_queue, unregister_queue
from tests.factories import make_conclusion, make_person

pytestmark = pytest.mark.django_db

TEST_QUEUES = [
    # key, module, order, overdue, due today
    ("test.calm", "甲模块", 1, 0, 0),
    ("test.today", "乙模块", 2, 0, 3),
    ("test.late", "丙模块", 3, 2, 0),
    ("test.late_calm", "丙模块", 0, 0, 0),
]


@pytest.fixture
def test_queues():
    for key, module, order, overdue, today in TEST_QUEUES:
        register_queue(
            key,
            key,
            "orgs.view",
            lambda user: 5,
            lambda: "/orgs/",
            order=order - 1000,
            module=module,
            overdue=(lambda user, n=overdue: n) if overdue else None,
            due_today=(lambda user, n=today: n) if today else None,
        )
    yield
    for key, *_ in TEST_QUEUES:
        unregister_queue(key)


def test_overdue_groups_and_cards_come_first(users, test_queues):
    groups = [g for g in dashboard(users.care_admin) if g.module in {"甲模块", "乙模块", "丙模块"}]
    assert [g.module for g in groups] == ["丙模块", "乙模块", "甲模块"]
    # Within a module the card with overdue items leads, whatever its registry order.
    assert [c.key for c in groups[0].cards] == ["test.late", "test.late_calm"]
    assert (groups[0].cards[0].overdue, groups[1].cards[0].due_today) == (2, 3)


def test_home_page_shows_the_order_and_says_what_is_late(client, users, test_queues):
    client.force_login(users.care_admin)
    html = client.get(reverse("web:home")).content.decode()
    order = [k for k in re.findall(r'data-queue="([^"]+)"', html) if k.startswith("test.")]
    assert order == ["test.late", "test.late_calm", "test.today", "test.calm"]
    assert "已逾期 2" in html and "今日到期 3" in html
    headings = re.findall(r'<h2 class="h6 text-secondary mb-2" id="queue-group-\d+">([^<]+)<', html)
    assert headings.index("丙模块") < headings.index("乙模块") < headings.index("甲模块")


def test_queue_labels_are_unique_on_every_home_page(users):
    for user in vars(users).values():
        labels = [card.label for card in queues_for(user)]
        assert len(labels) == len(set(labels)), (user.username, labels)


def _case(person, **fields):
    application = make_conclusion(person).application
    Application.objects.filter(pk=application.pk).update(**fields)
    return application


def test_assessment_cases_past_their_deadline_are_overdue(users, people, city):
    today = clock.today()
    _case(people.jinjiang, status="materials_requested", materials_due=today - dt.timedelta(1))
    _case(people.qingyang, status="dispatched", assessment_due=today)
    third = make_person(city.streets["510104002000"], name="周桂兰")
    _case(third, status="materials_requested", overdue_since=today - dt.timedelta(3))
    _case(people.wuhou, status="materials_requested", overdue_since=today)  # out of scope
    deadlines = assessment_selectors.queue_deadlines(fetched_by=users.supervisor_a)
    assert deadlines["materials"] == (2, 0)
    assert deadlines["assessment"] == (0, 1)
    assert deadlines["intake"] == (0, 0)
    assert deadlines["overdue"] == (1, 0)  # the 逾期 tab holds flagged cases only
    cards = {c.key: c for c in queues_for(users.worker_a) if c.key.startswith("assessment.")}
    assert (cards["assessment.materials"].overdue, cards["assessment.materials"].urgency) == (2, 0)


def test_entitlement_to_open_is_overdue_after_a_month(users, people):
    today = clock.today()
    validity = {"valid_from": today - dt.timedelta(60), "valid_until": today + dt.timedelta(300)}
    late = make_conclusion(people.jinjiang, **validity)
    recent = make_conclusion(people.qingyang, **validity)
    Conclusion.objects.filter(pk=late.pk).update(
        issued_at=clock.now() - dt.timedelta(days=care_selectors.ENTITLEMENT_OPEN_DAYS + 1)
    )
    awaiting = care_selectors.conclusions_awaiting_entitlement(fetched_by=users.worker_a)
    overdue = care_selectors.conclusions_awaiting_entitlement(
        fetched_by=users.worker_a, overdue=True
    )
    assert set(awaiting) == {late, recent}
    assert list(overdue) == [late]
    card = next(c for c in queues_for(users.worker_a) if c.key == "care.entitlements_to_open")
    assert (card.count, card.overdue, card.urgency) == (2, 1, 0)
