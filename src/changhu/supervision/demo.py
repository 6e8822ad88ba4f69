"""Demo data for supervision: a planned inspection, a finished one with an open, an overdue and an
accepted rectification, and an appeal waiting for a decision.

Runs after the care and visits demos (it samples their institutions and beneficiaries). The
finished inspection samples every institution of the demo care admin's district, so the care
admin (``careadmin``) has notices to answer; the inspector is ``caseworker``, the supervisor
``supervisor``. Everything goes through the services except the overdue notice, whose issue day
and deadline are moved into the past (no service may back-date a notice) before the escalation
runs. Every date is counted from today in working days, so the demo works on any day and hour.
Idempotent: the demo tasks are found by title and left alone once they exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from changhu.core import clock, workdays
from changhu.orgs.models import User
from changhu.providers.models import Institution
from changhu.supervision import checklists, services
from changhu.supervision.models import (
    Appeal,
    InspectionTask,
    Rectification,
    TargetStatus,
)

DONE_TITLE = "{district}定点护理机构日常巡查（演示）"
PLANNED_TITLE = "{district}居家服务飞行检查（演示）"
SEED = 20261205
# The items the inspector finds not met at the care admin's institution, and what happens next.
PROBLEMS = {
    "care_plan": "抽查2份档案，1份护理计划未随评估等级调整",  # stays open
    "safety": "二楼疏散通道堆放轮椅和杂物",  # overdue, escalated
    "fees": "价格公示未更新至现行标准",  # answered and accepted
    "records": "交接班记录有3天空缺",  # appealed, waiting for a decision
}


@dataclass
class SupervisionDemoReport:
    tasks: list[str] = field(default_factory=list)
    notices: dict[str, int] = field(default_factory=dict)
    appeals: int = 0

    def __str__(self) -> str:
        notices = "，".join(f"{k} {v}" for k, v in self.notices.items()) or "无"
        return (
            f"supervision demo: tasks {('; '.join(self.tasks)) or 'none'}; "
            f"notices {notices}; appeals pending {self.appeals}"
        )


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def seed_supervision_demo(*, today: dt.date | None = None) -> SupervisionDemoReport:
    """See the module docstring; returns what was done."""
    report = SupervisionDemoReport()
    inspector, supervisor, care_admin = (
        _user("caseworker"),
        _user("supervisor"),
        _user("careadmin"),
    )
    institution = (
        Institution.objects.filter(organization_id=care_admin.organization_id).first()
        if care_admin
        else None
    )
    if not (inspector and supervisor and institution):
        return report
    checklists.load_all_checklists()
    district = institution.organization.region
    while district.level == "street" and district.parent_id:
        district = district.parent
    today = today or clock.today()
    with transaction.atomic():
        done = InspectionTask.objects.filter(title=DONE_TITLE.format(district=district.name))
        if not done.exists():
            _finished(supervisor, inspector, care_admin, institution, district, today)
        planned = InspectionTask.objects.filter(title=PLANNED_TITLE.format(district=district.name))
        if not planned.exists():
            services.task_plan(
                actor=supervisor,
                title=PLANNED_TITLE.format(district=district.name),
                kind="flying",
                period=today.strftime("%Y-%m"),
                region_code=district.code,
                institution_sample=1,
                beneficiary_sample=3,
                seed=SEED + 1,
                note="不提前通知机构",
            )
    for task in InspectionTask.objects.filter(title__endswith="（演示）").order_by("pk"):
        report.tasks.append(f"{task.title} {task.get_status_display()}")
    for notice in Rectification.objects.filter(institution=institution):
        label = notice.get_status_display()
        report.notices[label] = report.notices.get(label, 0) + 1
    report.appeals = Appeal.objects.filter(institution=institution, status="pending").count()
    return report


def _finished(supervisor, inspector, care_admin, institution, district, today: dt.date) -> None:
    count = Institution.objects.filter(
        region_code__startswith=district.code[:6], status="active"
    ).count()
    task = services.task_plan(
        actor=supervisor,
        title=DONE_TITLE.format(district=district.name),
        kind="routine",
        period=today.strftime("%Y-%m"),
        region_code=district.code,
        institution_sample=min(count, services.MAX_SAMPLE),
        beneficiary_sample=0,
        seed=SEED,
        note="按“定期稽核+日常巡查”要求，本月覆盖全区定点机构",
    )
    for target in task.targets.filter(status=TargetStatus.PENDING).select_related("checklist"):
        problems = PROBLEMS if target.institution_id == institution.pk else {}
        answers = {
            item["code"]: services.Answer(
                ok=item["code"] not in problems, note=problems.get(item["code"], "")
            )
            for item in target.checklist.items
        }
        services.inspection_record(
            actor=inspector,
            target_id=target.pk,
            data=services.Record(
                answers=answers,
                latitude=float(target.institution.latitude or 30.6598),
                longitude=float(target.institution.longitude or 104.0633),
                accuracy_m=15.0,
                summary="现场检查完毕，已当场告知机构负责人" if problems else "未发现问题",
            ),
        )
    notices = {
        n.finding.item_code: n
        for n in Rectification.objects.filter(finding__task=task, institution=institution)
    }
    if not notices:
        return
    # overdue: issued three weeks ago with the checklist's deadline, never answered
    overdue = notices["safety"]
    issued = workdays.add_working_days(today, -15)
    Rectification.objects.filter(pk=overdue.pk).update(
        issued_on=issued, deadline=workdays.add_working_days(issued, 5)
    )
    services.escalate_overdue(today=today)
    # accepted: answered and re-checked
    accepted = notices["fees"]
    services.rectification_answer(
        actor=care_admin,
        rectification_id=accepted.pk,
        text="已按现行价格标准更新公示栏，并在前台放置价格手册",
    )
    services.rectification_review(
        actor=supervisor, rectification_id=accepted.pk, decision="accept", reason="现场复查已整改"
    )
    # appealed: the institution contests the finding
    services.appeal_file(
        actor=care_admin,
        inspection_finding_id=notices["records"].finding_id,
        reason="空缺的3天为春节假期临时排班，纸质交接记录已补充，请求撤销该项",
    )
