"""The care demo data: every kind of institution, caregivers, every care mode, confirmed plans."""

from __future__ import annotations

import pytest

from changhu.care import demo, selectors
from changhu.care.models import Assignment, CarePlan, Entitlement
from changhu.core import clock
from changhu.orgs import demo as city_demo
from changhu.orgs import presets
from changhu.providers import rules
from changhu.providers.models import Admission, Caregiver, Institution


@pytest.fixture
def city_seeded(db):
    presets.load_all_regions()
    city_demo.seed_demo(persons=150)


def _counts():
    return [m.objects.count() for m in (Institution, Caregiver, Entitlement, CarePlan, Assignment)]


@pytest.mark.django_db
def test_seed_care_demo_covers_every_kind_and_mode_and_is_idempotent(city_seeded):
    report = demo.seed_care_demo(persons_limit=24)
    assert report.entitlements_created == 24, report
    assert Admission.objects.filter(status="submitted", fast_channel=True).count() == 1
    kinds = set(Institution.objects.values_list("organization__care_kind", flat=True))
    assert kinds == {"nursing_home", "hospital_ward", "home_service", "primary_clinic"}
    assert all(i.agreements.exists() for i in Institution.objects.all())
    modes = set(Entitlement.objects.values_list("arrangements__care_mode", flat=True).distinct())
    assert modes == {"institutional", "home_visit", "individual", "family"}
    assert Caregiver.objects.filter(kind="family", beneficiary__isnull=False).exists()
    today = clock.today()
    states = {
        rules.certificate_state(c.issued_on, c.expires_on, today)
        for cg in Caregiver.objects.prefetch_related("certificates")
        for c in cg.certificates.all()
    }
    assert {"valid", "expiring", "expired"} <= states
    assert CarePlan.objects.filter(status="confirmed").count() >= 18
    assert CarePlan.objects.filter(status="draft").exists()
    assert Assignment.objects.exists()
    eligible = selectors.eligibility_calendar(
        Entitlement.objects.values_list("person_id", flat=True), today.strftime("%Y-%m")
    )
    assert sum(any(d.eligible for d in days) for days in eligible.values()) >= 20
    before = _counts()
    again = demo.seed_care_demo(persons_limit=24)
    assert _counts() == before and again.entitlements_created == 0


@pytest.mark.django_db
def test_seed_care_demo_needs_the_city_first(db):
    with pytest.raises(demo.CareDemoNotReady):
        demo.seed_care_demo()


@pytest.mark.django_db
def test_the_demo_has_an_institution_that_left_with_its_beneficiaries_in_transfer(city_seeded):
    from changhu.care.models import Transfer

    demo.seed_care_demo(persons_limit=24)
    station = Institution.objects.get(organization__name=demo.EXIT_NAME)
    assert station.status == "terminated"
    transfers = Transfer.objects.filter(from_institution=station)
    assert transfers.count() == demo.EXIT_PERSONS
    assert transfers.filter(status="completed").count() == 2
    assert transfers.filter(status="assigned").count() == 1
    waiting = transfers.filter(status="open").get()
    assert waiting.due_on < clock.today()  # past the deadline: highlighted on the queue
    for moved in transfers.filter(status="completed"):
        assert moved.new_plan is not None and moved.new_plan.status == "draft"
        assert moved.new_arrangement.institution_id == moved.to_institution_id
    before = Transfer.objects.count()
    demo.seed_care_demo(persons_limit=24)
    assert Transfer.objects.count() == before
