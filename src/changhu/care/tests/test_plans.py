"""Care plans (一人一计划): drafting within the package, confirmation, versions, assignments,
and the person's file."""

import datetime as dt

import pytest

from changhu.care import services
from changhu.care.models import Assignment, CarePlan, CarePlanItem
from changhu.core import clock
from changhu.insured.models import ApplicantLink
from changhu.providers import services as provider_services
from changhu.providers.models import Certificate
from tests.api import ApiClient, assert_api_error
from tests.factories import make_caregiver, open_entitlement, valid_id_number

TODAY = clock.today()


@pytest.fixture
def beneficiary(users, people, institution, catalogue):
    """张建国: grade 4, home visits by 锦江康养护理院 from the start of this year."""
    next_year_end = TODAY.replace(month=12, day=31) + dt.timedelta(days=365)
    term = {"valid_from": TODAY.replace(month=1, day=1), "valid_until": next_year_end}
    open_entitlement(users.worker_a, people.jinjiang, institution, **term)
    return people.jinjiang


GOOD = {
    "items": [
        {"item_code": "SH05", "times": 2, "period": "week"},
        {"item_code": "SH08", "times": 2, "period": "week", "minutes": 20},
        {"item_code": "YL06", "times": 1, "period": "week"},
    ],
    "visits_times": 2,
    "visits_period": "week",
}


def draft(api, person, body=GOOD):
    return api.post("care/plans", {"person_id": person.pk, **body})


@pytest.mark.django_db
def test_draft_within_the_package(users, beneficiary):
    response = draft(ApiClient(users.care_admin), beneficiary)
    assert response.status_code == 201, response.body
    body = response.body
    assert body["status"] == "draft" and body["version"] == 1
    assert body["package_code"] == "G4-HOME" and body["catalogue_version"] == "2026.1"
    # SH05 9×30 min, SH08 9×20 min, YL06 5×20 min a month at most.
    assert (body["monthly_services"], body["monthly_minutes"]) == (23, 270 + 180 + 100)
    assert body["monthly_amount_fen"] == 9 * 3000 + 9 * 1200 + 5 * 3500
    assert [i["item_code"] for i in body["items"]] == ["SH05", "SH08", "YL06"]


@pytest.mark.parametrize(
    ("items", "visits", "code", "fragment"),
    [
        (
            [{"item_code": "SH11", "times": 3, "period": "day"}],
            None,
            "plan_exceeds_package_services",
            "93人次",
        ),
        (
            [{"item_code": "SH05", "times": 3, "period": "week", "minutes": 90}],
            None,
            "plan_exceeds_package_minutes",
            "1,260分钟",
        ),
        (
            [{"item_code": "SZ01", "times": 1, "period": "day"}],
            None,
            "plan_item_not_in_package",
            "助餐",
        ),
        (
            [{"item_code": "SH06", "times": 2, "period": "week"}],
            None,
            "plan_item_frequency_exceeds",
            "每周1次",
        ),
        (
            [{"item_code": "SH05", "times": 1, "period": "week"}],
            (4, "week"),
            "plan_exceeds_package_visits",
            "上门次数",
        ),
    ],
)
@pytest.mark.django_db
def test_plans_beyond_the_package_are_refused_with_nothing_written(
    users, beneficiary, items, visits, code, fragment
):
    body = {"items": items}
    if visits:
        body.update(visits_times=visits[0], visits_period=visits[1])
    response = draft(ApiClient(users.care_admin), beneficiary, body)
    assert_api_error(response, 422, code)
    assert fragment in response.body["message"]
    assert "重度失能Ⅱ级" in response.body["message"] or code.startswith("plan_item")
    assert CarePlan.objects.count() == 0 and CarePlanItem.objects.count() == 0


