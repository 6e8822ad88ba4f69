"""Follow-ups of patrol visits (巡护跟进): set by the patroller, on the patrol or afterwards, and
tracked until someone of the institution marks them done with a note."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from changhu.core import audit, clock
from changhu.core.errors import PermissionDenied, field_error
from changhu.core.scope import get_scoped, scope_of
from changhu.core.transitions import Transition, Workflow, apply
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers.models import Institution
from changhu.visits.models import (
    FollowUpParty,
    FollowUpStatus,
    PatrolFollowUp,
    PatrolVisit,
)

ACTION_MAX = 200
NOTE_MAX = 500
MAX_PER_PATROL = 10
# A deadline further away than this is more likely a typing slip than a plan.
DUE_WITHIN_DAYS = 366

FOLLOW_UP_FLOW = Workflow(
    "patrol_follow_up",
    {"done": Transition({FollowUpStatus.OPEN}, FollowUpStatus.DONE, Right.VISITS_PATROL, "完成")},
    labels=FollowUpStatus,
)


@dataclass
class FollowUpInput:
    """What is to be done, by when (``YYYY-MM-DD``) and by whom (``family_caregiver`` or
    ``institution``)."""

    action: str = ""
    due_on: object = None
    party: str = ""


@dataclass(frozen=True)
class CleanFollowUp:
    action: str
    due_on: dt.date
    party: str


def clean_follow_up(data: FollowUpInput, *, prefix: str = "") -> CleanFollowUp:
    """Check one follow-up; the field names of its errors start with ``prefix``."""
    action = " ".join((data.action or "").split())
    if not action:
        raise field_error(f"{prefix}action", "follow_up_action_required", "请填写跟进事项")
    if len(action) > ACTION_MAX:
        raise field_error(
            f"{prefix}action", "follow_up_action_too_long", f"跟进事项不超过{ACTION_MAX}字"
        )
    due = data.due_on
    if not isinstance(due, dt.date):
        try:
            due = dt.date.fromisoformat(str(due or "").strip())
        except ValueError:
            raise field_error(
                f"{prefix}due_on", "date_invalid", "完成期限应为YYYY-MM-DD格式的日期"
            ) from None
    today = clock.today()
    if due < today:
        raise field_error(f"{prefix}due_on", "due_date_passed", "完成期限不能早于今天")
    if due > today + dt.timedelta(days=DUE_WITHIN_DAYS):
        raise field_error(f"{prefix}due_on", "due_date_too_far", "完成期限不能超过一年")
    if data.party not in FollowUpParty.values:
        raise field_error(f"{prefix}party", "party_invalid", "请选择由亲情护理员还是护理机构跟进")
    return CleanFollowUp(action, due, data.party)


def create_follow_up(*, actor, patrol: PatrolVisit, clean: CleanFollowUp) -> PatrolFollowUp:
    """Write one checked follow-up of ``patrol`` and its audit entry (inside the caller's
    transaction)."""
    follow_up = PatrolFollowUp.objects.create(
        patrol=patrol,
        institution_id=patrol.institution_id,
        person_id=patrol.person_id,
        region_code=patrol.region_code,
        action=clean.action,
        party=clean.party,
        due_on=clean.due_on,
        created_by=actor,
    )
    audit.record(
        action="create",
        obj=follow_up,
        user=actor,
        note=f"巡护跟进：{clean.action[:60]}，{FollowUpParty(clean.party).label}，"
        f"{clean.due_on:%Y-%m-%d}前完成",
    )
    return follow_up


def _own(actor, institution_id: int | None) -> None:
    """Only the institution that patrols works its follow-ups (its patrollers and its office);
    supervisors read them. Without ``institution_id``, only the right and the kind of
    organization are checked."""
    s = scope_of(actor)
    if not (s.can(Right.VISITS_PATROL) or s.can(Right.VISITS_FOLLOW_UP)):
        raise PermissionDenied()
    if s.organization_kind != OrgKind.CARE:
        raise PermissionDenied("只有护理机构可以设定或完成巡护跟进事项")
    if institution_id is None:
        return
    owner = Institution.objects.filter(pk=institution_id).values_list("organization_id").first()
    if owner is None or owner[0] != s.organization_id:
        raise PermissionDenied("只能处理本机构的巡护跟进事项")


def patrol_follow_up_add(*, actor, patrol_id: int, data: FollowUpInput) -> PatrolFollowUp:
    """Set a follow-up on a patrol visit of the actor's institution."""
    _own(actor, None)
    patrol = get_scoped(PatrolVisit.objects.all(), actor, pk=patrol_id)
    _own(actor, patrol.institution_id)
    clean = clean_follow_up(data)
    with transaction.atomic():
        patrol = PatrolVisit.objects.select_for_update().get(pk=patrol.pk)
        if patrol.follow_ups.count() >= MAX_PER_PATROL:
            raise field_error(
                "action", "follow_ups_too_many", f"一次巡护最多设定{MAX_PER_PATROL}项跟进"
            )
        follow_up = create_follow_up(actor=actor, patrol=patrol, clean=clean)
        if not patrol.follow_up:
            PatrolVisit.objects.filter(pk=patrol.pk).update(follow_up=True)
    return follow_up


def patrol_follow_up_done(*, actor, follow_up_id: int, note: str) -> PatrolFollowUp:
    """Mark a follow-up of the actor's institution done, saying what was done."""
    _own(actor, None)
    follow_up = get_scoped(PatrolFollowUp.objects.all(), actor, pk=follow_up_id)
    _own(actor, follow_up.institution_id)
    note = " ".join((note or "").split())
    if not note:
        raise field_error("note", "note_required", "请填写完成情况")
    if len(note) > NOTE_MAX:
        raise field_error("note", "note_too_long", f"完成情况不超过{NOTE_MAX}字")
    with transaction.atomic():
        apply(
            FOLLOW_UP_FLOW,
            follow_up,
            "done",
            actor=actor,
            reason=note,
            check_right=False,  # the patroller's or the office's right, checked above
            extra_updates={"done_at": clock.now(), "done_by": actor, "done_note": note},
            audit=False,  # recorded below, with the note
        )
        follow_up.refresh_from_db()
        audit.record(action="update", obj=follow_up, user=actor, note=f"巡护跟进完成：{note[:200]}")
    return follow_up
