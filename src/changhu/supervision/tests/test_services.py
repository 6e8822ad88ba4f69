"""Inspections from plan to closed rectification, escalation, appeals, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest

from changhu.core import clock, workdays
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.core.models import AuditEntry, TransitionLog
from changhu.supervision import checklists, risk, sampling, selectors, services
from changhu.supervision.models import (
    Checklist,
    InspectionFindingStatus,
    RectificationStatus,
    TaskStatus,
)
from changhu.supervision.tests.fixtures import pdf_upload, plan, record
from changhu.visits.models import Finding, FindingStatus
from tests.clock import on

pytestmark = pytest.mark.django_db


# --- checklists and sampling ----------------------------------------------------------------


def screening_finding(field, rule_code: str, severity: str, reason: str) -> Finding:
    """A screening finding of this month on 张建国 at the field's institution."""
    person = field.people.jinjiang
    return Finding.objects.create(
        person=person,
        institution=field.institution,
        region_code=person.region_code,
        period=clock.today().strftime("%Y-%m"),
        rule_code=rule_code,
        severity=severity,
        rule_version="2026.1",
        reason=reason,
    )


def test_shipped_checklists_load_once_and_carry_item_method_points_evidence(db):
    first = checklists.load_all_checklists()
    again = checklists.load_all_checklists()
    assert all("已加载" in line for line in first)
    assert all("未变化" in line for line in again)
    assert Checklist.objects.count() == 2
    for checklist in Checklist.objects.all():
        for item in checklist.items:
            assert item["item"] and item["method"] and item["evidence"] and item["legal_basis"]
            assert item["points"] > 0


def test_a_changed_checklist_under_the_same_version_is_refused(db, tmp_path):
    checklists.load_all_checklists()
    source = checklists.checklist_dir() / "institution-routine-2026.1.json"
    changed = tmp_path / source.name
    changed.write_text(source.read_text(encoding="utf-8").replace("10", "11", 1), encoding="utf-8")
    with pytest.raises(Conflict) as refused:
        checklists.load_checklist_file(changed)
    assert refused.value.code == "preset_version_changed"


def test_the_same_seed_draws_the_same_sample_and_weight_raises_the_chance():
    candidates = [(i, 1.0) for i in range(1, 101)]
    assert sampling.weighted_sample(candidates, 5, 42) == sampling.weighted_sample(
        candidates, 5, 42
    )
    assert sampling.weighted_sample(candidates, 5, 42) != sampling.weighted_sample(
        candidates, 5, 43
    )
    heavy = [(1, 50.0), *((i, 1.0) for i in range(2, 51))]
    drawn = sum(1 in sampling.weighted_sample(heavy, 1, seed) for seed in range(300))
    assert drawn > 150  # 50/99 of the weight: about half the draws, never a forty-ninth


def test_a_plan_stores_its_sample_with_weight_and_reason_and_is_reproducible(field):
    supervisor = field.users.bureau_admin  # the whole city
    screening_finding(field, "too_short", "medium", "服务时长不足")
    task = plan(supervisor, region_code="510100", institutions=2, beneficiaries=2)
    again = plan(supervisor, region_code="510100", institutions=2, beneficiaries=2)
    rows = list(task.targets.values_list("institution_id", "person_id", "weight", "reason"))
    assert rows == list(
        again.targets.values_list("institution_id", "person_id", "weight", "reason")
    )
    weights = {(i, p): (w, r) for i, p, w, r in rows}
    # open finding (3) + screening hit (1) on top of the base weight
    assert weights[(field.institution.pk, None)] == (5.0, "未处理的稽核发现1条、近90天稽核疑点1条")
    assert weights[(field.other.institution.pk, None)] == (1.0, "无风险记录，随机抽取")
    assert AuditEntry.objects.filter(object_type="supervision.inspectiontask").count() == 2


def test_a_risk_source_from_another_app_plugs_in(field):
    source = risk.RiskSource(
        "test.complaints", "投诉", 10.0, institutions=lambda ids, day: dict.fromkeys(ids, 1)
    )
    risk.register_risk_source(source)
    try:
        found = risk.institution_risks([field.institution.pk], clock.today())
    finally:
        risk.unregister_risk_source("test.complaints")
    assert found[field.institution.pk].weight == 11.0
    assert "投诉1条" in found[field.institution.pk].reason


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"region_code": "510107"}, "region_invalid"),  # insurer A does not cover Wuhou
        ({"kind": "audit"}, "kind_invalid"),
        ({"period": "2026-13"}, "period_invalid"),
        ({"institutions": 0, "beneficiaries": 0}, "sample_size_invalid"),
        ({"institutions": 51}, "sample_size_invalid"),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_is_written(field, changes, code):
    with pytest.raises(ValidationFailed) as refused:
        plan(field.users.supervisor_a, **changes)
    assert refused.value.code == code
    assert not selectors.task_list(fetched_by=field.users.bureau_admin).exists()


