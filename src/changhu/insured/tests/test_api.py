"""The register through the API: scoping, validation, audit, the one error shape."""

import pytest

from changhu.core.models import AuditEntry
from changhu.insured.models import ApplicantLink, LifeEvent, Person
from tests.api import ApiClient, assert_api_error
from tests.factories import valid_id_number


def new_person_payload(city, **overrides):
    return {
        "name": "赵桂兰",
        "id_number": valid_id_number("510104"),
        "phone": "13912345678",
        "address": "锦江区督院街街道南糠市街18号2单元301室",
        "region_code": "510104001000",
        "latitude": 30.6512,
        "longitude": 104.0801,
        "insurance_type": "resident",
        "enrolment_start": "2019-01-01",
        "special_groups": ["dibao"],
        **overrides,
    }


@pytest.mark.django_db
def test_anonymous_gets_401(people):
    assert_api_error(ApiClient().get("insured/persons"), 401, "not_authenticated")


@pytest.mark.django_db
def test_token_login_and_me(users):
    api = ApiClient()
    response = api.post("auth/token", {"username": "worker_a", "password": "Changhu2026!"})
    assert response.status_code == 200
    me = ApiClient()
    me.headers = {"Authorization": f"Bearer {response.body['token']}"}
    body = me.get("auth/me").body
    assert body["role"] == "insurer_case_worker"
    assert body["region_prefixes"] == ["510104", "510105"]
    bad = api.post("auth/token", {"username": "worker_a", "password": "wrong-password1"})
    assert_api_error(bad, 401, "login_failed")


@pytest.mark.django_db
def test_token_login_locks_out_after_repeated_failures(users):
    api = ApiClient()
    for _ in range(5):
        api.post("auth/token", {"username": "worker_b", "password": "nope-nope-1"})
    locked = api.post("auth/token", {"username": "worker_b", "password": "Changhu2026!"})
    assert_api_error(locked, 429, "account_locked")


@pytest.mark.django_db
def test_list_is_scoped_and_special_groups_first(users, people):
    body = ApiClient(users.worker_a).get("insured/persons").body
    assert body["total"] == 2
    assert [row["name"] for row in body["items"]] == ["张建国", "李秀英"]
    assert body["items"][0]["special"] is True
    assert body["items"][0]["id_number_masked"].count("*") == 10
    # Roles without a register right see an empty list: nothing of anyone, not an error.
    assert ApiClient(users.assessor).get("insured/persons").body["total"] == 0
    assert ApiClient(users.applicant).get("insured/persons").body["total"] == 0


@pytest.mark.django_db
def test_search_by_full_id_number_and_district(users, people):
    api = ApiClient(users.bureau_admin)
    found = api.get("insured/persons", q=people.qingyang.id_number).body
    assert [row["id"] for row in found["items"]] == [people.qingyang.pk]
    by_district = api.get("insured/persons", district="510107").body
    assert [row["name"] for row in by_district["items"]] == ["王淑芬"]
    by_name = api.get("insured/persons", q="李").body
    assert [row["name"] for row in by_name["items"]] == ["李秀英"]
    # A full number outside the caller's scope finds nothing, the same as a number not registered.
    outside = ApiClient(users.worker_b).get("insured/persons", q=people.jinjiang.id_number).body
    assert outside["total"] == 0


@pytest.mark.django_db
def test_detail_outsider_gets_404(users, people):
    path = f"insured/persons/{people.jinjiang.pk}"
    assert ApiClient(users.worker_a).get(path).status_code == 200
    assert_api_error(ApiClient(users.worker_b).get(path), 404, "not_found")
    assert_api_error(ApiClient(users.worker_a).get("insured/persons/999999"), 404, "not_found")


@pytest.mark.django_db
def test_applicant_sees_own_person_only(users, people):
    ApplicantLink.objects.create(user=users.applicant, person=people.wuhou, relationship="child")
    api = ApiClient(users.applicant)
    assert api.get(f"insured/persons/{people.wuhou.pk}").status_code == 200
    assert api.get(f"insured/persons/{people.jinjiang.pk}").status_code == 404


