"""The on-site form: answers, evidence and the score, saved as a draft and submitted."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from changhu.assessment import rules as rules_engine
from changhu.assessment import scoring, selectors
from changhu.assessment.models import (
    Assessment,
    AssessorAssignment,
    DocumentKind,
    Relationship,
    Status,
)
from changhu.assessment.services._common import _lock, _move, _problems, _require_institution
from changhu.assessment.services.dispatch import _active_team, _ids
from changhu.core import audit, clock
from changhu.core.errors import Conflict, PermissionDenied
from changhu.orgs.roles import Right

# --- the on-site form ---------------------------------------------------------------------------


@dataclass
class FormInput:
    """The on-site form as a whole (a save replaces what was stored)."""

    answers: dict[str, Any] = field(default_factory=dict)
    started_at: Any = None
    ended_at: Any = None
    latitude: Any = None
    longitude: Any = None
    location_accuracy: Any = None
    guardian_present: bool | None = None
    guardian_name: str = ""
    guardian_relationship: str = ""
    video_reference: str = ""
    remarks: str = ""
    present_ids: list[int] = field(default_factory=list)


def _parse_moment(value: Any, field_name: str, label: str, problems) -> dt.datetime | None:
    if value in (None, ""):
        return None
    moment = value if isinstance(value, dt.datetime) else None
    if moment is None and isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        problems[field_name] = ("datetime_invalid", f"{label}应为日期时间（YYYY-MM-DD HH:MM）")
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _parse_coordinate(value: Any, field_name: str, low: int, high: int, label: str, problems):
    if value in (None, ""):
        return None
    try:
        number = decimal.Decimal(str(value)).quantize(decimal.Decimal("0.000001"))
    except (decimal.InvalidOperation, ValueError):
        problems[field_name] = ("coordinate_invalid", f"{label}应为数字")
        return None
    if not low <= number <= high:
        problems[field_name] = ("coordinate_range", f"{label}应在{low}到{high}之间")
        return None
    return number


def _clean_form(data: FormInput, team: list[AssessorAssignment], problems: dict) -> dict[str, Any]:
    """The visit record parsed; what does not parse goes into ``problems`` (and stays empty)."""
    started = _parse_moment(data.started_at, "started_at", "评估开始时间", problems)
    ended = _parse_moment(data.ended_at, "ended_at", "评估结束时间", problems)
    if started and ended and ended <= started:
        problems["ended_at"] = ("time_order", "评估结束时间应晚于开始时间")
    if ended and ended > clock.now() + dt.timedelta(minutes=10):
        problems["ended_at"] = ("time_in_future", "评估结束时间不能晚于当前时间")
    latitude = _parse_coordinate(data.latitude, "latitude", -90, 90, "纬度", problems)
    longitude = _parse_coordinate(data.longitude, "longitude", -180, 180, "经度", problems)
    accuracy = None
    if data.location_accuracy not in (None, ""):
        try:
            accuracy = max(0, round(float(data.location_accuracy)))
        except (TypeError, ValueError):
            problems["location_accuracy"] = ("accuracy_invalid", "定位精度应为数字（米）")
    relationship = data.guardian_relationship or ""
    if relationship and relationship not in Relationship.values:
        problems["guardian_relationship"] = (
            "relationship_invalid",
            "请选择在场人员与被评估人的关系",
        )
    team_ids = {a.user_id for a in team}
    present = _ids(data.present_ids, "present_ids")
    if any(p not in team_ids for p in present):
        problems["present_ids"] = ("present_not_on_team", "到场人员须为本案指派的评估人员")
    return {
        "started_at": started,
        "ended_at": ended,
        "latitude": latitude,
        "longitude": longitude,
        "location_accuracy": accuracy,
        "guardian_present": data.guardian_present,
        "guardian_name": (data.guardian_name or "").strip()[:40],
        "guardian_relationship": relationship,
        "video_reference": (data.video_reference or "").strip()[:200],
        "remarks": (data.remarks or "").strip()[:1000],
        "present": set(present),
    }


def _on_team(actor, assessment: Assessment) -> list[AssessorAssignment]:
    team = _active_team(assessment)
    if not any(a.user_id == actor.pk for a in team):
        raise PermissionDenied("只有本案指派的评估人员可以填写评估表", code="not_on_team")
    return team


def _store_form(assessment: Assessment, clean: dict, answers: dict, team) -> None:
    for name in (
        "started_at",
        "ended_at",
        "latitude",
        "longitude",
        "location_accuracy",
        "guardian_present",
        "guardian_name",
        "guardian_relationship",
        "video_reference",
        "remarks",
    ):
        setattr(assessment, name, clean[name])
    assessment.answers = answers
    assessment.form_version += 1
    for assignment in team:
        present = assignment.user_id in clean["present"]
        if assignment.present != present:
            assignment.present = present
            assignment.save(update_fields=["present"])


def assessment_form_save(
    *, actor, application_id: int, data: FormInput, expected_version: int | None = None
) -> tuple[Assessment, scoring.PartialResult]:
    """Save the draft form; answers given must be valid options, missing ones are allowed.
    Returns the live score."""
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_institution(actor, application, Right.ASSESSMENT_CONDUCT)
        if application.status != Status.ASSIGNED:
            raise Conflict(
                f"当前状态为“{application.get_status_display()}”，不能填写评估表",
                code="illegal_transition",
            )
        assessment = Assessment.objects.select_for_update().get(
            pk=application.current_assessment_id
        )
        if expected_version is not None and expected_version != assessment.form_version:
            raise Conflict("评估表已被同组人员修改，请刷新后再保存", code="stale_version")
        team = _on_team(actor, assessment)
        partial = scoring.partial_score(assessment.scale_version.scale, data.answers or {})
        problems: dict[str, tuple[str, str]] = {}
        clean = _clean_form(data, team, problems)
        _problems(problems)
        filled = len(assessment.answers or {})
        _store_form(assessment, clean, dict(partial.answers), team)
        assessment.save()
        audit.record(
            action="update",
            obj=application,
            user=actor,
            changes={
                "answers": {"label": "已填评估项目", "old": filled, "new": len(partial.answers)}
            },
            note="保存现场评估表草稿",
        )
    return assessment, partial


def _completeness(assessment: Assessment, clean: dict, team, rules) -> dict:
    problems: dict[str, tuple[str, str]] = {}
    if clean["started_at"] is None:
        problems["started_at"] = ("started_at_required", "请填写评估开始时间")
    if clean["ended_at"] is None:
        problems["ended_at"] = ("ended_at_required", "请填写评估结束时间")
    if clean["latitude"] is None or clean["longitude"] is None:
        problems["latitude"] = ("location_required", "请记录评估现场的定位（经纬度）")
    if not clean["guardian_present"] or not clean["guardian_name"]:
        problems["guardian_name"] = (
            "guardian_required",
            "现场评估须有监护人或代理人在场，请填写其姓名",
        )
    if not clean["video_reference"]:
        problems["video_reference"] = ("video_required", "请填写现场录像的编号或存储位置")
    present = [a for a in team if a.user_id in clean["present"]]
    shortfall = rules_engine.team_problems(
        rules, people=len(present), experts=sum(a.is_expert for a in present)
    )
    if shortfall:
        problems["present_ids"] = ("team_insufficient", "；".join(shortfall))
    if not assessment.documents.filter(kind=DocumentKind.ONSITE_PHOTO).exists():
        problems["photos"] = ("photo_required", "请上传至少一张现场评估照片")
    return problems


def assessment_submit(*, actor, application_id: int, data: FormInput | None = None) -> Assessment:
    """Submit the on-site result: every item answered with a valid option, time, place, the
    guardian and the team recorded. The grade is computed from the answers, never typed."""
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_institution(actor, application, Right.ASSESSMENT_CONDUCT)
        if application.status != Status.ASSIGNED:
            _move(application, "submit", actor=actor)  # names the illegal step
        assessment = Assessment.objects.select_for_update().get(
            pk=application.current_assessment_id
        )
        team = _on_team(actor, assessment)
        if data is None:
            data = FormInput(
                answers=assessment.answers,
                started_at=assessment.started_at,
                ended_at=assessment.ended_at,
                latitude=assessment.latitude,
                longitude=assessment.longitude,
                location_accuracy=assessment.location_accuracy,
                guardian_present=assessment.guardian_present,
                guardian_name=assessment.guardian_name,
                guardian_relationship=assessment.guardian_relationship,
                video_reference=assessment.video_reference,
                remarks=assessment.remarks,
                present_ids=[a.user_id for a in team if a.present],
            )
        scale = assessment.scale_version.scale
        problems: dict[str, tuple[str, str]] = {}
        result = None
        try:
            result = scoring.score(scale, data.answers or {})
        except scoring.AnswerError as exc:
            problems.update({name: (exc.code, msg) for name, msg in exc.fields.items()})
        clean = _clean_form(data, team, problems)
        for name, problem in _completeness(
            assessment, clean, team, application.rules.rules
        ).items():
            problems.setdefault(name, problem)
        _problems(problems)
        _store_form(assessment, clean, {i.name: data.answers[i.name] for i in scale.items}, team)
        assessment.answers = {name: int(points) for name, points in assessment.answers.items()}
        assessment.submission += 1
        assessment.submitted_at = clock.now()
        assessment.submitted_by = actor
        assessment.scores = dict(result.scores)
        assessment.levels = dict(result.levels)
        assessment.level_names = dict(result.level_names)
        assessment.grade = result.grade
        assessment.grade_label = result.grade_label
        assessment.qualifying = selectors.grade_qualifies(application.region_code, result.grade)
        assessment.save()
        _move(
            application,
            "submit",
            actor=actor,
            reason=f"评估结果：{result.grade_label}（{scale.name} {scale.version}版）",
        )
    return assessment
