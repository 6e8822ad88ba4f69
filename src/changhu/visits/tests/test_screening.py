"""Screening rules, each with a case that fires and one that does not; idempotent re-runs;
resolution and payability; the command and the background job with resume after a crash."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from changhu.care.models import Pause
from changhu.insured.models import LifeEvent, Person
from changhu.visits import rulesets, screening, selectors, services
from changhu.visits.models import Finding, RunStatus, ScreeningRun, Visit
from changhu.visits.tests.fixtures import assign, month_start
from tests.factories import make_caregiver, make_person, make_photo, make_visit


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Local time on day ``day`` (1-based) of last month."""
    local = dt.datetime.combine(month_start() + dt.timedelta(days=day - 1), dt.time(hour, minute))
    return timezone.make_aware(local)


def period() -> str:
    return month_start().strftime("%Y-%m")


def screen(institution) -> dict[str, int]:
    rules = rulesets.rules_on(month_start())
    with transaction.atomic():
        return screening.screen_institution(
            institution_id=institution.pk, period=period(), rules=rules
        )


def fired(rule: str) -> set[int]:
    return set(Finding.objects.filter(rule_code=rule).values_list("visit_id", flat=True))


def visit(home, day, hour, minutes=45, codes=("SH05", "SH08"), caregiver=None, **extra):
    items = tuple((home.items[c], 1) for c in codes)
    return make_visit(
        caregiver=caregiver or home.caregiver,
        person=extra.pop("person", home.person),
        start=at(day, hour, extra.pop("minute", 0)),
        minutes=minutes,
        items=items,
        **extra,
    )


@pytest.fixture
def month(home):
    return home


@pytest.mark.django_db
def test_too_short_for_the_items(month, institution):
    short = visit(month, 2, 9, minutes=20)  # 45 min of items, 60% is 27
    enough = visit(month, 3, 9, minutes=40)
    screen(institution)
    assert fired("too_short") == {short.pk}
    finding = Finding.objects.get(rule_code="too_short")
    assert finding.rule_version == "2026.1" and finding.severity == "medium"
    assert "20分钟" in finding.reason and "45分钟" in finding.reason
    assert finding.detail == {"duration_minutes": 20, "reference_minutes": 45}
    assert enough.pk not in fired("too_short")


@pytest.mark.django_db
def test_outside_the_geofence(month, institution):
    far = visit(month, 2, 9, distance_m=900)
    near = visit(month, 3, 9, distance_m=300, accuracy_m=60)  # 100 + 60 + 200 margin
    far_out = visit(month, 4, 9, out_distance_m=5000)
    screen(institution)
    assert fired("outside_geofence") == {far.pk, far_out.pk}
    assert near.pk not in fired("outside_geofence")


@pytest.mark.django_db
def test_one_caregiver_in_two_visits_at_once(month, institution, city):
    other = make_person(city.streets["510104002000"])
    first = visit(month, 5, 9, minutes=60)
    overlapping = visit(month, 5, 9, minute=30, minutes=60, person=other)
    later = visit(month, 5, 11, minutes=30)
    screen(institution)
    assert fired("overlapping_visits") == {overlapping.pk}
    assert "重叠30分钟" in Finding.objects.get(rule_code="overlapping_visits").reason
    assert first.pk not in fired("overlapping_visits") and later.pk not in fired(
        "overlapping_visits"
    )


@pytest.mark.django_db
def test_moving_faster_than_possible(month, institution):
    home = (30.657, 104.066)
    far = (home[0] + 0.135, home[1])  # about 15 km north
    visit(month, 6, 9, minutes=60)  # ends 10:00 at home
    jump = visit(month, 6, 10, minute=10, position=far, out_position=home)  # 15 km in 10 min
    slow = visit(month, 6, 14, position=(home[0] + 0.045, home[1]))  # 5 km in 3 h
    screen(institution)
    assert fired("too_fast") == {jump.pk}
    assert "公里" in Finding.objects.get(rule_code="too_fast").reason
    assert slow.pk not in fired("too_fast")


