"""The visits demo: a month of visits with anomalies that screening finds, bed-days, patrols."""

import datetime as dt
from collections import Counter

import pytest
import time_machine

from changhu.core import clock
from changhu.core.models import TransitionLog
from changhu.orgs.models import User
from changhu.visits import demo
from changhu.visits.models import BedDay, Finding, PatrolVisit, Stay, Visit, VisitItem
from tests.demo import seed_city_with_care


@pytest.mark.django_db
def test_seed_visits_demo_is_idempotent_and_gives_the_queue_work():
    seed_city_with_care(persons=150, care_persons=40)
    report = demo.seed_visits_demo()
    assert report.visits_created > 10 and report.anomalies == 4, report
    assert report.stays_created >= 1 and report.bed_days_created > 10
    assert report.patrols_created >= 1
    assert VisitItem.objects.count() >= Visit.objects.count()
    rules_found = set(Finding.objects.values_list("rule_code", flat=True))
    assert rules_found & {"too_short", "outside_geofence", "duplicate_photo", "item_not_in_plan"}
    assert Visit.objects.filter(status="in_progress").exists()
    # careadmin has one home to place from a confirmed visit (以本次签到位置为住址坐标).
    from changhu.visits import home_position

    careadmin = User.objects.get(username="careadmin")
    waiting = list(home_position.persons_awaiting(fetched_by=careadmin))
    assert len(waiting) == 1 and home_position.offer(waiting[0]).allowed
    # careadmin's queue has an open, an overdue and a done follow-up of a patrol.
    from changhu.visits import selectors

    assert report.follow_ups_created == 3
    follow_ups = selectors.follow_up_list(fetched_by=careadmin)
    assert follow_ups.count() == 3
    assert selectors.open_follow_ups_count(careadmin) == 2
    assert selectors.overdue_follow_ups_count(careadmin) == 1
    assert follow_ups.filter(status="done").count() == 1
    # Demo logins (the caregiver's phone login included) keep the published password.
    assert not User.objects.filter(must_change_password=True).exists()
    counts = [m.objects.count() for m in (Visit, Stay, BedDay, PatrolVisit)]
    again = demo.seed_visits_demo()
    assert again.visits_created == 0 and again.patrols_created == 0
    assert again.follow_ups_created == 0
    assert [m.objects.count() for m in (Visit, Stay, BedDay, PatrolVisit)] == counts
    # Three days later (a visit day of the plans seen twice a week) the demo's visits left in
    # progress are cancelled, as the institution would, and today's may be in progress again.
    left_open = set(Visit.objects.filter(status="in_progress").values_list("pk", flat=True))
    with time_machine.travel(clock.now() + dt.timedelta(days=3), tick=True):
        later = demo.seed_visits_demo()
    assert later.left_open_cancelled == len(left_open) and later.visits_created > 0
    assert not Visit.objects.filter(pk__in=left_open).exclude(status="cancelled").exists()
    logged = TransitionLog.objects.filter(object_type="visits.visit", to_state="cancelled")
    assert logged.count() == len(left_open)
    open_now = Visit.objects.filter(status="in_progress")
    assert open_now.exists()
    for column in ("caregiver_id", "person_id"):
        assert max(Counter(open_now.values_list(column, flat=True)).values()) == 1
