"""Visits do not overlap: while a caregiver or a beneficiary has a visit in progress, another
check-in is refused with 409 ``visit_overlaps`` (a partial unique index decides, so the rule
holds for check-ins sent at the same moment), and a retry of the same event is still answered
with the first result."""

import datetime as dt
import re
import threading
import uuid
from collections import Counter

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.utils import timezone

from changhu.api.auth import issue_token
from changhu.core import clock
from changhu.core.models import AuditEntry, TransitionLog
from changhu.visits.models import Photo, Visit, VisitItem
from changhu.visits.services import family_code_for
from changhu.visits.tests.fixtures import HOME, Phone, assign, link_caregiver, open_home_care
from tests.factories import make_person, make_visit


def assert_overlap(response, *, busy: str, open_visit: dict):
    assert response.status_code == 409, response.body
    body = response.body
    assert body["code"] == "visit_overlaps", body
    assert body["details"]["open_visit_id"] == open_visit["id"]
    assert body["details"]["busy"] == busy
    # People read the message: names and times, never an internal id.
    words = re.sub(r"\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}|\d{1,2}月\d{1,2}日", "", body["message"])
    assert not re.search(rf"(?<!\d){open_visit['id']}(?!\d)", words)
    assert open_visit["client_uuid"] not in body["message"]
    return body


def items(home, *codes):
    return [{"item_id": home.items[c].pk, "quantity": 1} for c in codes]


def local_hhmm(iso: str) -> str:
    return f"{timezone.localtime(dt.datetime.fromisoformat(iso)):%H:%M}"


@pytest.fixture
def neighbour(home, users, city, institution):
    """赵桂兰, a second beneficiary of the same caregiver, entitled and with a plan."""
    person = make_person(city.streets["510104002000"], name="赵桂兰")
    open_home_care(users, person, institution)
    assign(home.caregiver, person, institution)
    return person


@pytest.fixture
def colleague(home, second_caregiver, institution):
    """王芳, another caregiver of the institution, also assigned to 张建国."""
    caregiver = link_caregiver(second_caregiver, institution, name="王芳")
    assign(caregiver, home.person, institution)
    other_phone = Phone(second_caregiver)
    other_phone.seed = 50_000  # photos of its own, not the same bytes as the first phone's
    return other_phone


@pytest.mark.django_db
def test_a_caregiver_with_a_visit_in_progress_cannot_start_another(phone, home, neighbour):
    first = phone.check_in(home.person).body
    refused = phone.check_in(neighbour)
    body = assert_overlap(refused, busy="caregiver", open_visit=first)
    assert "张建国" in body["message"] and "尚未签退" in body["message"]
    assert f"今天{local_hhmm(first['check_in_at'])}" in body["message"]
    assert body["details"]["open_visit_uuid"] == first["client_uuid"]
    # The same beneficiary again, with a new event id, is refused the same way.
    again = assert_overlap(phone.check_in(home.person), busy="caregiver", open_visit=first)
    assert "已在张建国家签到" in again["message"]
    assert list(Visit.objects.values_list("client_uuid", flat=True)) == [
        uuid.UUID(first["client_uuid"])
    ]


@pytest.mark.django_db
def test_a_beneficiary_in_a_visit_cannot_get_a_second_caregiver(phone, home, colleague):
    first = phone.check_in(home.person).body
    refused = colleague.check_in(home.person)
    body = assert_overlap(refused, busy="person", open_visit=first)
    assert "张建国正在接受护理员刘桂芳的上门服务" in body["message"]
    # Another caregiver's visit: its event id is not handed out.
    assert "open_visit_uuid" not in body["details"]
    assert Visit.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_of_the_same_event_is_still_the_first_result(phone, home, neighbour):
    first = phone.check_in(home.person)
    assert first.status_code == 201
    retry = phone.api.post("visits/check-in", first.sent)
    assert retry.status_code == 200 and retry.body == first.body
    # Even while a second check-in of the same caregiver is being refused.
    assert phone.check_in(neighbour).status_code == 409
    retry = phone.api.post("visits/check-in", first.sent)
    assert retry.status_code == 200 and retry.body == first.body
    assert Visit.objects.count() == 1


@pytest.mark.django_db
def test_after_check_out_or_cancel_the_next_visit_may_start(phone, home, neighbour, colleague):
    first = phone.check_in(home.person).body
    done = phone.check_out(first["client_uuid"], items(home, "SH05"), person=home.person)
    assert done.status_code == 201, done.body
    second = phone.check_in(neighbour)
    assert second.status_code == 201, second.body
    # 张建国 is free again: his other caregiver may start while 刘桂芳 is at 赵桂兰's.
    third = colleague.check_in(home.person)
    assert third.status_code == 201, third.body
    cancelled = phone.api.post(f"visits/{second.body['id']}/cancel", {"reason": "参保人不在家"})
    assert cancelled.status_code == 200
    assert phone.check_in(neighbour).status_code == 201
    assert Visit.objects.filter(status="in_progress").count() == 2


@pytest.mark.django_db
def test_a_refused_check_in_writes_nothing(phone, home, neighbour):
    first = phone.check_in(home.person).body
    open_visit = Visit.objects.values().get()
    sha = phone.sha()
    before = [m.objects.count() for m in (Visit, VisitItem, TransitionLog, AuditEntry, Photo)]
    refused = phone.check_in(neighbour, photo_sha256=sha)
    assert_overlap(refused, busy="caregiver", open_visit=first)
    after = [m.objects.count() for m in (Visit, VisitItem, TransitionLog, AuditEntry, Photo)]
    assert after == before
    assert Visit.objects.values().get() == open_visit
    # Refused, so not recorded: the same event is judged afresh once the way is clear.
    phone.check_out(first["client_uuid"], items(home, "SH05"), person=home.person)
    assert phone.api.post("visits/check-in", refused.sent).status_code == 201