@pytest.mark.django_db
def test_visits_after_death_in_hospital_or_without_entitlement(month, institution, city):
    person = month.person
    LifeEvent.objects.create(
        person=person,
        kind="hospital_stay",
        start_date=month_start() + dt.timedelta(days=9),
        end_date=month_start() + dt.timedelta(days=11),
    )
    Pause.objects.create(
        entitlement=person.entitlements.get(),
        person=person,
        start_date=month_start() + dt.timedelta(days=13),
        end_date=month_start() + dt.timedelta(days=13),
        reason="违规暂停",
    )
    in_hospital = visit(month, 11, 9)
    discharge_day = visit(month, 12, 9)
    paused = visit(month, 14, 9)
    fine = visit(month, 16, 9)
    stranger = make_person(city.streets["510104002000"])
    no_entitlement = visit(month, 16, 14, person=stranger)
    Person.objects.filter(pk=person.pk).update(
        died_on=month_start() + dt.timedelta(days=17), status="deceased"
    )
    after_death = visit(month, 19, 9)
    screen(institution)
    assert fired("person_in_hospital") == {in_hospital.pk}
    assert fired("not_entitled") == {paused.pk, no_entitlement.pk}
    assert fired("person_deceased") == {after_death.pk}
    reasons = {f.visit_id: f.reason for f in Finding.objects.filter(rule_code="not_entitled")}
    assert "暂停" in reasons[paused.pk] and "没有" in reasons[no_entitlement.pk]
    for rule in ("person_in_hospital", "not_entitled", "person_deceased"):
        assert not fired(rule) & {discharge_day.pk, fine.pk}


@pytest.mark.django_db
def test_items_outside_the_plan_or_beyond_its_frequency(month, institution):
    outside = visit(month, 2, 9, codes=("SH08", "SH01"))
    # SH05 is planned twice a week: the third in one week is too many.
    monday = 7 - month_start().weekday() + 1  # the first Monday after day 1 (day numbers)
    week = [visit(month, monday + i, 15, codes=("SH05",)) for i in range(3)]
    # YL06 once a week, in two different weeks: fine.
    yl = [visit(month, monday + 7 * i, 17, codes=("YL06",)) for i in range(2)]
    screen(institution)
    assert fired("item_not_in_plan") == {outside.pk}
    assert "SH01" in Finding.objects.get(rule_code="item_not_in_plan").reason
    assert fired("item_over_frequency") == {week[2].pk}
    assert "每周2次" in Finding.objects.get(rule_code="item_over_frequency").reason
    assert not fired("item_over_frequency") & {v.pk for v in yl}


@pytest.mark.django_db
def test_caregiver_without_a_valid_certificate(month, institution):
    expired = make_caregiver(
        institution, name="赵红梅", issued_on=dt.date(2020, 1, 1), expires_on=dt.date(2021, 1, 1)
    )
    assign(expired, month.person, institution)
    bad = visit(month, 2, 15, caregiver=expired)
    good = visit(month, 2, 9)
    screen(institution)
    assert fired("caregiver_no_certificate") == {bad.pk}
    assert good.pk not in fired("caregiver_no_certificate")


@pytest.mark.django_db
def test_the_same_photo_used_twice(month, institution):
    a, b = make_photo(70001), make_photo(70002)
    original = visit(month, 2, 9, photos=(a, b))
    reused = visit(month, 3, 9, photos=(make_photo(70003), a))
    same_in_out = visit(month, 4, 9, photos=(make_photo(70004), make_photo(70004)))
    fresh = visit(month, 5, 9)
    screen(institution)
    assert fired("duplicate_photo") == {reused.pk, same_in_out.pk}
    assert original.pk not in fired("duplicate_photo") and fresh.pk not in fired("duplicate_photo")


@pytest.mark.django_db
def test_suspiciously_identical_durations(month, institution, city, users):
    for day in range(1, 10):
        visit(month, day, 9, minutes=60 + (day % 2))  # 60 or 61 minutes, nine times
    other = make_person(city.streets["510104002000"])
    for day in range(1, 10):
        visit(month, day, 14, minutes=30 + 7 * day, person=other)
    screen(institution)
    findings = Finding.objects.filter(rule_code="identical_durations")
    assert [(f.person_id, f.visit_id) for f in findings] == [(month.person.pk, None)]
    f = findings.get()
    assert f.detail["count"] == 9 and f.detail["total"] == 9 and f.severity == "low"
    # Confirming it stops payment of those visits.
    services.finding_resolve(
        actor=users.supervisor_a, finding_id=f.pk, decision="confirm", reason="核实为虚构"
    )
    assert not Visit.objects.filter(person=month.person, payable=True).exists()
    assert Visit.objects.filter(person=other, payable=True).count() == 9


