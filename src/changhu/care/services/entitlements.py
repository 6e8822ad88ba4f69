"""Entitlements: opened from a conclusion, arrangements changed, paused, terminated, re-assessed,
reconciled daily.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from changhu.assessment import selectors as assessment_selectors
from changhu.assessment.models import Conclusion
from changhu.care import conf
from changhu.care.eligibility import ONE_DAY, overlaps
from changhu.care.models import (
    Arrangement,
    Assignment,
    CarePlan,
    EndReason,
    Entitlement,
    EntitlementStatus,
    Pause,
    Transfer,
    TransferStatus,
)
from changhu.care.services._common import (
    _E,
    _P,
    ENTITLEMENT_FLOW,
    PLAN_FLOW,
    _care_mode,
    _date,
    _institution,
    _reason,
    _today,
    _user,
)
from changhu.core import audit
from changhu.core.errors import Conflict, NotFound, field_error
from changhu.core.scope import get_scoped, require
from changhu.core.transitions import apply
from changhu.insured.models import Person, PersonStatus
from changhu.orgs.roles import Right
from changhu.providers import services as providers
from changhu.providers.rules import MODE_LABELS

# --- entitlements ---------------------------------------------------------------------------


def _check_no_overlap(person: Person, start: dt.date, end: dt.date, *, exclude=None) -> None:
    for other in Entitlement.objects.filter(person=person).exclude(pk=exclude):
        if other.last_day < other.valid_from:
            continue  # ended before it began: never in effect
        if overlaps(other.valid_from, other.last_day, start, end):
            raise Conflict(
                f"与已有的待遇资格（{other.valid_from}至{other.last_day}，"
                f"结论{other.conclusion_ref}）期间重叠；同一人同一天只能有一个待遇资格",
                code="entitlement_overlap",
                fields={"start_date": "与已有待遇资格期间重叠"},
            )


def _conclusion(conclusion_id) -> Conclusion:
    try:
        conclusion = assessment_selectors.conclusion_for_care(int(conclusion_id))
    except (TypeError, ValueError):
        conclusion = None
    if conclusion is None:
        raise NotFound("找不到该评估结论")
    return conclusion


def qualifying_grades_on(person: Person, day: dt.date):
    """The qualifying grades of the benefit policy in force for the person's region on ``day``
    (settlement's policy data, the one source); 409 ``policy_not_found`` without a policy."""
    # Benefit policies are settlement's data; settlement reads care, so import on use.
    from changhu.settlement.selectors import qualifying_grades_for

    found = qualifying_grades_for(person.region_code, day)
    if found is None:
        raise Conflict(
            f"参保人所在地区在{day}没有生效的长期护理保险待遇政策，无法确定享受待遇的失能等级",
            code="policy_not_found",
        )
    return found


def _assert_qualifies(person: Person, conclusion: Conclusion, day: dt.date) -> None:
    policy = qualifying_grades_on(person, day)
    if conclusion.grade not in policy:
        labels = "、".join(conf.grade_label(g) for g in sorted(policy.grades))
        message = (
            f"评估结论为{conclusion.grade_label}，不享受长期护理保险待遇"
            f"（{policy.policy_name}：享受待遇的等级为{labels}）"
        )
        raise field_error("conclusion_id", "grade_not_qualifying", message)


def _open(actor, person, conclusion, start: dt.date, arrangements: list[dict], note: str):
    """Write an entitlement from ``conclusion`` with its arrangements, and audit it."""
    _check_no_overlap(person, start, conclusion.valid_until)
    entitlement = Entitlement(
        person=person,
        conclusion=conclusion,
        grade=conclusion.grade,
        conclusion_ref=conclusion.number,
        valid_from=start,
        valid_until=conclusion.valid_until,
        created_by=_user(actor),
    )
    entitlement.full_clean(validate_unique=False, validate_constraints=False)
    entitlement.save()
    Arrangement.objects.bulk_create(
        Arrangement(entitlement=entitlement, person=person, created_by=_user(actor), **a)
        for a in arrangements
    )
    first = arrangements[0]
    audit.record(
        action="create",
        obj=entitlement,
        user=actor,
        note=f"{note}：{conclusion.grade_label}，{start}至{conclusion.valid_until}，"
        f"{MODE_LABELS[first['care_mode']]}，{first['institution'].name}"
        f"（评估结论{conclusion.number}）",
    )
    return entitlement


def entitlement_open_from_conclusion(
    *,
    actor,
    conclusion_id: int,
    care_mode: str,
    institution_id: int,
    social_support: bool = False,
    start_date=None,
) -> Entitlement:
    """办理待遇: open the entitlement of an issued conclusion with what the guardian chose (care
    mode, institution, social-support add-on, first day: by default the conclusion's effective
    date). Grade and validity are the conclusion's; whether the grade qualifies is the benefit
    policy's in force for the person's region on the first day. A conclusion opens at most one
    entitlement; the same choice again returns it (safe to retry)."""
    require(actor, Right.CARE_ENTITLEMENT)
    care_mode = _care_mode(care_mode)
    conclusion = _conclusion(conclusion_id)
    start = _date(start_date, "start_date", "待遇起始日", required=False) or conclusion.valid_from
    with transaction.atomic():
        person = get_scoped(Person.objects.select_for_update(), actor, pk=conclusion.person_id)
        same = Entitlement.objects.filter(conclusion=conclusion).first()
        if same is not None:
            first = same.arrangements.order_by("start_date").first()
            if (
                same.valid_from == start
                and first is not None
                and (first.care_mode, first.institution_id) == (care_mode, int(institution_id))
            ):
                return same
            raise Conflict(
                f"评估结论{conclusion.number}已办理过待遇",
                code="entitlement_duplicate_conclusion",
                fields={"conclusion_id": "该评估结论已办理过待遇"},
            )
        if not (conclusion.valid_from <= start <= conclusion.valid_until):
            raise field_error(
                "start_date",
                "date_order",
                f"待遇起始日应在评估结论有效期内（{conclusion.valid_from}至"
                f"{conclusion.valid_until}）",
            )
        if conclusion.superseded_on is not None and start >= conclusion.superseded_on:
            raise Conflict(
                f"评估结论{conclusion.number}已于{conclusion.superseded_on}被新的评估结论取代，"
                "请按新结论办理",
                code="conclusion_superseded",
            )
        _assert_qualifies(person, conclusion, start)
        if person.status == PersonStatus.DECEASED:
            raise Conflict("参保人已身故，不能开始享受待遇", code="person_deceased")
        if person.status != PersonStatus.ACTIVE:
            raise Conflict("参保人不是正常参保状态，不能享受待遇", code="person_not_insured")
        institution = _institution(actor, institution_id)
        providers.institution_assert_can_serve(institution, start, care_mode=care_mode)
        return _open(
            actor,
            person,
            conclusion,
            start,
            [
                {
                    "start_date": start,
                    "care_mode": care_mode,
                    "institution": institution,
                    "social_support": bool(social_support),
                    "reason": "按评估结论办理待遇（监护人选择）",
                }
            ],
            "办理待遇",
        )


def _entitlement_for_update(actor, entitlement_id: int) -> Entitlement:
    return get_scoped(
        Entitlement.objects.select_for_update().select_related("person"), actor, pk=entitlement_id
    )


def entitlement_change_arrangement(
    *,
    actor,
    entitlement_id: int,
    effective_date,
    care_mode: str | None = None,
    institution_id: int | None = None,
    social_support: bool | None = None,
    reason: str = "",
) -> Arrangement:
    """Change the care mode, the institution or the social-support add-on from a date.

    The current arrangement ends the day before; plans and assignments that no longer fit
    (another institution or mode) end with it.
    """
    require(actor, Right.CARE_ENTITLEMENT)
    day = _date(effective_date, "effective_date", "变更生效日期")
    reason = _reason(reason)
    with transaction.atomic():
        entitlement = _entitlement_for_update(actor, entitlement_id)
        if entitlement.status != EntitlementStatus.ACTIVE:
            raise Conflict("待遇资格已到期或终止，不能变更照护安排", code="entitlement_not_active")
        current = entitlement.arrangements.order_by("-start_date").first()
        if not (current.start_date < day <= entitlement.last_day):
            raise field_error(
                "effective_date",
                "date_order",
                f"变更生效日期应晚于当前安排的起始日（{current.start_date}）"
                f"且不晚于待遇截止日（{entitlement.last_day}）",
            )
        mode = _care_mode(care_mode) if care_mode else current.care_mode
        support = current.social_support if social_support is None else bool(social_support)
        target = int(institution_id) if institution_id else current.institution_id
        if (mode, target, support) == (
            current.care_mode,
            current.institution_id,
            current.social_support,
        ):
            raise Conflict("照护方式、机构和社会支持服务均未变化", code="arrangement_unchanged")
        institution = _institution(actor, target)
        providers.institution_assert_can_serve(institution, day, care_mode=mode)
        current.end_date = day - ONE_DAY
        current.save(update_fields=["end_date"])
        arrangement = Arrangement.objects.create(
            entitlement=entitlement,
            person=entitlement.person,
            start_date=day,
            care_mode=mode,
            institution=institution,
            social_support=support,
            reason=reason,
            created_by=_user(actor),
        )
        if (mode, target) != (current.care_mode, current.institution_id):
            _end_plans(
                actor,
                entitlement.person_id,
                day - ONE_DAY,
                f"照护安排自{day}起变更：{reason}",
                keep=(target, mode),
            )
        if target != current.institution_id:
            _end_assignments(
                entitlement.person_id, day - ONE_DAY, institution_id=current.institution_id
            )
        audit.record(
            action="update",
            obj=entitlement,
            user=actor,
            changes={
                "arrangement": {
                    "label": "照护安排",
                    "old": f"{MODE_LABELS[current.care_mode]}，{current.institution.name}"
                    + ("，含社会支持服务" if current.social_support else ""),
                    "new": f"{MODE_LABELS[mode]}，{institution.name}"
                    + ("，含社会支持服务" if support else ""),
                }
            },
            note=f"{day}起：{reason}",
        )
    return arrangement


def _end_plans(actor, person_id: int, last_day: dt.date, reason: str, *, keep=None) -> None:
    """End the plan in force and withdraw drafts, unless they fit ``keep`` (institution, mode)."""
    for plan in CarePlan.objects.filter(
        person_id=person_id, status__in=[_P.CONFIRMED, _P.DRAFT]
    ).select_for_update():
        if keep is not None and (plan.institution_id, plan.care_mode) == keep:
            continue
        if plan.status == _P.CONFIRMED:
            apply(
                PLAN_FLOW,
                plan,
                "end",
                actor=actor,
                reason=reason,
                check_right=False,
                extra_updates={"valid_until": last_day},
            )
        else:
            apply(PLAN_FLOW, plan, "withdraw", actor=actor, reason=reason, check_right=False)


def _end_assignments(person_id: int, last_day: dt.date, *, institution_id: int | None = None):
    open_ones = Assignment.objects.filter(person_id=person_id).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=last_day)
    )
    if institution_id is not None:
        open_ones = open_ones.filter(institution_id=institution_id)
    open_ones.filter(start_date__lte=last_day).update(end_date=last_day)
    # Assignments that were to start later never begin: they end on their first day.
    for assignment in open_ones.filter(start_date__gt=last_day):
        assignment.end_date = assignment.start_date
        assignment.save(update_fields=["end_date"])


