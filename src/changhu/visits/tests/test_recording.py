"""Check-in and check-out from the phone: idempotent retries, every bad input refused with a
code and nothing written, the offline batch, the family's code."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from changhu.care import selectors as care_selectors
from changhu.core import clock
from changhu.insured.models import ApplicantLink, LifeEvent
from changhu.visits import facts
from changhu.visits.models import Photo, Visit, VisitItem
from changhu.visits.services import family_code_for
from changhu.visits.tests.fixtures import HOME, Phone, assign, link_caregiver
from tests.api import ApiClient
from tests.factories import make_person


def assert_error(response, status, code):
    assert response.status_code == status, response.body
    assert set(response.body) == {"code", "message", "fields"}
    assert response.body["code"] == code, response.body
    assert response.body["message"]


def items(home, *codes):
    return [{"item_id": home.items[c].pk, "quantity": 1} for c in codes]


@pytest.mark.django_db
def test_a_visit_from_check_in_to_check_out(phone, home):
    started = phone.check_in(home.person)
    assert started.status_code == 201, started.body
    visit = started.body
    assert visit["status"] == "in_progress" and visit["check_in_place"] == "compliant"
    assert 15 <= visit["check_in_distance_m"] <= 30 and visit["payable"] is False
    assert visit["service_date"] == clock.today().isoformat()
    done = phone.check_out(visit["client_uuid"], items(home, "SH05", "SH08"), person=home.person)
    assert done.status_code == 201, done.body
    body = done.body
    assert body["status"] == "completed" and body["payable"] is True
    assert body["duration_minutes"] == 45 and body["reference_minutes"] == 30 + 15
    assert body["confirmation_method"] == "code" and body["place_result"] == "compliant"
    assert body["rule_version"] == "2026.1"
    stored = Visit.objects.get(pk=visit["id"])
    assert stored.check_in_photo_id and stored.check_out_photo_id
    assert VisitItem.objects.filter(visit=stored).count() == 2


@pytest.mark.django_db
def test_retries_return_the_first_result_and_write_nothing_more(
    phone, home, second_caregiver, institution
):
    first = phone.check_in(home.person)
    again = phone.api.post("visits/check-in", {**first.sent, "latitude": 31.0})
    assert again.status_code == 200 and again.body == first.body
    assert Visit.objects.count() == 1
    out = phone.check_out(first.body["client_uuid"], items(home, "SH05"), person=home.person)
    retry = phone.api.post("visits/check-out", out.sent)
    assert retry.status_code == 200 and retry.body == out.body
    assert VisitItem.objects.count() == 1
    # A second check-out with a new event id for the finished visit is an illegal transition.
    other = phone.check_out(first.body["client_uuid"], items(home, "SH05"), person=home.person)
    assert_error(other, 409, "illegal_transition")
    # Someone else's event id is refused, not returned.
    link_caregiver(second_caregiver, institution, name="王芳")
    assert_error(
        Phone(second_caregiver).api.post("visits/check-in", first.sent), 409, "uuid_reused"
    )


@pytest.mark.django_db
def test_same_photo_content_is_stored_once(phone):
    first = phone.photo()
    assert first.status_code == 201
    data = Photo.objects.get(sha256=first.body["sha256"]).file.read()
    again = phone.photo(data)
    assert again.status_code == 200 and again.body["id"] == first.body["id"]
    assert Photo.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"latitude": 91.0}, 422, "coordinates_out_of_range"),
        ({"longitude": -180.5}, 422, "coordinates_out_of_range"),
        ({"accuracy_m": -1}, 422, "accuracy_invalid"),
        ({"datum": "utm"}, 422, "validation_failed"),
        ({"photo_sha256": "0" * 64}, 422, "photo_unknown"),
        ({"client_uuid": "123"}, 422, "validation_failed"),
        ({"device_time": "2099-01-01T08:00:00+08:00"}, 422, "time_in_future"),
        ({"accuracy_m": 0}, 422, "accuracy_invalid"),
        ({"device_time": "0001-01-01T00:00:00+08:00"}, 422, "device_time_invalid"),
        ({"device_time": "1970-01-01T00:00:00+00:00"}, 422, "device_time_invalid"),
        ({"device_time": "2020-01-01T08:00:00+08:00"}, 422, "device_time_invalid"),
        # Thousands of kilometres from the home (Urumqi; a sign flipped): refused, not judged.
        ({"latitude": 43.8256, "longitude": 87.6168}, 422, "position_implausible"),
        ({"latitude": -HOME[0]}, 422, "position_implausible"),
        # 60 km away: no phone's error is that large.
        ({"latitude": HOME[0] + 0.54}, 422, "position_implausible"),
    ],
)
def test_bad_check_ins_are_refused_with_nothing_written(phone, home, overrides, status, code):
    response = phone.check_in(home.person, **overrides)
    assert_error(response, status, code)
    assert Visit.objects.count() == 0


@pytest.mark.django_db
def test_check_in_for_someone_not_assigned_or_not_entitled(phone, home, users, city, institution):
    stranger = make_person(city.streets["510104002000"])
    assert_error(phone.check_in(stranger), 422, "not_assigned")
    # Assigned, but without an entitlement that day.
    assign(home.caregiver, stranger, institution)
    response = phone.check_in(stranger)
    assert_error(response, 409, "not_entitled")
    assert "无待遇资格" in response.body["message"]
    # Entitled, but in hospital today.
    LifeEvent.objects.create(person=home.person, kind="hospital_stay", start_date=clock.today())
    response = phone.check_in(home.person)
    assert_error(response, 409, "not_entitled")
    assert "住院" in response.body["message"]
    assert Visit.objects.count() == 0


@pytest.mark.django_db
def test_bad_check_outs_are_refused_with_nothing_written(phone, home):
    assert_error(
        phone.check_out(uuid.uuid4(), items(home, "SH05"), person=home.person), 409, "no_check_in"
    )
    started = phone.check_in(home.person).body
    key = started["client_uuid"]
    before = (clock.now() - dt.timedelta(hours=1)).isoformat()
    cases = [
        ({"device_time": before}, "checkout_before_checkin", True),
        ({"latitude": 200}, "coordinates_out_of_range", False),
        ({"items": []}, "items_required", False),
        ({"items": [{"item_id": 999999, "quantity": 1}]}, "item_unknown", False),
        ({"items": items(home, "SH05") * 2}, "item_repeated", False),
        ({"items": [{"item_id": home.items["SH05"].pk, "quantity": 0}]}, "quantity_invalid", False),
        ({"confirmation_code": "000000"}, "confirmation_code_invalid", False),
        ({"confirmation_method": ""}, "confirmation_required", False),
        (
            {"confirmation_method": "signature", "signature_sha256": "f" * 64},
            "photo_unknown",
            False,
        ),
        ({"device_time": "2099-01-01T08:00:00+08:00"}, "time_in_future", False),
    ]
    for overrides, code, offline in cases:
        if offline:
            # The device time only counts for events queued offline: send it through the batch.
            event = {
                "type": "check_out",
                "client_uuid": str(uuid.uuid4()),
                "visit_uuid": key,
                "latitude": HOME[0],
                "longitude": HOME[1],
                "accuracy_m": 10,
                "items": items(home, "SH05"),
                "photo_sha256": phone.sha(),
                "confirmation_method": "code",
                "confirmation_code": family_code_for(home.person.pk, clock.now()),
                **overrides,
            }
            result = phone.api.post("visits/batch", {"events": [event]}).body["results"][0]
            assert result["status"] == "error" and result["error"]["code"] == code, result
            continue
        body = {"items": items(home, "SH05"), **overrides}
        item_list = body.pop("items")
        response = phone.check_out(key, item_list, person=home.person, **body)
        assert response.status_code in (409, 422), (code, response.body)
        assert response.body["code"] == code, (code, response.body)
    visit = Visit.objects.get()
    assert visit.status == "in_progress" and visit.check_out_uuid is None
    assert VisitItem.objects.count() == 0


@pytest.mark.django_db
def test_signature_image_confirms_and_a_non_image_is_refused(phone, home):
    refused = phone.photo(b"%PDF-1.4\n%%EOF\n", name="sign.jpg")
    assert refused.status_code == 422 and refused.body["code"] == "upload_type_refused"
    text = phone.photo(b"hello, not an image", name="x.png")
    assert text.status_code == 422 and text.body["code"].startswith("upload_")
    assert Photo.objects.count() == 0
    started = phone.check_in(home.person).body
    sign = phone.sha()
    done = phone.check_out(
        started["client_uuid"],
        items(home, "SH05"),
        person=home.person,
        confirmation_method="signature",
        signature_sha256=sign,
        confirmation_code="",
    )
    assert done.status_code == 201 and done.body["confirmation_method"] == "signature"


@pytest.mark.django_db
def test_offline_batch_in_order_with_per_event_answers(phone, home, city):
    t0 = clock.now() - dt.timedelta(hours=3)
    photo_in, photo_out = phone.sha(), phone.sha()
    first_in, second_in = str(uuid.uuid4()), str(uuid.uuid4())
    stranger = make_person(city.streets["510104002000"])

    out_at, later = t0 + dt.timedelta(minutes=50), t0 + dt.timedelta(minutes=60)
    code = family_code_for(home.person.pk, out_at)
    out_key = str(uuid.uuid4())
    events = [
        phone.queued("check_in", first_in, t0, person_id=home.person.pk, photo_sha256=photo_in),
        phone.queued_check_out(
            first_in, out_at, items(home, "SH05", "YL06"), photo_out, code, key=out_key
        ),
        phone.queued("check_in", second_in, t0, person_id=stranger.pk, photo_sha256=photo_in),
        phone.queued_check_out(second_in, later, items(home, "SH05"), photo_out, code),
    ]
    body = phone.api.post("visits/batch", {"events": events}).body
    assert [r["status"] for r in body["results"]] == ["created", "created", "error", "error"]
    assert [r["error"]["code"] for r in body["results"][2:]] == ["not_assigned", "no_check_in"]
    assert (body["created"], body["errors"]) == (2, 2)
    visit = Visit.objects.get()
    assert visit.offline and visit.check_in_at == t0 and visit.duration_minutes == 50
    # The phone sends the whole queue again after a lost answer: nothing is written twice.
    again = phone.api.post("visits/batch", {"events": events[:2]}).body
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert Visit.objects.count() == 1 and VisitItem.objects.count() == 2


@pytest.mark.django_db
def test_family_code_for_the_applicant_only(users, home):
    ApplicantLink.objects.create(user=users.applicant, person=home.person, relationship="child")
    body = ApiClient(users.applicant).get(f"visits/family-code/{home.person.pk}").body
    assert body["code"] == family_code_for(home.person.pk, clock.now())
    assert ApiClient(users.caregiver).get(f"visits/family-code/{home.person.pk}").status_code == 403
    other = ApiClient(users.applicant).get(f"visits/family-code/{home.person.pk + 1000}")
    assert other.status_code == 404


@pytest.mark.django_db
def test_check_in_reads_its_facts_in_one_query_and_agrees_with_care(home, city):
    """The adapter and care's own eligibility_on give the same answer, hospital day and all."""
    from changhu.care import eligibility

    day = clock.today()
    LifeEvent.objects.create(
        person=home.person,
        kind="hospital_stay",
        start_date=day - dt.timedelta(days=3),
        end_date=day - dt.timedelta(days=1),
    )
    for offset in range(-4, 2):
        when = day + dt.timedelta(days=offset)
        with CaptureQueriesContext(connection) as queries:
            known = facts.check_in_facts(
                person_id=home.person.pk, user_id=home.caregiver.user_id, day=when
            )
        assert len(queries) == 1
        assert eligibility.answer(known.facts, when) == care_selectors.eligibility_on(
            home.person.pk, when
        )
        assert known.assigned and known.home == HOME


