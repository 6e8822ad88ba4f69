"""Caregivers: real-name registration, certificates, training, assignability, scoping."""

import datetime as dt

import pytest

from changhu.core import clock
from changhu.core.errors import Conflict
from changhu.core.models import AuditEntry
from changhu.providers import services
from changhu.providers.models import Caregiver
from tests.api import ApiClient
from tests.factories import make_caregiver, valid_id_number

TODAY = clock.today()


def assert_error(response, status, code):
    assert response.status_code == status, response.body
    assert response.body["code"] == code


def payload(**overrides):
    return {
        "name": "周丽华",
        "id_number": valid_id_number("510104", dt.date(1978, 5, 6)),
        "phone": "13987654321",
        "kind": "staff",
        "qualification": "care_worker",
        "hired_on": "2025-03-01",
        **overrides,
    }


@pytest.mark.django_db
def test_register_encrypts_masks_and_audits(users, institution):
    api = ApiClient(users.care_admin)
    data = payload()
    response = api.post("providers/caregivers", data)
    assert response.status_code == 201, response.body
    body = response.body
    assert body["institution_id"] == institution.pk
    assert body["id_number_masked"] == data["id_number"][:4] + "*" * 10 + data["id_number"][-4:]
    assert body["phone_masked"] == "139****4321"
    caregiver = Caregiver.objects.get(pk=body["id"])
    assert (
        data["id_number"] not in caregiver.id_number_enc
        and caregiver.id_number == data["id_number"]
    )
    entry = AuditEntry.objects.get(object_type="providers.caregiver", action="create")
    assert data["id_number"] not in str(entry.changes)
    assert_error(api.post("providers/caregivers", data), 409, "caregiver_duplicate_id")
    found = api.get("providers/caregivers", q=data["id_number"]).body
    assert [r["id"] for r in found["items"]] == [caregiver.pk]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"id_number": "51010419780506123X"}, "id_number_checksum"),
        ({"name": ""}, "name_required"),
        ({"phone": "123"}, "phone_format"),
        ({"kind": "family"}, "beneficiary_required"),
        ({"hired_on": "2099-01-01"}, "date_in_future"),
        ({"id_number": valid_id_number("510104", dt.date(2015, 1, 1))}, "caregiver_too_young"),
    ],
)
@pytest.mark.django_db
def test_invalid_registrations(users, institution, overrides, code):
    response = ApiClient(users.care_admin).post("providers/caregivers", payload(**overrides))
    assert_error(response, 422, code)
    assert not Caregiver.objects.exists()


@pytest.mark.django_db
def test_family_caregiver_is_linked_to_one_beneficiary(users, institution, people):
    care = ApiClient(users.care_admin)
    # The care admin cannot name a person the institution does not serve.
    response = care.post(
        "providers/caregivers",
        payload(kind="family", beneficiary_id=people.jinjiang.pk, relationship="子女"),
    )
    assert_error(response, 422, "beneficiary_unknown")
    # Register staff (in scope of the register) may.
    bureau = ApiClient(users.bureau_admin)
    response = bureau.post(
        "providers/caregivers",
        payload(
            kind="family",
            beneficiary_id=people.jinjiang.pk,
            relationship="子女",
            institution_id=institution.pk,
        ),
    )
    assert response.status_code == 201, response.body
    assert response.body["beneficiary_id"] == people.jinjiang.pk
    assert_error(
        bureau.post(
            "providers/caregivers",
            payload(
                id_number=valid_id_number("510104", dt.date(1980, 1, 1)),
                beneficiary_id=people.jinjiang.pk,
                institution_id=institution.pk,
            ),
        ),
        422,
        "beneficiary_not_allowed",
    )


@pytest.mark.django_db
def test_no_registration_at_a_suspended_institution(users, institution):
    services.institution_set_status(
        actor=users.bureau_admin, institution_id=institution.pk, action="suspend", reason="整改"
    )
    response = ApiClient(users.bureau_admin).post(
        "providers/caregivers", payload(institution_id=institution.pk)
    )
    assert_error(response, 409, "institution_not_active")


