"""The whole path through the API: intake to conclusion, then an appeal to its own conclusion."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from changhu.assessment import services
from changhu.assessment.models import Application, Conclusion
from changhu.assessment.presets import scale_for
from changhu.assessment.rules import add_months
from changhu.assessment.tests.conftest import (
    PDF_BYTES,
    form_payload,
    online,
    png_bytes,
    post_file,
    severe_answers,
)
from changhu.core import clock
from changhu.core.models import AuditEntry, TransitionLog
from changhu.core.workdays import add_working_days
from changhu.insured.models import ApplicantLink
from changhu.orgs.roles import Role
from tests.api import ApiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def assess(case_id, institution_user, team_ids, experts, answers, worker, *, photo=True):
    """From dispatched to confirmed: name the team, fill and submit the form, experts confirm."""
    on_site = ApiClient(institution_user)
    assert (
        on_site.post(
            f"assessment/applications/{case_id}/assessors", {"user_ids": team_ids}
        ).status_code
        == 200
    )
    if photo:
        assert (
            post_file(on_site, case_id, "onsite_photo", "现场.png", png_bytes()).status_code == 201
        )
    response = on_site.post(
        f"assessment/applications/{case_id}/form/submit", form_payload(answers, team_ids)
    )
    assert response.status_code == 200, response.body
    assert response.body["status"] == "assessed"
    for expert in experts:
        response = ApiClient(expert).post(
            f"assessment/applications/{case_id}/confirm", {"decision": "confirm"}
        )
        assert response.status_code == 200, response.body
    assert response.body["status"] == "confirmed"
    return response.body


def test_intake_to_conclusion_and_appeal(users, people, team, orgs):
    person = people.jinjiang
    applicant, worker = ApiClient(users.applicant), ApiClient(users.worker_a)

    # Intake online: the applicant names the person by name and full ID number.
    address = "锦江区督院街街道南糠市街18号2单元301室"
    created = applicant.post(
        "assessment/applications", online(person, address=address, reason="脑卒中后长期卧床")
    )
    assert created.status_code == 201, created.body
    case = created.body
    assert case["status"] == "submitted" and case["channel"] == "online"
    assert case["priority"] is True and case["special_groups"] == ["特困人员"]
    assert case["phone_masked"] == "138****5678"
    assert "13812345678" not in str(case)
    case_id = case["id"]
    assert post_file(applicant, case_id, "id_card", "身份证.png", png_bytes()).status_code == 201
    assert post_file(applicant, case_id, "medical_record", "病历.pdf", PDF_BYTES).status_code == 201

    # A second application for the same person is a 409 naming the open one.
    again = worker.post(
        "assessment/applications",
        {
            "person_id": person.pk,
            "relationship": "self",
            "phone": "13900001111",
            "address": "锦江区",
        },
    )
    assert again.status_code == 409 and again.body["code"] == "application_open"
    assert case["number"] in again.body["message"]

    # Acceptance review: more materials first, with a deadline; the applicant sees why.
    response = worker.post(
        f"assessment/applications/{case_id}/request-materials", {"note": "请补充近半年住院病历"}
    )
    assert response.body["status"] == "materials_requested"
    mine = applicant.get(f"assessment/applications/{case_id}").body
    assert mine["materials_note"] == "请补充近半年住院病历"
    assert mine["timeline"][-1]["actor"] == ""  # staff names are not shown to applicants
    notices = applicant.get("assessment/notices").body
    assert notices[0]["title"] == "请补充申请材料"
    assert (
        post_file(applicant, case_id, "medical_record", "住院病历.pdf", PDF_BYTES).status_code
        == 201
    )
    assert (
        applicant.post(f"assessment/applications/{case_id}/resubmit", {}).body["status"]
        == "submitted"
    )
    response = worker.post(f"assessment/applications/{case_id}/accept", {"note": "材料齐全"})
    assert response.body["status"] == "accepted"
    assert ApplicantLink.objects.filter(user=users.applicant, person=person).exists()

    # Dispatch to the institution serving the person's district.
    options = worker.get(f"assessment/applications/{case_id}/institutions").body
    assert {o["name"] for o in options} == {"成都市第一评估中心", "成都市第二评估中心"}
    response = worker.post(
        f"assessment/applications/{case_id}/dispatch", {"institution_id": team.first.pk}
    )
    assert response.body["status"] == "dispatched"
    assert response.body["assessment_due"] == add_working_days(clock.today(), 15).isoformat()

    # The assessor fills the form, watching the live score.
    scale = scale_for("national-2021").scale
    answers = severe_answers(scale)
    on_site = ApiClient(team.assessor)
    team_ids = [team.assessor.pk, team.expert.pk]
    assert (
        on_site.post(f"assessment/applications/{case_id}/assessors", {"user_ids": team_ids}).body[
            "status"
        ]
        == "assigned"
    )
    half = dict(list(answers.items())[:10])
    draft = on_site.put(
        f"assessment/applications/{case_id}/form", {"answers": half, "present_ids": team_ids}
    )
    assert draft.status_code == 200, draft.body
    assert draft.body["score"]["scores"]["adl"] == 35 and draft.body["score"]["grade"] is None
    assert len(draft.body["items"]) == 17 and draft.body["items"][0]["name"] == "进食"
    live = on_site.post(f"assessment/applications/{case_id}/form/score", {"answers": answers})
    assert live.body["complete"] is True and live.body["grade_label"] == "重度失能Ⅱ级"
    assert post_file(on_site, case_id, "onsite_photo", "现场.jpg", png_bytes()).status_code == 201
    submitted = on_site.post(
        f"assessment/applications/{case_id}/form/submit", form_payload(answers, team_ids)
    )
    assert submitted.status_code == 200, submitted.body
    assessment = submitted.body["assessments"][0]
    assert assessment["grade"] == 4 and assessment["scores"] == {
        "adl": 35,
        "cognition": 8,
        "perception": 9,
    }
    assert assessment["scale"] == "national-2021" and assessment["scale_version"] == "2021.1"

    # Two experts confirm; the case worker reviews; a benefit grade goes to publicity.
    for expert in (team.expert, team.expert2):
        response = ApiClient(expert).post(
            f"assessment/applications/{case_id}/confirm", {"decision": "confirm"}
        )
    assert response.body["status"] == "confirmed"
    response = worker.post(f"assessment/applications/{case_id}/review", {"decision": "approve"})
    assert response.body["status"] == "publicity"
    until = dt.date.fromisoformat(response.body["publicity_until"])
    publicity = worker.get("assessment/publicity").body
    assert [row["number"] for row in publicity] == [case["number"]]
    export = worker.client.get("/api/v1/assessment/publicity.xlsx", headers=worker.headers)
    assert export.status_code == 200 and export.content[:2] == b"PK"

    # The scheduled job closes the publicity period once it is over.
    assert services.run_deadlines(today=until).publicity_closed == 0
    assert services.run_deadlines(today=until + dt.timedelta(days=1)).publicity_closed == 1
    assert worker.get(f"assessment/applications/{case_id}").body["status"] == "ready_to_issue"

    issued = worker.post(f"assessment/applications/{case_id}/issue")
    assert issued.status_code == 201, issued.body
    conclusion = issued.body
    assert conclusion["grade"] == 4 and conclusion["fee_payer"] == "fund"
    today = clock.today()
    assert conclusion["valid_from"] == today.isoformat()
    assert conclusion["valid_until"] == (add_months(today, 24) - dt.timedelta(days=1)).isoformat()
    letter = applicant.client.get(conclusion["letter_url"], headers=applicant.headers)
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    assert letter["Content-Type"] == "application/pdf"
    assert AuditEntry.objects.filter(action="view_full", note="下载评估结论书").count() == 1
    assert applicant.get("assessment/notices").body[0]["title"] == "评估结论书已出具"

    # Every step is in the timeline with its actor.
    states = [
        log.to_state
        for log in TransitionLog.objects.filter(
            object_type="assessment.application", object_id=str(case_id)
        )
    ]
    assert (
        states
        == (
            "submitted materials_requested submitted accepted dispatched assigned assessed "
            "confirmed publicity ready_to_issue concluded"
        ).split()
    )

    # Appeal within the deadline: dispatched avoiding the first institution and its people.
    appeal = applicant.post(
        f"assessment/conclusions/{conclusion['id']}/appeal", {"reason": "认为等级评定偏高"}
    )
    assert appeal.status_code == 201, appeal.body
    appeal_id = appeal.body["id"]
    assert appeal.body["kind"] == "appeal" and appeal.body["status"] == "accepted"
    options = {
        o["name"]: o for o in worker.get(f"assessment/applications/{appeal_id}/institutions").body
    }
    assert options["成都市第一评估中心"]["excluded"] is True
    refused = worker.post(
        f"assessment/applications/{appeal_id}/dispatch", {"institution_id": team.first.pk}
    )
    assert refused.status_code == 409 and refused.body["code"] == "institution_excluded"
    response = worker.post(f"assessment/applications/{appeal_id}/dispatch", {})
    assert response.body["institution"] == "成都市第二评估中心"  # the automatic choice
    assess(
        appeal_id,
        team.expert3,
        [team.assessor3.pk, team.expert3.pk],
        [team.expert3, team.expert4],
        answers,
        worker,
    )
    worker.post(f"assessment/applications/{appeal_id}/review", {"decision": "approve"})
    until = Application.objects.get(pk=appeal_id).publicity_until
    services.run_deadlines(today=until + dt.timedelta(days=1))
    second = worker.post(f"assessment/applications/{appeal_id}/issue").body
    # Same grade as before: the applicant pays the home fee; the first conclusion is superseded.
    assert second["grade_changed"] is False
    assert (second["fee_payer"], second["fee_fen"], second["fee_yuan"]) == (
        "applicant",
        20000,
        "200.00",
    )
    first = Conclusion.objects.get(pk=conclusion["id"])
    assert first.superseded_on == today
    from changhu.assessment.selectors import conclusion_in_force

    assert conclusion_in_force(person.pk, today).number == second["number"]
    final = applicant.post(f"assessment/conclusions/{second['id']}/appeal", {"reason": "再次复评"})
    assert final.status_code == 409 and final.body["code"] == "appeal_final"


def test_session_client_sees_the_same(users, people, team):
    client = Client()
    client.force_login(users.worker_a)
    assert client.get("/api/v1/assessment/queues").status_code == 200


def test_bad_answers_through_the_api_are_refused_and_nothing_is_written(users, people, team):
    from changhu.assessment.models import Assessment
    from changhu.assessment.tests.flow import assigned

    case = assigned(users.worker_a, people.jinjiang, team.first, team.assessor, team.expert)
    api = ApiClient(team.assessor)
    answers = severe_answers(scale_for("national-2021").scale)
    answers["视力"] = "很好"
    response = api.post(
        f"assessment/applications/{case.pk}/form/submit",
        form_payload(answers, [team.assessor.pk, team.expert.pk], grade=5),
    )
    # The grade cannot be typed in: an unknown field is simply not part of the form.
    assert response.status_code == 422 and response.body["code"] == "option_invalid"
    assert "视力" in response.body["fields"] and "photos" in response.body["fields"]
    saved = api.put(f"assessment/applications/{case.pk}/form", {"answers": {"跑步": 5}})
    assert saved.status_code == 422 and saved.body["code"] == "item_unknown"
    stored = Assessment.objects.get(pk=case.current_assessment_id)
    assert (stored.answers, stored.grade, stored.form_version) == ({}, None, 0)
    assert api.get(f"assessment/applications/{case.pk}").body["status"] == "assigned"


def test_notices_are_read_by_their_applicant_only(users, people, team):
    applicant = ApiClient(users.applicant)
    created = applicant.post(
        "assessment/applications", online(people.qingyang, address="青羊区")
    ).body
    notice = applicant.get("assessment/notices").body[0]
    assert notice["read"] is False and notice["application_id"] == created["id"]
    # staff may not mark an applicant's notice read; another applicant does not see it
    assert (
        ApiClient(users.worker_a).post(f"assessment/notices/{notice['id']}/read").status_code == 403
    )
    stranger = UserFactory(
        username="stranger", role=Role.APPLICANT, organization=users.applicant.organization
    )
    assert ApiClient(stranger).post(f"assessment/notices/{notice['id']}/read").status_code == 404
    assert applicant.post(f"assessment/notices/{notice['id']}/read").body["read"] is True


def test_the_list_costs_the_same_number_of_queries_for_more_cases(users, people, team, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from changhu.assessment.tests.flow import submit
    from tests.factories import make_person

    api = ApiClient(users.worker_a)
    api.get("auth/me")  # the token's first use records its use: not part of the list
    submit(users.worker_a, people.jinjiang)
    with CaptureQueriesContext(connection) as few:
        assert api.get("assessment/applications").body["total"] == 1
    for name in ("王一鸣", "李春华", "赵国庆", "陈淑贞"):
        submit(users.worker_a, make_person(city.streets["510104002000"], name=name))
    with CaptureQueriesContext(connection) as many:
        assert api.get("assessment/applications").body["total"] == 5
    assert len(many) == len(few) <= 5
