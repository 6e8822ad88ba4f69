"""Workflow integrity through the services: legal steps only, compare-and-set, deadlines,
conflicts of interest, objections, re-assessment and its fee."""

from __future__ import annotations

import datetime as dt

import pytest

from changhu.assessment import scoring, services
from changhu.assessment.models import (
    Application,
    Assessment,
    CaseEvent,
    Conclusion,
    Objection,
    Status,
)
from changhu.assessment.rules import add_months
from changhu.assessment.selectors import conclusion_in_force
from changhu.assessment.tests.conftest import answers_for, severe_answers
from changhu.assessment.tests.flow import advance, form, mild_answers, national, submit
from changhu.core import clock, transitions
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.core.workdays import add_working_days
from tests.clock import on

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(users, people, team):
    return submit(users.worker_a, people.jinjiang)


def assign(actor, case, *members):
    """The institution's ``actor`` names the case's assessment team."""
    services.assessors_assign(actor=actor, application_id=case.pk, user_ids=[m.pk for m in members])


def go(case, to, users, team, **kwargs):
    kwargs.setdefault("assessors", [team.assessor, team.expert])
    kwargs.setdefault("experts", [team.expert, team.expert2])
    kwargs.setdefault("institution", team.first)
    return advance(case, to, worker=users.worker_a, **kwargs)


def test_illegal_steps_are_409_with_a_code(case, users, team):
    with pytest.raises(Conflict) as exc:
        services.application_dispatch(actor=users.worker_a, application_id=case.pk)
    assert exc.value.code == "illegal_transition" and "待受理" in exc.value.message
    services.application_accept(actor=users.worker_a, application_id=case.pk)
    with pytest.raises(Conflict) as exc:
        services.application_accept(actor=users.worker_a, application_id=case.pk)
    assert exc.value.code == "illegal_transition"
    with pytest.raises(Conflict) as exc:
        services.application_review(
            actor=users.worker_a, application_id=case.pk, decision="approve"
        )
    assert exc.value.code == "illegal_transition"
    assert Application.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_two_people_acting_at_once_cannot_both_succeed(case, users):
    # Both read the case while it waited for review; the first accepts, the second refuses.
    seen_by_second = Application.objects.get(pk=case.pk)
    services.application_accept(actor=users.worker_a, application_id=case.pk)
    with pytest.raises(Conflict) as exc:
        transitions.apply(
            services.WORKFLOW, seen_by_second, "refuse", actor=users.supervisor_a, reason="x"
        )
    assert exc.value.code == "concurrent_change"
    assert Application.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_refusal_needs_a_national_reason_and_text_for_other(case, users):
    with pytest.raises(ValidationFailed) as exc:
        services.application_refuse(actor=users.worker_a, application_id=case.pk, reason="nope")
    assert exc.value.code == "refusal_reason_invalid"
    with pytest.raises(ValidationFailed) as exc:
        services.application_refuse(actor=users.worker_a, application_id=case.pk, reason="other")
    assert exc.value.code == "refusal_text_required"
    services.application_refuse(actor=users.worker_a, application_id=case.pk, reason="not_insured")
    refused = Application.objects.get(pk=case.pk)
    assert refused.status == Status.REFUSED and refused.closed_at is not None
    assert refused.notices.first().body.startswith(
        f"申请{refused.number}不予受理，原因：未参加长期护理保险"
    )


def test_the_institution_assigns_two_with_an_expert_and_recusal_needs_a_replacement(
    case, users, team
):
    case = go(case, Status.DISPATCHED, users, team)
    with pytest.raises(ValidationFailed) as exc:
        assign(team.assessor, case, team.assessor, team.assessor2)
    assert exc.value.code == "team_insufficient" and "评估专家" in exc.value.message
    with pytest.raises(NotFound):  # another institution does not even see it
        assign(team.expert3, case)
    assign(team.assessor, case, team.assessor, team.expert)
    services.assessor_recuse(
        actor=team.assessor, application_id=case.pk, reason="被评估人系本人舅舅"
    )
    answers = severe_answers(national())
    case = Application.objects.get(pk=case.pk)
    with pytest.raises(PermissionDenied):  # the recused assessor is off the case
        services.assessment_submit(
            actor=team.assessor, application_id=case.pk, data=form(answers, [team.expert])
        )
    with pytest.raises(Conflict) as exc:  # and cannot come back
        assign(team.expert, case, team.assessor, team.expert)
    assert exc.value.code == "assessor_excluded" and "已申请回避" in exc.value.message
    assign(team.expert, case, team.assessor2, team.expert)
    case = go(case, Status.ASSESSED, users, team, assessors=[team.assessor2, team.expert])
    present = [a.user_id for a in case.current_assessment.assignments.filter(present=True)]
    assert sorted(present) == sorted([team.assessor2.pk, team.expert.pk])
    kinds = list(CaseEvent.objects.filter(application=case).values_list("kind", flat=True))
    assert "recusal" in kinds and "team" in kinds