def entitlement_terminate(
    *,
    actor,
    entitlement_id: int,
    end_date,
    reason: str,
    note: str = "",
    check_right: bool = True,
) -> Entitlement:
    """End an entitlement on its last eligible day (death, recovery, loss of insured status…).

    An end before the first day voids it. Its plan in force ends and drafts are withdrawn.
    """
    if reason not in EndReason.values or reason == EndReason.EXPIRED:
        raise field_error("reason", "end_reason_invalid", "终止原因应为身故、复评、不再参保或其他")
    if check_right:
        require(actor, Right.CARE_ENTITLEMENT)
    last = _date(end_date, "end_date", "终止日期")
    with transaction.atomic():
        if check_right:
            entitlement = _entitlement_for_update(actor, entitlement_id)
        else:
            entitlement = Entitlement.objects.select_for_update().get(pk=entitlement_id)
        if last > entitlement.last_day or last < entitlement.valid_from - ONE_DAY:
            raise field_error(
                "end_date",
                "date_order",
                f"终止日期应在{entitlement.valid_from - ONE_DAY}至{entitlement.last_day}之间",
            )
        return _end(actor, entitlement, last, reason, note, check_right=check_right)


def _end(
    actor,
    entitlement: Entitlement,
    last: dt.date,
    reason: str,
    note: str = "",
    *,
    check_right: bool = False,
    end_dependents: bool = True,
) -> Entitlement:
    """The one path by which an entitlement ends, whatever the cause (by hand, death, loss of
    insured status, expiry, recovery or a new conclusion): the transition with its log, the
    arrangements cut at ``last``, the plan and assignments ended (unless a new entitlement takes
    them over), and an audit entry that the person's file shows."""
    label = EndReason(reason).label
    text = f"{label}：{note.strip()}" if note and note.strip() else label
    if reason == EndReason.EXPIRED:
        last = entitlement.valid_until
        apply(
            ENTITLEMENT_FLOW,
            entitlement,
            "expire",
            actor=actor,
            reason=f"评估结论有效期至{last}",
            check_right=False,
            extra_updates={"end_reason": reason},
            audit=False,  # recorded below
        )
    else:
        apply(
            ENTITLEMENT_FLOW,
            entitlement,
            "terminate",
            actor=actor,
            reason=f"{text}（最后享受日{last}）",
            check_right=check_right,
            audit=False,  # recorded below
            extra_updates={
                "end_date": last,
                "end_reason": reason,
                "end_note": (note or "")[:300],
            },
        )
    entitlement.arrangements.filter(start_date__lte=last).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=last)
    ).update(end_date=last)
    if end_dependents:
        _end_plans(actor, entitlement.person_id, last, f"待遇终止：{text}")
        _end_assignments(entitlement.person_id, max(last, entitlement.valid_from))
        _cancel_transfers(actor, entitlement, f"待遇终止：{text}")
    verb = "待遇到期" if reason == EndReason.EXPIRED else "终止待遇"
    audit.record(
        action="update", obj=entitlement, user=actor, note=f"{verb}：{text}，最后享受日{last}"
    )
    return entitlement


