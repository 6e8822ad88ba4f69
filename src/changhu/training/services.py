"""Every write of the training app: one function per use case, audited.

Issuing a certificate records it as the caregiver's or the assessor's qualification certificate
through ``providers.services.certificate_from_training`` (an assessor course's certificate is
what qualifies an assessor for assessment teams); the training app never writes providers'
models itself. A training subsidy is posted to the fund's ledger through ``fund.services``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from changhu.core import audit, clock, months
from changhu.core.errors import Conflict, ValidationFailed, field_error
from changhu.core.money import format_yuan
from changhu.core.scope import get_scoped, require
from changhu.fund import services as fund_services
from changhu.fund.models import LTCI_FUND, Account, EntryKind
from changhu.orgs.models import Organization, OrgKind
from changhu.orgs.roles import Right
from changhu.providers import services as provider_services
from changhu.providers.models import (
    Assessor,
    AssessorStatus,
    Caregiver,
    CaregiverKind,
    CaregiverStatus,
    CertificateKind,
)
from changhu.providers.rules import ASSESSOR_CERTIFICATE_KINDS
from changhu.training.models import Audience, Course, Enrolment, Session

MAX_SUBSIDY_FEN = 10_000_000  # 100,000 yuan a person is already far beyond any policy


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return field_error(field, code, message)


def _raise(problems: list[ValidationFailed]) -> None:
    """Raise the first problem, with the fields of all of them."""
    if not problems:
        return
    first = problems[0]
    fields: dict[str, str] = {}
    for problem in problems:
        fields.update(problem.fields)
    raise ValidationFailed(first.message, code=first.code, fields=fields)


def _date(value: Any, field: str, label: str, problems: list) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        problems.append(_invalid(field, "date_required", f"请填写{label}（如2026-10-08）"))
        return None


def _decimal(value: Any, low: Decimal, high: Decimal) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        return None
    return amount if low <= amount <= high else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


# --- courses --------------------------------------------------------------------------------


@dataclass
class CourseInput:
    name: str = ""
    audience: str = ""
    hours: Any = None
    certificate_kind: str = ""
    validity_months: Any = 0
    organizer_id: int | None = None


def course_create(*, actor, data: CourseInput) -> Course:
    """Set up a course; its organizer is the bureau or a care institution (default: the
    actor's own organization)."""
    require(actor, Right.TRAINING_MANAGE)
    problems: list = []
    name = (data.name or "").strip()
    if not name or len(name) > 100:
        problems.append(_invalid("name", "name_required", "请填写课程名称（不超过100字）"))
    if data.audience not in Audience.values:
        problems.append(
            _invalid("audience", "audience_invalid", "培训对象应为机构护理员、亲情护理员或评估人员")
        )
    hours = _decimal(data.hours, Decimal("0.5"), Decimal(1000))
    if hours is None:
        problems.append(_invalid("hours", "hours_range", "学时应为0.5至1000之间的数字"))
    kind = (data.certificate_kind or "").strip()
    if kind and kind not in CertificateKind.values:
        problems.append(
            _invalid("certificate_kind", "certificate_kind_invalid", "颁发证书的类别不正确")
        )
    if kind and data.audience in Audience.values:
        for_assessors = data.audience == Audience.ASSESSOR
        if for_assessors != (kind in ASSESSOR_CERTIFICATE_KINDS):
            problems.append(
                _invalid(
                    "certificate_kind",
                    "certificate_kind_invalid",
                    "评估人员课程颁发评估人员资格证，护理员课程不能颁发该证书",
                )
            )
    validity = _int(data.validity_months)
    if kind and (validity is None or not 1 <= validity <= 120):
        problems.append(_invalid("validity_months", "validity_invalid", "证书有效期应为1至120个月"))
    organizer = None
    organizer_id = data.organizer_id or getattr(actor, "organization_id", None)
    if organizer_id:
        organizer = Organization.objects.filter(
            pk=organizer_id, kind__in=[OrgKind.BUREAU, OrgKind.CARE]
        ).first()
    if organizer is None:
        problems.append(
            _invalid("organizer_id", "organizer_invalid", "主办单位应为医保局或护理机构")
        )
    _raise(problems)
    with transaction.atomic():
        course = Course.objects.create(
            name=name,
            audience=data.audience,
            hours=hours,
            certificate_kind=kind,
            validity_months=validity if kind else 0,
            organizer=organizer,
            created_by=actor,
        )
        audit.record(action="create", obj=course, user=actor, note=f"新建培训课程：{name}")
    return course


# --- sessions -------------------------------------------------------------------------------


@dataclass
class SessionInput:
    starts_on: Any = None
    ends_on: Any = None
    place: str = ""
    capacity: Any = None
    pass_mark: Any = 60


def session_create(*, actor, course_id: int, data: SessionInput) -> Session:
    require(actor, Right.TRAINING_MANAGE)
    course = get_scoped(Course.objects.all(), actor, pk=course_id)
    problems: list = []
    starts = _date(data.starts_on, "starts_on", "开班日期", problems)
    ends = _date(data.ends_on, "ends_on", "结业日期", problems)
    if starts and ends and ends < starts:
        problems.append(_invalid("ends_on", "date_order", "结业日期不能早于开班日期"))
    place = (data.place or "").strip()
    if not place or len(place) > 100:
        problems.append(_invalid("place", "place_required", "请填写培训地点（不超过100字）"))
    capacity = _int(data.capacity)
    if capacity is None or not 1 <= capacity <= 1000:
        problems.append(_invalid("capacity", "capacity_invalid", "名额应为1至1000的整数"))
    pass_mark = _decimal(data.pass_mark, Decimal(0), Decimal(100))
    if pass_mark is None:
        problems.append(
            _invalid("pass_mark", "pass_mark_invalid", "合格分数线应为0至100之间的数字")
        )
    _raise(problems)
    with transaction.atomic():
        session = Session.objects.create(
            course=course,
            starts_on=starts,
            ends_on=ends,
            place=place,
            capacity=capacity,
            pass_mark=pass_mark,
        )
        audit.record(
            action="create",
            obj=session,
            user=actor,
            note=f"新建培训班次：{course.name} {starts}至{ends}",
        )
    return session


def _session_for_update(actor, session_id: int) -> Session:
    session = get_scoped(Session.objects.select_related("course"), actor, pk=session_id)
    return Session.objects.select_for_update().select_related("course").get(pk=session.pk)


# --- enrolment ------------------------------------------------------------------------------

_AUDIENCE_KINDS = {
    Audience.CAREGIVER: {CaregiverKind.STAFF, CaregiverKind.INDIVIDUAL},
    Audience.FAMILY: {CaregiverKind.FAMILY},
    Audience.ASSESSOR: set(),
}


def enrol(
    *, actor, session_id: int, caregiver_id: int | None = None, assessor_id: int | None = None
) -> Enrolment:
    """Put a caregiver (or, on a course for 评估人员, an assessor) on a session's roll: an
    institution its own staff, the bureau anyone it sees. Enrolling someone already on the roll
    returns that enrolment."""
    require(actor, Right.TRAINING_ENROL)
    if assessor_id is not None:
        trainee = get_scoped(Assessor.objects.all(), actor, pk=assessor_id)
        holder, active = {"assessor": trainee}, trainee.status == AssessorStatus.ACTIVE
        field, kind_label = "assessor_id", "评估人员"
    elif caregiver_id is not None:
        trainee = get_scoped(Caregiver.objects.all(), actor, pk=caregiver_id)
        holder, active = {"caregiver": trainee}, trainee.status == CaregiverStatus.ACTIVE
        field, kind_label = "caregiver_id", trainee.get_kind_display()
    else:
        raise field_error("caregiver_id", "trainee_required", "请选择报名的护理员或评估人员")
    with transaction.atomic():
        session = _session_for_update(actor, session_id)
        existing = session.enrolments.filter(**holder).first()
        if existing is not None:
            return existing
        audience = session.course.audience
        fits = (
            audience == Audience.ASSESSOR
            if assessor_id is not None
            else trainee.kind in _AUDIENCE_KINDS[audience]
        )
        if not fits:
            raise field_error(
                field,
                "audience_mismatch",
                f"该课程面向{session.course.get_audience_display()}，"
                f"{trainee.name}（{kind_label}）不能报名",
            )
        if not active:
            raise field_error(field, "caregiver_inactive", f"{trainee.name}不在岗")
        if session.enrolments.count() >= session.capacity:
            raise Conflict(f"本班次名额（{session.capacity}人）已满", code="session_full")
        enrolment = Enrolment.objects.create(session=session, enrolled_by=actor, **holder)
        audit.record(
            action="create",
            obj=enrolment,
            user=actor,
            note=f"{trainee.name}报名{session}",
        )
    return enrolment


def withdraw(*, actor, enrolment_id: int) -> None:
    require(actor, Right.TRAINING_ENROL)
    enrolment = get_scoped(Enrolment.objects.select_related("session"), actor, pk=enrolment_id)
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.certificate_number:
            raise Conflict("已发证的报名不能取消", code="certificate_already_issued")
        audit.record(
            action="delete",
            obj=enrolment,
            user=actor,
            note=f"取消报名：{enrolment.person.name} {enrolment.session}",
        )
        enrolment.delete()


# --- the roll: attendance and scores --------------------------------------------------------


@dataclass
class RollRow:
    enrolment_id: int
    attended: bool = False
    score: Any = None


def roll_record(*, actor, session_id: int, rows: list[RollRow]) -> int:
    """Attendance and exam scores of a session, entered in one go; nothing is written unless
    every row is valid. Rows whose certificate was issued are locked. Returns rows changed."""
    require(actor, Right.TRAINING_MANAGE)
    with transaction.atomic():
        session = _session_for_update(actor, session_id)
        if session.starts_on > clock.today():
            raise ValidationFailed(
                f"本班次{session.starts_on}开班，开班后才能登记出勤和成绩",
                code="session_not_started",
            )
        on_roll = {e.pk: e for e in session.enrolments.select_related("caregiver", "assessor")}
        problems: list = []
        changes: list[tuple[Enrolment, bool, Decimal | None]] = []
        for row in rows:
            enrolment = on_roll.get(_int(row.enrolment_id) or 0)
            field = f"score_{row.enrolment_id}"
            if enrolment is None:
                problems.append(_invalid(field, "score_invalid", "名单中没有这条报名记录"))
                continue
            raw = "" if row.score is None else str(row.score).strip()
            score = None
            if raw:
                score = _decimal(raw, Decimal(0), Decimal(100))
                if score is None:
                    problems.append(
                        _invalid(
                            field,
                            "score_invalid",
                            f"{enrolment.person.name}的成绩应为0至100之间的数字",
                        )
                    )
                    continue
                if not row.attended:
                    problems.append(
                        _invalid(
                            field,
                            "score_without_attendance",
                            f"{enrolment.person.name}未出勤，不能登记成绩",
                        )
                    )
                    continue
            attended = bool(row.attended)
            if enrolment.attended == attended and enrolment.score == score:
                continue
            if enrolment.certificate_number:
                problems.append(
                    _invalid(
                        field,
                        "certificate_already_issued",
                        f"{enrolment.person.name}已发证，出勤和成绩不能再修改",
                    )
                )
                continue
            changes.append((enrolment, attended, score))
        _raise(problems)
        for enrolment, attended, score in changes:
            old = {"attended": enrolment.attended, "score": enrolment.score}
            enrolment.attended, enrolment.score = attended, score
            enrolment.save(update_fields=["attended", "score"])
            audit.record(
                action="update",
                obj=enrolment,
                user=actor,
                changes={
                    "attended": {"label": "出勤", "old": old["attended"], "new": attended},
                    "score": {
                        "label": "考试成绩",
                        "old": None if old["score"] is None else str(old["score"]),
                        "new": None if score is None else str(score),
                    },
                },
            )
        if changes:
            audit.record(
                action="update",
                obj=session,
                user=actor,
                note=f"登记出勤和考试成绩：{len(changes)}人有变动",
            )
    return len(changes)


# --- certificates ---------------------------------------------------------------------------


def _expiry(issued: dt.date, validity_months: int) -> dt.date:
    """The last day a certificate of ``validity_months`` issued on ``issued`` is valid."""
    first = months.shift(issued, validity_months)
    day = min(issued.day, months.last_day(first).day)
    return first.replace(day=day) - dt.timedelta(days=1)


def certificate_number(enrolment: Enrolment) -> str:
    return f"PX{enrolment.session_id:05d}-{enrolment.pk:06d}"


def _check_session_can_issue(session: Session) -> None:
    if not session.course.certificate_kind:
        raise ValidationFailed("该课程不颁发证书", code="course_has_no_certificate")
    if session.ends_on > clock.today():
        raise ValidationFailed(
            f"本班次{session.ends_on}结业，结业后才能发证", code="session_not_finished"
        )


def _refusal(enrolment: Enrolment) -> ValidationFailed | None:
    name = enrolment.person.name
    if not enrolment.attended:
        return ValidationFailed(f"{name}未出勤，不能发证", code="not_attended")
    if enrolment.score is None or enrolment.score < enrolment.session.pass_mark:
        shown = "未登记成绩" if enrolment.score is None else f"成绩{enrolment.score}分"
        return ValidationFailed(
            f"{name}{shown}，未达到合格分数线{enrolment.session.pass_mark}分，不能发证",
            code="not_passed",
        )
    return None


def _issue(actor, enrolment: Enrolment) -> bool:
    """Issue one enrolment's certificate (already checked); False if it was issued before."""
    if enrolment.certificate_number:
        return False
    session, course = enrolment.session, enrolment.session.course
    today = clock.today()
    number = certificate_number(enrolment)
    certificate, _created = provider_services.certificate_from_training(
        actor=actor,
        caregiver_id=enrolment.caregiver_id,
        assessor_id=enrolment.assessor_id,
        data=provider_services.CertificateInput(
            kind=course.certificate_kind,
            number=number,
            issuer=course.organizer.name,
            issued_on=today,
            expires_on=_expiry(today, course.validity_months),
        ),
    )
    enrolment.certificate = certificate
    enrolment.certificate_number = number
    enrolment.issued_on = today
    enrolment.save(update_fields=["certificate", "certificate_number", "issued_on"])
    audit.record(
        action="update",
        obj=enrolment,
        user=actor,
        note=f"发放培训证书：{enrolment.person.name} {number}，{session}",
    )
    return True


def certificate_issue(*, actor, enrolment_id: int) -> Enrolment:
    """Issue one person's certificate; refused (nothing written) if they did not attend or
    did not pass. Issuing again returns the enrolment unchanged."""
    require(actor, Right.TRAINING_MANAGE)
    found = get_scoped(Enrolment.objects.all(), actor, pk=enrolment_id)
    with transaction.atomic():
        session = _session_for_update(actor, found.session_id)
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("session__course__organizer", "caregiver", "assessor")
            .get(pk=found.pk)
        )
        _check_session_can_issue(session)
        if not enrolment.certificate_number:
            refusal = _refusal(enrolment)
            if refusal is not None:
                raise refusal
            _issue(actor, enrolment)
    return enrolment


