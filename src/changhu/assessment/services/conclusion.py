"""The conclusion letter, appeals, and re-assessment (periodic, on a change, spot checks)."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction

from changhu.assessment import files, selectors
from changhu.assessment import rules as rules_engine
from changhu.assessment.models import (
    Application,
    Assessment,
    Channel,
    Conclusion,
    FeePayer,
    Kind,
    Notice,
    Place,
    Status,
)
from changhu.assessment.presets import rules_for
from changhu.assessment.services._common import (
    _event,
    _lock,
    _log_creation,
    _move,
    _new_number,
    _notify,
    _open_case_conflict,
    _read_audited,
    _today,
)
from changhu.assessment.services.dispatch import _auto_dispatch
from changhu.assessment.services.intake import _FilesOnRollback, _special_groups
from changhu.core import audit, clock
from changhu.core.errors import Conflict, PermissionDenied, field_error
from changhu.core.money import format_yuan
from changhu.core.scope import get_scoped, require, scope_of
from changhu.orgs.roles import Right

# --- conclusion ------------------------------------------------------------------------------


def _letter_pdf(conclusion: Conclusion, application: Application, assessment: Assessment) -> bytes:
    from changhu.core.pdf import render_pdf

    scale = assessment.scale_version.scale
    rules = application.rules.rules
    rows = [
        {
            "name": indicator.name,
            "score": assessment.scores.get(indicator.code),
            "max": indicator.max_points,
            "level": assessment.level_names.get(indicator.code, ""),
        }
        for indicator in scale.indicators
    ]
    return render_pdf(
        "assessment/conclusion_letter.html",
        {
            "title": "长期护理保险失能等级评估结论书",
            "conclusion": conclusion,
            "application": application,
            "assessment": assessment,
            "person": application.person,
            "id_number": application.person.id_number,
            "scale": scale,
            "rows": rows,
            "rules": rules,
            "issuer": getattr(conclusion.issued_by, "organization", None),
            "fee_yuan": format_yuan(conclusion.fee_fen),
            "home_fee_yuan": format_yuan(rules.fee_fen["home"]),
            "institution_fee_yuan": format_yuan(rules.fee_fen["institution"]),
        },
    )


def conclusion_issue(*, actor, application_id: int) -> Conclusion:
    """Issue the conclusion (评估结论书): validity by grade, the appeal deadline, the fee of a
    re-assessment, the letter as a PDF, and a notice to the applicant. A re-assessment's
    conclusion supersedes the one it re-assessed."""
    with transaction.atomic():
        application = _lock(actor, application_id)
        if application.status != Status.READY_TO_ISSUE:
            _move(application, "issue", actor=actor)  # names the illegal step
        require(actor, Right.ASSESSMENT_CONCLUDE)
        assessment = application.current_assessment
        rules = application.rules.rules
        today = _today()
        previous = application.previous_conclusion
        fee = rules_engine.Fee(payer=FeePayer.FUND, fen=0)
        if application.kind == Kind.APPEAL and previous is not None:
            fee = rules_engine.reassessment_fee(
                rules,
                previous_grade=previous.grade,
                new_grade=assessment.grade,
                place=application.place,
            )
        conclusion = Conclusion(
            number=f"JL{today:%Y}{application.pk:08d}",
            application=application,
            person=application.person,
            region_code=application.region_code,
            assessment=assessment,
            grade=assessment.grade,
            grade_label=assessment.grade_label,
            qualifying=bool(assessment.qualifying),
            scale_version=assessment.scale_version,
            rules=application.rules,
            valid_from=today,
            valid_until=rules_engine.validity_end(rules, assessment.grade, today),
            appeal_until=rules_engine.appeal_deadline(rules, today),
            issued_by=actor,
            previous=previous,
            grade_changed=None if previous is None else previous.grade != assessment.grade,
            fee_payer=fee.payer,
            fee_fen=fee.fen,
        )
        conclusion.issued_at = clock.now()
        pdf = _letter_pdf(conclusion, application, assessment)
        with _FilesOnRollback() as stored:
            name = files.store(application.pk, "pdf", pdf)
            stored.append(name)
            conclusion.letter = name
            conclusion.letter_sha256 = hashlib.sha256(pdf).hexdigest()
            conclusion.save()
            if previous is not None and previous.superseded_on is None:
                Conclusion.objects.filter(pk=previous.pk).update(superseded_on=today)
            _move(
                application,
                "issue",
                actor=actor,
                reason=f"结论书{conclusion.number}：{conclusion.grade_label}，"
                f"有效期至{conclusion.valid_until:%Y-%m-%d}",
                closed_at=clock.now(),
            )
            _apply_to_entitlement(application, conclusion, actor)
            body = (
                f"{application.person.name}的失能等级评估结论为：{conclusion.grade_label}，"
                f"有效期{conclusion.valid_from:%Y年%m月%d日}至{conclusion.valid_until:%Y年%m月%d日}。"
            )
            if application.kind != Kind.APPEAL:
                body += f"如对结论有异议，可于{conclusion.appeal_until:%Y年%m月%d日}前申请复评。"
            if fee.fen:
                body += f"本次复评结论与原结论一致，复评费用{format_yuan(fee.fen)}元由申请人承担。"
            _notify(application, "concluded", "评估结论书已出具", body)
    return conclusion


def _apply_to_entitlement(application: Application, conclusion: Conclusion, actor) -> None:
    """A later conclusion applies to the person's running entitlement on its own; the care
    module decides how (a new qualifying grade replaces it, another ends it; a first conclusion
    waits for the guardian's choices at 办理待遇). Assessment never writes care's tables."""
    # Care reads assessment (conclusions): import on use to keep the apps' imports one-way.
    from changhu.care import services as care_services

    outcome = care_services.entitlement_apply_reassessment(
        actor=actor, conclusion_id=conclusion.pk, system=True
    )
    if outcome.action == "replaced":
        text = f"待遇资格按本结论自{outcome.entitlement.valid_from:%Y-%m-%d}起继续，沿用原照护安排"
        if outcome.plans_flagged:
            text += "；护理计划的服务包不再适用，已提醒护理机构按新等级修订"
        _event(application, actor, "entitlement", text)
    elif outcome.action == "ended":
        _event(
            application,
            actor,
            "entitlement",
            f"未达到待遇等级，待遇于{outcome.entitlement.last_day:%Y-%m-%d}终止",
        )


def conclusion_letter(*, actor, conclusion_id: int) -> tuple[Conclusion, bytes]:
    """The stored letter for download; it shows the full ID number, so each download is audited."""
    conclusion = selectors.conclusion_get(fetched_by=actor, conclusion_id=conclusion_id)
    what = {"letter": f"评估结论书{conclusion.number}"}
    letter = conclusion.letter.name, conclusion.letter_sha256
    return conclusion, _read_audited(actor, conclusion.application, *letter, what, "下载评估结论书")


# --- re-assessment -------------------------------------------------------------------------------


def _open_reassessment(
    previous: Conclusion, *, kind: str, actor, channel: str, reason: str, place: str | None = None
) -> Application:
    original = previous.application
    _open_case_conflict(previous.person_id)
    person = previous.person
    groups = _special_groups(person)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                number=_new_number("FP"),
                kind=kind,
                channel=channel,
                status=Status.ACCEPTED,
                person=person,
                region_code=person.region_code,
                rules=rules_for(person.region_code),
                previous_conclusion=previous,
                applicant_user=original.applicant_user,
                applicant_name=original.applicant_name,
                relationship=original.relationship,
                phone_enc=original.phone_enc,
                phone_masked=original.phone_masked,
                address_enc=original.address_enc,
                address_masked=original.address_masked,
                place=place or original.place,
                reason=reason[:500],
                priority=bool(groups),
                special_groups=groups,
                submitted_by=actor if getattr(actor, "pk", None) else None,
            )
            _log_creation(application, actor, f"{Kind(kind).label}：{reason}")
            audit.record(
                action="create",
                obj=application,
                user=actor if getattr(actor, "pk", None) else None,
                changes={"kind": {"label": "类型", "old": None, "new": Kind(kind).label}},
                note=f"原结论{previous.number}（{previous.grade_label}）：{reason}"[:300],
            )
            _notify(
                application,
                "reassessment",
                f"{Kind(kind).label}已受理",
                f"{person.name}的{Kind(kind).label}（编号{application.number}）已受理，"
                f"原结论：{previous.grade_label}（{previous.number}）。",
            )
            if application.rules.rules.auto_dispatch:
                _auto_dispatch(application, actor=None)
    except IntegrityError:
        _open_case_conflict(previous.person_id)
        raise
    return application


def appeal_request(
    *, actor, conclusion_id: int, reason: str, place: str | None = None
) -> Application:
    """The applicant asks for a re-assessment (复评) within the appeal deadline. It is accepted
    at once and dispatched avoiding the previous institution and people; who pays is decided
    when its conclusion is issued. A re-assessment's own conclusion is final."""
    s = scope_of(actor)
    if not (s.can(Right.ASSESSMENT_APPLY) or s.can(Right.ASSESSMENT_INTAKE)):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请写明对评估结论的异议")
    if place is not None and place not in Place.values:
        raise field_error("place", "place_invalid", "评估地点应为居家或机构内")
    previous = selectors.conclusion_get(fetched_by=actor, conclusion_id=conclusion_id)
    if previous.application.kind == Kind.APPEAL:
        raise Conflict("复评结论为最终结论，不能再次申请复评", code="appeal_final")
    if previous.superseded_on is not None:
        raise Conflict("该结论已被新的评估结论取代", code="conclusion_superseded")
    if _today() > previous.appeal_until:
        raise Conflict(
            f"复评申请期限已过（截止{previous.appeal_until:%Y-%m-%d}）",
            code="appeal_deadline_passed",
        )
    if Application.objects.filter(
        previous_conclusion=previous, kind=Kind.APPEAL, status=Status.CONCLUDED
    ).exists():
        raise Conflict("该结论已复评过", code="appeal_final")
    channel = Channel.ONLINE if not s.can(Right.ASSESSMENT_INTAKE) else Channel.COUNTER
    return _open_reassessment(
        previous, kind=Kind.APPEAL, actor=actor, channel=channel, reason=reason, place=place
    )


def reassessment_open(*, actor, person_id: int, kind: str, reason: str) -> Application:
    """A case worker opens a re-assessment on a change of condition or for a spot check."""
    from changhu.insured import selectors as insured_selectors

    require(actor, Right.ASSESSMENT_REASSESS)
    if kind not in (Kind.CONDITION_CHANGE, Kind.SPOT_CHECK):
        raise field_error("kind", "kind_invalid", "复评类型应为状况变化复评或抽查复评")
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请写明复评原因")
    person = insured_selectors.person_get(fetched_by=actor, person_id=person_id)
    previous = selectors.conclusion_in_force(person.pk, _today())
    if previous is None:
        raise Conflict("该参保人没有有效的评估结论", code="no_conclusion_in_force")
    return _open_reassessment(
        previous, kind=kind, actor=actor, channel=Channel.COUNTER, reason=reason
    )


def notice_mark_read(*, actor, notice_id: int) -> Notice:
    """The applicant has read a notice of their own case (staff reading it change nothing)."""
    require(actor, Right.ASSESSMENT_APPLY)
    notice = get_scoped(Notice.objects.select_related("application"), actor, pk=notice_id)
    if notice.read_at is None:
        with transaction.atomic():
            if Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(
                read_at=clock.now()
            ):
                audit.record(action="update", obj=notice, user=actor, note=f"已读：{notice.title}")
        notice.refresh_from_db(fields=["read_at"])
    return notice
