"""Demo data for complaints, return visits and surveys: a few complaints in each state, a
month's return-visit draw with some calls done (one of them finding a visit that did not
happen), and satisfaction answers from every channel.

Runs after the visits demo (it needs visits to complain about and persons served). Works on any
day at any hour: complaints are about persons with visits, else residents with bed-days (just
after midnight a fresh demo has few visits); the draw is of this month. Idempotent: complaints
are added once, a month is drawn once, and calls already made stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from changhu.core import clock, months
from changhu.core.scope import scope_of
from changhu.feedback import questionnaires, services
from changhu.feedback.models import Complaint, ReturnVisit, SurveyResponse
from changhu.orgs.models import User
from changhu.providers.models import Institution
from changhu.visits.models import BedDay, Visit, VisitStatus

HANDLERS = ("caseworker", "caseworker2", "supervisor", "bureau")
DEMO_MARK = "【演示】"
SURVEY = {
    "caregiver_attitude": 5,
    "caregiver_skill": 4,
    "caregiver_punctual": 4,
    "institution_arrangement": 4,
    "institution_response": 3,
    "overall": 4,
}


@dataclass
class FeedbackDemoReport:
    complaints: int = 0
    drawn: int = 0
    calls: int = 0
    findings: int = 0
    surveys: int = 0

    def __str__(self) -> str:
        return (
            f"feedback demo: {self.complaints} complaints, {self.drawn} return visits drawn, "
            f"{self.calls} calls recorded, {self.findings} discrepancy findings, "
            f"{self.surveys} survey answers"
        )


def _handler(region_code: str) -> User | None:
    """A demo login that may handle rows of this region (the insurer's case worker first)."""
    for username in HANDLERS:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is not None and scope_of(user).covers_region(region_code):
            return user
    return None


@dataclass(frozen=True)
class Subject:
    """What a demo complaint is about: a person, their institution, maybe a caregiver and visit."""

    person_id: int
    person_name: str
    institution_id: int
    region_code: str
    caregiver_id: int | None = None
    visit_id: int | None = None


def _subjects() -> list[Subject]:
    """Persons served lately, one each: those with a completed visit (newest first), then
    residents with bed-days (a demo seeded just after midnight has few visits yet)."""
    seen, out = set(), []
    visits = (
        Visit.objects.filter(status=VisitStatus.COMPLETED)
        .select_related("person")
        .order_by("-service_date", "pk")[:400]
    )
    for v in visits:
        if v.person_id not in seen and _handler(v.region_code) is not None:
            seen.add(v.person_id)
            out.append(
                Subject(
                    v.person_id,
                    v.person.name,
                    v.institution_id,
                    v.region_code,
                    v.caregiver_id,
                    v.pk,
                )
            )
    for b in BedDay.objects.select_related("person").order_by("-day", "pk")[:400]:
        if b.person_id not in seen and _handler(b.region_code) is not None:
            seen.add(b.person_id)
            out.append(Subject(b.person_id, b.person.name, b.institution_id, b.region_code))
    return out


def _complaints(report: FeedbackDemoReport) -> None:
    if Complaint.objects.filter(content__startswith=DEMO_MARK).exists():
        return
    subjects = _subjects()
    cases = [
        (
            "hotline",
            "missed_visit",
            "护理员说好每周二、周五上门，上周五一直没有来，也没有打电话说明。",
        ),
        ("counter", "attitude", "护理员给老人翻身时很不耐烦，还大声呵斥老人。"),
        ("hotline", "service_quality", "助浴只做了十来分钟就走了，老人头发都没有洗干净。"),
        ("hotline", "fees", "机构让我们另外交200元“耗材费”，不知道是否合理。"),
        ("counter", "missed_visit", "记录显示护理员来过，但那天家里一直有人，护理员并没有来。"),
        ("hotline", "other", "希望能换一位会说普通话的护理员，老人听不懂方言。"),
    ]
    # the substantiated one (index 4) is about a visit when there is one
    with_visit = [s for s in subjects if s.visit_id]
    if with_visit and len(subjects) >= len(cases):
        subjects.remove(with_visit[0])
        subjects.insert(4, with_visit[0])
    made = []
    for (channel, category, content), subject in zip(cases, subjects, strict=False):
        worker = _handler(subject.region_code)
        complaint = services.complaint_create(
            actor=worker,
            data=services.ComplaintInput(
                channel=channel,
                category=category,
                content=f"{DEMO_MARK}{content}",
                complainant_name=f"{subject.person_name[0]}先生",
                complainant_phone="13800000000",
                person_id=subject.person_id,
                institution_id=subject.institution_id,
                caregiver_id=subject.caregiver_id,
                visit_ids=[subject.visit_id] if subject.visit_id else [],
            ),
        )
        made.append((complaint, worker, subject))
    # one stays received; the others move on, one step further each
    for index, (complaint, worker, subject) in enumerate(made[1:], start=1):
        services.complaint_acknowledge(actor=worker, complaint_id=complaint.pk)
        if index == 2:
            services.complaint_escalate(
                actor=worker, complaint_id=complaint.pk, reason="同一护理员本月第二次被投诉"
            )
        if index >= 3:
            services.complaint_reply(
                actor=worker,
                complaint_id=complaint.pk,
                reply="经调阅服务记录并约谈机构，情况属实，已责令机构整改，涉及的服务不予结算。"
                if index == 4
                else "经核实，已要求机构向您说明情况并改进服务。",
                channel="phone",
                substantiated=index == 4,
            )
        if index == 4 and subject.visit_id:
            found = services.complaint_substantiate(
                actor=worker,
                complaint_id=complaint.pk,
                visit_ids=[subject.visit_id],
                note="家属与邻居证实当日护理员未上门",
            )
            report.findings += len(found)
        if index >= 4:
            services.complaint_close(
                actor=worker, complaint_id=complaint.pk, satisfaction=5 if index == 4 else 3
            )
    report.complaints = len(made)
    institution = Institution.objects.filter(status="active").order_by("pk").first()
    if institution is not None:
        services.public_complaint_create(
            data=services.ComplaintInput(
                category="attitude",
                content=f"{DEMO_MARK}在网站上反映：机构电话总是打不通，希望改进。",
                anonymous=True,
                institution_id=institution.pk,
            ),
            source_key=services.public_source_key("demo"),
        )
        report.complaints += 1


def _family_complaint(report: FeedbackDemoReport) -> None:
    """The demo applicant has complained about their mother's care, and been answered: their
    page shows the reply and asks how satisfied they are."""
    applicant = User.objects.filter(username="applicant", is_active=True).first()
    if applicant is None or Complaint.objects.filter(submitted_by=applicant).exists():
        return
    person = services.family_persons(applicant).first()
    worker = _handler(person.region_code) if person is not None else None
    if worker is None:
        return
    complaint = services.family_complaint_create(
        actor=applicant,
        person_id=person.pk,
        category="service_quality",
        content=f"{DEMO_MARK}护理员给妈妈擦身时水太凉，妈妈着凉咳嗽了好几天。",
    )
    services.complaint_acknowledge(actor=worker, complaint_id=complaint.pk)
    services.complaint_reply(
        actor=worker,
        complaint_id=complaint.pk,
        reply="您好，已联系护理机构核实：护理员操作不规范，机构已对其培训，今后擦身前会先试水温。",
        channel="page",
        substantiated=True,
    )
    report.complaints += 1


def draw_month() -> str:
    """This month: a fresh demo's visits start on the day it is seeded (its care plans take
    effect that day), so this month is the one that has visits."""
    return months.key(clock.today())


def _visits_of(rv: ReturnVisit, first, last):
    return services.person_visits(rv.person_id, first=first, last=last).filter(
        institution_id=rv.institution_id
    )


def _return_visits(report: FeedbackDemoReport) -> None:
    period = draw_month()
    services.return_visits_draw(actor=None, period=period)
    rows = list(ReturnVisit.objects.filter(period=period).order_by("pk"))
    report.drawn = len(rows)
    if ReturnVisit.objects.filter(period=period).exclude(status="pending").exists():
        return
    plan = ["discrepancy", "reached", "not_reached", "refused", "reached"]
    plan = plan[: max(1, len(rows) - 1)]  # some calls done, at least one still to make
    first, last = months.bounds(period)
    # the discrepancy on a person with home visits that month (others may be residents)
    rows.sort(key=lambda rv: not _visits_of(rv, first, last).exists())
    for outcome, rv in zip(plan, rows, strict=False):
        worker = _handler(rv.region_code)
        if worker is None:
            continue
        answers = {
            "identity": "family",
            "visits_as_agreed": True,
            "duration_enough": True,
            "items_done": True,
            "asked_to_sign": False,
            "extra_charge": False,
            "health_change": "",
            "needs": "希望周末也能上门",
        }
        data = services.CallInput(outcome=outcome if outcome != "discrepancy" else "reached")
        if data.outcome == "reached":
            data.answers = answers
            data.survey = SURVEY
        if outcome == "discrepancy":
            visit = _visits_of(rv, first, last).first()
            if visit is not None:
                day = visit.service_date.day
                data.answers = {**answers, "visits_as_agreed": False}
                data.discrepancy_visit_ids = [visit.pk]
                data.discrepancy_note = f"家属说护理员{day}日没有来"
                report.findings += 1
            else:
                continue
        if outcome == "not_reached":
            data.note = "连续两次无人接听，次日再拨"
        services.return_visit_record(actor=worker, return_visit_id=rv.pk, data=data)
        report.calls += 1


def _surveys(report: FeedbackDemoReport) -> None:
    if SurveyResponse.objects.filter(channel="paper").exists():
        report.surveys = SurveyResponse.objects.count()
        return
    for subject in _subjects()[6:9]:
        worker = _handler(subject.region_code)
        services.survey_record(
            actor=worker,
            person_id=subject.person_id,
            answers={**SURVEY, "overall": 5, "caregiver_punctual": 3},
            comment="纸质问卷：护理员很细心",
        )
    report.surveys = SurveyResponse.objects.count()


def seed_feedback_demo() -> FeedbackDemoReport:
    """Complaints, a return-visit draw with calls, and survey answers; idempotent."""
    report = FeedbackDemoReport()
    questionnaires.load_all()
    with transaction.atomic():
        _complaints(report)
        _family_complaint(report)
        _return_visits(report)
        _surveys(report)
    return report