@pytest.mark.django_db
def test_confirmation_versions_and_supersession(users, beneficiary):
    care = ApiClient(users.care_admin)
    first = draft(care, beneficiary).body
    assert_api_error(draft(care, beneficiary), 409, "plan_draft_exists")
    path = f"care/plans/{first['id']}"
    assert_api_error(
        care.post(
            f"{path}/confirm",
            {"channel": "counter", "signer_name": "张小明", "signer_relationship": "child"},
        ),
        403,
        "permission_denied",
    )
    counter = ApiClient(users.worker_a)
    assert_api_error(
        counter.post(
            f"{path}/confirm",
            {"channel": "counter", "signer_name": "", "signer_relationship": "child"},
        ),
        422,
        "signer_required",
    )
    confirmed = counter.post(
        f"{path}/confirm",
        {
            "channel": "counter",
            "signer_name": "张小明",
            "signer_relationship": "child",
            "note": "纸质确认书QR-001",
        },
    ).body
    assert confirmed["status"] == "confirmed" and confirmed["valid_from"] == TODAY.isoformat()
    assert confirmed["confirmation_channel"] == "counter" and confirmed["signer_name"] == "张小明"
    assert_api_error(care.put(path, {"items": GOOD["items"]}), 409, "plan_not_draft")
    # A change is a new version that needs its own confirmation; the first stays in force.
    revised = care.post(f"{path}/revise").body
    assert revised["version"] == 2 and revised["status"] == "draft"
    updated = care.put(
        f"care/plans/{revised['id']}",
        {"items": [{"item_code": "SH05", "times": 3, "period": "week"}]},
    ).body
    assert [i["item_code"] for i in updated["items"]] == ["SH05"]
    assert CarePlan.objects.get(pk=first["id"]).status == "confirmed"
    ApplicantLink.objects.create(user=users.applicant, person=beneficiary, relationship="guardian")
    app = ApiClient(users.applicant)
    assert app.get(f"care/plans/{revised['id']}").status_code == 200
    done = app.post(f"care/plans/{revised['id']}/confirm", {"channel": "app"}).body
    assert done["status"] == "confirmed" and done["signer_relationship"] == "guardian"
    assert CarePlan.objects.get(pk=first["id"]).status == "superseded"
    assert_api_error(
        app.post(f"care/plans/{revised['id']}/confirm", {"channel": "app"}),
        409,
        "illegal_transition",
    )


@pytest.mark.django_db
def test_a_mode_change_ends_the_plan_in_force(users, beneficiary):
    plan = draft(ApiClient(users.care_admin), beneficiary).body
    ApiClient(users.worker_a).post(
        f"care/plans/{plan['id']}/confirm",
        {"channel": "counter", "signer_name": "张建国", "signer_relationship": "self"},
    )
    entitlement = beneficiary.entitlements.get()
    services.entitlement_change_arrangement(
        actor=users.worker_a,
        entitlement_id=entitlement.pk,
        care_mode="institutional",
        effective_date=TODAY + dt.timedelta(days=1),
        reason="入住机构",
    )
    ended = CarePlan.objects.get(pk=plan["id"])
    assert ended.status == "ended" and ended.valid_until == TODAY
    # The next plan is drafted from the institutional package, from the day the change applies.
    response = ApiClient(users.care_admin).post(
        "care/plans",
        {
            "person_id": beneficiary.pk,
            "on_date": (TODAY + dt.timedelta(days=1)).isoformat(),
            "items": [{"item_code": "SH01", "times": 1, "period": "day"}],
        },
    )
    assert response.status_code == 201 and response.body["package_code"] == "G4-INST"


@pytest.mark.django_db
def test_only_the_serving_institution_drafts(users, beneficiary, other):
    assert_api_error(draft(ApiClient(other.admin), beneficiary), 409, "no_arrangement")
    assert_api_error(draft(ApiClient(users.worker_a), beneficiary), 403, "permission_denied")


