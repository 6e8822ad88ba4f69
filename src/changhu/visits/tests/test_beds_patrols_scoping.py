"""Bed-days (admission, leave, hospital transfer, discharge) and their screening; patrol visits;
scoping of visits, findings and photos for every kind of reader; the settlement selectors."""

import datetime as dt
import uuid

import pytest
from django.db import transaction

from changhu.core import clock
from changhu.insured.models import LifeEvent
from changhu.visits import rulesets, screening, selectors, services
from changhu.visits.models import BedDay, Finding, PatrolVisit
from changhu.visits.tests.fixtures import Phone, assign, link_caregiver, month_start, open_home_care
from tests.api import ApiClient
from tests.factories import make_caregiver, make_visit


def assert_error(response, status, code):
    assert response.status_code == status, response.body
    assert response.body["code"] == code, response.body


def mark(api, person, first: dt.date, last: dt.date, kind: str):
    """Mark the person's bed-days from ``first`` to ``last`` as ``kind`` through the API."""
    body = {"person_id": person.pk, "first": first.isoformat(), "last": last.isoformat()}
    return api.post("visits/bed-days/mark", {**body, "kind": kind})


@pytest.fixture
def resident(users, people, institution, rules):
    """李秀英 (Qingyang) in institutional care at 锦江康养护理院."""
    open_home_care(users, people.qingyang, institution, mode="institutional")
    return people.qingyang


@pytest.mark.django_db
def test_stay_bed_days_leave_transfer_and_discharge(users, resident, people):
    api = ApiClient(users.care_admin)
    today = clock.today()
    admitted = today - dt.timedelta(days=10)
    stay = api.post("visits/stays", {"person_id": resident.pk, "admitted_on": admitted.isoformat()})
    assert stay.status_code == 201, stay.body
    assert BedDay.objects.filter(person=resident).count() == 11
    assert_error(
        api.post("visits/stays", {"person_id": resident.pk, "admitted_on": today.isoformat()}),
        409,
        "stay_open",
    )
    # 张建国 is in home care: no stay for him here.
    assert_error(
        api.post(
            "visits/stays", {"person_id": people.jinjiang.pk, "admitted_on": today.isoformat()}
        ),
        409,
        "not_institutional_beneficiary",
    )

    def after(days: int) -> dt.date:
        return admitted + dt.timedelta(days=days)

    marked = mark(api, resident, after(2), after(3), "leave")
    assert marked.body == {"changed": 2}
    mark(api, resident, after(5), after(5), "hospital_transfer")
    ahead = mark(api, resident, today, today + dt.timedelta(days=2), "leave")
    assert_error(ahead, 422, "date_in_future")
    done = api.post(
        f"visits/stays/{stay.body['id']}/discharge",
        {"discharged_on": (today - dt.timedelta(days=1)).isoformat()},
    )
    assert done.status_code == 200, done.body
    kinds = list(
        BedDay.objects.filter(person=resident).order_by("day").values_list("kind", flat=True)
    )
    # Admission day counts, the discharge day does not.
    assert len(kinds) == 9 and kinds.count("leave") == 2 and kinds.count("hospital_transfer") == 1
    month = today.strftime("%Y-%m")
    rows = list(selectors.settlement_bed_days(month))
    assert {r["kind"] for r in rows} <= {"in_bed", "leave", "hospital_transfer"}
    assert ApiClient(users.worker_b).get("visits/bed-days", month=month).body["total"] == 0
    this_month = BedDay.objects.filter(day__gte=today.replace(day=1)).count()
    seen = ApiClient(users.supervisor_a).get("visits/bed-days", month=month).body
    assert seen["total"] == this_month
    assert len(rows) == this_month


@pytest.mark.django_db
def test_bed_day_screening(users, resident, institution):
    api = ApiClient(users.care_admin)
    start = month_start()
    services.stay_admit(actor=users.care_admin, person_id=resident.pk, admitted_on=start)
    LifeEvent.objects.create(
        person=resident,
        kind="hospital_stay",
        start_date=start + dt.timedelta(days=3),
        end_date=start + dt.timedelta(days=5),
    )
    period = start.strftime("%Y-%m")
    rules = rulesets.rules_on(start)
    with transaction.atomic():
        screening.screen_institution(institution_id=institution.pk, period=period, rules=rules)
    days = set(
        Finding.objects.filter(rule_code="person_in_hospital").values_list(
            "bed_day__day", flat=True
        )
    )
    assert days == {start + dt.timedelta(days=3), start + dt.timedelta(days=4)}
    # Marked as a transfer, the days are consistent and the finding goes away on the next run.
    in_hospital = (start + dt.timedelta(days=3), start + dt.timedelta(days=4))
    mark(api, resident, *in_hospital, "hospital_transfer")
    with transaction.atomic():
        screening.screen_institution(institution_id=institution.pk, period=period, rules=rules)
    assert not Finding.objects.filter(rule_code="person_in_hospital").exists()
    assert not Finding.objects.filter(rule_code="not_entitled").exists()


