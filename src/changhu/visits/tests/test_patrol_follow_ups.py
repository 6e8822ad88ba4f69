"""Follow-ups of patrol visits: set on the patrol or afterwards, tracked until done with a note,
overdue once past the deadline, scoped and audited, on the institution's work queue."""

import datetime as dt
import uuid

import pytest

from changhu.core import clock
from changhu.core.models import AuditEntry, TransitionLog
from changhu.visits import selectors
from changhu.visits.models import FollowUpStatus, PatrolFollowUp, PatrolVisit
from changhu.visits.tests.fixtures import Phone, open_home_care
from changhu.web.queues import queues_for
from tests.api import ApiClient
from tests.clock import on
from tests.factories import make_caregiver

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.body
    assert response.body["code"] == code, response.body


def days(n: int) -> str:
    return (clock.today() + dt.timedelta(days=n)).isoformat()


@pytest.fixture
def family(users, people, institution, rules):
    person = people.jinjiang
    open_home_care(users, person, institution, mode="family")
    make_caregiver(
        institution, kind="family", certificate="family_training", beneficiary=person, name="张小明"
    )
    return person


def patrol_body(phone, person, rules, **extra):
    return {
        "client_uuid": str(uuid.uuid4()),
        "person_id": person.pk,
        "device_time": clock.now().isoformat(),
        "results": {item["code"]: True for item in rules.checklist},
        "condition_note": "精神好",
        "photo_sha256s": [phone.sha()],
        **extra,
    }


def test_a_patrol_sets_follow_ups_that_are_tracked_until_done(users, family, rules):
    phone = Phone(users.care_admin)
    teach = {"action": "教会家属每两小时翻身一次", "due_on": days(7), "party": "family_caregiver"}
    bring = {"action": "送一张防压疮气垫床", "due_on": days(3), "party": "institution"}
    body = patrol_body(phone, family, rules, follow_ups=[teach, bring])
    created = phone.api.post("visits/patrols", body)
    assert created.status_code == 201, created.body
    assert created.body["follow_up"] is True
    shown = created.body["follow_ups"]
    # By deadline: the institution's (three days) before the family caregiver's (a week).
    assert [f["party"] for f in shown] == ["institution", "family_caregiver"]
    assert all(f["status"] == "open" and not f["overdue"] for f in shown)
    # A retry of the same event sets nothing twice.
    assert phone.api.post("visits/patrols", body).status_code == 200
    assert PatrolFollowUp.objects.count() == 2

    listed = ApiClient(users.care_admin).get("visits/patrols/follow-ups", status="open").body
    assert listed["total"] == 2
    assert [f["action"] for f in listed["items"]] == [
        "送一张防压疮气垫床",
        "教会家属每两小时翻身一次",
    ]

    first = listed["items"][0]["id"]
    refused = phone.api.post(f"visits/patrols/follow-ups/{first}/done", {"note": "  "})
    assert_error(refused, 422, "note_required")
    done = phone.api.post(f"visits/patrols/follow-ups/{first}/done", {"note": "气垫床已送到"})
    assert done.status_code == 200, done.body
    assert done.body["status"] == "done" and done.body["done_note"] == "气垫床已送到"
    again = phone.api.post(f"visits/patrols/follow-ups/{first}/done", {"note": "再次"})
    assert_error(again, 409, "illegal_transition")
    row = PatrolFollowUp.objects.get(pk=first)
    assert row.done_by == users.care_admin and row.done_at is not None
    assert TransitionLog.objects.filter(to_state="done").count() == 1
    notes = list(
        AuditEntry.objects.filter(object_type__contains="patrolfollowup").values_list(
            "note", flat=True
        )
    )
    assert any("巡护跟进完成：气垫床已送到" in n for n in notes)
    assert sum("巡护跟进：" in n for n in notes) == 2


def test_a_follow_up_added_afterwards_and_refusals(users, family, rules, other):
    phone = Phone(users.care_admin)
    patrol_id = phone.api.post("visits/patrols", patrol_body(phone, family, rules)).body["id"]
    assert PatrolVisit.objects.get(pk=patrol_id).follow_up is False
    url = f"visits/patrols/{patrol_id}/follow-ups"
    good = {"action": "复查皮肤情况", "due_on": days(0), "party": "institution"}
    for bad, code in [
        ({**good, "action": " "}, "follow_up_action_required"),
        ({**good, "action": "很" * 201}, "follow_up_action_too_long"),
        ({**good, "due_on": days(-1)}, "due_date_passed"),
        ({**good, "due_on": days(400)}, "due_date_too_far"),
        ({**good, "due_on": "下周"}, "date_invalid"),
    ]:
        assert_error(phone.api.post(url, bad), 422, code)
    assert not PatrolFollowUp.objects.exists()
    added = phone.api.post(url, good)
    assert added.status_code == 201, added.body
    assert PatrolVisit.objects.get(pk=patrol_id).follow_up is True
    # Another institution and a supervisor cannot set or close it; the supervisor reads it.
    assert ApiClient(other.admin).post(url, good).status_code == 404
    done_url = f"visits/patrols/follow-ups/{added.body['id']}/done"
    assert ApiClient(other.admin).post(done_url, {"note": "x"}).status_code == 404
    assert ApiClient(users.supervisor_a).post(done_url, {"note": "x"}).status_code == 403
    assert ApiClient(users.supervisor_a).get("visits/patrols/follow-ups").body["total"] == 1
    assert ApiClient(users.worker_b).get("visits/patrols/follow-ups").body["total"] == 0
    assert ApiClient(other.admin).get("visits/patrols/follow-ups").body["total"] == 0
    assert ApiClient(users.applicant).get("visits/patrols/follow-ups").status_code == 403
    wrong = ApiClient(users.care_admin).get("visits/patrols/follow-ups", status="late")
    assert wrong.status_code == 422


def test_a_follow_up_past_its_deadline_is_overdue_on_the_queue(users, family, rules):
    phone = Phone(users.care_admin)
    check = {"action": "复查翻身记录", "due_on": days(2), "party": "family_caregiver"}
    body = patrol_body(phone, family, rules, follow_ups=[check])
    follow_up_id = phone.api.post("visits/patrols", body).body["follow_ups"][0]["id"]
    cards = {q.key: q for q in queues_for(users.care_admin)}
    assert cards["visits.patrol_follow_ups"].count == 1
    assert cards["visits.patrol_follow_ups"].overdue == 0
    with on(clock.today() + dt.timedelta(days=3)):
        assert selectors.overdue_follow_ups_count(users.care_admin) == 1
        shown = ApiClient(users.care_admin).get("visits/patrols/follow-ups", status="overdue")
        assert [f["id"] for f in shown.body["items"]] == [follow_up_id]
        assert shown.body["items"][0]["overdue"] is True
        cards = {q.key: q for q in queues_for(users.care_admin)}
        assert cards["visits.patrol_follow_ups"].overdue == 1
        # Done late is still done, and no longer overdue.
        ApiClient(users.care_admin).post(
            f"visits/patrols/follow-ups/{follow_up_id}/done", {"note": "已复查"}
        )
        assert selectors.overdue_follow_ups_count(users.care_admin) == 0
        assert PatrolFollowUp.objects.get().status == FollowUpStatus.DONE
    assert "visits.patrol_follow_ups" not in {q.key for q in queues_for(users.worker_a)}