@dataclass
class IssuePlan:
    """What issuing a session's certificates will do (shown before it is confirmed)."""

    to_issue: list[Enrolment]
    already: list[Enrolment]
    refused: list[tuple[Enrolment, str]]


def issue_plan(actor, session: Session) -> IssuePlan:
    plan = IssuePlan([], [], [])
    from changhu.training import selectors

    for enrolment in selectors.roll(actor, session.pk):
        if enrolment.certificate_number:
            plan.already.append(enrolment)
        elif (refusal := _refusal(enrolment)) is not None:
            plan.refused.append((enrolment, refusal.message))
        else:
            plan.to_issue.append(enrolment)
    return plan


def certificates_issue(*, actor, session_id: int) -> IssuePlan:
    """Issue the certificates of everyone on the roll who attended and passed (those who did
    not are listed, not issued); those issued before stay as they are."""
    require(actor, Right.TRAINING_MANAGE)
    with transaction.atomic():
        session = _session_for_update(actor, session_id)
        _check_session_can_issue(session)
        plan = issue_plan(actor, session)
        for enrolment in plan.to_issue:
            _issue(actor, enrolment)
        if plan.to_issue:
            audit.record(
                action="update",
                obj=session,
                user=actor,
                note=f"发放结业证书{len(plan.to_issue)}人",
            )
    return plan