def _cancel_transfers(actor, entitlement: Entitlement, reason: str) -> None:
    """A pending transfer (转移安置) of an ended entitlement has no one left to move."""
    from changhu.care.services.transfers import TRANSFER_FLOW

    for transfer in Transfer.objects.select_for_update().filter(
        entitlement=entitlement, status__in=[TransferStatus.OPEN, TransferStatus.ASSIGNED]
    ):
        apply(TRANSFER_FLOW, transfer, "cancel", actor=actor, reason=reason, check_right=False)


def _running(person: Person, day: dt.date, *, exclude_conclusion=None) -> Entitlement | None:
    """The person's active entitlement that reaches ``day`` or the day before it (the one a new
    conclusion from ``day`` takes over)."""
    for entitlement in (
        Entitlement.objects.select_for_update()
        .filter(person=person, status=_E.ACTIVE)
        .exclude(conclusion_id=exclude_conclusion)
        .order_by("-valid_from", "-id")
    ):
        if entitlement.last_day >= day - ONE_DAY and entitlement.last_day >= entitlement.valid_from:
            return entitlement
    return None


def entitlements_apply_lifecycle(
    *, today: dt.date | None = None, person_ids=None, actor=None
) -> dict[str, int]:
    """The daily job: end entitlements on death (the day of death is the last day), on loss of
    insured status (the end of the last enrolment) and at the end of the conclusion's validity,
    all through the one ending path (history and audit in the person's file). Idempotent: run it
    any number of times, for everyone or for ``person_ids``. ``changhu care-reconcile`` runs it."""
    if actor is not None:
        require(actor, Right.CARE_ENTITLEMENT)
    today = today or _today()
    counts = {"death": 0, "insured_lost": 0, "expired": 0}
    person_ids = None if person_ids is None else list(person_ids)
    active = Entitlement.objects.filter(status=_E.ACTIVE)
    if person_ids is not None:
        active = active.filter(person_id__in=person_ids)
    due = active.filter(
        Q(person__status__in=[PersonStatus.DECEASED, PersonStatus.SUSPENDED])
        | Q(valid_until__lt=today)
    )
    for entitlement_id in due.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            entitlement = (
                Entitlement.objects.select_for_update()
                .select_related("person")
                .get(pk=entitlement_id)
            )
            if entitlement.status != _E.ACTIVE:
                continue
            kind = _lifecycle_end(actor, entitlement, today)
            if kind:
                counts[kind] += 1
    return counts


