"""What the assessment services share: the workflow, deadlines, and the helpers of every step."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction

from changhu.assessment import files
from changhu.assessment.models import (
    OPEN_STATUSES,
    Application,
    CaseEvent,
    Notice,
)
from changhu.assessment.workflow import WORKFLOW
from changhu.core import audit, clock, masking, transitions
from changhu.core.errors import Conflict, PermissionDenied, ValidationFailed
from changhu.core.models import TransitionLog
from changhu.core.scope import get_scoped, require, scope_of
from changhu.orgs.models import OrgKind

AUDIT_LABELS = {
    "applicant_name": "申请人",
    "relationship": "与被评估人关系",
    "phone": "联系电话",
    "address": "照护地址",
    "place": "照护/评估地点",
    "reason": "申请理由",
    "channel": "申请渠道",
    "kind": "类型",
}
AUDIT_MASKERS = {"phone": masking.mask_phone, "address": masking.mask_address}
MAX_DOCUMENTS_PER_REQUEST = 10


def _today() -> dt.date:
    return clock.today()


def _problems(problems: dict[str, tuple[str, str]]) -> None:
    """Raise one error carrying every field's message; the first problem's code."""
    if problems:
        first_code, first_message = next(iter(problems.values()))
        raise ValidationFailed(
            first_message,
            code=first_code,
            fields={name: message for name, (_code, message) in problems.items()},
        )


def _lock(actor, application_id: int) -> Application:
    """The case in the actor's scope, locked for this transaction (404 outside the scope)."""
    return get_scoped(
        Application.objects.select_for_update().select_related("rules"), actor, pk=application_id
    )


def _event(application: Application, actor, kind: str, text: str) -> CaseEvent:
    """A step of the case that moves no state (a document, the team, a recusal, an objection):
    on its timeline and in the audit trail."""
    user = actor if getattr(actor, "pk", None) else None
    audit.record(action="update", obj=application, user=user, note=text[:300])
    return CaseEvent.objects.create(application=application, actor=user, kind=kind, text=text[:500])


def _notify(application: Application, kind: str, title: str, body: str) -> Notice:
    return Notice.objects.create(application=application, kind=kind, title=title, body=body[:1000])


def _move(application: Application, name: str, *, actor, reason: str = "", **updates):
    """One workflow step; the right is checked by the table unless ``actor`` is the system."""
    return transitions.apply(
        WORKFLOW,
        application,
        name,
        actor=actor,
        reason=reason,
        check_right=actor is not None,
        extra_updates=updates or None,
    )


def _log_creation(application: Application, actor, reason: str) -> None:
    TransitionLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=application._meta.label_lower,
        object_id=str(application.pk),
        from_state="",
        to_state=application.status,
        reason=reason[:500],
    )


def _new_number(prefix: str) -> str:
    return f"{prefix}{_today():%Y%m%d}{secrets.token_hex(3).upper()}"


def _open_case_conflict(person_id: int) -> None:
    existing = Application.objects.filter(person_id=person_id, status__in=OPEN_STATUSES).first()
    if existing is not None:
        message = (
            f"该参保人已有未办结的评估申请（编号{existing.number}，"
            f"状态：{existing.get_status_display()}），不能重复申请"
        )
        raise Conflict(
            message, code="application_open", fields={"open_application": existing.number}
        )


def _is_institution_actor(actor, application: Application) -> bool:
    s = scope_of(actor)
    return (
        s.organization_kind == OrgKind.ASSESSMENT
        and s.organization_id == application.institution_id
    )


def _require_institution(actor, application: Application, right: str) -> None:
    require(actor, right)
    if not _is_institution_actor(actor, application):
        raise PermissionDenied("该案件未派给您所在的评估机构", code="not_your_institution")


def _read_audited(actor, application, name: str, sha256: str, what: dict, note: str) -> bytes:
    """A stored file of a case for download: it holds personal data, so each read is audited
    (``what``: which file, for the audit trail)."""
    data = files.read(name, sha256=sha256)
    with transaction.atomic():
        audit.record(action="view_full", obj=application, user=actor, changes=what, note=note)
    return data