# --- training subsidy (培训补贴) ------------------------------------------------------------


def subsidy_record(*, actor, session_id: int, amount_per_pass_fen: Any) -> Session:
    """Record the training subsidy of a session: an amount for each person who passed, posted
    once to the fund as an expense. Recording the same amount again changes nothing."""
    require(actor, Right.TRAINING_MANAGE)
    require(actor, Right.FUND_MANAGE)
    amount = _int(amount_per_pass_fen)
    if amount is None or not 0 < amount <= MAX_SUBSIDY_FEN:
        raise field_error(
            "amount_per_pass_fen", "subsidy_invalid", "每人补贴应为大于0且不超过10万元的金额"
        )
    from changhu.training import selectors

    with transaction.atomic():
        session = _session_for_update(actor, session_id)
        if session.subsidy_entry_id:
            if session.subsidy_per_pass_fen == amount:
                return session
            raise Conflict(
                f"本班次已按每人{format_yuan(session.subsidy_per_pass_fen)}元记录培训补贴",
                code="subsidy_changed",
            )
        if session.ends_on > clock.today():
            raise ValidationFailed(
                f"本班次{session.ends_on}结业，结业后才能记录培训补贴",
                code="session_not_finished",
            )
        people = session.enrolments.filter(selectors.passed_q()).count()
        if not people:
            raise ValidationFailed("本班次没有考试合格的学员，无需记录补贴", code="nobody_passed")
        total = amount * people
        today = clock.today()
        entry = fund_services.entry_post(
            fund=LTCI_FUND,
            period=today.strftime("%Y-%m"),
            kind=EntryKind.FEE,
            memo=f"培训补贴：{session.course.name}（{session.starts_on}班）"
            f"合格{people}人×{format_yuan(amount)}元",
            postings=[(Account.FEE, total, 0), (Account.BANK, 0, total)],
            source_type="training.session",
            source_id=str(session.pk),
            actor=actor,
        )
        session.subsidy_per_pass_fen, session.subsidy_people = amount, people
        session.subsidy_entry = entry
        session.save(update_fields=["subsidy_per_pass_fen", "subsidy_people", "subsidy_entry"])
        audit.record(
            action="update",
            obj=session,
            user=actor,
            note=f"记录培训补贴：{people}人×{format_yuan(amount)}元，共{format_yuan(total)}元",
        )
    return session