@pytest.mark.django_db
def test_certificates_training_and_the_expiring_list(users, institution):
    api = ApiClient(users.care_admin)
    caregiver = make_caregiver(institution, certificate=None, name="钱淑珍")
    path = f"providers/caregivers/{caregiver.pk}"
    soon = (TODAY + dt.timedelta(days=20)).isoformat()
    response = api.post(
        f"{path}/certificates",
        {
            "kind": "care_worker",
            "number": "YL-2021-001",
            "issued_on": "2021-01-01",
            "expires_on": soon,
        },
    )
    assert response.status_code == 201 and response.body["state"] == "expiring"
    assert_error(
        api.post(
            f"{path}/certificates",
            {
                "kind": "care_worker",
                "number": "YL-2021-001",
                "issued_on": "2021-01-01",
                "expires_on": soon,
            },
        ),
        409,
        "certificate_duplicate",
    )
    assert_error(
        api.post(
            f"{path}/certificates",
            {
                "kind": "nurse",
                "number": "HS-1",
                "issued_on": "2024-01-01",
                "expires_on": "2023-01-01",
            },
        ),
        422,
        "date_order",
    )
    training = api.post(
        f"{path}/trainings",
        {
            "topic": "失能老人翻身与压疮预防",
            "trainer": "市护理学会",
            "held_on": "2026-03-02",
            "hours": 8,
        },
    )
    assert training.status_code == 201
    detail = api.get(path).body
    assert detail["training_hours"] == 8.0 and detail["certificate_valid_until"] == soon
    make_caregiver(institution, name="孙美兰")  # valid until 2030: not in the list
    expiring = api.get("providers/certificates/expiring", days=60).body
    assert [row["caregiver_name"] for row in expiring] == ["钱淑珍"]


@pytest.mark.django_db
def test_assignability(users, institution, caregivers):
    assert services.caregiver_is_assignable(caregivers.worker, TODAY)[0]
    for caregiver, qualification, code in [
        (caregivers.expired, "", "caregiver_certificate_expired"),
        (caregivers.worker, "nurse", "caregiver_qualification"),
    ]:
        with pytest.raises(Conflict) as caught:
            services.caregiver_assert_assignable(caregiver, TODAY, qualification=qualification)
        assert caught.value.code == code
    services.caregiver_assert_assignable(caregivers.nurse, TODAY, qualification="nurse")
    # Valid before expiry: a past day is checked against that day.
    last_year = TODAY - dt.timedelta(days=400)
    services.caregiver_assert_assignable(caregivers.expired, last_year)
    api = ApiClient(users.care_admin)
    body = api.get(f"providers/caregivers/{caregivers.expired.pk}/assignable").body
    assert body["assignable"] is False and body["code"] == "caregiver_certificate_expired"
    assert "过期" in body["message"]
    api.post(
        f"providers/caregivers/{caregivers.worker.pk}/status",
        {"action": "leave", "reason": "辞职", "on_date": TODAY.isoformat()},
    )
    caregivers.worker.refresh_from_db()
    with pytest.raises(Conflict) as caught:
        services.caregiver_assert_assignable(caregivers.worker, TODAY)
    assert caught.value.code == "caregiver_not_active"
    services.institution_set_status(
        actor=users.bureau_admin, institution_id=institution.pk, action="suspend", reason="整改"
    )
    caregivers.nurse.institution.refresh_from_db()
    with pytest.raises(Conflict) as caught:
        services.caregiver_assert_assignable(caregivers.nurse, TODAY)
    assert caught.value.code == "institution_not_active"


@pytest.mark.django_db
def test_reveal_is_audited_and_needs_the_right(users, institution, caregivers):
    path = f"providers/caregivers/{caregivers.worker.pk}/reveal"
    shown = ApiClient(users.care_admin).post(path, {"fields": ["id_number", "phone"]}).body
    assert shown["id_number"] == caregivers.worker.id_number
    assert (
        AuditEntry.objects.filter(action="view_full", object_type="providers.caregiver").count()
        == 1
    )
    assert_error(
        ApiClient(users.worker_a).post(path, {"fields": ["id_number"]}), 403, "permission_denied"
    )


@pytest.mark.django_db
def test_update_and_stale_version(users, institution, caregivers):
    api = ApiClient(users.care_admin)
    path = f"providers/caregivers/{caregivers.worker.pk}"
    body = api.put(path, {"phone": "13711112222", "qualification": "nurse", "version": 1}).body
    assert body["phone_masked"] == "137****2222" and body["version"] == 2
    assert_error(
        api.put(path, {"phone": "13711113333", "qualification": "nurse", "version": 1}),
        409,
        "stale_version",
    )


@pytest.mark.parametrize(
    ("user", "count"),
    [
        ("bureau_admin", 4),
        ("regulator", 4),
        ("worker_a", 3),
        ("worker_b", 1),
        ("care_admin", 3),
        ("caregiver", 0),
        ("assessor", 0),
        ("applicant", 0),
    ],
)
@pytest.mark.django_db
def test_caregiver_scoping_for_every_role(users, caregivers, other, user, count):
    make_caregiver(other.institution, name="吴晓燕")
    api = ApiClient(getattr(users, user))
    assert api.get("providers/caregivers").body["total"] == count
    status = api.get(f"providers/caregivers/{caregivers.worker.pk}").status_code
    assert status == (
        200 if user in {"bureau_admin", "regulator", "worker_a", "care_admin"} else 404
    )
    assert ApiClient(other.admin).get("providers/caregivers").body["total"] == 1
