"""Training over HTTP: courses, sessions and their roll, enrolment, attendance and scores,
issuing certificates (recorded as the caregivers' qualification certificates) and subsidies."""

from __future__ import annotations

from ninja import Router, Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate
from changhu.core.scope import require
from changhu.orgs.roles import Right
from changhu.training import selectors, services
from changhu.training.api.schemas import (
    TrainingCourseIn,
    TrainingCourseOut,
    TrainingEnrolIn,
    TrainingEnrolmentOut,
    TrainingIssueOut,
    TrainingRollIn,
    TrainingRollOut,
    TrainingSessionDetailOut,
    TrainingSessionIn,
    TrainingSessionOut,
    TrainingSubsidyIn,
)

router = Router(tags=["培训管理"])


def course_out(c) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "audience": c.audience,
        "audience_label": c.get_audience_display(),
        "hours": float(c.hours),
        "certificate_kind": c.certificate_kind,
        "validity_months": c.validity_months,
        "organizer_id": c.organizer_id,
        "organizer": c.organizer.name,
    }


def session_out(s) -> dict:
    return {
        "id": s.pk,
        "course_id": s.course_id,
        "course": s.course.name,
        "starts_on": s.starts_on,
        "ends_on": s.ends_on,
        "place": s.place,
        "capacity": s.capacity,
        "pass_mark": float(s.pass_mark),
        "subsidy_per_pass_fen": s.subsidy_per_pass_fen,
        "subsidy_people": s.subsidy_people,
        "subsidy_entry_id": s.subsidy_entry_id,
    }


def enrolment_out(e) -> dict:
    return {
        "id": e.pk,
        "caregiver_id": e.caregiver_id,
        "assessor_id": e.assessor_id,
        "caregiver": e.person.name,
        "institution": e.institution_name,
        "attended": e.attended,
        "score": None if e.score is None else float(e.score),
        "passed": e.passed(),
        "certificate_id": e.certificate_id,
        "certificate_number": e.certificate_number,
        "issued_on": e.issued_on,
    }


def _detail(request, session_id: int) -> dict:
    session = selectors.session(request.auth, session_id)
    roll = [enrolment_out(e) for e in selectors.roll(request.auth, session.pk)]
    return {**session_out(session), "roll": roll}


@router.get("/courses", response={200: Page[TrainingCourseOut], **errors(403)})
def course_list(request, page: int = 1, page_size: int = 50):
    """培训课程（面向机构护理员、亲情护理员、评估人员）。"""
    require(request.auth, Right.TRAINING_VIEW)
    return paginate(
        selectors.courses(request.auth), page=page, page_size=page_size, convert=course_out
    )


@router.post("/courses", response={201: TrainingCourseOut, **errors(403, 422)})
@needs(Right.TRAINING_MANAGE)
def course_create(request, payload: TrainingCourseIn):
    """新建培训课程：名称、对象、学时、颁发的证书及其有效期、主办单位。"""
    course = services.course_create(actor=request.auth, data=services.CourseInput(**payload.dict()))
    return Status(201, course_out(course))


@router.get("/sessions", response={200: Page[TrainingSessionOut], **errors(403)})
def session_list(request, course_id: int | None = None, page: int = 1, page_size: int = 50):
    """培训班次，可按课程筛选。"""
    require(request.auth, Right.TRAINING_VIEW)
    qs = selectors.sessions(request.auth, course_id=course_id)
    return paginate(qs, page=page, page_size=page_size, convert=session_out)


@router.post(
    "/courses/{int:course_id}/sessions",
    response={201: TrainingSessionOut, **errors(403, 404, 422)},
)
@needs(Right.TRAINING_MANAGE)
def session_create(request, course_id: int, payload: TrainingSessionIn):
    """为课程开设培训班次：起止日期、地点、名额、合格分数线。"""
    session = services.session_create(
        actor=request.auth, course_id=course_id, data=services.SessionInput(**payload.dict())
    )
    return Status(201, session_out(session))


@router.get(
    "/sessions/{int:session_id}", response={200: TrainingSessionDetailOut, **errors(403, 404)}
)
def session_get(request, session_id: int):
    """一个班次及其名单（护理机构只看到本机构人员）。"""
    require(request.auth, Right.TRAINING_VIEW)
    return _detail(request, session_id)


@router.post(
    "/sessions/{int:session_id}/enrolments",
    response={201: TrainingEnrolmentOut, **errors(403, 404, 409, 422)},
)
@needs(Right.TRAINING_ENROL)
def enrol(request, session_id: int, payload: TrainingEnrolIn):
    """为护理员（评估人员课程：评估人员）报名（护理机构限本机构人员）；重复报名返回已有记录。"""
    enrolment = services.enrol(
        actor=request.auth,
        session_id=session_id,
        caregiver_id=payload.caregiver_id,
        assessor_id=payload.assessor_id,
    )
    return Status(201, enrolment_out(selectors.enrolment(request.auth, enrolment.pk)))


@router.post(
    "/enrolments/{int:enrolment_id}/withdraw", response={204: None, **errors(403, 404, 409)}
)
@needs(Right.TRAINING_ENROL)
def withdraw(request, enrolment_id: int):
    """取消报名（已发证的不能取消）。"""
    services.withdraw(actor=request.auth, enrolment_id=enrolment_id)
    return Status(204, None)


@router.post(
    "/sessions/{int:session_id}/roll",
    response={200: TrainingRollOut, **errors(403, 404, 422)},
)
@needs(Right.TRAINING_MANAGE)
def roll_record(request, session_id: int, payload: TrainingRollIn):
    """一次登记全班的出勤和考试成绩；有一行不对则全部不保存。"""
    rows = [services.RollRow(r.enrolment_id, r.attended, r.score) for r in payload.rows]
    changed = services.roll_record(actor=request.auth, session_id=session_id, rows=rows)
    return {"changed": changed}


def _issue_out(plan) -> dict:
    return {
        "issued": [e.pk for e in plan.to_issue],
        "already": [e.pk for e in plan.already],
        "refused": [{"enrolment_id": e.pk, "reason": reason} for e, reason in plan.refused],
    }


@router.post(
    "/sessions/{int:session_id}/certificates",
    response={200: TrainingIssueOut, **errors(403, 404, 422)},
)
@needs(Right.TRAINING_MANAGE)
def certificates_issue(request, session_id: int):
    """为出勤且考试合格的学员发证，证书同时登记为护理员的资格证书；已发的不重复发。"""
    plan = services.certificates_issue(actor=request.auth, session_id=session_id)
    return _issue_out(plan)


@router.post(
    "/enrolments/{int:enrolment_id}/certificate",
    response={200: TrainingEnrolmentOut, **errors(403, 404, 422)},
)
@needs(Right.TRAINING_MANAGE)
def certificate_issue(request, enrolment_id: int):
    """为一名学员发证；未出勤或未合格的拒绝并说明原因。"""
    enrolment = services.certificate_issue(actor=request.auth, enrolment_id=enrolment_id)
    return enrolment_out(selectors.enrolment(request.auth, enrolment.pk))


@router.post(
    "/sessions/{int:session_id}/subsidy",
    response={200: TrainingSessionOut, **errors(403, 404, 409, 422)},
)
@needs(Right.TRAINING_MANAGE)
def subsidy_record(request, session_id: int, payload: TrainingSubsidyIn):
    """按合格人数记录培训补贴，作为基金支出记账（每个班次一次）。"""
    session = services.subsidy_record(
        actor=request.auth,
        session_id=session_id,
        amount_per_pass_fen=payload.amount_per_pass_fen,
    )
    return session_out(selectors.session(request.auth, session.pk))
