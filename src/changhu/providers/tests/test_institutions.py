"""Institution status with reasons and dates, agreements, and what each role sees."""

import datetime as dt

import pytest

from changhu.core import clock
from changhu.core.models import AuditEntry, TransitionLog
from changhu.orgs.models import Organization
from changhu.providers import services
from changhu.providers.models import Agreement, InstitutionStatusChange
from tests.api import ApiClient

TODAY = clock.today()


def assert_error(response, status, code):
    assert response.status_code == status, response.body
    assert response.body["code"] == code


@pytest.mark.django_db
def test_suspension_carries_reason_and_date_and_locks_the_institution_out(users, institution):
    bureau = ApiClient(users.bureau_admin)
    care = ApiClient(users.care_admin)
    assert care.get("providers/institutions").body["total"] == 1
    path = f"providers/institutions/{institution.pk}/status"
    assert_error(bureau.post(path, {"action": "suspend", "reason": ""}), 422, "reason_required")
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    assert_error(
        bureau.post(path, {"action": "suspend", "reason": "检查", "effective_on": future}),
        422,
        "date_in_future",
    )
    assert_error(
        care.post(path, {"action": "suspend", "reason": "自己暂停"}), 403, "permission_denied"
    )
    day = (TODAY - dt.timedelta(days=2)).isoformat()
    body = bureau.post(
        path, {"action": "suspend", "reason": "日常巡查发现超范围服务", "effective_on": day}
    ).body
    assert body["status"] == "suspended" and body["status_since"] == day
    assert body["status_history"][0]["reason"] == "日常巡查发现超范围服务"
    assert Organization.objects.get(pk=institution.organization_id).status == "suspended"
    assert TransitionLog.objects.filter(
        object_type="providers.institution", to_state="suspended"
    ).exists()
    assert AuditEntry.objects.filter(object_type="providers.institution", action="update").exists()
    # The institution's own users now see nothing at all.
    fresh = ApiClient(type(users.care_admin).objects.get(pk=users.care_admin.pk))
    assert fresh.get("providers/institutions").body["total"] == 0
    assert_error(
        bureau.post(path, {"action": "suspend", "reason": "再次暂停"}), 409, "illegal_transition"
    )
    body = bureau.post(path, {"action": "reinstate", "reason": "整改完成"}).body
    assert body["status"] == "active"
    statuses = [
        c.to_status for c in InstitutionStatusChange.objects.filter(institution=institution)
    ]
    assert statuses == ["active", "suspended", "active"]
    assert services.institution_status_on(institution, TODAY - dt.timedelta(days=1)) == "suspended"


@pytest.mark.django_db
def test_termination_ends_the_agreement(users, institution):
    bureau = ApiClient(users.bureau_admin)
    body = bureau.post(
        f"providers/institutions/{institution.pk}/status",
        {"action": "terminate", "reason": "年度考核不合格，予以淘汰"},
    ).body
    assert body["status"] == "terminated"
    agreement = Agreement.objects.get(institution=institution)
    assert agreement.status == "terminated" and agreement.ended_on == TODAY
    assert not agreement.in_force_on(TODAY + dt.timedelta(days=1))
    assert_error(
        bureau.post(
            f"providers/institutions/{institution.pk}/status",
            {"action": "reinstate", "reason": "x"},
        ),
        409,
        "illegal_transition",
    )
    assert_error(
        bureau.post(
            f"providers/institutions/{institution.pk}/agreements", {"valid_until": "2032-12-31"}
        ),
        409,
        "institution_terminated",
    )


@pytest.mark.django_db
def test_agreements_never_overlap_and_renew_from_the_next_day(users, institution):
    bureau = ApiClient(users.bureau_admin)
    path = f"providers/institutions/{institution.pk}/agreements"
    overlap = bureau.post(path, {"valid_from": "2030-06-01", "valid_until": "2032-12-31"})
    assert_error(overlap, 409, "agreement_overlap")
    current = Agreement.objects.get(institution=institution)
    renewed = bureau.post(f"providers/agreements/{current.pk}/renew", {"valid_until": "2033-12-31"})
    assert renewed.status_code == 201, renewed.body
    assert renewed.body["valid_from"] == "2031-01-01"
    assert renewed.body["renewal_due"] == "2033-11-01"
    current.refresh_from_db()
    assert current.status == "renewed"
    assert_error(
        bureau.post(f"providers/agreements/{current.pk}/renew", {"valid_until": "2035-12-31"}),
        409,
        "agreement_not_active",
    )


@pytest.mark.django_db
def test_renewal_due_list(users, institution):
    Agreement.objects.filter(institution=institution).update(
        renewal_due=TODAY - dt.timedelta(days=1)
    )
    due = ApiClient(users.bureau_admin).get("providers/agreements/due").body
    assert [a["institution_id"] for a in due] == [institution.pk]
    assert ApiClient(users.worker_b).get("providers/agreements/due").body == []


@pytest.mark.django_db
def test_profile_and_service_points(users, institution):
    bureau = ApiClient(users.bureau_admin)
    body = bureau.put(
        f"providers/institutions/{institution.pk}/profile",
        {"beds": 150, "care_modes": ["institutional", "family"]},
    ).body
    assert body["beds"] == 150 and body["care_modes"] == ["institutional", "family"]
    assert_error(
        bureau.put(f"providers/institutions/{institution.pk}/profile", {"beds": 0}),
        422,
        "beds_required",
    )
    point = bureau.post(
        f"providers/institutions/{institution.pk}/service-points",
        {"name": "盐市口站", "address": "盐市口街道1号", "region_code": "510104002000"},
    )
    assert point.status_code == 201 and point.body["region_code"] == "510104002000"
    again = bureau.post(
        f"providers/institutions/{institution.pk}/service-points",
        {"name": "盐市口站", "address": "另一地址"},
    )
    assert_error(again, 409, "service_point_duplicate")


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("bureau_admin", {"锦江康养护理院", "武侯居家照护服务中心"}),
        ("regulator", {"锦江康养护理院", "武侯居家照护服务中心"}),
        ("worker_a", {"锦江康养护理院"}),
        ("supervisor_a", {"锦江康养护理院"}),
        ("outlet_worker", {"锦江康养护理院"}),
        ("worker_b", {"武侯居家照护服务中心"}),
        ("care_admin", {"锦江康养护理院"}),
        ("caregiver", set()),
        ("assessor", set()),
        ("expert", set()),
        ("applicant", set()),
    ],
)
@pytest.mark.django_db
def test_institution_scoping_for_every_role(users, institution, other, user, visible):
    api = ApiClient(getattr(users, user))
    names = {row["name"] for row in api.get("providers/institutions").body["items"]}
    assert names == visible
    detail = api.get(f"providers/institutions/{institution.pk}")
    assert detail.status_code == (200 if "锦江康养护理院" in visible else 404)


@pytest.mark.django_db
def test_other_care_admin_cannot_see_or_touch(users, institution, other):
    api = ApiClient(other.admin)
    assert api.get(f"providers/institutions/{institution.pk}").status_code == 404
    assert {r["name"] for r in api.get("providers/institutions").body["items"]} == {
        "武侯居家照护服务中心"
    }


@pytest.mark.django_db
def test_institution_covering_a_district_is_seen_there(users, institution, city):
    institution.organization.coverage.set([city.wuhou])
    names = {
        r["name"] for r in ApiClient(users.worker_b).get("providers/institutions").body["items"]
    }
    assert names == {"锦江康养护理院"}
