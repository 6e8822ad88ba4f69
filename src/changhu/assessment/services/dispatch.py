"""Dispatch to an assessment institution, and the institution's team of assessors and experts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from changhu.assessment import rules as rules_engine
from changhu.assessment import selectors
from changhu.assessment.models import Application, Assessment, AssessorAssignment, Status
from changhu.assessment.presets import scale_for
from changhu.assessment.services._common import (
    _event,
    _lock,
    _move,
    _notify,
    _require_institution,
    _today,
)
from changhu.core import clock, workdays
from changhu.core.errors import Conflict, NotFound, field_error
from changhu.core.scope import require
from changhu.orgs.roles import Right

# --- dispatch ----------------------------------------------------------------------------------


def _scale_version(code: str, on_date: dt.date):
    try:
        return scale_for(code, on_date)
    except NotFound:
        raise Conflict(
            f"量表{code}在{on_date:%Y-%m-%d}没有已加载的有效版本，请先运行 changhu load-presets",
            code="scale_not_loaded",
        ) from None


def _create_dispatch(
    application: Application,
    institution,
    *,
    actor,
    due_date: dt.date | None,
    declared: Sequence[int],
    note: str,
) -> Assessment:
    today = _today()
    rules = application.rules.rules
    due = due_date or workdays.add_working_days(today, rules.assessment_working_days)
    if due <= today:
        raise field_error("due_date", "due_date_past", "评估完成期限应晚于今天")
    last = application.assessments.order_by("-round").values_list("round", flat=True).first()
    assessment = Assessment.objects.create(
        application=application,
        round=(last or 0) + 1,
        institution=institution,
        dispatched_by=actor if getattr(actor, "pk", None) else None,
        due_date=due,
        declared_care_institutions=sorted(set(declared)),
        scale_version=_scale_version(rules.scale, today),
    )
    _move(
        application,
        "dispatch",
        actor=actor,
        reason=f"派至{institution.name}，{due:%Y-%m-%d}前完成评估" + (f"；{note}" if note else ""),
        institution=institution,
        assessment_due=due,
        current_assessment=assessment,
        overdue_since=None,
    )
    _notify(
        application,
        "dispatched",
        "已安排评估机构",
        f"申请{application.number}已派至{institution.name}，评估人员将与您预约上门评估时间。",
    )
    return assessment


def application_dispatch(
    *,
    actor,
    application_id: int,
    institution_id: int | None = None,
    due_date: dt.date | None = None,
    declared_care_institution_ids: Sequence[int] = (),
    note: str = "",
) -> Assessment:
    """Send an accepted case to a designated assessment institution in the person's region.

    Refused: an institution caring for the person (known to the care module or declared here),
    and for a re-assessment the institution of the previous assessment. Without an institution
    the least busy eligible one is chosen.
    """
    require(actor, Right.ASSESSMENT_DISPATCH)
    declared = _ids(declared_care_institution_ids, "declared_care_institution_ids")
    with transaction.atomic():
        application = _lock(actor, application_id)
        if application.status != Status.ACCEPTED:
            # Let the workflow table name the illegal step.
            _move(application, "dispatch", actor=actor)
        options = selectors.dispatch_options(application, declared_care_ids=tuple(declared))
        if institution_id is None:
            chosen = _least_busy(options)
            if chosen is None:
                raise Conflict(
                    "该参保人所在地区没有可派单的评估机构（均须回避或未设置）",
                    code="no_eligible_institution",
                )
        else:
            chosen = next((o for o in options if o.organization.pk == institution_id), None)
            if chosen is None:
                raise field_error(
                    "institution_id",
                    "institution_not_eligible",
                    "所选机构不是负责该地区的定点评估机构",
                )
            if chosen.excluded:
                raise Conflict(
                    f"不能派至{chosen.organization.name}：{'；'.join(chosen.reasons)}",
                    code="institution_excluded",
                    fields={"institution_id": "；".join(chosen.reasons)},
                )
        return _create_dispatch(
            application,
            chosen.organization,
            actor=actor,
            due_date=due_date,
            declared=declared,
            note=note,
        )


def _ids(values: Iterable[Any], field_name: str) -> list[int]:
    try:
        return [int(v) for v in values or ()]
    except (TypeError, ValueError):
        raise field_error(field_name, "ids_invalid", "应为编号列表") from None


def _least_busy(options):
    eligible = [o for o in options if not o.excluded]
    if not eligible:
        return None
    return min(eligible, key=lambda o: (o.open_cases, o.organization.pk))


def _auto_dispatch(application: Application, *, actor, note_failure: bool = True):
    """The automatic rule: the least busy eligible institution, if there is one."""
    chosen = _least_busy(selectors.dispatch_options(application))
    if chosen is None:
        if note_failure:
            _event(application, actor, "dispatch_pending", "没有可自动派单的评估机构，待人工派单")
        return None
    return _create_dispatch(
        application, chosen.organization, actor=actor, due_date=None, declared=(), note="自动派单"
    )


def application_recall(*, actor, application_id: int, reason: str) -> Application:
    """Take a case back from the institution before its result is submitted (e.g. overdue)."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写撤回派单的原因")
    with transaction.atomic():
        application = _lock(actor, application_id)
        previous = application.current_assessment
        _move(
            application,
            "recall",
            actor=actor,
            reason=reason,
            institution=None,
            assessment_due=None,
            current_assessment=None,
            overdue_since=None,
        )
        if previous is not None:
            Assessment.objects.filter(pk=previous.pk).update(
                active=False, superseded_reason=Assessment.Superseded.RECALLED
            )
    return application