def _lifecycle_end(actor, entitlement: Entitlement, today: dt.date) -> str:
    person = entitlement.person
    floor = entitlement.valid_from - ONE_DAY
    if (
        person.status == PersonStatus.DECEASED
        and person.died_on
        and person.died_on <= entitlement.last_day
    ):
        _end(actor, entitlement, max(person.died_on, floor), EndReason.DEATH)
        return "death"
    if person.status == PersonStatus.SUSPENDED:
        ended = (
            person.enrolments.exclude(end_date__isnull=True)
            .order_by("-end_date")
            .values_list("end_date", flat=True)
            .first()
        ) or today
        last = min(max(ended, floor), entitlement.last_day)
        _end(actor, entitlement, last, EndReason.INSURED_LOST)
        return "insured_lost"
    if entitlement.valid_until < today:
        _end(actor, entitlement, entitlement.valid_until, EndReason.EXPIRED)
        return "expired"
    return ""


@dataclass(frozen=True)
class ConclusionOutcome:
    """What a later conclusion did to the person's entitlement."""

    action: str  # "replaced", "ended", "already", "none"
    entitlement: Entitlement | None = None  # the new one (replaced) or the one ended
    previous: Entitlement | None = None
    plans_flagged: int = 0


def entitlement_apply_reassessment(
    *, actor, conclusion_id: int, system: bool = False
) -> ConclusionOutcome:
    """Apply a later conclusion (re-assessment, appeal, periodic re-assessment) to a person's
    running entitlement, from the conclusion's effective date:

    - a qualifying grade (per the benefit policy in force) replaces the entitlement with one
      from the new conclusion, keeping the care mode, institution and plan; a plan whose package
      no longer fits the new grade stays in force flagged for revision (the institution's queue);
    - any other grade ends it as recovery (plan and assignments end too);
    - without a running entitlement nothing happens: a first qualifying conclusion is opened by
      办理待遇, where the guardian chooses the care mode and institution.

    The assessment workflow calls it when it issues a conclusion (``system=True``: a
    consequence of the issue, no right or scope of its own). Idempotent.
    """
    if not system:
        require(actor, Right.CARE_ENTITLEMENT)
    conclusion = _conclusion(conclusion_id)
    with transaction.atomic():
        if system:
            person = Person.objects.select_for_update().get(pk=conclusion.person_id)
        else:
            person = get_scoped(Person.objects.select_for_update(), actor, pk=conclusion.person_id)
        opened = Entitlement.objects.filter(conclusion=conclusion).first()
        if opened is not None:
            return ConclusionOutcome("already", opened)
        start = conclusion.valid_from
        if person.status != PersonStatus.ACTIVE:
            entitlements_apply_lifecycle(person_ids=[person.pk])
        current = _running(person, start, exclude_conclusion=conclusion.pk)
        if current is None or person.status != PersonStatus.ACTIVE:
            if not system:
                raise Conflict("该参保人没有正在享受的待遇资格", code="no_current_entitlement")
            return ConclusionOutcome("none")
        if current.conclusion_id and current.conclusion.valid_from > conclusion.valid_from:
            raise Conflict(
                f"该参保人已按更新的评估结论{current.conclusion_ref}享受待遇",
                code="conclusion_outdated",
            )
        policy = qualifying_grades_on(person, start)
        if conclusion.grade not in policy:
            last = max(min(start - ONE_DAY, current.last_day), current.valid_from - ONE_DAY)
            _end(
                actor,
                current,
                last,
                EndReason.RECOVERY,
                f"评估结论{conclusion.number}为{conclusion.grade_label}，"
                f"不再符合享受待遇的等级（{policy.policy_name}）",
            )
            return ConclusionOutcome("ended", current)
        return _replace(actor, person, current, conclusion)


