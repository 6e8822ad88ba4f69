"""Rows of the assessment app as the API's response schemas."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from changhu.assessment import scoring, selectors
from changhu.assessment.api._common import _GROUP_LABELS
from changhu.assessment.models import (
    Application,
    Assessment,
    Conclusion,
    Document,
    Objection,
)
from changhu.assessment.workflow import WORKFLOW
from changhu.core.money import format_yuan
from changhu.core.scope import scope_of
from changhu.orgs.roles import Right

# --- converters ----------------------------------------------------------------------------------


def _list_row(a: Application) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "channel": a.channel,
        "status": a.status,
        "status_label": a.get_status_display(),
        "person_id": a.person_id,
        "person_name": a.person.name,
        "person_id_number_masked": a.person.id_number_masked,
        "region_code": a.region_code,
        "priority": a.priority,
        "special_groups": [_GROUP_LABELS.get(g, g) for g in a.special_groups],
        "submitted_at": a.submitted_at,
        "institution": a.institution.name if a.institution_id else None,
        "materials_due": a.materials_due,
        "assessment_due": a.assessment_due,
        "publicity_until": a.publicity_until,
        "overdue_since": a.overdue_since,
    }


def _document(d: Document) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind,
        "kind_label": d.get_kind_display(),
        "original_name": d.original_name,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "on_site": d.assessment_id is not None,
        "uploaded_at": d.uploaded_at,
        "download_url": f"/api/v1/assessment/documents/{d.pk}/download",
    }


def _assessment(a: Assessment) -> dict:
    return {
        "id": a.pk,
        "round": a.round,
        "active": a.active,
        "institution_id": a.institution_id,
        "institution": a.institution.name,
        "due_date": a.due_date,
        "scale": a.scale_version.code,
        "scale_version": a.scale_version.version,
        "team": [
            {
                "user_id": m.user_id,
                "name": m.user.display_name,
                "is_expert": m.is_expert,
                "present": m.present,
                "recused": m.recused_at is not None,
                "recusal_reason": m.recusal_reason,
            }
            for m in a.assignments.all()
        ],
        "answers": a.answers,
        "form_version": a.form_version,
        "started_at": a.started_at,
        "ended_at": a.ended_at,
        "latitude": float(a.latitude) if a.latitude is not None else None,
        "longitude": float(a.longitude) if a.longitude is not None else None,
        "location_accuracy": a.location_accuracy,
        "guardian_present": a.guardian_present,
        "guardian_name": a.guardian_name,
        "guardian_relationship": a.guardian_relationship,
        "video_reference": a.video_reference,
        "remarks": a.remarks,
        "submitted_at": a.submitted_at,
        "scores": a.scores,
        "levels": a.level_names,
        "grade": a.grade,
        "grade_label": a.grade_label,
        "qualifying": a.qualifying,
        "confirmations": [
            {
                "expert": c.expert.display_name,
                "decision": c.decision,
                "decision_label": c.get_decision_display(),
                "comment": c.comment,
                "submission": c.submission,
                "at": c.at,
            }
            for c in a.confirmations.all()
        ],
    }


def _objection(o: Objection) -> dict:
    return {
        "id": o.pk,
        "raised_by": o.raised_by,
        "content": o.content,
        "received_on": o.received_on,
        "status": o.status,
        "status_label": o.get_status_display(),
        "handling_note": o.handling_note,
        "handled_at": o.handled_at,
    }


def _conclusion(c: Conclusion) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "application_id": c.application_id,
        "person_id": c.person_id,
        "person_name": c.person.name,
        "grade": c.grade,
        "grade_label": c.grade_label,
        "qualifying": c.qualifying,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "appeal_until": c.appeal_until,
        "issued_at": c.issued_at,
        "scale": c.scale_version.code,
        "scale_version": c.scale_version.version,
        "rules_version": f"{c.rules.code} {c.rules.version}",
        "grade_changed": c.grade_changed,
        "fee_payer": c.fee_payer,
        "fee_payer_label": c.get_fee_payer_display(),
        "fee_fen": c.fee_fen,
        "fee_yuan": format_yuan(c.fee_fen),
        "superseded_on": c.superseded_on,
        "letter_url": f"/api/v1/assessment/conclusions/{c.pk}/letter",
    }


def _allowed(user, application: Application) -> list[str]:
    s = scope_of(user)
    return [
        name
        for name in WORKFLOW.allowed(application.status)
        if s.can(WORKFLOW.transitions[name].right)
        or (name in ("resubmit", "withdraw") and s.can(Right.ASSESSMENT_INTAKE))
    ]


def _detail(user, application_id: int) -> dict:
    a = selectors.application_get(fetched_by=user, application_id=application_id)
    staff = scope_of(user).can(Right.ASSESSMENT_VIEW)
    conclusion = Conclusion.objects.filter(application=a).select_related(
        "person", "scale_version", "rules"
    )
    row = _list_row(a)
    row.update(
        {
            "applicant_name": a.applicant_name,
            "relationship": a.relationship,
            "phone_masked": a.phone_masked,
            "address_masked": a.address_masked,
            "place": a.place,
            "reason": a.reason,
            "referrer": a.referrer,
            "materials_note": a.materials_note,
            "refusal_reason": a.refusal_reason,
            "refusal_reason_label": a.get_refusal_reason_display() if a.refusal_reason else "",
            "refusal_text": a.refusal_text,
            "publicity_from": a.publicity_from,
            "rules_version": f"{a.rules.code} {a.rules.version}",
            "previous_conclusion": a.previous_conclusion.number if a.previous_conclusion else None,
            "allowed_actions": _allowed(user, a),
            "documents": [
                _document(d) for d in selectors.documents_of(fetched_by=user, application=a)
            ],
            "assessments": [
                _assessment(x) for x in selectors.assessments_of(fetched_by=user, application=a)
            ],
            "objections": [
                _objection(o) for o in selectors.objections_of(fetched_by=user, application=a)
            ]
            if staff
            else [],
            "conclusion": _conclusion(conclusion[0]) if conclusion else None,
            "timeline": [
                {**entry.__dict__, "actor": entry.actor if staff else ""}
                for entry in selectors.timeline(a)
            ],
        }
    )
    return row


def _score(partial: scoring.PartialResult, scale: scoring.Scale, region_code: str = "") -> dict:
    """The live score; ``qualifying`` per the benefit policy of the case's region (unknown
    without a case: the scale does not decide which grades qualify)."""
    result = partial.result
    return {
        "scale": partial.scale_code,
        "version": partial.scale_version,
        "complete": partial.complete,
        "scores": dict(partial.scores),
        "levels": dict(partial.levels),
        "level_names": {code: scale.level(level).name for code, level in partial.levels.items()},
        "missing": list(partial.missing),
        "grade_range": list(partial.grade_range),
        "grade": result.grade if result else None,
        "grade_label": result.grade_label if result else None,
        "qualifying": (
            selectors.grade_qualifies(region_code, result.grade) if result and region_code else None
        ),
    }


def _attachment(content: bytes, name: str, media_type: str, *, inline: bool = False):
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _binary(description: str, media_type: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }
