"""Demo training: a caregiver course of the bureau, a session that ended last week with the
first institution's care workers on the roll (attendance and scores entered), certificates
issued to those who passed, and a session of the same course open for enrolment next month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from changhu.core import clock
from changhu.training import services


@dataclass
class TrainingDemoReport:
    done: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.done


COURSE_NAME = "长期护理保险护理员岗位技能培训"
SCORES = ["92", "85.5", "78", "55", None]  # the last one was absent


def seed_training_demo() -> TrainingDemoReport:
    from changhu.orgs.models import User
    from changhu.providers.models import Caregiver
    from changhu.training.models import Course

    bureau = User.objects.filter(role="bureau_admin", is_active=True).order_by("pk").first()
    if bureau is None:
        return TrainingDemoReport(["没有医保局账号，未生成培训数据"])
    if Course.objects.filter(name=COURSE_NAME).exists():
        return TrainingDemoReport(["培训演示数据已存在"])
    course = services.course_create(
        actor=bureau,
        data=services.CourseInput(
            name=COURSE_NAME,
            audience="caregiver",
            hours="40",
            certificate_kind="care_worker",
            validity_months=36,
        ),
    )
    services.course_create(
        actor=bureau,
        data=services.CourseInput(
            name="亲情护理员居家照护技能培训",
            audience="family",
            hours="16",
            certificate_kind="family_training",
            validity_months=24,
        ),
    )
    today = clock.today()
    held = services.session_create(
        actor=bureau,
        course_id=course.pk,
        data=services.SessionInput(
            starts_on=today - dt.timedelta(days=14),
            ends_on=today - dt.timedelta(days=10),
            place="市医疗保障局培训中心二楼报告厅",
            capacity=40,
            pass_mark="60",
        ),
    )
    staff = Caregiver.objects.filter(kind="staff", status="active").order_by("institution", "pk")
    # The institution of the demo login "careadmin" (so that it sees its staff on the roll).
    admin = User.objects.filter(username="careadmin").first()
    if admin is not None and staff.filter(institution__organization=admin.organization).exists():
        staff = staff.filter(institution__organization=admin.organization)
    first_institution = staff.values_list("institution", flat=True).first()
    trainees = list(staff.filter(institution=first_institution)[: len(SCORES)])
    rows = []
    for caregiver, score in zip(trainees, SCORES, strict=False):
        enrolment = services.enrol(actor=bureau, session_id=held.pk, caregiver_id=caregiver.pk)
        rows.append(services.RollRow(enrolment.pk, score is not None, score))
    services.roll_record(actor=bureau, session_id=held.pk, rows=rows)
    plan = services.certificates_issue(actor=bureau, session_id=held.pk)
    upcoming = services.session_create(
        actor=bureau,
        course_id=course.pk,
        data=services.SessionInput(
            starts_on=today + dt.timedelta(days=20),
            ends_on=today + dt.timedelta(days=24),
            place="市医疗保障局培训中心二楼报告厅",
            capacity=40,
        ),
    )
    return TrainingDemoReport(
        [
            f"培训班次{held}：{len(rows)}人报名，发证{len(plan.to_issue)}人",
            f"培训班次{upcoming}：开放报名",
        ]
    )
