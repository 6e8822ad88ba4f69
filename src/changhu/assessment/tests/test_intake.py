"""Intake: who may apply for whom, channels, one open case per person, special groups first,
and uploads checked by content with nothing stored when anything is refused."""

from __future__ import annotations

import pytest

from changhu.assessment import services
from changhu.assessment.models import Application, CaseEvent, Document
from changhu.assessment.tests.conftest import (
    PDF_BYTES,
    jpeg_bytes,
    online,
    png_bytes,
    post_file,
    upload,
)
from changhu.assessment.tests.flow import submit
from changhu.core.errors import Conflict, PermissionDenied, ValidationFailed
from changhu.core.models import AuditEntry
from changhu.insured.models import ApplicantLink
from tests.api import ApiClient

pytestmark = pytest.mark.django_db


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_an_applicant_must_know_the_persons_name_and_number(users, people, loaded):
    api = ApiClient(users.applicant)
    wrong_name = api.post("assessment/applications", online(people.qingyang, person_name="李秀"))
    assert wrong_name.status_code == 422 and wrong_name.body["code"] == "person_not_matched"
    unknown = online(people.qingyang, person_id_number="510105194001010013")
    response = api.post("assessment/applications", unknown)
    assert response.status_code == 422
    assert response.body["code"] in {"person_not_matched", "id_number_checksum"}
    # A person_id is only accepted for persons the applicant is already linked to.
    by_id = api.post(
        "assessment/applications", {**online(people.qingyang), "person_id": people.qingyang.pk}
    )
    assert by_id.status_code == 404
    assert not Application.objects.exists()
    ok = api.post("assessment/applications", online(people.qingyang, applicant_name=""))
    assert ok.status_code == 201, ok.body
    assert ok.body["applicant_name"] == users.applicant.real_name
    assert not ApplicantLink.objects.exists()  # recorded on acceptance, not before


def test_staff_channels_and_the_family_doctor(users, people, loaded):
    api = ApiClient(users.worker_a)
    base = {
        "person_id": people.qingyang.pk,
        "applicant_name": "李建华",
        "relationship": "spouse",
        "phone": "028-86123456",
        "address": "青羊区太升路街道",
    }
    refused = api.post("assessment/applications", {**base, "channel": "family_doctor"})
    assert refused.status_code == 422 and refused.body["fields"] == {
        "referrer": "家庭医生协助申请时请填写医生姓名及所在机构"
    }
    created = api.post(
        "assessment/applications",
        {**base, "channel": "family_doctor", "referrer": "王医生（太升路社区卫生服务中心）"},
    )
    assert created.status_code == 201
    assert created.body["channel"] == "family_doctor" and created.body["priority"] is False
    # Out of the worker's districts: the person is not found.
    other = api.post("assessment/applications", {**base, "person_id": people.wuhou.pk})
    assert other.status_code == 404
    # Roles without intake or apply rights cannot apply.
    with pytest.raises(PermissionDenied):
        services.application_submit(actor=users.caregiver, data=services.ApplicationInput())


def test_one_open_case_per_person_and_a_deceased_person(users, people, loaded):
    first = submit(users.worker_a, people.jinjiang)
    with pytest.raises(Conflict) as exc:
        submit(users.supervisor_a, people.jinjiang)
    assert exc.value.code == "application_open" and first.number in exc.value.message
    services.application_withdraw(actor=users.worker_a, application_id=first.pk, reason="家属撤回")
    submit(users.worker_a, people.jinjiang)  # a closed case does not block a new one
    people.qingyang.status, people.qingyang.died_on = "deceased", "2026-01-02"
    people.qingyang.save()
    with pytest.raises(Conflict) as exc:
        submit(users.worker_a, people.qingyang)
    assert exc.value.code == "person_deceased"