@pytest.mark.django_db
def test_assignments_check_certificates(users, beneficiary, caregivers, institution):
    plan = draft(ApiClient(users.care_admin), beneficiary).body
    ApiClient(users.worker_a).post(
        f"care/plans/{plan['id']}/confirm",
        {"channel": "counter", "signer_name": "张建国", "signer_relationship": "self"},
    )
    care = ApiClient(users.care_admin)
    refused = care.post(
        "care/assignments", {"person_id": beneficiary.pk, "caregiver_id": caregivers.expired.pk}
    )
    assert_api_error(refused, 409, "caregiver_certificate_expired")
    assert "过期" in refused.body["message"]
    assert not Assignment.objects.exists()
    assert_api_error(
        care.post(
            "care/assignments",
            {
                "person_id": beneficiary.pk,
                "item_code": "YL06",
                "caregiver_id": caregivers.worker.pk,
            },
        ),
        409,
        "caregiver_qualification",
    )
    ok = care.post(
        "care/assignments",
        {"person_id": beneficiary.pk, "item_code": "YL06", "caregiver_id": caregivers.nurse.pk},
    )
    assert ok.status_code == 201, ok.body
    assert (
        care.post(
            "care/assignments", {"person_id": beneficiary.pk, "caregiver_id": caregivers.worker.pk}
        ).status_code
        == 201
    )
    assert_api_error(
        care.post(
            "care/assignments", {"person_id": beneficiary.pk, "caregiver_id": caregivers.worker.pk}
        ),
        409,
        "assignment_exists",
    )
    assert_api_error(
        care.post(
            "care/assignments",
            {
                "person_id": beneficiary.pk,
                "item_code": "SH01",
                "caregiver_id": caregivers.worker.pk,
            },
        ),
        422,
        "item_not_in_plan",
    )
    family = make_caregiver(
        institution, kind="family", certificate="family_training", beneficiary=beneficiary
    )
    other_person = make_caregiver(
        institution, kind="family", certificate="family_training", beneficiary=beneficiary
    )
    assert (
        care.post(
            "care/assignments", {"person_id": beneficiary.pk, "caregiver_id": family.pk}
        ).status_code
        == 201
    )
    assert other_person.beneficiary_id == beneficiary.pk
    provider_services.institution_set_status(
        actor=users.bureau_admin, institution_id=institution.pk, action="suspend", reason="整改"
    )
    # The suspended institution's admin has no data scope left: nothing to assign.
    fresh = type(users.care_admin).objects.get(pk=users.care_admin.pk)
    assert (
        ApiClient(fresh)
        .post(
            "care/assignments", {"person_id": beneficiary.pk, "caregiver_id": caregivers.nurse.pk}
        )
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_family_caregiver_only_for_their_beneficiary(users, beneficiary, people, institution):
    open_entitlement(users.worker_a, people.qingyang, institution, grade=3, care_mode="family")
    # The care admin may now register a family caregiver for a person the institution serves.
    response = ApiClient(users.care_admin).post(
        "providers/caregivers",
        {
            "kind": "family",
            "name": "李小红",
            "id_number": valid_id_number("510104"),
            "beneficiary_id": people.qingyang.pk,
            "relationship": "女儿",
        },
    )
    assert response.status_code == 201, response.body
    family_id = response.body["id"]
    Certificate.objects.create(
        caregiver_id=family_id,
        kind="family_training",
        qualification="care_worker",
        number="QQ-1",
        issued_on=dt.date(2025, 1, 1),
        expires_on=dt.date(2030, 1, 1),
    )
    refused = ApiClient(users.care_admin).post(
        "care/assignments", {"person_id": beneficiary.pk, "caregiver_id": family_id}
    )
    assert_api_error(refused, 409, "caregiver_family_other_person")


@pytest.mark.django_db
def test_the_person_file(users, beneficiary, other):
    plan = draft(ApiClient(users.care_admin), beneficiary).body
    for user in (users.care_admin, users.worker_a, users.bureau_admin):
        body = ApiClient(user).get(f"care/persons/{beneficiary.pk}/file").body
        assert body["person"]["name"] == "张建国"
        assert body["conclusions"][0]["grade_label"] == "重度失能Ⅱ级"
        assert body["conclusions"][0]["entitlement_id"] == body["entitlements"][0]["id"]
        assert body["entitlements"][0]["arrangements"][0]["care_mode"] == "home_visit"
        assert [p["id"] for p in body["plans"]] == [plan["id"]]
        assert body["today"]["eligible"] is True
    for user in (other.admin, users.worker_b, users.caregiver):
        assert ApiClient(user).get(f"care/persons/{beneficiary.pk}/file").status_code in (403, 404)


PLAN_ROLES = {
    "bureau_admin": 1,
    "regulator": 1,
    "worker_a": 1,
    "supervisor_a": 1,
    "outlet_worker": 1,
    "worker_b": 0,
    "care_admin": 1,
    "caregiver": 0,
    "assessor": 0,
    "expert": 0,
    "applicant": 0,
}


@pytest.mark.parametrize(("role", "count"), PLAN_ROLES.items())
@pytest.mark.django_db
def test_plan_scoping_for_every_role(users, beneficiary, other, role, count):
    plan = draft(ApiClient(users.care_admin), beneficiary).body
    api = ApiClient(getattr(users, role))
    assert api.get("care/plans").body["total"] == count
    assert api.get(f"care/plans/{plan['id']}").status_code == (200 if count else 404)
    assert ApiClient(other.admin).get("care/plans").body["total"] == 0
