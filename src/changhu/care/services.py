"""Every write about entitlements, care arrangements, care plans and caregiver assignments.

Entitlements open from an issued, qualifying conclusion when the guardian has chosen the care
mode and institution (:func:`entitlement_open_from_conclusion`, 办理待遇); which grades qualify
is the benefit policy's in force for the person's region (settlement's policy data, the one
source). A later conclusion applies on its own (:func:`entitlement_apply_reassessment`, called by
the assessment workflow when it issues one): a new qualifying grade replaces the entitlement,
another ends it. Death, loss of insured status and expiry end it through the same path
(:func:`entitlements_apply_lifecycle`, the daily job). Entitlements never overlap for one person
and carry arrangements that change on a date. Care plans are drafted by the institution from the
package for the person's grade and mode, checked against the package's limits before anything
is written, and are in force only once the beneficiary or guardian confirms them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from changhu.assessment import selectors as assessment_selectors
from changhu.assessment.models import Conclusion
from changhu.care import catalogue as catalogues
from changhu.care import conf, plans
from changhu.care.eligibility import ONE_DAY, overlaps
from changhu.care.models import (
    Arrangement,
    Assignment,
    CarePlan,
    CarePlanItem,
    CarePlanStatus,
    ConfirmationChannel,
    EndReason,
    Entitlement,
    EntitlementStatus,
    Pause,
    Period,
)
from changhu.core import audit, clock
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.core.scope import get_scoped, require, scope_of
from changhu.core.transitions import Transition, Workflow, apply
from changhu.insured.models import ApplicantLink, Person, PersonStatus
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers import services as providers
from changhu.providers.models import Caregiver, CaregiverKind, CareMode, Institution
from changhu.providers.rules import MODE_LABELS, parse_date

_E = EntitlementStatus
ENTITLEMENT_FLOW = Workflow(
    "entitlement",
    {
        "terminate": Transition(
            frozenset({_E.ACTIVE}), _E.TERMINATED, Right.CARE_ENTITLEMENT, "终止待遇"
        ),
        "expire": Transition(frozenset({_E.ACTIVE}), _E.EXPIRED, Right.CARE_ENTITLEMENT, "到期"),
    },
    labels=dict(EntitlementStatus.choices),
)
_P = CarePlanStatus
PLAN_FLOW = Workflow(
    "care_plan",
    {
        # Confirmation is checked per channel in care_plan_confirm (applicant or counter staff).
        "confirm": Transition(frozenset({_P.DRAFT}), _P.CONFIRMED, Right.CARE_PLAN_CONFIRM, "确认"),
        "withdraw": Transition(frozenset({_P.DRAFT}), _P.WITHDRAWN, Right.CARE_PLAN, "作废草稿"),
        "supersede": Transition(
            frozenset({_P.CONFIRMED}), _P.SUPERSEDED, Right.CARE_PLAN_CONFIRM, "被新版本替代"
        ),
        "end": Transition(frozenset({_P.CONFIRMED}), _P.ENDED, Right.CARE_ENTITLEMENT, "终止"),
    },
    labels=dict(CarePlanStatus.choices),
)


def _today() -> dt.date:
    return clock.today()


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _date(value, field: str, label: str, *, required: bool = True) -> dt.date | None:
    parsed = parse_date(value, field, label)
    if hasattr(parsed, "code"):
        raise ValidationFailed(parsed.message, code=parsed.code, fields={field: parsed.message})
    if parsed is None and required:
        raise ValidationFailed(
            f"请填写{label}", code="date_required", fields={field: f"请填写{label}"}
        )
    return parsed


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


def _reason(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise _invalid("reason", "reason_required", "请填写原因")
    return text[:300]


def _institution(actor, institution_id) -> Institution:
    if not institution_id:
        raise _invalid("institution_id", "institution_required", "请选择护理机构")
    return get_scoped(
        Institution.objects.select_related("organization").prefetch_related("agreements"),
        actor,
        pk=institution_id,
    )


def _care_mode(value: str) -> str:
    if value not in CareMode.values:
        raise _invalid(
            "care_mode",
            "care_mode_unknown",
            "照护方式应为机构照护、机构上门、个体服务人员或亲情照护",
        )
    return value


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
        raise _invalid("conclusion_id", "grade_not_qualifying", message)


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
            raise _invalid(
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
            raise _invalid(
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
        raise _invalid("reason", "end_reason_invalid", "终止原因应为身故、复评、不再参保或其他")
    if check_right:
        require(actor, Right.CARE_ENTITLEMENT)
    last = _date(end_date, "end_date", "终止日期")
    with transaction.atomic():
        if check_right:
            entitlement = _entitlement_for_update(actor, entitlement_id)
        else:
            entitlement = Entitlement.objects.select_for_update().get(pk=entitlement_id)
        if last > entitlement.last_day or last < entitlement.valid_from - ONE_DAY:
            raise _invalid(
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
        )
    else:
        apply(
            ENTITLEMENT_FLOW,
            entitlement,
            "terminate",
            actor=actor,
            reason=f"{text}（最后享受日{last}）",
            check_right=check_right,
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
    verb = "待遇到期" if reason == EndReason.EXPIRED else "终止待遇"
    audit.record(
        action="update", obj=entitlement, user=actor, note=f"{verb}：{text}，最后享受日{last}"
    )
    return entitlement


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
        raise _invalid("end_date", "date_order", "暂停截止日不能早于起始日")
    with transaction.atomic():
        entitlement = _entitlement_for_update(actor, entitlement_id)
        if entitlement.status != _E.ACTIVE:
            raise Conflict("待遇资格已到期或终止", code="entitlement_not_active")
        if not (entitlement.valid_from <= start <= entitlement.last_day):
            raise _invalid("start_date", "date_order", "暂停起始日应在待遇期间内")
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
            raise _invalid("end_date", "date_order", "暂停截止日不能早于起始日")
        pause.end_date = end
        pause.save(update_fields=["end_date"])
        audit.record(action="update", obj=entitlement, user=actor, note=f"恢复待遇：暂停至{end}")
    return pause


# --- care plans -----------------------------------------------------------------------------


@dataclass
class PlanLineInput:
    item_code: str = ""
    times: Any = 1
    period: str = Period.WEEK
    minutes: Any = None
    note: str = ""


def _own_institution(actor, institution_id: int | None = None) -> Institution:
    """The institution a care admin acts for; a platform administrator (demo data, support)
    names it with ``institution_id``."""
    scope = require(actor, Right.CARE_PLAN)
    institutions = Institution.objects.select_related("organization").prefetch_related("agreements")
    if scope.unrestricted and institution_id:
        return get_scoped(institutions, actor, pk=institution_id)
    if scope.organization_kind != OrgKind.CARE:
        raise PermissionDenied("只有护理机构可以制定护理计划")
    institution = institutions.filter(organization_id=scope.organization_id).first()
    if institution is None:
        raise PermissionDenied("本机构尚未成为定点护理机构")
    return institution


def _plan_lines(lines: list[PlanLineInput]) -> list[plans.PlanLine]:
    out = []
    for index, line in enumerate(lines):
        try:
            times = int(line.times)
            minutes = None if line.minutes in (None, "") else int(line.minutes)
        except (TypeError, ValueError):
            raise _invalid(
                f"items.{index}", "plan_frequency_invalid", "次数和时长应为整数"
            ) from None
        out.append(
            plans.PlanLine(
                item_code=(line.item_code or "").strip().upper(),
                times=times,
                period=(line.period or "").strip(),
                minutes=minutes,
            )
        )
    return out


def _check_plan(package, lines, visits) -> plans.PlanCheck:
    checked = plans.check_plan(
        _plan_lines(lines),
        catalogues.item_rules(package.catalogue),
        catalogues.package_rule(package),
        visits=visits,
    )
    if checked.problems:
        first = checked.problems[0]
        raise ValidationFailed(
            first.message, code=first.code, fields={p.field: p.message for p in checked.problems}
        )
    return checked


def _visits(times, period) -> tuple[int, str] | None:
    if times in (None, "", 0):
        return None
    try:
        return int(times), (period or Period.WEEK)
    except (TypeError, ValueError):
        raise _invalid("visits", "plan_visits_invalid", "上门频次无效") from None


def _write_items(plan: CarePlan, lines: list[PlanLineInput], checked: plans.PlanCheck) -> None:
    items = {i.code: i for i in plan.package.catalogue.items.all()}
    notes = {(line.item_code or "").strip().upper(): (line.note or "")[:200] for line in lines}
    CarePlanItem.objects.bulk_create(
        CarePlanItem(
            plan=plan,
            item=items[c.item_code],
            times=c.times,
            period=c.period,
            minutes=c.minutes,
            monthly_count=c.monthly_count,
            note=notes.get(c.item_code, ""),
        )
        for c in checked.lines
    )


def care_plan_draft(
    *,
    actor,
    person_id: int,
    lines: list[PlanLineInput],
    visits_times=None,
    visits_period: str = "",
    note: str = "",
    on_date=None,
    institution_id: int | None = None,
) -> CarePlan:
    """Draft the next version of a person's plan at the actor's institution, from the package
    for their grade and care mode; refused with the precise limit exceeded, nothing written."""
    institution = _own_institution(actor, institution_id)
    day = _date(on_date, "on_date", "计划日期", required=False) or _today()
    visits = _visits(visits_times, visits_period)
    with transaction.atomic():
        arrangement = (
            Arrangement.objects.select_related("entitlement")
            .filter(person_id=person_id, institution=institution, start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .filter(entitlement__status=_E.ACTIVE)
            .first()
        )
        if arrangement is None or day > arrangement.entitlement.last_day:
            raise Conflict(f"该参保人在{day}没有由本机构提供服务的有效待遇", code="no_arrangement")
        entitlement = Entitlement.objects.select_for_update().get(pk=arrangement.entitlement_id)
        providers.institution_assert_can_serve(institution, day)
        if CarePlan.objects.filter(person_id=person_id, status=_P.DRAFT).exists():
            raise Conflict("该参保人已有待确认的计划草稿，请修改草稿", code="plan_draft_exists")
        catalogue = catalogues.catalogue_in_force(day)
        if catalogue is None:
            raise Conflict(f"{day}没有生效的服务项目目录", code="catalogue_missing")
        package = catalogues.package_for(
            catalogue, grade=entitlement.grade, care_mode=arrangement.care_mode
        )
        if package is None:
            raise Conflict(
                f"目录{catalogue.version}没有{entitlement.grade}级、"
                f"{MODE_LABELS[arrangement.care_mode]}的服务包",
                code="package_not_found",
            )
        checked = _check_plan(package, lines, visits)
        latest = CarePlan.objects.filter(person_id=person_id).aggregate(v=Max("version"))["v"]
        previous = CarePlan.objects.filter(person_id=person_id, status=_P.CONFIRMED).first()
        plan = CarePlan.objects.create(
            person_id=person_id,
            entitlement=entitlement,
            institution=institution,
            care_mode=arrangement.care_mode,
            grade=entitlement.grade,
            package=package,
            version=(latest or 0) + 1,
            previous=previous,
            visits_times=visits[0] if visits else None,
            visits_period=visits[1] if visits else "",
            monthly_services=checked.services,
            monthly_minutes=checked.minutes,
            monthly_amount_fen=checked.amount_fen,
            note=(note or "")[:300],
            drafted_by=_user(actor),
        )
        _write_items(plan, lines, checked)
        audit.record(
            action="create",
            obj=plan,
            user=actor,
            note=f"制定护理计划第{plan.version}版：{len(checked.lines)}个项目，"
            f"每月{checked.services}人次、{checked.minutes}分钟、{plans.yuan(checked.amount_fen)}元",
        )
    return plan


def _plan_for_update(actor, plan_id: int) -> CarePlan:
    return get_scoped(
        CarePlan.objects.select_for_update().select_related("package__catalogue"),
        actor,
        pk=plan_id,
    )


def care_plan_update_draft(
    *,
    actor,
    plan_id: int,
    lines: list[PlanLineInput],
    visits_times=None,
    visits_period: str = "",
    note: str = "",
) -> CarePlan:
    """Replace the items of a draft; the same checks as drafting."""
    institution = _own_institution(actor)
    visits = _visits(visits_times, visits_period)
    with transaction.atomic():
        plan = _plan_for_update(actor, plan_id)
        if plan.institution_id != institution.pk:
            raise NotFound()
        if plan.status != _P.DRAFT:
            raise Conflict(
                "只有待确认的草稿可以修改；已确认的计划请制定新版本", code="plan_not_draft"
            )
        checked = _check_plan(plan.package, lines, visits)
        plan.items.all().delete()
        _write_items(plan, lines, checked)
        plan.visits_times = visits[0] if visits else None
        plan.visits_period = visits[1] if visits else ""
        plan.monthly_services = checked.services
        plan.monthly_minutes = checked.minutes
        plan.monthly_amount_fen = checked.amount_fen
        plan.note = (note or "")[:300]
        plan.save()
        audit.record(action="update", obj=plan, user=actor, note="修改护理计划草稿")
    return plan


def care_plan_revise(*, actor, plan_id: int, on_date=None) -> CarePlan:
    """Start the next version from the plan in force (a change needs a new confirmation)."""
    _own_institution(actor)
    plan = get_scoped(CarePlan.objects.all(), actor, pk=plan_id)
    if plan.status != _P.CONFIRMED:
        raise Conflict("只能在执行中的计划基础上修订", code="plan_not_confirmed")
    lines = [
        PlanLineInput(
            item_code=i.item.code, times=i.times, period=i.period, minutes=i.minutes, note=i.note
        )
        for i in plan.items.select_related("item")
    ]
    return care_plan_draft(
        actor=actor,
        person_id=plan.person_id,
        lines=lines,
        visits_times=plan.visits_times,
        visits_period=plan.visits_period,
        note=plan.note,
        on_date=on_date,
    )


def care_plan_withdraw(*, actor, plan_id: int, reason: str = "") -> CarePlan:
    """Drop a draft that will not be confirmed."""
    institution = _own_institution(actor)
    with transaction.atomic():
        plan = _plan_for_update(actor, plan_id)
        if plan.institution_id != institution.pk:
            raise NotFound()
        apply(PLAN_FLOW, plan, "withdraw", actor=actor, reason=reason)
    return plan


RELATIONSHIPS = dict(ApplicantLink.Relationship.choices)


def care_plan_confirm(
    *,
    actor,
    plan_id: int,
    channel: str,
    signer_name: str = "",
    signer_relationship: str = "",
    note: str = "",
) -> CarePlan:
    """The beneficiary or guardian confirms a draft: in the app (an applicant acting for the
    person) or at the counter (staff record who signed). The plan in force is superseded."""
    if channel == ConfirmationChannel.APP:
        require(actor, Right.INSURED_SELF)
    elif channel == ConfirmationChannel.COUNTER:
        require(actor, Right.CARE_PLAN_CONFIRM)
        signer_name = (signer_name or "").strip()
        if not signer_name or len(signer_name) > 40:
            raise _invalid("signer_name", "signer_required", "请填写确认人姓名")
        if signer_relationship not in RELATIONSHIPS:
            raise _invalid(
                "signer_relationship", "relationship_invalid", "请选择确认人与参保人的关系"
            )
    else:
        raise _invalid("channel", "channel_invalid", "确认方式应为线上确认或窗口确认")
    today = _today()
    with transaction.atomic():
        plan = _plan_for_update(actor, plan_id)
        if channel == ConfirmationChannel.APP:
            link = ApplicantLink.objects.filter(user=actor, person_id=plan.person_id).first()
            if link is None:
                raise NotFound()
            signer_name = actor.real_name or actor.get_username()
            signer_relationship = link.relationship
        arrangement = (
            Arrangement.objects.filter(
                entitlement_id=plan.entitlement_id,
                institution_id=plan.institution_id,
                care_mode=plan.care_mode,
                entitlement__status=_E.ACTIVE,
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .order_by("start_date")
            .first()
        )
        if arrangement is None:
            raise Conflict(
                "计划与当前照护安排不一致（机构或照护方式已变更，或待遇已终止），请重新制定",
                code="plan_outdated",
            )
        lines = [
            PlanLineInput(item_code=i.item.code, times=i.times, period=i.period, minutes=i.minutes)
            for i in plan.items.select_related("item")
        ]
        _check_plan(plan.package, lines, _visits(plan.visits_times, plan.visits_period))
        start = max(today, arrangement.start_date)
        if plan.status == _P.DRAFT:
            for previous in CarePlan.objects.select_for_update().filter(
                person_id=plan.person_id, status=_P.CONFIRMED
            ):
                apply(
                    PLAN_FLOW,
                    previous,
                    "supersede",
                    actor=actor,
                    reason=f"第{plan.version}版已确认",
                    check_right=False,
                    extra_updates={"valid_until": start - ONE_DAY},
                )
        apply(
            PLAN_FLOW,
            plan,
            "confirm",
            actor=actor,
            check_right=False,
            reason=f"{ConfirmationChannel(channel).label}：{signer_name}"
            f"（{RELATIONSHIPS.get(signer_relationship, signer_relationship)}）",
            extra_updates={
                "valid_from": start,
                "confirmed_at": clock.now(),
                "confirmed_by": _user(actor),
                "confirmation_channel": channel,
                "signer_name": signer_name[:40],
                "signer_relationship": signer_relationship,
                "confirmation_note": (note or "")[:300],
            },
        )
        audit.record(
            action="update",
            obj=plan,
            user=actor,
            note=f"确认护理计划第{plan.version}版（{ConfirmationChannel(channel).label}，"
            f"{signer_name}），{start}起执行",
        )
    return plan


# --- caregiver assignments ------------------------------------------------------------------


def assignment_create(
    *,
    actor,
    person_id: int,
    caregiver_id: int,
    item_code: str = "",
    start_date=None,
    institution_id: int | None = None,
) -> Assignment:
    """Assign one of the institution's caregivers to a beneficiary (or one item of their plan);
    refused if the caregiver could not serve that day (certificate, status, institution)."""
    institution = _own_institution(actor, institution_id)
    day = _date(start_date, "start_date", "起始日", required=False) or _today()
    with transaction.atomic():
        arrangement = (
            Arrangement.objects.filter(
                person_id=person_id,
                institution=institution,
                start_date__lte=day,
                entitlement__status=_E.ACTIVE,
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .first()
        )
        if arrangement is None:
            raise Conflict(f"该参保人在{day}没有由本机构提供服务的有效待遇", code="no_arrangement")
        caregiver: Caregiver = get_scoped(
            Caregiver.objects.select_related("institution__organization").prefetch_related(
                "certificates"
            ),
            actor,
            pk=caregiver_id,
        )
        if caregiver.institution_id != institution.pk:
            raise NotFound()
        if caregiver.kind == CaregiverKind.FAMILY and caregiver.beneficiary_id != int(person_id):
            raise Conflict(
                f"亲情护理员{caregiver.name}只能服务其关联的参保人",
                code="caregiver_family_other_person",
                fields={"caregiver_id": "亲情护理员只能服务其关联的参保人"},
            )
        item = None
        if item_code:
            plan_item = (
                CarePlanItem.objects.select_related("item")
                .filter(
                    plan__person_id=person_id,
                    plan__status=_P.CONFIRMED,
                    item__code=item_code.strip().upper(),
                )
                .first()
            )
            if plan_item is None:
                raise _invalid("item_code", "item_not_in_plan", "该项目不在执行中的护理计划里")
            item = plan_item.item
        providers.caregiver_assert_assignable(
            caregiver, day, qualification=item.qualification if item else ""
        )
        duplicate = Assignment.objects.filter(
            person_id=person_id, caregiver=caregiver, item=item
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        if duplicate.exists():
            raise Conflict("该护理员已派定给此参保人", code="assignment_exists")
        assignment = Assignment.objects.create(
            person_id=person_id,
            institution=institution,
            caregiver=caregiver,
            item=item,
            start_date=day,
            created_by=_user(actor),
        )
        audit.record(
            action="create",
            obj=assignment,
            user=actor,
            note=f"派定护理员{caregiver.name}"
            + (f"负责“{item.name}”" if item else "")
            + f"，{day}起",
        )
    return assignment


def assignment_end(*, actor, assignment_id: int, end_date=None) -> Assignment:
    institution = _own_institution(actor)
    day = _date(end_date, "end_date", "截止日", required=False) or _today()
    with transaction.atomic():
        assignment = get_scoped(Assignment.objects.select_for_update(), actor, pk=assignment_id)
        if assignment.institution_id != institution.pk:
            raise NotFound()
        if assignment.end_date is not None and assignment.end_date <= day:
            raise Conflict("该派定已结束", code="assignment_ended")
        if day < assignment.start_date:
            raise _invalid("end_date", "date_order", "截止日不能早于起始日")
        assignment.end_date = day
        assignment.save(update_fields=["end_date"])
        audit.record(action="update", obj=assignment, user=actor, note=f"结束派定：{day}")
    return assignment


def beneficiary_of_institution(actor, person_id: int, institution: Institution) -> Person | None:
    """For family caregivers: a person with an active entitlement cared for by ``institution``."""
    scope = scope_of(actor)
    if (
        scope.organization_kind == OrgKind.CARE
        and scope.organization_id != institution.organization_id
    ):
        return None
    if not Arrangement.objects.filter(
        person_id=person_id, institution=institution, entitlement__status=_E.ACTIVE
    ).exists():
        return None
    return Person.objects.filter(pk=person_id).first()