@pytest.mark.django_db
def test_rerun_replaces_open_findings_and_keeps_resolved_ones(month, institution, users):
    short = visit(month, 2, 9, minutes=10)
    far = visit(month, 3, 9, minutes=10, distance_m=2000)
    first = screen(institution)
    assert first["too_short"] == 2 and first["outside_geofence"] == 1
    assert screen(institution) == first
    assert Finding.objects.count() == 3
    confirm = Finding.objects.get(rule_code="too_short", visit=short)
    dismiss = Finding.objects.get(rule_code="outside_geofence", visit=far)
    services.finding_resolve(
        actor=users.supervisor_a, finding_id=confirm.pk, decision="confirm", reason="时长不足"
    )
    services.finding_resolve(
        actor=users.supervisor_a, finding_id=dismiss.pk, decision="dismiss", reason="定位漂移"
    )
    again = screen(institution)
    assert again["too_short"] == 1 and again.get("outside_geofence", 0) == 0
    assert Finding.objects.count() == 3
    confirm.refresh_from_db()
    dismiss.refresh_from_db()
    assert (confirm.status, dismiss.status) == ("confirmed", "dismissed")
    ids = {row["id"] for row in selectors.settlement_visits(period())}
    assert short.pk not in ids and far.pk in ids
    with pytest.raises(Exception) as exc:
        services.finding_resolve(
            actor=users.supervisor_a, finding_id=confirm.pk, decision="dismiss", reason="x"
        )
    assert getattr(exc.value, "code", "") == "illegal_transition"


@pytest.mark.django_db
def test_screen_command_prints_a_summary_per_rule(month, institution, capsys):
    visit(month, 2, 9, minutes=10)
    call_command("screen", "--period", period(), "--workers", "1")
    out = json.loads(capsys.readouterr().out)
    assert out["period"] == period() and out["rule_version"] == "2026.1"
    assert out["findings"]["too_short"]["open"] == 1 and out["visits_screened"] == 1
    assert set(out["findings"]) >= set(rulesets.RULE_CODES)
    assert ScreeningRun.objects.get().status == RunStatus.DONE


def short_visit_at_the_other_institution(month, other, users, city):
    """A Wuhou person in home care at the other institution, with a 5-minute visit on the 3rd."""
    from changhu.visits.tests.fixtures import open_home_care

    person = make_person(city.streets["510107001000"])
    open_home_care(users, person, other.institution, admin=other.admin, worker=users.worker_b)
    caregiver = make_caregiver(other.institution, name="周敏")
    assign(caregiver, person, other.institution)
    make_visit(
        caregiver=caregiver,
        person=person,
        start=at(3, 9),
        minutes=5,
        items=((month.items["SH05"], 1),),
    )


@pytest.mark.django_db
def test_background_job_resumes_after_a_crash_with_the_same_totals(
    month, institution, other, users, city
):
    visit(month, 2, 9, minutes=10)
    short_visit_at_the_other_institution(month, other, users, city)
    run = services.screening_request(actor=users.bureau_admin, period=period())
    assert run.status == RunStatus.QUEUED

    def crash(progress_run):
        raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        screening.execute(run.pk, progress=crash)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.done_chunks == 1 and run.total_chunks == 2
    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    call_command("run_jobs", "--once", "--workers", "1")
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.percent == 100
    assert run.summary["findings"]["too_short"]["open"] == 2
    clean = screening.summary(run)
    assert clean["findings_total"] == run.findings_count


@pytest.mark.django_db(transaction=True)
def test_two_workers_give_the_same_findings_as_one(month, institution, other, users, city):
    """On PostgreSQL two institutions are screened at once on separate connections."""
    visit(month, 2, 9, minutes=10)
    visit(month, 3, 9, distance_m=5000)
    short_visit_at_the_other_institution(month, other, users, city)
    one = screening.execute(services.screening_request(actor=None, period=period()).pk)
    Finding.objects.all().delete()
    two = screening.execute(services.screening_request(actor=None, period=period()).pk, workers=2)
    assert two.status == RunStatus.DONE and two.done_chunks == two.total_chunks == 2
    assert two.summary["findings"] == one.summary["findings"]
    assert two.summary["findings"]["too_short"]["open"] == 2