@pytest.mark.django_db
def test_an_overlapping_event_in_an_offline_batch_gets_its_own_error(phone, home, neighbour):
    t0 = clock.now() - dt.timedelta(hours=3)
    photo_in, photo_out = phone.sha(), phone.sha()
    first_in, early_in, later_in = (str(uuid.uuid4()) for _ in range(3))

    early_at, out_at, later_at = (t0 + dt.timedelta(minutes=m) for m in (10, 50, 60))
    code = family_code_for(home.person.pk, out_at)
    events = [
        phone.queued("check_in", first_in, t0, person_id=home.person.pk, photo_sha256=photo_in),
        # Checked in at the neighbour's before checking out at 张建国's: refused.
        phone.queued("check_in", early_in, early_at, person_id=neighbour.pk, photo_sha256=photo_in),
        phone.queued_check_out(first_in, out_at, items(home, "SH05"), photo_out, code),
        phone.queued("check_in", later_in, later_at, person_id=neighbour.pk, photo_sha256=photo_in),
    ]
    body = phone.api.post("visits/batch", {"events": events}).body
    assert [r["status"] for r in body["results"]] == ["created", "error", "created", "created"]
    error = body["results"][1]["error"]
    first = body["results"][0]["visit"]
    assert error["code"] == "visit_overlaps" and "张建国" in error["message"]
    assert error["details"]["open_visit_id"] == first["id"]
    assert local_hhmm(first["check_in_at"]) in error["message"]
    assert (body["created"], body["errors"]) == (3, 1)
    assert {str(k) for k in Visit.objects.values_list("client_uuid", flat=True)} == {
        first_in,
        later_in,
    }
    # The whole queue sent again: the recorded events are duplicates, the refused one is
    # judged afresh and now refused by the neighbour's visit in progress.
    again = phone.api.post("visits/batch", {"events": events}).body
    statuses = [r["status"] for r in again["results"]]
    assert statuses == ["duplicate", "error", "duplicate", "duplicate"]
    assert again["results"][1]["error"]["code"] == "visit_overlaps"
    assert "赵桂兰" in again["results"][1]["error"]["message"]


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_visit_whoever_writes_it(home, neighbour):
    """The rule is a constraint, not only the service's: a direct write is refused too."""
    start = clock.now() - dt.timedelta(minutes=30)
    make_visit(caregiver=home.caregiver, person=home.person, start=start, status="in_progress")
    for person in (neighbour, home.person):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_visit(caregiver=home.caregiver, person=person, start=start, status="in_progress")
    # Finished and cancelled visits do not count.
    make_visit(caregiver=home.caregiver, person=neighbour, start=start - dt.timedelta(hours=3))
    make_visit(caregiver=home.caregiver, person=neighbour, start=start, status="cancelled")
    assert Visit.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_fifty_check_ins_at_the_same_moment_give_one_visit(phone, home):
    """Fifty check-ins of one caregiver at one beneficiary, each with its own event id, sent at
    once from fifty threads with their own database connections: one visit, 49 refusals.
    On PostgreSQL they race for real; SQLite has one writer (and the test database is an
    in-memory one shared between the threads), so there they are sent one at a time."""
    sha = phone.sha()
    key, _ = issue_token(home.caregiver.user, name="load")
    count = 50
    start = threading.Barrier(count)
    serial = threading.Lock() if connection.vendor == "sqlite" else None
    answers: list[tuple[int, dict]] = []

    def send() -> None:
        client = Client(headers={"Authorization": f"Bearer {key}"})
        body = {
            "client_uuid": str(uuid.uuid4()),
            "person_id": home.person.pk,
            "device_time": clock.now().isoformat(),
            "latitude": HOME[0],
            "longitude": HOME[1],
            "accuracy_m": 10,
            "photo_sha256": sha,
        }
        try:
            start.wait(timeout=60)
            if serial is not None:
                with serial:
                    response = client.post("/api/v1/visits/check-in", body, "application/json")
            else:
                response = client.post("/api/v1/visits/check-in", body, "application/json")
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == count
    assert Counter(status for status, _ in answers) == {201: 1, 409: count - 1}
    [visit] = [body for status, body in answers if status == 201]
    refusals = [body for status, body in answers if status == 409]
    assert {body["code"] for body in refusals} == {"visit_overlaps"}
    assert {body["details"]["open_visit_id"] for body in refusals} == {visit["id"]}
    assert Visit.objects.count() == 1
    assert Visit.objects.get().status == "in_progress"


@pytest.mark.django_db
def test_the_phone_sees_a_visit_left_open_on_an_earlier_day(phone, home, neighbour):
    """The visit that stops a new check-in is on the phone's list, even from yesterday."""
    yesterday = clock.now() - dt.timedelta(days=1)
    left_open = make_visit(
        caregiver=home.caregiver, person=home.person, start=yesterday, status="in_progress"
    )
    body = phone.api.get("visits/today").body
    [visit] = next(p for p in body["persons"] if p["person_id"] == home.person.pk)["visits"]
    assert visit["id"] == left_open.pk and visit["status"] == "in_progress"
    refused = phone.check_in(neighbour)
    assert refused.status_code == 409 and refused.body["details"]["open_visit_id"] == left_open.pk
    local = timezone.localtime(left_open.check_in_at)
    assert f"{local.month}月{local.day}日{local:%H:%M}" in refused.body["message"]
    assert "联系机构处理" in refused.body["message"]
