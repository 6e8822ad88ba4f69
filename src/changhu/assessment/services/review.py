"""Two-expert confirmation, the case worker's review, publicity and objections."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_date

from changhu.assessment import selectors
from changhu.assessment.models import Application, Assessment, Confirmation, Objection, Status
from changhu.assessment.services._common import (
    _event,
    _lock,
    _move,
    _notify,
    _problems,
    _require_institution,
    _today,
)
from changhu.assessment.services.experts import require_drawn
from changhu.assessment.workflow import WORKFLOW
from changhu.core import audit, clock, transitions, workdays
from changhu.core.errors import Conflict, field_error
from changhu.core.scope import require
from changhu.orgs.roles import Right

# --- confirmation, review, publicity -----------------------------------------------------------


def assessment_confirm(
    *, actor, application_id: int, decision: str, comment: str = ""
) -> Application:
    """An expert confirms the submitted result, or sends it back to the team with a reason.
    The case moves on once the rules' number of experts have confirmed."""
    comment = (comment or "").strip()
    if decision not in Confirmation.Decision.values:
        raise field_error("decision", "decision_invalid", "意见应为确认或退回重评")
    if decision == Confirmation.Decision.RETURN and not comment:
        raise field_error("comment", "comment_required", "退回重评时请写明理由")
    with transaction.atomic():
        application = _lock(actor, application_id)
        require(actor, Right.ASSESSMENT_CONFIRM)
        if application.status != Status.ASSESSED:
            _move(application, "expert_confirm", actor=actor)  # names the illegal step
        # With a city expert pool, only the experts drawn for the case confirm it.
        if not require_drawn(actor, application):
            _require_institution(actor, application, Right.ASSESSMENT_CONFIRM)
        assessment = application.current_assessment
        rules = application.rules.rules
        if (
            not rules.onsite_experts_may_confirm
            and assessment.assignments.filter(user=actor, present=True).exists()
        ):
            raise Conflict("参加现场评估的专家不能确认本次结果", code="expert_was_on_site")
        try:
            with transaction.atomic():
                Confirmation.objects.create(
                    assessment=assessment,
                    submission=assessment.submission,
                    expert=actor,
                    decision=decision,
                    comment=comment[:500],
                )
        except IntegrityError:
            raise Conflict("您已对本次评估结果提出过意见", code="already_confirmed") from None
        if decision == Confirmation.Decision.RETURN:
            _move(application, "expert_return", actor=actor, reason=comment)
            return application
        confirmed = assessment.confirmations.filter(
            submission=assessment.submission, decision=Confirmation.Decision.CONFIRM
        ).count()
        if confirmed >= rules.confirming_experts:
            _move(
                application,
                "expert_confirm",
                actor=actor,
                reason=f"{confirmed}名评估专家确认：{assessment.grade_label}",
            )
        else:
            _event(
                application,
                actor,
                "confirmation",
                f"{actor.display_name}确认评估结果（{confirmed}/{rules.confirming_experts}）"
                + (f"：{comment}" if comment else ""),
            )
    return application


def _publicity_dates(start_from: dt.date, working_days: int) -> tuple[dt.date, dt.date]:
    """Publicity starts on the first working day from ``start_from`` and lasts that many
    working days, both ends included."""
    first = (
        start_from
        if workdays.is_working_day(start_from)
        else workdays.add_working_days(start_from, 1)
    )
    return first, workdays.add_working_days(first, working_days - 1)


def application_review(*, actor, application_id: int, decision: str, note: str = "") -> Application:
    """The case worker's review of a confirmed result: a qualifying grade (per the benefit policy
    in force for the person's region today) goes to publicity, another straight to delivery; or
    the result goes back to the institution."""
    note = (note or "").strip()
    if decision not in ("approve", "return"):
        raise field_error("decision", "decision_invalid", "复核意见应为通过或退回")
    if decision == "return" and not note:
        raise field_error("note", "note_required", "退回评估机构时请写明理由")
    with transaction.atomic():
        application = _lock(actor, application_id)
        if decision == "return":
            _move(application, "review_return", actor=actor, reason=note)
            return application
        assessment = application.current_assessment
        if application.status != Status.CONFIRMED or assessment is None:
            _move(application, "publish", actor=actor)  # names the illegal step
        qualifying = selectors.grade_qualifies(application.region_code, assessment.grade, _today())
        if qualifying is None:
            raise Conflict(
                "被评估人所在地区今天没有生效的长期护理保险待遇政策，无法确定评估等级是否"
                "达到待遇等级；请先加载待遇政策",
                code="policy_not_found",
            )
        if qualifying != assessment.qualifying:
            assessment.qualifying = qualifying
            assessment.save(update_fields=["qualifying"])
        if qualifying:
            rules = application.rules.rules
            first, last = _publicity_dates(_today(), rules.publicity_working_days)
            _move(
                application,
                "publish",
                actor=actor,
                reason=(note + "；" if note else "")
                + f"公示{first:%Y-%m-%d}至{last:%Y-%m-%d}"
                + f"（{rules.publicity_working_days}个工作日）",
                publicity_from=first,
                publicity_until=last,
            )
            _notify(
                application,
                "publicity",
                "评估结果公示",
                f"评估结果（{assessment.grade_label}）自{first:%Y年%m月%d日}起公示至"
                f"{last:%Y年%m月%d日}，公示期满无异议后出具评估结论书。",
            )
        else:
            _move(
                application,
                "approve_without_publicity",
                actor=actor,
                reason=note or f"{assessment.grade_label}，未达到待遇等级，不公示",
            )
    return application