def _replace(actor, person, current: Entitlement, conclusion) -> ConclusionOutcome:
    start = max(conclusion.valid_from, current.valid_from)
    ordered = list(current.arrangements.select_related("institution").order_by("start_date"))
    kept = [a for a in ordered if a.end_date is None or a.end_date >= start] or ordered[-1:]
    arrangements = [
        {
            "start_date": max(a.start_date, start),
            "end_date": a.end_date if a.end_date and a.end_date >= start else None,
            "care_mode": a.care_mode,
            "institution": a.institution,
            "social_support": a.social_support,
            "reason": f"按评估结论{conclusion.number}继续，沿用原照护安排",
        }
        for a in kept
    ]
    _end(
        actor,
        current,
        start - ONE_DAY,
        EndReason.REASSESSMENT,
        f"评估结论{conclusion.number}（{conclusion.grade_label}）自{start}起替代",
        end_dependents=False,
    )
    entitlement = _open(
        actor, person, conclusion, start, arrangements, "按新的评估结论继续享受待遇"
    )
    # A transfer under way goes on with the new entitlement.
    Transfer.objects.filter(
        entitlement=current, status__in=[TransferStatus.OPEN, TransferStatus.ASSIGNED]
    ).update(entitlement=entitlement)
    flagged = 0
    for plan in (
        CarePlan.objects.select_for_update()
        .filter(entitlement=current, status__in=[_P.CONFIRMED, _P.DRAFT])
        .select_related("package")
    ):
        flagged += _carry_plan(actor, plan, entitlement, conclusion, start)
    return ConclusionOutcome("replaced", entitlement, current, flagged)