def test_a_case_worker_may_not_plan(field):
    with pytest.raises(PermissionDenied):
        plan(field.users.worker_a)


# --- the rectification loop -----------------------------------------------------------------


def _inspected(field, failing=None):
    task = plan(field.users.supervisor_a)
    institution_target = task.targets.get(target="institution")
    record(field.users.worker_a, institution_target, failing or {"safety": "疏散通道堆放杂物"})
    return task, institution_target


def test_a_problem_becomes_a_finding_with_legal_basis_and_a_deadline_in_working_days(field):
    task, target = _inspected(field)
    target.refresh_from_db()
    assert target.status == "recorded" and target.latitude == 30.657
    assert target.score == sum(i["points"] for i in target.checklist.items) - 10
    finding = target.findings.get()
    assert finding.severity == "high"
    assert "服务协议" in finding.legal_basis
    assert finding.description == "疏散通道堆放杂物"
    notice = finding.rectification
    assert notice.status == RectificationStatus.PENDING
    assert notice.deadline == workdays.add_working_days(clock.today(), 5)
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS  # the beneficiary is still to be visited


def test_recording_refuses_incomplete_answers_and_a_problem_without_description(field):
    task = plan(field.users.supervisor_a)
    target = task.targets.get(target="institution")
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_record(
            actor=field.users.worker_a,
            target_id=target.pk,
            data=services.Record(answers={"license": services.Answer(ok=True)}),
        )
    assert refused.value.code == "answers_incomplete"
    with pytest.raises(ValidationFailed) as refused:
        record(field.users.worker_a, target, {"safety": ""})
    assert refused.value.code == "description_required"
    with pytest.raises(ValidationFailed) as refused:
        record(field.users.worker_a, target, latitude=95.0)
    assert refused.value.code == "coordinates_out_of_range"
    target.refresh_from_db()
    assert target.status == "pending" and not target.findings.exists()
    record(field.users.worker_a, target)
    with pytest.raises(Conflict) as refused:
        record(field.users.worker_a, target)
    assert refused.value.code == "already_recorded"


def test_from_plan_to_closed_rectification_with_one_rejection(field, media_root):
    users = field.users
    _task, target = _inspected(field)
    notice = target.findings.get().rectification
    services.rectification_answer(
        actor=users.care_admin, rectification_id=notice.pk, text="已清理", files=[pdf_upload()]
    )
    notice.refresh_from_db()
    assert notice.status == RectificationStatus.SUBMITTED
    services.rectification_review(
        actor=users.supervisor_a, rectification_id=notice.pk, decision="reject", reason="缺照片"
    )
    notice.refresh_from_db()
    assert notice.status == RectificationStatus.PENDING and notice.rounds == 1
    assert notice.deadline == workdays.add_working_days(clock.today(), 5)
    with pytest.raises(ValidationFailed):
        services.rectification_review(
            actor=users.supervisor_a, rectification_id=notice.pk, decision="reject", reason=""
        )
    services.rectification_answer(
        actor=users.care_admin, rectification_id=notice.pk, text="补充照片", files=[]
    )
    services.rectification_review(
        actor=users.supervisor_a, rectification_id=notice.pk, decision="accept"
    )
    notice.refresh_from_db()
    assert notice.status == RectificationStatus.ACCEPTED and notice.closed_at
    assert notice.finding.status == InspectionFindingStatus.CLOSED
    answers = list(notice.answers.values_list("decision", flat=True))
    assert answers == ["rejected", "accepted"]
    assert notice.answers.first().evidence.get().content_type == "application/pdf"
    states = list(
        TransitionLog.objects.filter(
            object_type="supervision.rectification", object_id=str(notice.pk)
        ).values_list("to_state", flat=True)
    )
    assert states == ["submitted", "pending", "submitted", "accepted"]
    with pytest.raises(Conflict):
        services.rectification_answer(actor=users.care_admin, rectification_id=notice.pk, text="再")


