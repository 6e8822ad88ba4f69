"""The training endpoints: the whole path over HTTP, refusals with their codes, scope."""

from __future__ import annotations

import pytest
from django.test import Client

from changhu.providers.models import Certificate

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_the_whole_path_over_http(users, held, trainees):
    bureau, care = client_for(users.bureau_admin), client_for(users.care_admin)
    base = "/api/v1/training"
    r = post(care, f"{base}/sessions/{held.pk}/enrolments", {"caregiver_id": trainees.a.pk})
    assert r.status_code == 201, r.content
    enrolment = r.json()["id"]
    r = post(
        bureau,
        f"{base}/sessions/{held.pk}/roll",
        {"rows": [{"enrolment_id": enrolment, "attended": True, "score": "81"}]},
    )
    assert r.json() == {"changed": 1}
    r = post(bureau, f"{base}/sessions/{held.pk}/certificates")
    assert r.status_code == 200 and r.json()["issued"] == [enrolment]
    cert = Certificate.objects.get(caregiver=trainees.a)
    detail = care.get(f"{base}/sessions/{held.pk}").json()
    assert detail["roll"][0]["certificate_id"] == cert.pk
    assert detail["roll"][0]["passed"] is True
    # again: nothing new
    r = post(bureau, f"{base}/enrolments/{enrolment}/certificate")
    assert r.status_code == 200 and r.json()["certificate_id"] == cert.pk
    assert Certificate.objects.filter(caregiver=trainees.a).count() == 1


def test_refused_issue_is_a_422_with_its_code(users, held, trainees):
    bureau = client_for(users.bureau_admin)
    r = post(
        bureau, f"/api/v1/training/sessions/{held.pk}/enrolments", {"caregiver_id": trainees.b.pk}
    )
    r = post(bureau, f"/api/v1/training/enrolments/{r.json()['id']}/certificate")
    assert r.status_code == 422
    assert r.json()["code"] == "not_attended" and "未出勤" in r.json()["message"]
    assert not Certificate.objects.filter(caregiver=trainees.b).exists()


def test_scope_over_http(users, held, trainees, other):
    post(
        client_for(other.admin),
        f"/api/v1/training/sessions/{held.pk}/enrolments",
        {"caregiver_id": trainees.outsider.pk},
    )
    assert (
        client_for(users.care_admin).get(f"/api/v1/training/sessions/{held.pk}").json()["roll"]
        == []
    )
    r = post(
        client_for(users.care_admin),
        f"/api/v1/training/sessions/{held.pk}/enrolments",
        {"caregiver_id": trainees.outsider.pk},
    )
    assert r.status_code == 404
    assert client_for(users.applicant).get("/api/v1/training/courses").status_code == 403
    r = post(client_for(users.care_admin), f"/api/v1/training/sessions/{held.pk}/certificates")
    assert r.status_code == 403
