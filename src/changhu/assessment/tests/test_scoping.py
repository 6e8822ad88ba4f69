"""Who sees which case: by region for insurers, by dispatch for institutions, by link for
applicants. Outside the scope every read is a 404 and every list is empty."""

from __future__ import annotations

import pytest

from changhu.assessment.models import Application, Status
from changhu.assessment.tests.conftest import online
from changhu.assessment.tests.flow import advance, assigned, submit
from changhu.core.models import AuditEntry
from tests.api import ApiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(users, people, team):
    """Jinjiang's case dispatched to the first institution, Qingyang's to the second, Wuhou's
    (insurer B) only submitted."""
    jinjiang = assigned(users.worker_a, people.jinjiang, team.first, team.assessor, team.expert)
    qingyang = advance(
        submit(users.worker_a, people.qingyang),
        Status.DISPATCHED,
        worker=users.worker_a,
        institution=team.second,
    )
    wuhou = submit(users.worker_b, people.wuhou)
    return jinjiang, qingyang, wuhou


def ids(api, **params):
    return sorted(row["id"] for row in api.get("assessment/applications", **params).body["items"])


def test_insurers_see_their_districts(users, cases):
    jinjiang, qingyang, wuhou = cases
    assert ids(ApiClient(users.worker_a)) == sorted([jinjiang.pk, qingyang.pk])
    assert ids(ApiClient(users.worker_b)) == [wuhou.pk]
    assert (
        ApiClient(users.worker_b).get(f"assessment/applications/{jinjiang.pk}").status_code == 404
    )
    refused = ApiClient(users.worker_b).post(f"assessment/applications/{jinjiang.pk}/accept", {})
    assert refused.status_code == 404
    assert len(ids(ApiClient(users.regulator))) == 3


def test_an_assessor_sees_only_cases_dispatched_to_their_institution(users, team, cases):
    jinjiang, qingyang, wuhou = cases
    first = ApiClient(team.assessor)
    assert ids(first) == [jinjiang.pk]
    assert first.get(f"assessment/applications/{qingyang.pk}").status_code == 404
    assert first.get(f"assessment/applications/{wuhou.pk}/form").status_code == 404
    assert ids(ApiClient(team.expert3)) == [qingyang.pk]
    # The first institution's form is not visible to the second one even by id.
    assert (
        ApiClient(team.expert3).get(f"assessment/applications/{jinjiang.pk}/form").status_code
        == 404
    )
    detail = first.get(f"assessment/applications/{jinjiang.pk}").body
    assert [a["institution"] for a in detail["assessments"]] == ["成都市第一评估中心"]
    # Care staff see no cases at all.
    assert ids(ApiClient(users.care_admin)) == []


def test_an_applicant_sees_only_their_own(users, people, team, cases, orgs):
    from changhu.orgs.roles import Role

    mine = ApiClient(users.applicant).post(
        "assessment/applications", online(people.jinjiang, address="锦江区")
    )
    # Jinjiang already has an open case: refused, and the message does not leak its details
    # beyond its number to someone who is not linked.
    assert mine.status_code == 409
    stranger = UserFactory(username="stranger", role=Role.APPLICANT, organization=orgs.public)
    api = ApiClient(users.applicant)
    created = api.post(
        "assessment/applications", online(people.wuhou, relationship="spouse", address="武侯区")
    )
    assert created.status_code == 409  # Wuhou too has an open case
    jinjiang, _qingyang, _wuhou = cases
    assert ids(api) == [] and ids(ApiClient(stranger)) == []
    assert api.get(f"assessment/applications/{jinjiang.pk}").status_code == 404
    assert api.get("assessment/notices").body == []


def test_applicant_follows_their_application_but_not_the_working_form(users, people, team):
    api = ApiClient(users.applicant)
    created = api.post("assessment/applications", online(people.qingyang, address="青羊区")).body
    case = advance(
        Application.objects.get(pk=created["id"]),
        Status.ASSESSED,
        worker=users.worker_a,
        assessors=[team.assessor3, team.expert3],
        institution=team.second,
    )
    detail = api.get(f"assessment/applications/{case.pk}").body
    assert detail["status"] == "assessed" and detail["assessments"] == []
    assert [d["kind"] for d in detail["documents"]] == []  # on-site photos are not theirs
    assert api.get(f"assessment/applications/{case.pk}/form").status_code == 404
    assert api.post(f"assessment/applications/{case.pk}/contact").status_code == 403
    other = ApiClient(users.applicant).get("assessment/applications").body
    assert [row["id"] for row in other["items"]] == [case.pk]


def test_contact_is_revealed_to_the_visiting_institution_only_while_visiting(users, team, cases):
    jinjiang, qingyang, _wuhou = cases
    shown = ApiClient(team.assessor).post(f"assessment/applications/{jinjiang.pk}/contact")
    assert shown.status_code == 200 and shown.body["phone"] == "13812345678"
    entry = AuditEntry.objects.get(action="view_full", object_id=str(jinjiang.pk))
    assert entry.actor_id == team.assessor.pk
    assert (
        ApiClient(team.assessor).post(f"assessment/applications/{qingyang.pk}/contact").status_code
        == 404
    )
    assert (
        ApiClient(users.worker_a).post(f"assessment/applications/{qingyang.pk}/contact").status_code
        == 200
    )