def test_evidence_is_checked_by_content(field, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, target = _inspected(field)
    notice = target.findings.get().rectification
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as refused:
        services.rectification_answer(
            actor=field.users.care_admin, rectification_id=notice.pk, text="已整改", files=[fake]
        )
    assert refused.value.code == "upload_type_refused"
    notice.refresh_from_db()
    assert notice.status == RectificationStatus.PENDING


def test_overdue_notices_escalate_and_count_for_the_scorecard(field):
    _, target = _inspected(field)
    notice = target.findings.get().rectification
    period = notice.deadline.strftime("%Y-%m")
    assert not selectors.overdue_rectifications(field.institution, period).exists()
    with on(notice.deadline):
        assert services.escalate_overdue() == []
    with on(notice.deadline + dt.timedelta(days=1)):
        escalated = services.escalate_overdue()
        assert [r.pk for r in escalated] == [notice.pk]
        assert services.escalate_overdue() == []  # once
        assert selectors.awaiting_answer_overdue(field.users.care_admin) == 1
        assert list(selectors.overdue_rectifications(field.institution, period)) == [notice]
    notice.refresh_from_db()
    assert notice.status == RectificationStatus.ESCALATED and notice.escalated_at
    assert not selectors.overdue_rectifications(field.other.institution, period).exists()


# --- appeals --------------------------------------------------------------------------------


def test_an_appeal_is_decided_by_someone_else_and_upholding_withdraws_the_notice(field, settings):
    settings.SUPERVISION_APPEAL_WORKING_DAYS = 3
    users = field.users
    _, target = _inspected(field)
    target.findings.update(raised_by=users.supervisor_a)
    finding = target.findings.get()
    appeal = services.appeal_file(
        actor=users.care_admin, inspection_finding_id=finding.pk, reason="杂物为临时装卸"
    )
    assert appeal.due_on == workdays.add_working_days(clock.today(), 3)
    with pytest.raises(Conflict) as refused:
        services.appeal_file(actor=users.care_admin, inspection_finding_id=finding.pk, reason="再")
    assert refused.value.code == "appeal_pending"
    with pytest.raises(Conflict) as refused:
        services.appeal_decide(
            actor=users.supervisor_a, appeal_id=appeal.pk, decision="uphold", reason="成立"
        )
    assert refused.value.code == "same_person"
    services.appeal_decide(
        actor=users.bureau_admin, appeal_id=appeal.pk, decision="uphold", reason="现场复核属实"
    )
    finding.refresh_from_db()
    assert finding.status == InspectionFindingStatus.DISMISSED
    assert finding.rectification.status == RectificationStatus.WITHDRAWN


def test_an_upheld_appeal_dismisses_a_screening_finding_through_the_visits_service(field):
    users = field.users
    screening = screening_finding(field, "outside_geofence", "high", "签到位置不在住址范围内")
    assert list(selectors.screening_findings_open(fetched_by=users.care_admin)) == [screening]
    appeal = services.appeal_file(
        actor=users.care_admin, screening_finding_id=screening.pk, reason="老人当日在女儿家"
    )
    assert not selectors.screening_findings_open(fetched_by=users.care_admin).exists()
    with pytest.raises(NotFound):
        services.appeal_file(
            actor=field.other.admin, screening_finding_id=screening.pk, reason="不是我们的"
        )
    services.appeal_decide(
        actor=users.supervisor_a, appeal_id=appeal.pk, decision="uphold", reason="已核实"
    )
    screening.refresh_from_db()
    assert screening.status == FindingStatus.DISMISSED
    assert screening.resolved_by == users.supervisor_a
    assert "申诉成立" in screening.resolution_reason


# --- scope ----------------------------------------------------------------------------------


def test_outsiders_see_nothing_of_another_institution_or_district(field):
    users = field.users
    task, target = _inspected(field)
    notice = target.findings.get().rectification
    assert selectors.rectification_get(fetched_by=users.care_admin, rectification_id=notice.pk)
    assert selectors.task_get(fetched_by=users.care_admin, task_id=task.pk)
    for outsider in (field.other.admin, users.worker_b, users.assessor, users.applicant):
        with pytest.raises((NotFound, PermissionDenied)):
            selectors.rectification_get(fetched_by=outsider, rectification_id=notice.pk)
        with pytest.raises((NotFound, PermissionDenied)):
            selectors.target_get(fetched_by=outsider, target_id=target.pk)
    with pytest.raises((NotFound, PermissionDenied)):
        services.rectification_answer(actor=field.other.admin, rectification_id=notice.pk, text="x")
    # the beneficiary's target is not shown to the institution before it is inspected
    pending = task.targets.get(target="beneficiary")
    with pytest.raises(NotFound):
        selectors.target_get(fetched_by=users.care_admin, target_id=pending.pk)
    assert selectors.rectification_list(fetched_by=users.regulator).count() == 1


def test_the_escalation_command_prints_what_it_escalated(field):
    import io
    import json

    from django.core.management import call_command

    _, target = _inspected(field)
    notice = target.findings.get().rectification
    with on(notice.deadline + dt.timedelta(days=1)):
        out = io.StringIO()
        call_command("supervision_escalate", stdout=out)
        assert json.loads(out.getvalue()) == {"escalated": 1, "notices": [notice.notice_number]}
        out = io.StringIO()
        call_command("supervision_escalate", stdout=out)
        assert json.loads(out.getvalue())["escalated"] == 0


def test_the_worker_escalates_overdue_notices_once_a_day(field):
    from io import StringIO

    from django.core.management import call_command

    _, target = _inspected(field)
    notice = target.findings.get().rectification
    with on(notice.deadline + dt.timedelta(days=1)):
        out = StringIO()
        call_command("worker", "--once", stdout=out, stderr=StringIO())
        assert "整改逾期督办" in out.getvalue()
    notice.refresh_from_db()
    assert notice.status == RectificationStatus.ESCALATED