@pytest.mark.django_db
def test_check_in_query_count_is_pinned(phone, home):
    sha = phone.sha()
    with CaptureQueriesContext(connection) as queries:
        response = phone.check_in(home.person, photo_sha256=sha)
    assert response.status_code == 201
    # token (+ its first-use stamp), the scope's regions (2), the facts (one UNION: caregiver,
    # idempotency, person, eligibility, photo), insert (+ the test transaction's savepoints).
    assert len(queries) <= 8, "\n".join(q["sql"][:100] for q in queries)


@pytest.mark.django_db
def test_a_caregiver_of_another_institution_cannot_use_the_assignment(users, home, other):
    from changhu.orgs.roles import Role
    from tests.factories import UserFactory

    user = UserFactory(username="wuhou_cg", role=Role.CAREGIVER, organization=other.organization)
    caregiver = link_caregiver(user, other.institution, name="周敏")
    assign(caregiver, home.person, other.institution)
    response = Phone(user).check_in(home.person)
    assert_error(response, 409, "not_entitled")
    assert "不由本机构" in response.body["message"]


@pytest.mark.django_db
def test_a_check_out_at_once_is_refused_and_a_short_one_needs_a_reason(phone, home):
    started = phone.check_in(home.person).body
    key = started["client_uuid"]
    # Under a minute: no visit at all, refused whatever the reason.
    at_once = phone.check_out(key, items(home, "SH05"), person=home.person, began=0)
    assert_error(at_once, 422, "visit_too_short")
    assert "不到1分钟" in at_once.body["message"]
    # 10 minutes of 30 reference minutes (SH05): under the rule set's 60 %, a reason is asked,
    # with the list to choose from; nothing is written until one is given.
    short = phone.check_out(key, items(home, "SH05"), person=home.person, began=10)
    assert short.status_code == 422, short.body
    assert short.body["code"] == "short_reason_required"
    assert "服务时长10分钟，不足所选项目参考时长30分钟的60%" in short.body["message"]
    labels = [r["label"] for r in short.body["details"]["reasons"]]
    assert labels == [
        "服务对象拒绝继续服务",
        "服务对象临时送医",
        "家属要求提前结束",
        "其他（请说明）",
    ]
    for extra, code in [
        ({"short_reason": "tired"}, "short_reason_invalid"),
        ({"short_reason": "other"}, "short_reason_note_required"),
    ]:
        refused = phone.check_out(key, items(home, "SH05"), person=home.person, began=0, **extra)
        assert_error(refused, 422, code)
    assert Visit.objects.get().status == "in_progress" and VisitItem.objects.count() == 0
    done = phone.check_out(
        key, items(home, "SH05"), person=home.person, began=0, short_reason="hospital"
    )
    assert done.status_code == 201, done.body
    assert done.body["short_reason"] == "hospital" and done.body["duration_minutes"] == 10
    stored = Visit.objects.get()
    assert stored.get_short_reason_display() == "服务对象临时送医"