def test_submission_refuses_bad_answers_and_writes_nothing(case, users, team):
    case = go(case, Status.ASSIGNED, users, team)
    answers = severe_answers(national())
    answers["进食"] = 7
    del answers["洗澡"]
    before = Assessment.objects.get(pk=case.current_assessment_id)
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_submit(
            actor=team.assessor,
            application_id=case.pk,
            data=form(answers, [team.assessor, team.expert], latitude=None, guardian_name=""),
        )
    fields = exc.value.fields
    assert exc.value.code == "option_invalid" and "可选分值为10、5、0" in fields["进食"]
    assert {"latitude", "guardian_name", "photos"} <= set(fields)
    answers["进食"] = 5
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_submit(
            actor=team.assessor,
            application_id=case.pk,
            data=form(answers, [team.assessor], started_at="昨天上午"),
        )
    assert exc.value.code == "item_missing" and exc.value.fields["洗澡"] == "请选择评分"
    assert exc.value.fields["started_at"] == "评估开始时间应为日期时间（YYYY-MM-DD HH:MM）"
    assert "评估专家" in exc.value.fields["present_ids"]
    after = Assessment.objects.get(pk=case.current_assessment_id)
    assert (after.answers, after.grade, after.form_version) == (
        before.answers,
        None,
        before.form_version,
    )
    assert Application.objects.get(pk=case.pk).status == Status.ASSIGNED


def test_draft_saves_are_checked_and_versioned(case, users, team):
    case = go(case, Status.ASSIGNED, users, team)
    draft = form({"进食": 5}, [team.assessor, team.expert])
    assessment, partial = services.assessment_form_save(
        actor=team.assessor, application_id=case.pk, data=draft, expected_version=0
    )
    assert assessment.form_version == 1 and partial.scores["adl"] == 5 and not partial.complete
    with pytest.raises(Conflict) as exc:
        services.assessment_form_save(
            actor=team.expert, application_id=case.pk, data=draft, expected_version=0
        )
    assert exc.value.code == "stale_version"
    with pytest.raises(scoring.ItemUnknown) as exc:
        services.assessment_form_save(
            actor=team.assessor, application_id=case.pk, data=form({"跑步": 5}, [])
        )
    assert exc.value.status == 422


def test_grade_is_computed_and_rescoring_with_its_version_gives_the_same(case, users, team):
    case = go(case, Status.ASSESSED, users, team)
    assessment = Assessment.objects.get(pk=case.current_assessment_id)
    result = scoring.score(assessment.scale_version.scale, assessment.answers)
    assert (
        (assessment.grade, assessment.grade_label)
        == (result.grade, result.grade_label)
        == (
            4,
            "重度失能Ⅱ级",
        )
    )
    assert assessment.scores == {"adl": 35, "cognition": 8, "perception": 9}
    assert assessment.levels == {"adl": "severe", "cognition": "moderate", "perception": "mild"}
    assert len(assessment.answers) == 17


def test_expert_return_and_review_return_restart_confirmation(case, users, team):
    case = go(case, Status.ASSESSED, users, team)
    with pytest.raises(ValidationFailed):
        services.assessment_confirm(actor=team.expert2, application_id=case.pk, decision="return")
    services.assessment_confirm(actor=team.expert2, application_id=case.pk, decision="confirm")
    with pytest.raises(Conflict) as exc:
        services.assessment_confirm(actor=team.expert2, application_id=case.pk, decision="confirm")
    assert exc.value.code == "already_confirmed"
    services.assessment_confirm(
        actor=team.expert, application_id=case.pk, decision="return", comment="认知项目需复核"
    )
    case = go(case, Status.CONFIRMED, users, team)
    assert case.current_assessment.submission == 2
    services.application_review(
        actor=users.worker_a, application_id=case.pk, decision="return", note="照片不清晰"
    )
    assert Application.objects.get(pk=case.pk).status == Status.ASSIGNED


def test_a_grade_without_benefits_is_not_published(case, users, team, fast_pdf):
    case = go(case, Status.READY_TO_ISSUE, users, team, answers=mild_answers())
    assert case.publicity_from is None
    conclusion = services.conclusion_issue(actor=users.worker_a, application_id=case.pk)
    assert (conclusion.grade, conclusion.qualifying) == (1, False)
    today = clock.today()
    assert conclusion.valid_until == add_months(today, 12) - dt.timedelta(days=1)
    assert conclusion.appeal_until == today + dt.timedelta(days=15)
    assert fast_pdf[0][0] == "assessment/conclusion_letter.html"


