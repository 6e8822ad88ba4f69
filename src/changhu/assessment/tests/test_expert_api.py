"""The expert pool and the draw through the API: list, add, deactivate, relationships, draw and
re-draw, the record, the refusals with their codes, and outsiders."""

from __future__ import annotations

import pytest

from changhu.assessment.models import Status
from changhu.assessment.tests.flow import advance, submit
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Role
from tests.api import ApiClient, assert_api_error
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctors(city):
    hospital = OrganizationFactory(
        kind=OrgKind.ASSESSMENT, name="成都市第三人民医院专家组", region=city.qingyang
    )
    return [
        UserFactory(username=f"doctor{i}", role=Role.ASSESSMENT_EXPERT, organization=hospital)
        for i in (1, 2, 3, 4, 5)
    ]


@pytest.fixture
def case(users, people, team):
    case = submit(users.worker_a, people.jinjiang)
    return advance(
        case,
        Status.ASSESSED,
        worker=users.worker_a,
        assessors=[team.assessor, team.expert],
        institution=team.first,
    )


def add(api, user, **extra):
    return api.post("assessment/experts", {"user_id": user.pk, "profession": "physician", **extra})


def test_pool_management_through_the_api(users, team, doctors):
    api = ApiClient(users.bureau_admin)
    created = add(api, doctors[0], speciality="老年医学")
    assert created.status_code == 201, created.body
    body = created.body
    assert (
        body["institution"] == "成都市第三人民医院专家组" and body["profession_label"] == "临床医师"
    )
    assert body["region_code"] == "5101" and body["active"] and body["load"] == 0
    assert_api_error(add(api, doctors[0]), 409, "expert_in_pool")
    assert_api_error(add(api, users.assessor), 422, "expert_role_required")
    listed = api.get("assessment/experts", q=doctors[0].real_name[:1])
    assert listed.status_code == 200 and listed.body["total"] >= 1
    declared = api.post(
        f"assessment/experts/{body['id']}/conflicts",
        {"kind": "institution", "organization_id": team.first.pk, "note": "每周坐诊一天"},
    )
    assert declared.status_code == 201 and declared.body["organization"] == team.first.name
    assert_api_error(
        api.post(f"assessment/experts/{body['id']}/conflicts", {"kind": "relative"}),
        422,
        "conflict_person_required",
    )
    detail = api.get(f"assessment/experts/{body['id']}")
    assert [c["kind"] for c in detail.body["conflicts"]] == ["institution"]
    assert_api_error(
        api.post(f"assessment/experts/{body['id']}/deactivate", {}), 422, "reason_required"
    )
    off = api.post(f"assessment/experts/{body['id']}/deactivate", {"reason": "调离本市"})
    assert off.status_code == 200 and off.body["active"] is False
    assert api.get("assessment/experts", active=True).body["total"] == 0


def test_draw_and_redraw_through_the_api(users, team, doctors, case):
    admin = ApiClient(users.bureau_admin)
    for doctor in doctors:
        assert add(admin, doctor).status_code == 201
    assert add(admin, team.expert2).status_code == 201  # same institution as the assessing one
    worker = ApiClient(users.worker_a)
    drawn = worker.post(f"assessment/applications/{case.pk}/draws", {})
    assert drawn.status_code == 201, drawn.body
    body = drawn.body
    assert len(body["drawn"]) == 2 and body["verified"] is True and body["seed"]
    excluded = {row["name"]: row["reasons"] for row in body["excluded"]}
    assert "同一单位" in excluded[team.expert2.display_name][0]
    assert_api_error(
        worker.post(f"assessment/applications/{case.pk}/draws", {}), 422, "reason_required"
    )
    redrawn = worker.post(f"assessment/applications/{case.pk}/draws", {"reason": "专家生病"})
    assert redrawn.status_code == 201 and redrawn.body["number"] == 2
    history = worker.get(f"assessment/applications/{case.pk}/draws")
    assert [d["number"] for d in history.body] == [2, 1]
    assert [d["active"] for d in history.body] == [True, False]
    assert worker.get(f"assessment/draws/{body['id']}").body["verified"] is True

    # Only the drawn experts confirm; the institution's own expert gets a 403 with its code.
    assert_api_error(
        ApiClient(team.expert2).post(
            f"assessment/applications/{case.pk}/confirm", {"decision": "confirm"}
        ),
        403,
        "not_drawn_expert",
    )
    names = {d.username: d for d in doctors}
    for row in redrawn.body["drawn"]:
        expert = next(d for d in names.values() if d.pk == row["user_id"])
        seen = ApiClient(expert).get(f"assessment/applications/{case.pk}/draws")
        # A drawn expert sees who is drawn, not the pool's lists or the seed.
        assert seen.body[0]["excluded"] == [] and seen.body[0]["seed"] == ""
        answer = ApiClient(expert).post(
            f"assessment/applications/{case.pk}/confirm", {"decision": "confirm"}
        )
        assert answer.status_code == 200, answer.body
    assert answer.body["status"] == "confirmed"


def test_confirmation_waits_for_the_draw_when_the_city_has_a_pool(users, team, doctors, case):
    add(ApiClient(users.bureau_admin), doctors[0])
    assert_api_error(
        ApiClient(team.expert2).post(
            f"assessment/applications/{case.pk}/confirm", {"decision": "confirm"}
        ),
        409,
        "draw_required",
    )


def test_outsiders_get_nothing_from_the_pool_api(users, team, doctors, case):
    admin = ApiClient(users.bureau_admin)
    created = add(admin, doctors[0]).body
    for user in (users.care_admin, users.applicant, users.assessor):
        api = ApiClient(user)
        assert api.get("assessment/experts").body["total"] == 0
        assert api.get(f"assessment/experts/{created['id']}").status_code == 404
    refused = ApiClient(users.worker_a).post(
        "assessment/experts", {"user_id": doctors[1].pk, "profession": "nurse"}
    )
    assert refused.status_code == 403
    # The Wuhou insurer does not see the Jinjiang case: no draw, no record.
    other = ApiClient(users.worker_b)
    assert other.post(f"assessment/applications/{case.pk}/draws", {}).status_code == 404
    assert other.get(f"assessment/applications/{case.pk}/draws").status_code == 404
    assert (
        ApiClient(users.care_admin).post(f"assessment/applications/{case.pk}/draws", {}).status_code
        == 403
    )


def test_the_pool_endpoints_are_documented():
    from changhu.api.main import api

    schema = api.get_openapi_schema()
    paths = schema["paths"]
    for path in (
        "/api/v1/assessment/experts",
        "/api/v1/assessment/experts/{expert_id}/deactivate",
        "/api/v1/assessment/experts/{expert_id}/conflicts",
        "/api/v1/assessment/applications/{application_id}/draws",
        "/api/v1/assessment/draws/{draw_id}",
    ):
        assert path in paths
    post = paths["/api/v1/assessment/applications/{application_id}/draws"]["post"]
    assert {"201", "403", "404", "409", "422"} <= {str(k) for k in post["responses"]}
    assert post["x-changhu-rights"] == ["assessment.expert_draw"]