@pytest.mark.django_db
def test_patrol_visit_to_a_family_care_beneficiary(users, people, institution, rules):
    person = people.jinjiang
    open_home_care(users, person, institution, mode="family")
    family = make_caregiver(
        institution, kind="family", certificate="family_training", beneficiary=person, name="张小明"
    )
    phone = Phone(users.care_admin)
    checklist = ApiClient(users.care_admin).get("visits/patrol-checklist").body
    assert checklist["version"] == "2026.1" and len(checklist["items"]) == 9
    results = {item["code"]: True for item in checklist["items"]}
    results["S3"] = False
    body = {
        "client_uuid": str(uuid.uuid4()),
        "person_id": person.pk,
        "device_time": clock.now().isoformat(),
        "results": results,
        "notes": {"S3": "骶尾部皮肤发红"},
        "latitude": 30.6571,
        "longitude": 104.066,
        "accuracy_m": 10,
        "condition_note": "精神好，食欲一般",
        "findings": "翻身间隔过长",
        "photo_sha256s": [phone.sha()],
    }
    created = phone.api.post("visits/patrols", body)
    assert created.status_code == 201, created.body
    assert created.body["follow_up"] is True and created.body["family_caregiver_id"] == family.pk
    assert created.body["distance_m"] == 11
    again = phone.api.post("visits/patrols", body)
    assert again.status_code == 200 and PatrolVisit.objects.count() == 1
    incomplete = {**body, "client_uuid": str(uuid.uuid4()), "results": {"S1": True}}
    assert_error(phone.api.post("visits/patrols", incomplete), 422, "checklist_incomplete")
    home_care = {**body, "client_uuid": str(uuid.uuid4()), "person_id": people.qingyang.pk}
    assert_error(phone.api.post("visits/patrols", home_care), 409, "not_family_care")
    assert ApiClient(users.supervisor_a).get("visits/patrols").body["total"] == 1
    assert ApiClient(users.worker_b).get("visits/patrols").body["total"] == 0


@pytest.mark.django_db
def test_visit_scoping_for_every_reader(users, home, other, second_caregiver, institution, city):
    mine = make_visit(caregiver=home.caregiver, person=home.person, start=clock.now(), minutes=40)
    colleague = link_caregiver(second_caregiver, institution, name="王芳")
    assign(colleague, home.person, institution)
    theirs = make_visit(caregiver=colleague, person=home.person, start=clock.now(), minutes=30)
    Finding.objects.create(
        visit=mine,
        person=home.person,
        institution=institution,
        caregiver=home.caregiver,
        region_code=home.person.region_code,
        period=mine.service_date.strftime("%Y-%m"),
        rule_code="too_short",
        severity="medium",
        rule_version="2026.1",
        reason="测试",
    )

    def seen(user):
        body = ApiClient(user).get("visits").body
        return {row["id"] for row in body["items"]} if "items" in body else body["code"]

    assert seen(users.caregiver) == {mine.pk}
    assert seen(second_caregiver) == {theirs.pk}
    assert seen(users.care_admin) == {mine.pk, theirs.pk}
    assert seen(other.admin) == set()
    assert seen(users.supervisor_a) == {mine.pk, theirs.pk}
    assert seen(users.worker_b) == set()
    assert seen(users.bureau_admin) == {mine.pk, theirs.pk}
    assert seen(users.applicant) == set()
    # Details and photos outside the scope are 404, the same as missing ones.
    assert ApiClient(second_caregiver).get(f"visits/{mine.pk}").status_code == 404
    assert ApiClient(users.worker_b).get(f"visits/{mine.pk}").status_code == 404
    detail = ApiClient(users.supervisor_a).get(f"visits/{mine.pk}").body
    assert detail["check_in_position"]["east_m"] == 0.0 and detail["findings"][0]["rule_code"]
    # Findings: caregivers have none to see; other regions and institutions see none.
    assert ApiClient(users.caregiver).get("visits/findings").status_code == 403
    assert ApiClient(other.admin).get("visits/findings").body["total"] == 0
    assert ApiClient(users.worker_b).get("visits/findings").body["total"] == 0
    finding = Finding.objects.get()
    refused = ApiClient(users.worker_b).post(
        f"visits/findings/{finding.pk}/resolve", {"decision": "confirm", "reason": "x"}
    )
    assert refused.status_code == 404
    assert (
        ApiClient(users.care_admin)
        .post(f"visits/findings/{finding.pk}/resolve", {"decision": "confirm", "reason": "x"})
        .status_code
        == 403
    )
    ok = ApiClient(users.supervisor_a).post(
        f"visits/findings/{finding.pk}/resolve", {"decision": "confirm", "reason": "核实"}
    )
    assert ok.status_code == 200 and ok.body["status"] == "confirmed"
    mine.refresh_from_db()
    assert mine.payable is False
    month = mine.service_date.strftime("%Y-%m")
    assert {r["id"] for r in selectors.settlement_visits(month)} == {theirs.pk}
    items = list(selectors.settlement_visit_items(month))
    assert all(i["visit_id"] == theirs.pk for i in items)


