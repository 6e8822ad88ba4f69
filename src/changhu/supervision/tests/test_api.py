"""The supervision API end to end: plan, record, answer with a file, re-check, appeal; scope."""

from __future__ import annotations

import pytest

from changhu.core import clock
from changhu.supervision import services
from changhu.supervision.tests.fixtures import PDF, jpeg_upload
from tests.api import ApiClient

pytestmark = pytest.mark.django_db


def test_an_inspection_through_the_api(field, media_root):
    users = field.users
    supervisor, inspector = ApiClient(users.supervisor_a), ApiClient(users.worker_a)
    admin = ApiClient(users.care_admin)
    response = supervisor.post(
        "supervision/inspections",
        {
            "title": "锦江区飞行检查",
            "kind": "flying",
            "period": clock.today().strftime("%Y-%m"),
            "region_code": "510104",
            "institution_sample": 1,
            "beneficiary_sample": 1,
            "seed": 99,
        },
    )
    assert response.status_code == 201, response.body
    task = response.body
    assert task["kind_label"] == "飞行检查" and task["seed"] == 99
    targets = supervisor.get(f"supervision/inspections/{task['id']}/targets").body["items"]
    assert [t["target"] for t in targets] == ["institution", "beneficiary"]
    assert all(t["reason"] and t["weight"] >= 1 for t in targets)
    target = inspector.get(f"supervision/inspections/targets/{targets[0]['id']}").body
    assert {"item", "method", "points", "evidence"} <= set(target["items"][0])

    photo = inspector.client.post(
        "/api/v1/supervision/inspections/photos",
        {"file": jpeg_upload()},
        headers=inspector.headers,
    )
    assert photo.status_code == 201
    sha = photo.json()["sha256"]
    answers = {
        i["code"]: {"ok": i["code"] != "fees", "note": "超标准收费"} for i in target["items"]
    }
    recorded = inspector.post(
        f"supervision/inspections/targets/{target['id']}/record",
        {
            "answers": answers,
            "latitude": 30.65,
            "longitude": 104.08,
            "accuracy_m": 8,
            "photo_sha256s": [sha],
        },
    )
    assert recorded.status_code == 200, recorded.body
    assert recorded.body["status"] == "recorded" and recorded.body["photo_ids"]
    again = inspector.post(
        f"supervision/inspections/targets/{target['id']}/record", {"answers": answers}
    )
    assert again.status_code == 409 and again.body["code"] == "already_recorded"

    notices = admin.get("supervision/rectifications", status="open").body["items"]
    assert len(notices) == 1 and notices[0]["legal_basis"]
    notice_id = notices[0]["id"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    answered = admin.client.post(
        f"/api/v1/supervision/rectifications/{notice_id}/answer",
        {"text": "已退还多收费用", "files": [SimpleUploadedFile("退费凭证.pdf", PDF)]},
        headers=admin.headers,
    )
    assert answered.status_code == 200, answered.json()
    assert answered.json()["answers"][0]["evidence_names"] == ["退费凭证.pdf"]
    rejected = supervisor.post(
        f"supervision/rectifications/{notice_id}/review", {"decision": "reject"}
    )
    assert rejected.status_code == 422 and rejected.body["code"] == "reason_required"
    accepted = supervisor.post(
        f"supervision/rectifications/{notice_id}/review", {"decision": "accept"}
    )
    assert accepted.body["status"] == "accepted"

    for outsider in (field.other.admin, users.worker_b):
        client = ApiClient(outsider)
        assert client.get(f"supervision/rectifications/{notice_id}").status_code == 404
        assert client.get(f"supervision/inspections/targets/{target['id']}").status_code == 404
        assert client.get("supervision/rectifications").body["total"] == 0
    assert (
        ApiClient(users.regulator)
        .post(f"supervision/rectifications/{notice_id}/review", {"decision": "accept"})
        .status_code
        == 403
    )


def test_an_appeal_through_the_api(field):
    from changhu.supervision.tests.fixtures import plan, record

    users = field.users
    task = plan(users.supervisor_a)
    record(
        users.supervisor_a, task.targets.get(target="institution"), {"staffing": "2名护理员无证"}
    )
    finding = task.findings.get()
    admin = ApiClient(users.care_admin)
    filed = admin.post(
        "supervision/appeals",
        {"inspection_finding_id": finding.pk, "reason": "证书已在办理，附受理回执"},
    )
    assert filed.status_code == 201 and filed.body["status"] == "pending"
    same = ApiClient(users.supervisor_a).post(
        f"supervision/appeals/{filed.body['id']}/decide", {"decision": "reject", "reason": "不成立"}
    )
    assert same.status_code == 409 and same.body["code"] == "same_person"
    decided = ApiClient(users.bureau_admin).post(
        f"supervision/appeals/{filed.body['id']}/decide", {"decision": "reject", "reason": "不成立"}
    )
    assert decided.body["status"] == "rejected"
    assert admin.get("supervision/appeals").body["items"][0]["status_label"] == "申诉不成立"


def test_the_lists_do_not_query_per_row(field):
    from changhu.supervision.tests.fixtures import plan, record

    users = field.users
    task = plan(users.supervisor_a)
    record(
        users.worker_a, task.targets.get(target="institution"), {"fees": "超收", "safety": "堵塞"}
    )
    first, second = task.findings.order_by("pk")
    services.appeal_file(actor=users.care_admin, inspection_finding_id=first.pk, reason="另有原因")
    client = ApiClient(users.supervisor_a)
    client.get("supervision/rectifications")  # warm the token and the scope

    def counted(path: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    paths = (
        "supervision/rectifications",
        "supervision/inspections/findings",
        f"supervision/inspections/{task.pk}/targets",
        "supervision/appeals",
    )
    before = {p: counted(p) for p in paths}
    record(users.worker_a, task.targets.get(target="beneficiary"), {"identity": "本人不在家"})
    services.appeal_file(actor=users.care_admin, inspection_finding_id=second.pk, reason="同上")
    assert {p: counted(p) for p in paths} == before