# --- the institution's team -------------------------------------------------------------------


def _active_team(assessment: Assessment) -> list[AssessorAssignment]:
    return list(assessment.assignments.filter(recused_at__isnull=True).select_related("user"))


def assessors_assign(*, actor, application_id: int, user_ids: Sequence[int]) -> Assessment:
    """Name the on-site team (the whole team: people left out are taken off). At least the
    rules' number of people and of experts; nobody excluded from this case."""
    wanted = list(dict.fromkeys(_ids(user_ids, "user_ids")))
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_institution(actor, application, Right.ASSESSMENT_ASSIGN)
        if application.status not in (Status.DISPATCHED, Status.ASSIGNED):
            _move(application, "assign", actor=actor)  # names the illegal step
        assessment = application.current_assessment
        options = {o.user.pk: o for o in selectors.assessor_options(application)}
        unqualified = [
            "；".join(options[u].reasons[:1])
            for u in wanted
            if u in options and not options[u].qualified
        ]
        if unqualified:
            raise Conflict(
                "只有资格有效的评估人员才能参加评估：" + "；".join(unqualified),
                code="assessor_not_qualified",
                fields={"user_ids": "；".join(unqualified)},
            )
        problems = []
        for user_id in wanted:
            option = options.get(user_id)
            if option is None:
                problems.append(f"编号{user_id}不是本机构的评估人员")
            elif option.excluded:
                name = option.user.display_name
                problems.append(f"{name}{'、'.join(option.reasons)}")
        if problems:
            raise Conflict(
                "；".join(problems),
                code="assessor_excluded",
                fields={"user_ids": "；".join(problems)},
            )
        rules = application.rules.rules
        experts = sum(options[u].is_expert for u in wanted)
        shortfall = rules_engine.team_problems(rules, people=len(wanted), experts=experts)
        if shortfall:
            raise field_error("user_ids", "team_insufficient", "；".join(shortfall))
        current = {a.user_id: a for a in _active_team(assessment)}
        for user_id, assignment in current.items():
            if user_id not in wanted:
                assignment.delete()
        for user_id in wanted:
            if user_id not in current:
                AssessorAssignment.objects.create(
                    assessment=assessment,
                    user=options[user_id].user,
                    is_expert=options[user_id].is_expert,
                    assigned_by=actor,
                )
        names = "、".join(options[u].user.display_name for u in wanted)
        if application.status == Status.DISPATCHED:
            _move(application, "assign", actor=actor, reason=f"评估人员：{names}")
        else:
            _event(application, actor, "team", f"调整评估人员：{names}")
    return assessment


def assessor_recuse(*, actor, application_id: int, reason: str) -> Assessment:
    """An assessor related to (or otherwise interested in) the person steps down; the
    institution must name a replacement before the form can be submitted."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请写明回避原因（如亲属关系）")
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_institution(actor, application, Right.ASSESSMENT_CONDUCT)
        if application.status not in (Status.DISPATCHED, Status.ASSIGNED):
            raise Conflict("当前阶段不能申请回避", code="illegal_transition")
        assessment = application.current_assessment
        assignment = assessment.assignments.filter(user=actor, recused_at__isnull=True).first()
        if assignment is None:
            raise Conflict("您不在本案的评估人员中", code="not_on_team")
        assignment.recused_at = clock.now()
        assignment.recusal_reason = reason[:300]
        assignment.present = False
        assignment.save(update_fields=["recused_at", "recusal_reason", "present"])
        _event(application, actor, "recusal", f"{actor.display_name}申请回避：{reason}")
    return assessment