def test_publicity_is_counted_in_working_days_and_objections_hold_it(case, users, team):
    case = go(case, Status.PUBLICITY, users, team)
    first, last = case.publicity_from, case.publicity_until
    assert last == add_working_days(first, 4)
    with on(first):  # reviewed on a weekend or holiday, publicity starts on the next working day
        objection = services.objection_record(
            actor=users.worker_a,
            application_id=case.pk,
            raised_by="邻居李某",
            content="老人能自己下楼",
        )
    report = services.run_deadlines(today=last + dt.timedelta(days=1))
    assert report.publicity_closed == 0  # an open objection holds the case
    with pytest.raises(ValidationFailed) as exc:
        services.objection_record(
            actor=users.worker_a,
            application_id=case.pk,
            raised_by="王某",
            content="x",
            received_on=first - dt.timedelta(days=1),
        )
    assert exc.value.code == "outside_publicity"
    services.objection_handle(
        actor=users.worker_a,
        objection_id=objection.pk,
        decision="dismissed",
        note="经回访核实，不成立",
    )
    case = Application.objects.get(pk=case.pk)
    # Handled on the day itself: the period is not over yet, so the job closes it later.
    assert case.status == Status.PUBLICITY
    assert services.run_deadlines(today=last + dt.timedelta(days=1)).publicity_closed == 1
    assert services.run_deadlines(today=last + dt.timedelta(days=2)).publicity_closed == 0


def test_an_upheld_objection_sends_the_case_back_avoiding_the_same_people(case, users, team):
    case = go(case, Status.PUBLICITY, users, team)
    with on(case.publicity_from):
        objection = services.objection_record(
            actor=users.worker_a, application_id=case.pk, raised_by="社区", content="评估时家属代答"
        )
    services.objection_handle(
        actor=users.worker_a, objection_id=objection.pk, decision="upheld", note="现场录像核实属实"
    )
    case = Application.objects.get(pk=case.pk)
    assert case.status == Status.ACCEPTED and case.current_assessment is None
    assert Objection.objects.get(pk=objection.pk).status == "upheld"
    old = Assessment.objects.get(application=case)
    assert (old.active, old.superseded_reason) == (False, "objection")
    # Under the default rules the same institution may take it again, but not the same people.
    services.application_dispatch(
        actor=users.worker_a, application_id=case.pk, institution_id=team.first.pk
    )
    with pytest.raises(Conflict) as exc:
        assign(team.assessor2, case, team.assessor2, team.expert)
    assert exc.value.code == "assessor_excluded" and "参加过上次评估" in exc.value.message
    assign(team.assessor2, case, team.assessor2, team.expert2)


def test_care_relationships_exclude_an_institution(case, users, team, monkeypatch):
    case = go(case, Status.ACCEPTED, users, team)
    with pytest.raises(Conflict) as exc:
        services.application_dispatch(
            actor=users.worker_a,
            application_id=case.pk,
            institution_id=team.second.pk,
            declared_care_institution_ids=[team.second.pk],
        )
    assert exc.value.code == "institution_excluded" and "提供护理服务" in exc.value.message

    # The care module's view of the person counts as well (it plugs in its selector).
    from changhu.assessment import selectors as assessment_selectors

    monkeypatch.setattr(assessment_selectors, "_caring_source", lambda person_id: [team.first.pk])
    with pytest.raises(Conflict) as exc:
        services.application_dispatch(
            actor=users.worker_a, application_id=case.pk, institution_id=team.first.pk
        )
    assert exc.value.code == "institution_excluded"


def test_deadlines_flag_once_and_the_job_is_idempotent(users, people, team):
    late_materials = submit(users.worker_a, people.jinjiang)
    services.application_request_materials(
        actor=users.worker_a, application_id=late_materials.pk, note="补充病历"
    )
    late_assessment = go(
        submit(users.worker_a, people.qingyang),
        Status.ASSIGNED,
        users,
        team,
        institution=team.second,
        assessors=[team.assessor3, team.expert3],
    )
    due = max(
        Application.objects.get(pk=late_materials.pk).materials_due,
        Application.objects.get(pk=late_assessment.pk).assessment_due,
    )
    later = due + dt.timedelta(days=1)
    report = services.run_deadlines(today=later)
    assert (report.materials_overdue, report.assessments_overdue) == (1, 1)
    again = services.run_deadlines(today=later + dt.timedelta(days=3))
    assert (again.materials_overdue, again.assessments_overdue) == (0, 0)
    assert Application.objects.filter(overdue_since=later).count() == 2
    assert CaseEvent.objects.filter(kind="overdue").count() == 2
    # Acting on the case clears the flag.
    services.application_resubmit(actor=users.worker_a, application_id=late_materials.pk)
    assert Application.objects.get(pk=late_materials.pk).overdue_since is None