def _carry_plan(actor, plan: CarePlan, entitlement, conclusion, start: dt.date) -> int:
    """Move a plan onto the new entitlement; flag it when its package is for another grade (a
    draft for another grade is withdrawn: the institution drafts from the new package)."""
    fits = plan.package.grade == conclusion.grade
    if not fits and plan.status == _P.DRAFT:
        apply(
            PLAN_FLOW,
            plan,
            "withdraw",
            actor=actor,
            reason=f"失能等级变为{conclusion.grade_label}，原服务包不再适用",
            check_right=False,
            audit=False,  # recorded below
        )
        audit.record(action="update", obj=plan, user=actor, note="等级变更，草稿作废")
        return 0
    updates: dict[str, Any] = {"entitlement": entitlement}
    if fits:
        updates.update(revision_due_since=None, revision_reason="")
        note = f"随待遇资格按评估结论{conclusion.number}继续执行"
    else:
        updates.update(
            revision_due_since=start,
            revision_reason=(
                f"失能等级由{conf.grade_label(plan.package.grade)}变为{conclusion.grade_label}"
                f"（评估结论{conclusion.number}），原服务包不再适用，请按新等级制定新版本计划"
            )[:300],
        )
        note = f"需修订：{updates['revision_reason']}"
    CarePlan.objects.filter(pk=plan.pk).update(**updates)
    audit.record(action="update", obj=plan, user=actor, note=note[:300])
    return 0 if fits else 1


