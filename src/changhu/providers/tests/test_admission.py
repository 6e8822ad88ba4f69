"""Admission (定点准入) through the API: review, inspection, fast channel, refusal."""

import datetime as dt

import pytest

from changhu.core import clock
from changhu.orgs.models import Organization
from changhu.providers import rules
from changhu.providers.models import Admission, Agreement, Institution, InstitutionStatusChange
from tests.api import ApiClient, assert_api_error


def admission_payload(**overrides):
    return {
        "uscc": rules.make_uscc("52510104MJ1234567"),
        "care_kind": "nursing_home",
        "region_code": "510104001000",
        "address": "锦江区督院街街道东风路8号",
        "latitude": 30.651,
        "longitude": 104.08,
        "beds": 80,
        "care_modes": ["institutional", "home_visit", "family"],
        "staff_count": 30,
        "nurse_count": 6,
        "care_worker_count": 20,
        "legal_representative": "王建华",
        "contact_name": "李敏",
        "contact_phone": "13812345678",
        "service_points": [{"name": "东风路服务站", "address": "东风路10号", "beds": 0}],
        "documents": [{"kind": "license", "title": "营业执照", "number": "L-001"}],
        **overrides,
    }


def agreement(**overrides):
    today = clock.today()
    return {
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=730)).isoformat(),
        **overrides,
    }


@pytest.mark.django_db
def test_full_review_with_inspection_designates_the_institution(users, orgs):
    care_api = ApiClient(users.care_admin)
    submitted = care_api.post("providers/admissions", admission_payload())
    assert submitted.status_code == 201, submitted.body
    body = submitted.body
    assert body["name"] == orgs.care.name and body["status"] == "submitted"
    bureau = ApiClient(users.bureau_admin)
    path = f"providers/admissions/{body['id']}"
    assert_api_error(
        bureau.post(f"{path}/approve", {"agreement": agreement()}), 409, "fast_channel_not_eligible"
    )
    assert bureau.post(f"{path}/review").body["status"] == "under_review"
    planned = bureau.post(f"{path}/inspection", {"planned_on": "2026-12-01"}).body
    assert planned["status"] == "inspecting" and planned["inspection_planned_on"] == "2026-12-01"
    assert_api_error(
        bureau.post(
            f"{path}/inspection-result",
            {"inspected_on": clock.today().isoformat(), "passed": False},
        ),
        422,
        "reason_required",
    )
    result = bureau.post(
        f"{path}/inspection-result",
        {
            "inspected_on": clock.today().isoformat(),
            "passed": True,
            "notes": "消防、床位符合要求",
        },
    ).body
    assert result["status"] == "under_review" and result["inspection_passed"] is True
    assert_api_error(
        care_api.post(f"{path}/approve", {"agreement": agreement()}), 403, "permission_denied"
    )
    approved = bureau.post(f"{path}/approve", {"agreement": agreement(), "reason": "材料齐全"})
    assert approved.status_code == 200, approved.body
    institution = Institution.objects.get(pk=approved.body["id"])
    assert institution.organization_id == orgs.care.pk
    assert approved.body["care_modes"] == ["institutional", "home_visit", "family"]
    assert approved.body["service_points"][0]["name"] == "东风路服务站"
    assert approved.body["agreements"][0]["in_force_today"] is True
    assert approved.body["status_history"][0]["to_status"] == "active"
    orgs.care.refresh_from_db()
    assert orgs.care.uscc == admission_payload()["uscc"] and orgs.care.status == "active"
    # A second application for a designated institution is refused.
    assert_api_error(
        care_api.post("providers/admissions", admission_payload()), 409, "institution_exists"
    )
    # The care admin sees their institution; its admission now points to it.
    assert care_api.get(path).body["institution_id"] == institution.pk


@pytest.mark.django_db
def test_fast_channel_goes_straight_to_approval(users, city):
    bureau = ApiClient(users.bureau_admin)
    payload = admission_payload(
        name="锦江区社区卫生服务中心长护病房",
        care_kind="hospital_ward",
        care_modes=["institutional"],
        medical_designated=True,
        fast_channel=True,
    )
    body = bureau.post("providers/admissions", payload).body
    assert body["fast_channel_eligible"] is True
    approved = bureau.post(
        f"providers/admissions/{body['id']}/approve", {"agreement": agreement(number="CD-2026-001")}
    )
    assert approved.status_code == 200, approved.body
    assert approved.body["fast_channel"] is True
    org = Organization.objects.get(name="锦江区社区卫生服务中心长护病房")
    assert org.kind == "care" and org.care_kind == "hospital_ward"
    assert Agreement.objects.get(number="CD-2026-001").institution.organization == org
    refused = bureau.post(
        "providers/admissions",
        admission_payload(
            name="某居家服务站",
            uscc=rules.make_uscc("52510104MJ7654321"),
            care_kind="home_service",
            care_modes=["home_visit"],
            fast_channel=True,
        ),
    )
    assert_api_error(refused, 422, "fast_channel_not_eligible")


@pytest.mark.django_db
def test_refusal_needs_a_reason_and_changes_nothing_else(users, city):
    bureau = ApiClient(users.bureau_admin)
    body = bureau.post("providers/admissions", admission_payload(name="待审核机构")).body
    path = f"providers/admissions/{body['id']}"
    assert_api_error(bureau.post(f"{path}/refuse", {"reason": "  "}), 422, "reason_required")
    refused = bureau.post(f"{path}/refuse", {"reason": "护理人员数量不足"}).body
    assert refused["status"] == "refused" and refused["decision_reason"] == "护理人员数量不足"
    assert_api_error(
        bureau.post(f"{path}/approve", {"agreement": agreement()}), 409, "illegal_transition"
    )
    assert not Institution.objects.exists()
    assert not Organization.objects.filter(name="待审核机构").exists()


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"uscc": "91510104MA6CIIII01"}, 422, "uscc_format"),
        ({"uscc": rules.make_uscc("52510104MJ1234567")[:17] + "0"}, 422, "uscc_checksum"),
        (
            {"care_kind": "hospital_ward", "care_modes": ["home_visit"]},
            422,
            "care_mode_not_allowed",
        ),
        ({"beds": 0}, 422, "beds_required"),
        ({"contact_phone": "12345"}, 422, "phone_format"),
    ],
)
@pytest.mark.django_db
def test_invalid_applications_are_refused(users, city, overrides, status, code):
    api = ApiClient(users.bureau_admin)
    response = api.post("providers/admissions", admission_payload(name="X机构", **overrides))
    assert_api_error(response, status, code)
    assert not Admission.objects.exists()


@pytest.mark.django_db
def test_insurer_staff_cannot_apply(users, city):
    response = ApiClient(users.worker_a).post("providers/admissions", admission_payload())
    assert_api_error(response, 403, "permission_denied")


@pytest.mark.django_db
def test_care_admin_withdraws_and_other_care_admins_see_nothing(users, other):
    mine = ApiClient(users.care_admin).post("providers/admissions", admission_payload()).body
    assert ApiClient(other.admin).get(f"providers/admissions/{mine['id']}").status_code == 404
    assert ApiClient(other.admin).get("providers/admissions").body["total"] == 0
    assert ApiClient(users.worker_b).get("providers/admissions").body["total"] == 0
    assert ApiClient(users.worker_a).get("providers/admissions").body["total"] == 1
    withdrawn = ApiClient(users.care_admin).post(
        f"providers/admissions/{mine['id']}/withdraw", {"reason": "材料补充后再申请"}
    )
    assert withdrawn.body["status"] == "withdrawn"
    assert InstitutionStatusChange.objects.count() == 1  # only the fixture institution's
