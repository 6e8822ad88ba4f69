"""The visits demo: a month of visits with anomalies that screening finds, bed-days, patrols."""

import pytest

from changhu.care import demo as care_demo
from changhu.orgs import demo as city_demo
from changhu.orgs import presets
from changhu.visits import demo
from changhu.visits.models import BedDay, Finding, PatrolVisit, Stay, Visit, VisitItem


@pytest.mark.django_db
def test_seed_visits_demo_is_idempotent_and_gives_the_queue_work():
    presets.load_all_regions()
    city_demo.seed_demo(persons=150)
    care_demo.seed_care_demo(persons_limit=40)
    report = demo.seed_visits_demo()
    assert report.visits_created > 10 and report.anomalies == 4, report
    assert report.stays_created >= 1 and report.bed_days_created > 10
    assert report.patrols_created >= 1
    assert VisitItem.objects.count() >= Visit.objects.count()
    rules_found = set(Finding.objects.values_list("rule_code", flat=True))
    assert rules_found & {"too_short", "outside_geofence", "duplicate_photo", "item_not_in_plan"}
    assert Visit.objects.filter(status="in_progress").exists()
    counts = [m.objects.count() for m in (Visit, Stay, BedDay, PatrolVisit)]
    again = demo.seed_visits_demo()
    assert again.visits_created == 0 and again.patrols_created == 0
    assert [m.objects.count() for m in (Visit, Stay, BedDay, PatrolVisit)] == counts