def entitlement_link_conclusion(*, actor=None, entitlement_id: int, conclusion_number: str):
    """Resolve an entitlement from before conclusions were linked (its number was typed by
    hand and matched none): link it to the person's conclusion with this number. Its grade and
    dates stay as they were (past months were settled with them); differences are returned so
    the operator sees them. Run by ``changhu entitlements-unmatched --link``."""
    if actor is not None:
        require(actor, Right.CARE_ENTITLEMENT)
    number = (conclusion_number or "").strip()
    with transaction.atomic():
        if actor is not None:
            entitlement = _entitlement_for_update(actor, entitlement_id)
        else:
            entitlement = (
                Entitlement.objects.select_for_update()
                .select_related("person")
                .filter(pk=entitlement_id)
                .first()
            )
            if entitlement is None:
                raise NotFound("找不到该待遇资格")
        if entitlement.conclusion_id is not None:
            raise Conflict("该待遇资格已关联评估结论", code="entitlement_linked")
        conclusion = assessment_selectors.conclusion_by_number(number) if number else None
        if conclusion is None:
            raise NotFound(f"找不到编号为{number}的评估结论", code="conclusion_not_found")
        if conclusion.person_id != entitlement.person_id:
            raise Conflict(f"评估结论{number}属于其他参保人", code="conclusion_other_person")
        if Entitlement.objects.filter(conclusion=conclusion).exists():
            raise Conflict(f"评估结论{number}已办理过待遇", code="entitlement_duplicate_conclusion")
        differences = []
        if entitlement.grade != conclusion.grade:
            differences.append(
                f"登记等级{conf.grade_label(entitlement.grade)}，结论为{conclusion.grade_label}"
            )
        if entitlement.valid_until != conclusion.valid_until:
            differences.append(
                f"登记有效期至{entitlement.valid_until}，结论有效期至{conclusion.valid_until}"
            )
        typed = entitlement.conclusion_ref
        Entitlement.objects.filter(pk=entitlement.pk).update(
            conclusion=conclusion, conclusion_ref=conclusion.number
        )
        entitlement.conclusion, entitlement.conclusion_ref = conclusion, conclusion.number
        audit.record(
            action="update",
            obj=entitlement,
            user=actor,
            changes={"conclusion": {"label": "评估结论", "old": typed, "new": conclusion.number}},
            note=("关联评估结论" + (f"（差异：{'；'.join(differences)}）" if differences else ""))[
                :300
            ],
        )
    return entitlement, differences


def entitlement_pause(
    *, actor, entitlement_id: int, start_date, end_date=None, reason: str
) -> Pause:
    """Pause an entitlement by hand (hospital stays pause it by themselves)."""
    require(actor, Right.CARE_ENTITLEMENT)
    start = _date(start_date, "start_date", "暂停起始日")
    end = _date(end_date, "end_date", "暂停截止日", required=False)
    reason = _reason(reason)
    if end is not None and end < start:
        raise field_error("end_date", "date_order", "暂停截止日不能早于起始日")
    with transaction.atomic():
        entitlement = _entitlement_for_update(actor, entitlement_id)
        if entitlement.status != _E.ACTIVE:
            raise Conflict("待遇资格已到期或终止", code="entitlement_not_active")
        if not (entitlement.valid_from <= start <= entitlement.last_day):
            raise field_error("start_date", "date_order", "暂停起始日应在待遇期间内")
        for other in entitlement.pauses.all():
            if overlaps(other.start_date, other.end_date, start, end):
                raise Conflict("与已有的暂停期间重叠", code="pause_overlap")
        pause = Pause.objects.create(
            entitlement=entitlement,
            person=entitlement.person,
            start_date=start,
            end_date=end,
            reason=reason,
            created_by=_user(actor),
        )
        audit.record(
            action="update",
            obj=entitlement,
            user=actor,
            note=f"暂停待遇{start}至{end or '（未定）'}：{reason}",
        )
    return pause


def pause_end(*, actor, pause_id: int, end_date) -> Pause:
    """Set the last day of an open pause."""
    require(actor, Right.CARE_ENTITLEMENT)
    end = _date(end_date, "end_date", "暂停截止日")
    with transaction.atomic():
        pause = Pause.objects.select_for_update().filter(pk=pause_id).first()
        if pause is None:
            raise NotFound()
        entitlement = _entitlement_for_update(actor, pause.entitlement_id)
        if pause.end_date is not None:
            raise Conflict("该暂停已有截止日", code="pause_closed")
        if end < pause.start_date:
            raise field_error("end_date", "date_order", "暂停截止日不能早于起始日")
        pause.end_date = end
        pause.save(update_fields=["end_date"])
        audit.record(action="update", obj=entitlement, user=actor, note=f"恢复待遇：暂停至{end}")
    return pause