@pytest.mark.django_db
def test_cancel_a_visit_in_progress(phone, home, users):
    started = phone.check_in(home.person).body
    assert_error(
        phone.api.post(f"visits/{started['id']}/cancel", {"reason": ""}), 422, "reason_required"
    )
    cancelled = phone.api.post(f"visits/{started['id']}/cancel", {"reason": "参保人不在家"})
    assert cancelled.body["status"] == "cancelled" and cancelled.body["payable"] is False
    assert_error(
        phone.api.post(f"visits/{started['id']}/cancel", {"reason": "again"}),
        409,
        "illegal_transition",
    )


@pytest.mark.django_db
def test_today_lists_the_caregivers_beneficiaries_with_plan_items(phone, home):
    body = phone.api.get("visits/today").body
    assert body["caregiver_name"] == "刘桂芳"
    [person] = body["persons"]
    assert person["name"] == home.person.name and person["eligible"] is True
    assert [i["code"] for i in person["plan_items"]] == ["SH05", "SH08", "YL06"]


@pytest.mark.django_db
def test_today_shows_the_full_address_phone_and_map_of_assigned_homes_audited(phone, home, users):
    from changhu.core.models import AuditEntry

    [person] = phone.api.get("visits/today").body["persons"]
    stored = home.person
    assert person["home"]["address"] == stored.address and stored.address != stored.address_masked
    labels = [c["label"] for c in person["home"]["contacts"]]
    assert f"{stored.name}本人" in labels
    assert stored.phone in [c["phone"] for c in person["home"]["contacts"]]
    assert person["home"]["map_url"].startswith("https://uri.amap.com/marker?position=104.")
    views = AuditEntry.objects.filter(action="view_full", object_id=str(stored.pk))
    assert views.count() == 1 and views.get().actor_id == users.caregiver.pk
    assert set(views.get().changes) >= {"address", "phone"}
    # The list is refreshed all day long: one audit entry per person and day is enough.
    phone.api.get("visits/today")
    assert views.count() == 1


@pytest.mark.django_db
def test_an_outsider_caregiver_or_an_ended_assignment_reveals_nothing(
    phone, home, users, second_caregiver, institution
):
    from changhu.care.models import Assignment
    from changhu.core.models import AuditEntry

    # A colleague of the same institution with no assignment: the person is not even listed.
    link_caregiver(second_caregiver, institution, name="王芳")
    outsider = Phone(second_caregiver).api.get("visits/today").body
    assert outsider["persons"] == []
    # The assignment ended yesterday: the person drops off the list, nothing is revealed.
    Assignment.objects.filter(person=home.person).update(
        end_date=clock.today() - dt.timedelta(days=1)
    )
    body = phone.api.get("visits/today").body
    assert all(p["home"] is None for p in body["persons"])
    assert home.person.address not in str(body)
    assert not AuditEntry.objects.filter(action="view_full").exists()


@pytest.mark.django_db
def test_a_caregiver_not_on_duty_gets_masked_data_only(phone, home):
    from changhu.providers.models import Caregiver

    Caregiver.objects.filter(pk=home.caregiver.pk).update(status="suspended")
    body = phone.api.get("visits/today").body
    assert [p["home"] for p in body["persons"]] == [None]
    assert body["persons"][0]["address_masked"] == home.person.address_masked


@pytest.mark.django_db
def test_the_family_phone_is_the_latest_applicants(phone, home, users):
    from changhu.assessment.models import Application
    from changhu.assessment.tests.flow import submit

    Application.objects.filter(person=home.person).update(phone_enc="")
    submit(users.worker_a, home.person, applicant_name="张小梅", phone="13812345678")
    [person] = phone.api.get("visits/today").body["persons"]
    family = person["home"]["contacts"][0]
    assert family == {"label": "家属 张小梅（子女）", "phone": "13812345678"}
