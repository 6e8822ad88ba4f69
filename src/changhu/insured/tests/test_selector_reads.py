"""Reads of the register's pages: current special groups and one life event in scope."""

import datetime as dt

from changhu.insured import selectors
from changhu.insured.models import LifeEvent, Person, SpecialGroupMembership


def test_with_active_groups_keeps_only_current_memberships(people):
    SpecialGroupMembership.objects.create(
        person=people.qingyang,
        group="tekun",
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2021, 1, 1),
    )
    persons = {p.pk: p for p in selectors.with_active_groups(Person.objects.all())}
    assert [m.group for m in persons[people.jinjiang.pk].active_groups] == ["tekun"]
    assert persons[people.qingyang.pk].active_groups == []


def test_life_event_get_is_scoped(users, people):
    event = LifeEvent.objects.create(
        person=people.jinjiang, kind="hospital_stay", start_date=dt.date(2026, 10, 5)
    )
    assert selectors.life_event_get(fetched_by=users.worker_a, event_id=event.pk) == event
    assert selectors.life_event_get(fetched_by=users.worker_b, event_id=event.pk) is None
    assert selectors.life_event_get(fetched_by=users.worker_a, event_id=event.pk + 1000) is None