def objection_record(
    *, actor, application_id: int, raised_by: str, content: str, received_on=None
) -> Objection:
    """Record an objection received during publicity (by letter, phone or in person)."""
    require(actor, Right.ASSESSMENT_REVIEW)
    raised_by, content = (raised_by or "").strip(), (content or "").strip()
    problems = {}
    if not raised_by:
        problems["raised_by"] = ("raised_by_required", "请填写异议人")
    if not content:
        problems["content"] = ("content_required", "请填写异议内容")
    day = received_on or _today()
    if isinstance(day, str):
        day = parse_date(day)
    if day is None:
        problems["received_on"] = ("date_invalid", "收到日期应为YYYY-MM-DD")
    _problems(problems)
    with transaction.atomic():
        application = _lock(actor, application_id)
        if application.status != Status.PUBLICITY:
            raise Conflict("该案件不在公示期，不能登记异议", code="not_in_publicity")
        if not application.publicity_from <= day <= min(application.publicity_until, _today()):
            raise field_error(
                "received_on",
                "outside_publicity",
                f"异议须在公示期内（{application.publicity_from:%Y-%m-%d}至"
                f"{application.publicity_until:%Y-%m-%d}）提出",
            )
        objection = Objection.objects.create(
            application=application,
            assessment=application.current_assessment,
            raised_by=raised_by[:40],
            content=content[:1000],
            received_on=day,
            recorded_by=actor,
        )
        _event(application, actor, "objection", f"登记公示异议（{raised_by}）：{content}")
    return objection


def objection_handle(*, actor, objection_id: int, decision: str, note: str) -> Objection:
    """Decide an objection. Upheld: the case goes back to dispatch for a new assessment (the
    rules say whom it must avoid). Dismissed: the result stands; once no objection is open and
    the period is over, the case moves on to delivery."""
    require(actor, Right.ASSESSMENT_REVIEW)
    note = (note or "").strip()
    if decision not in (Objection.Status.DISMISSED, Objection.Status.UPHELD):
        raise field_error("decision", "decision_invalid", "处理结果应为异议成立或不成立")
    if not note:
        raise field_error("note", "note_required", "请填写处理意见")
    found = selectors.objection_get(fetched_by=actor, objection_id=objection_id)
    with transaction.atomic():
        application = _lock(actor, found.application_id)
        objection = Objection.objects.select_for_update().get(pk=found.pk)
        if objection.status != Objection.Status.OPEN or application.status != Status.PUBLICITY:
            raise Conflict("该异议已处理", code="objection_handled")
        now = clock.now()
        if decision == Objection.Status.UPHELD:
            Objection.objects.filter(application=application, status=Objection.Status.OPEN).update(
                status=Objection.Status.UPHELD, handled_by=actor, handled_at=now, handling_note=note
            )
            previous = application.current_assessment
            _move(
                application,
                "objection_upheld",
                actor=actor,
                reason=note,
                institution=None,
                assessment_due=None,
                current_assessment=None,
                publicity_from=None,
                publicity_until=None,
            )
            Assessment.objects.filter(pk=previous.pk).update(
                active=False, superseded_reason=Assessment.Superseded.OBJECTION
            )
            _notify(
                application,
                "objection_upheld",
                "公示异议成立，将重新评估",
                f"申请{application.number}的评估结果在公示期间收到异议，经核实异议成立，"
                "将另行安排评估。",
            )
        else:
            objection.status = decision
            objection.handled_by, objection.handled_at, objection.handling_note = actor, now, note
            objection.save(update_fields=["status", "handled_by", "handled_at", "handling_note"])
            _event(application, actor, "objection_handled", f"异议不成立：{note}")
            _close_publicity_if_due(application, today=_today(), actor=actor)
        objection.refresh_from_db()
        labels = dict(Objection.Status.choices)
        audit.record(
            action="update",
            obj=objection,
            user=actor,
            changes={
                "status": {
                    "label": "处理结果",
                    "old": labels[Objection.Status.OPEN],
                    "new": labels[objection.status],
                }
            },
            note=note[:300],
        )
    return objection


def _close_publicity_if_due(application: Application, *, today: dt.date, actor) -> bool:
    if application.status != Status.PUBLICITY or application.publicity_until >= today:
        return False
    if application.objections.filter(status=Objection.Status.OPEN).exists():
        return False
    transitions.apply(
        WORKFLOW,
        application,
        "close_publicity",
        actor=actor,
        reason=f"公示期满（{application.publicity_until:%Y-%m-%d}），无未处理的异议",
        check_right=False,
    )
    return True