def test_periodic_reassessment_opens_once_before_expiry(case, users, team, fast_pdf):
    case = go(case, Status.CONCLUDED, users, team)
    conclusion = Conclusion.objects.get(application=case)
    early = conclusion.valid_until - dt.timedelta(days=61)
    assert services.run_deadlines(today=early).reassessments_opened == 0
    in_window = conclusion.valid_until - dt.timedelta(days=60)
    assert services.run_deadlines(today=in_window).reassessments_opened == 1
    assert services.run_deadlines(today=in_window).reassessments_opened == 0
    periodic = Application.objects.get(kind="periodic")
    assert periodic.status == Status.ACCEPTED and periodic.previous_conclusion == conclusion
    assert periodic.channel == "system"
    # The re-assessment avoids the first institution.
    with pytest.raises(Conflict):
        services.application_dispatch(
            actor=users.worker_a, application_id=periodic.pk, institution_id=team.first.pk
        )


def test_condition_change_and_free_reassessment_when_the_grade_changes(
    case, users, team, people, fast_pdf
):
    case = go(case, Status.CONCLUDED, users, team)
    with pytest.raises(Conflict) as exc:
        services.reassessment_open(
            actor=users.worker_a, person_id=people.qingyang.pk, kind="spot_check", reason="抽查"
        )
    assert exc.value.code == "no_conclusion_in_force"
    appeal = services.appeal_request(
        actor=users.worker_a, conclusion_id=case.conclusion.pk, reason="家属认为等级偏低"
    )
    worse = answers_for(national(), adl=0, cognition=0, perception=0)
    appeal = go(
        appeal,
        Status.CONCLUDED,
        users,
        team,
        institution=team.second,
        assessors=[team.assessor3, team.expert3],
        experts=[team.expert3, team.expert4],
        answers=worse,
    )
    second = Conclusion.objects.get(application=appeal)
    assert (second.grade, second.grade_changed, second.fee_payer, second.fee_fen) == (
        5,
        True,
        "fund",
        0,
    )
    assert conclusion_in_force(case.person_id).pk == second.pk
    assert conclusion_in_force(case.person_id, clock.today() - dt.timedelta(days=1)) is None


def test_appeal_after_the_deadline_is_refused(case, users, team, fast_pdf):
    case = go(case, Status.CONCLUDED, users, team)
    Conclusion.objects.filter(application=case).update(
        appeal_until=clock.today() - dt.timedelta(days=1)
    )
    with pytest.raises(Conflict) as exc:
        services.appeal_request(actor=users.worker_a, conclusion_id=case.conclusion.pk, reason="x")
    assert exc.value.code == "appeal_deadline_passed"


def test_automatic_dispatch_under_a_citys_rules(users, people, team, tmp_path):
    import json
    from pathlib import Path

    from changhu.assessment.presets import load_rule_presets

    default = Path(__file__).resolve().parents[2] / "presets" / "assessment-rules" / "default.json"
    definition = json.loads(default.read_text("utf-8"))
    definition.update(code="chengdu", name="成都市失能评估经办规则", region_code="5101")
    definition["auto_dispatch"] = True
    path = tmp_path / "chengdu.json"
    path.write_text(json.dumps(definition, ensure_ascii=False), "utf-8")
    load_rule_presets(paths=[path])
    case = submit(users.worker_a, people.jinjiang)
    assert case.rules.code == "chengdu"
    services.application_accept(actor=users.worker_a, application_id=case.pk)
    case = Application.objects.get(pk=case.pk)
    assert case.status == Status.DISPATCHED and case.institution == team.first
    services.application_recall(actor=users.worker_a, application_id=case.pk, reason="机构人手不足")
    assert services.run_deadlines().dispatched == 1
    assert Application.objects.get(pk=case.pk).status == Status.DISPATCHED
    assert services.run_deadlines().dispatched == 0


def test_a_condition_change_opens_a_reassessment(case, users, team, people, fast_pdf):
    case = go(case, Status.CONCLUDED, users, team)
    reassessment = services.reassessment_open(
        actor=users.worker_a,
        person_id=people.jinjiang.pk,
        kind="condition_change",
        reason="再次中风",
    )
    assert (reassessment.kind, reassessment.status) == ("condition_change", Status.ACCEPTED)
    assert reassessment.previous_conclusion == case.conclusion and reassessment.priority
    with pytest.raises(Conflict) as exc:
        services.appeal_request(actor=users.worker_a, conclusion_id=case.conclusion.pk, reason="x")
    assert exc.value.code == "application_open"