@pytest.mark.django_db
def test_create_encrypts_masks_and_audits(users, city):
    api = ApiClient(users.worker_a)
    payload = new_person_payload(city)
    response = api.post("insured/persons", payload)
    assert response.status_code == 201, response.body
    body = response.body
    assert body["sex"] in {"M", "F"}
    assert (
        body["id_number_masked"] == payload["id_number"][:4] + "*" * 10 + payload["id_number"][-4:]
    )
    assert body["phone_masked"] == "139****5678"
    assert body["special_groups"][0]["group"] == "dibao"
    person = Person.objects.get(pk=body["id"])
    assert person.id_number == payload["id_number"]
    entry = AuditEntry.objects.get(object_id=str(person.pk), action="create")
    assert entry.actor == users.worker_a
    assert entry.ip == "10.1.2.3"
    assert entry.channel == "api"
    flat = str(entry.changes)
    assert payload["id_number"] not in flat and "13912345678" not in flat
    assert entry.changes["id_number"]["new"] == body["id_number_masked"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"id_number": "510104194803091230"}, 422, "id_number_checksum", "id_number"),
        ({"id_number": "5101041948"}, 422, "id_number_length", "id_number"),
        ({"phone": "12345"}, 422, "phone_format", "phone"),
        ({"region_code": "999999"}, 422, "region_unknown", "region_code"),
        ({"enrolment_start": "2999-01-01"}, 422, "date_in_future", "enrolment_start"),
        ({"enrolment_start": "2019-02-30"}, 422, "validation_failed", "enrolment_start"),
        ({"latitude": 123.0}, 422, "coordinate_range", "latitude"),
        ({"name": "Robert'); DROP"}, 422, "name_format", "name"),
        ({"special_groups": ["vip"]}, 422, "special_group_unknown", "special_groups"),
        ({"region_code": "510107001000"}, 422, "region_out_of_scope", "region_code"),
        ({"insurance_type": "other"}, 422, "validation_failed", "insurance_type"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(users, city, overrides, status, code, field):
    before = (Person.objects.count(), AuditEntry.objects.count())
    response = ApiClient(users.worker_a).post(
        "insured/persons", new_person_payload(city, **overrides)
    )
    assert_api_error(response, status, code)
    assert field in response.body["fields"]
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_duplicate_id_number_is_a_conflict(users, people, city):
    payload = new_person_payload(city, id_number=people.jinjiang.id_number)
    assert_api_error(
        ApiClient(users.worker_a).post("insured/persons", payload), 409, "person_duplicate_id"
    )


@pytest.mark.django_db
def test_roles_without_the_right_cannot_create(users, city):
    for user in (users.regulator, users.assessor, users.care_admin, users.applicant):
        response = ApiClient(user).post("insured/persons", new_person_payload(city))
        assert_api_error(response, 403, "permission_denied")
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_update_audits_masked_diff_and_guards_version(users, people):
    person = people.jinjiang
    api = ApiClient(users.worker_a)
    payload = {
        "name": person.name,
        "phone": "13700001111",
        "address": person.address,
        "region_code": person.region_code,
        "latitude": 30.6,
        "longitude": 104.0,
        "insurance_type": person.insurance_type,
        "special_groups": [],
        "version": 1,
    }
    response = api.put(f"insured/persons/{person.pk}", payload)
    assert response.status_code == 200, response.body
    assert response.body["version"] == 2
    assert response.body["special"] is False
    entry = AuditEntry.objects.filter(object_id=str(person.pk), action="update").get()
    assert entry.changes["phone"]["new"] == "137****1111"
    assert entry.changes["special_groups"] == {"label": "特殊群体", "old": ["tekun"], "new": []}
    stale = api.put(f"insured/persons/{person.pk}", payload)
    assert_api_error(stale, 409, "stale_version")
    outsider = ApiClient(users.worker_b).put(f"insured/persons/{person.pk}", payload)
    assert_api_error(outsider, 404, "not_found")


@pytest.mark.django_db
def test_reveal_is_audited_and_needs_the_right(users, people):
    person = people.qingyang
    response = ApiClient(users.worker_a).post(
        f"insured/persons/{person.pk}/reveal", {"fields": ["id_number", "phone"]}
    )
    assert response.status_code == 200
    assert response.body == {"id_number": person.id_number, "phone": person.phone}
    entry = AuditEntry.objects.get(object_id=str(person.pk), action="view_full")
    assert entry.actor == users.worker_a
    assert set(entry.changes) == {"id_number", "phone"}
    denied = ApiClient(users.regulator).post(f"insured/persons/{person.pk}/reveal", {})
    assert_api_error(denied, 403, "permission_denied")
    assert AuditEntry.objects.filter(action="view_full").count() == 1


@pytest.mark.django_db
def test_life_events_death_and_overlapping_stays(users, people):
    person = people.wuhou
    api = ApiClient(users.worker_b)
    path = f"insured/persons/{person.pk}/life-events"
    stay = api.post(
        path,
        {
            "kind": "hospital_stay",
            "start_date": "2026-03-01",
            "end_date": "2026-03-10",
            "institution": "四川大学华西医院",
        },
    )
    assert stay.status_code == 201, stay.body
    overlap = api.post(path, {"kind": "hospital_stay", "start_date": "2026-03-05"})
    assert_api_error(overlap, 409, "hospital_stay_overlap")
    backwards = api.post(
        path, {"kind": "hospital_stay", "start_date": "2026-05-05", "end_date": "2026-05-01"}
    )
    assert_api_error(backwards, 422, "date_order")
    death = api.post(path, {"kind": "death", "start_date": "2026-06-01"})
    assert death.status_code == 201
    person.refresh_from_db()
    assert person.status == "deceased" and str(person.died_on) == "2026-06-01"
    again = api.post(path, {"kind": "death", "start_date": "2026-06-02"})
    assert_api_error(again, 409, "person_already_deceased")
    assert LifeEvent.objects.filter(person=person).count() == 2
    assert (
        ApiClient(users.worker_a)
        .post(path, {"kind": "death", "start_date": "2026-06-01"})
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_audit_trail_endpoint(users, people):
    person = people.jinjiang
    ApiClient(users.worker_a).post(f"insured/persons/{person.pk}/reveal", {})
    trail = ApiClient(users.supervisor_a).get(f"insured/persons/{person.pk}/audit")
    assert trail.status_code == 200
    assert trail.body[0]["action"] == "view_full"
    assert ApiClient(users.worker_a).get(f"insured/persons/{person.pk}/audit").status_code == 403
    assert ApiClient(users.worker_b).get(f"insured/persons/{person.pk}/audit").status_code == 403


@pytest.mark.django_db
def test_malformed_json_and_types_get_the_error_shape(users):
    api = ApiClient(users.worker_a)
    raw = api.client.post(
        "/api/v1/insured/persons",
        data="{not json",
        content_type="application/json",
        headers=api.headers,
    )
    assert raw.status_code in (400, 422)
    assert set(raw.json()) == {"code", "message", "fields"}
    wrong = api.get("insured/persons", page="abc")
    assert_api_error(wrong, 422, "validation_failed")


@pytest.mark.django_db
def test_list_query_count_is_flat(users, city, django_assert_max_num_queries):
    from tests.factories import make_person

    for i in range(30):
        make_person(city.streets["510104002000"], special_groups=["dibao"] if i % 3 else [])
    api = ApiClient(users.worker_a)
    with django_assert_max_num_queries(8):
        body = api.get("insured/persons", page_size=30).body
    assert len(body["items"]) == 30


def test_openapi_documents_every_operation(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "401" in codes or path.endswith("/auth/token"), (method, path)
            assert any(c.startswith("4") for c in codes), (method, path)


@pytest.mark.django_db
def test_suspend_and_reinstate_insured_status(users, people):
    person = people.qingyang
    api = ApiClient(users.worker_a)
    path = f"insured/persons/{person.pk}/status"
    no_reason = api.post(path, {"status": "suspended", "reason": " "})
    assert_api_error(no_reason, 422, "reason_required")
    suspended = api.post(
        path, {"status": "suspended", "on_date": "2026-01-31", "reason": "停止缴费"}
    )
    assert suspended.status_code == 200, suspended.body
    assert suspended.body["status"] == "suspended"
    assert suspended.body["enrolments"][-1]["end_date"] == "2026-01-31"
    again = api.post(path, {"status": "suspended", "reason": "重复"})
    assert_api_error(again, 409, "status_unchanged")
    too_early = api.post(path, {"status": "active", "on_date": "2026-01-15", "reason": "补缴"})
    assert_api_error(too_early, 422, "date_order")
    back = api.post(path, {"status": "active", "on_date": "2026-03-01", "reason": "恢复缴费"})
    assert back.status_code == 200
    assert [(e["start_date"], e["end_date"]) for e in back.body["enrolments"]] == [
        ("2020-01-01", "2026-01-31"),
        ("2026-03-01", None),
    ]
    assert AuditEntry.objects.filter(object_id=str(person.pk), action="update").count() == 2
    assert (
        ApiClient(users.worker_b).post(path, {"status": "suspended", "reason": "x"}).status_code
        == 404
    )


@pytest.mark.django_db
def test_json_is_utf8_not_escaped(users, people):
    response = ApiClient(users.worker_a).get(f"insured/persons/{people.jinjiang.pk}")
    assert "张建国".encode() in response.content
    assert b"\\u" not in response.content