@pytest.mark.django_db
def test_a_visit_long_enough_needs_no_reason_and_ignores_one(phone, home):
    key = phone.check_in(home.person).body["client_uuid"]
    done = phone.check_out(key, items(home, "SH05"), person=home.person, began=18)
    assert done.status_code == 201, done.body  # 18 of 30 minutes: exactly 60 %
    assert done.body["short_reason"] == ""


@pytest.mark.django_db
def test_offline_short_check_out_without_reason_is_one_events_error(phone, home):
    t0 = clock.now() - dt.timedelta(hours=2)
    key = str(uuid.uuid4())
    base = {"latitude": HOME[0], "longitude": HOME[1], "accuracy_m": 20}
    events = [
        {
            **base,
            "type": "check_in",
            "client_uuid": key,
            "device_time": t0.isoformat(),
            "person_id": home.person.pk,
            "photo_sha256": phone.sha(),
        },
        {
            **base,
            "type": "check_out",
            "client_uuid": str(uuid.uuid4()),
            "device_time": (t0 + dt.timedelta(seconds=40)).isoformat(),
            "visit_uuid": key,
            "items": items(home, "SH05"),
            "photo_sha256": phone.sha(),
            "confirmation_method": "code",
            "confirmation_code": family_code_for(home.person.pk, t0),
        },
    ]
    body = phone.api.post("visits/batch", {"events": events}).body
    assert [r["status"] for r in body["results"]] == ["created", "error"]
    assert body["results"][1]["error"]["code"] == "visit_too_short"
