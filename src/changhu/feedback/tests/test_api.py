"""The supervision API for complaints, return visits and surveys, and the draw command."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from changhu.feedback.models import Complaint, ReturnVisit
from changhu.feedback.tests.conftest import last_month
from changhu.feedback.tests.test_services import SURVEY
from tests.api import ApiClient

pytestmark = pytest.mark.django_db
BASE = "/api/v1/supervision"


def test_a_family_complaint_and_its_closing_through_the_api(users, served):
    family = ApiClient(users.applicant)
    person = served.persons[0]
    visit = served.visits[(person.pk, 12)]
    made = family.post(
        f"{BASE}/complaints",
        {
            "category": "missed_visit",
            "content": "12日没来",
            "person_id": person.pk,
            "visit_ids": [visit.pk],
            "channel": "hotline",
        },
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["channel"] == "family" and body["visit_ids"] == [visit.pk]
    assert body["status_label"] == "待受理" and body["institution_name"]
    worker = ApiClient(users.worker_a)
    cid = body["id"]
    assert worker.post(f"{BASE}/complaints/{cid}/acknowledge", {}).status_code == 200
    replied = worker.post(
        f"{BASE}/complaints/{cid}/reply",
        {"reply": "已核实", "reply_channel": "page", "substantiated": True},
    )
    assert replied.json()["status"] == "replied"
    found = worker.post(
        f"{BASE}/complaints/{cid}/substantiate", {"visit_ids": [visit.pk], "note": "属实"}
    )
    assert found.status_code == 200 and found.json()["visit_ids"] == [visit.pk]
    closed = family.post(f"{BASE}/complaints/{cid}/close", {"satisfaction": 5})
    assert closed.json()["status"] == "closed" and closed.json()["satisfaction"] == 5
    assert family.get(f"{BASE}/complaints").json()["total"] == 1
    assert ApiClient(users.worker_b).get(f"{BASE}/complaints/{cid}").status_code == 404
    assert ApiClient(users.caregiver).get(f"{BASE}/complaints").json()["total"] == 0


def test_bad_input_is_a_422_and_writes_nothing(users, served):
    worker = ApiClient(users.worker_a)
    response = worker.post(f"{BASE}/complaints", {"category": "fees", "content": "多收费"})
    assert response.status_code == 422 and response.json()["code"] == "subject_required"
    response = worker.post(
        f"{BASE}/complaints",
        {
            "category": "fees",
            "content": "x",
            "institution_id": served.institution.pk,
            "complainant_phone": "123",
        },
    )
    assert response.status_code == 422 and response.json()["code"] == "phone_format"
    assert not Complaint.objects.exists()


def test_draw_call_and_scores_through_the_api(users, served):
    worker = ApiClient(users.worker_a)
    drawn = worker.post(f"{BASE}/return-visits/draws", {"period": last_month()})
    assert drawn.status_code == 201 and drawn.json()[0]["drawn"] == 2
    rv = worker.get(f"{BASE}/return-visits", period=last_month()).json()["items"][0]
    answers = {
        "identity": "self",
        "visits_as_agreed": True,
        "duration_enough": True,
        "items_done": True,
        "asked_to_sign": False,
        "extra_charge": False,
    }
    called = worker.post(
        f"{BASE}/return-visits/{rv['id']}/call",
        {"outcome": "reached", "answers": answers, "survey": SURVEY},
    )
    assert called.status_code == 200 and called.json()["status_label"] == "已接通"
    scores = worker.get(f"{BASE}/surveys/scores", period=last_month(), by="caregiver").json()
    assert scores[0]["id"] == served.caregiver.pk and scores[0]["average"] == round(11 / 3, 2)
    bad = worker.get(f"{BASE}/surveys/scores", period="2026-13", by="caregiver")
    assert bad.status_code == 422
    assert (
        ApiClient(users.regulator)
        .post(f"{BASE}/return-visits/draws", {"period": last_month()})
        .status_code
        == 403
    )


def test_the_draw_command_prints_json_and_is_reproducible(served):
    out = StringIO()
    call_command("return_visits_draw", "--month", last_month(), stdout=out)
    summary = json.loads(out.getvalue())
    assert summary == {
        "month": last_month(),
        "institutions": 1,
        "drawn": 2,
        "population": 3,
        "draws": [{"institution_id": served.institution.pk, "population": 3, "drawn": 2}],
    }
    first = sorted(ReturnVisit.objects.values_list("person_id", flat=True))
    call_command("return_visits_draw", "--month", last_month(), stdout=StringIO())
    assert sorted(ReturnVisit.objects.values_list("person_id", flat=True)) == first