def test_special_groups_are_flagged_and_first_in_every_queue(users, people, loaded):
    plain = submit(users.worker_a, people.qingyang)
    special = submit(users.worker_a, people.jinjiang)
    assert (special.priority, special.special_groups) == (True, ["tekun"])
    api = ApiClient(users.worker_a)
    rows = api.get("assessment/applications", queue="intake").body["items"]
    assert [r["id"] for r in rows] == [special.pk, plain.pk]
    queues = {q["key"]: q["count"] for q in api.get("assessment/queues").body}
    assert queues["intake"] == 2 and queues["dispatch"] == 0


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.pdf", b"", "upload_empty"),
        ("photo.pdf", b"GIF89a" + b"\x00" * 40, "upload_type_refused"),
        ("setup.png", b"MZ" + b"\x00" * 200, "upload_type_refused"),
        ("scan.png", png_bytes()[:30], "upload_corrupt"),
        ("record.pdf", b"%PDF-1.4\n" + b"x" * 100, "upload_corrupt"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"%%EOF", "upload_too_large"),
    ],
)
def test_bad_uploads_are_refused_in_chinese_and_nothing_is_stored(
    users, people, loaded, private_media, name, data, code
):
    case = submit(users.worker_a, people.jinjiang)
    response = post_file(ApiClient(users.worker_a), case.pk, "medical_record", name, data)
    assert response.status_code == 422 and response.body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.body["message"])
    assert not Document.objects.exists() and not CaseEvent.objects.exists()
    assert stored_files(private_media) == []


def test_good_uploads_are_recognised_by_content_and_stored_sealed(
    users, people, loaded, private_media
):
    case = submit(users.worker_a, people.jinjiang)
    api = ApiClient(users.worker_a)
    # A JPEG named .pdf is stored as what it is.
    response = post_file(api, case.pk, "id_card", "身份证.pdf", jpeg_bytes())
    assert response.status_code == 201
    document = Document.objects.get()
    assert (document.content_type, document.original_name) == ("image/jpeg", "身份证.pdf")
    (path,) = stored_files(private_media)
    assert "private/assessment" in str(path) and path.read_bytes().startswith(b"CHDOC1")
    assert jpeg_bytes()[:16] not in path.read_bytes()
    download = api.client.get(response.body["download_url"], headers=api.headers)
    assert download.status_code == 200 and download.content == jpeg_bytes()
    assert download["Content-Type"] == "image/jpeg"
    assert AuditEntry.objects.filter(action="view_full", note="下载申请材料").count() == 1
    # Unknown kinds and on-site kinds are refused for application materials.
    bad_kind = post_file(api, case.pk, "onsite_photo", "a.png", png_bytes())
    assert bad_kind.status_code == 422 and bad_kind.body["code"] == "document_kind"


def test_one_bad_file_refuses_the_whole_application(users, people, loaded, private_media):
    files = [
        services.Upload("id_card", upload("id.png", png_bytes())),
        services.Upload("medical_record", upload("record.pdf", PDF_BYTES)),
        services.Upload("self_assessment", upload("self.pdf", b"PK\x03\x04 zip")),
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(
            actor=users.worker_a,
            data=services.ApplicationInput(
                person_id=people.jinjiang.pk,
                applicant_name="张小梅",
                relationship="child",
                phone="13812345678",
                address="锦江区",
            ),
            documents=files,
        )
    assert exc.value.code == "upload_type_refused" and "documents.2" in exc.value.fields
    assert "压缩包" in exc.value.message
    assert not Application.objects.exists() and not Document.objects.exists()
    assert stored_files(private_media) == []


def test_applicants_add_materials_only_while_the_case_is_with_the_insurer(users, people, loaded):
    api = ApiClient(users.applicant)
    case = api.post("assessment/applications", online(people.qingyang)).body
    assert post_file(api, case["id"], "self_assessment", "自评.png", png_bytes()).status_code == 201
    services.application_accept(actor=users.worker_a, application_id=case["id"])
    late = post_file(api, case["id"], "other", "补充.png", png_bytes())
    assert late.status_code == 409 and late.body["code"] == "documents_closed"
