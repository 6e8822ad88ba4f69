"""Every write about entitlements, care arrangements, care plans and caregiver assignments.

Entitlements open from a qualifying conclusion (:func:`entitlement_open_from_conclusion`, called
by the assessment workflow), never overlap for one person, and carry arrangements that change on
a date; they end on death, loss of insured status, recovery or a new grade at re-assessment, or
when the conclusion's validity runs out. Care plans are drafted by the institution from the
package for the person's grade and mode, checked against the package's limits before anything
is written, and are in force only once the beneficiary or guardian confirms them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

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
                fields={"valid_from": "与已有待遇资格期间重叠"},
            )


def entitlement_open_from_conclusion(
    *,
    actor,
    person_id: int,
    grade: int,
    conclusion_ref: str,
    valid_from,
    valid_until,
    care_mode: str,
    institution_id: int,
    social_support: bool = False,
) -> Entitlement:
    """Open an entitlement from a qualifying conclusion, with the care mode and institution the
    guardian chose. Calling again with the same conclusion and terms returns the first result."""
    require(actor, Right.CARE_ENTITLEMENT)
    try:
        grade = int(grade)
    except (TypeError, ValueError):
        raise _invalid("grade", "grade_invalid", "失能等级应为0到5的整数") from None
    if grade not in conf.qualifying_grades():
        qualifying = "、".join(conf.grade_label(g) for g in sorted(conf.qualifying_grades()))
        raise _invalid(
            "grade",
            "grade_not_qualifying",
            f"{conf.grade_label(grade)}不享受待遇（享受等级：{qualifying}）",
        )
    ref = (conclusion_ref or "").strip()
    if not ref or len(ref) > 64:
        raise _invalid(
            "conclusion_ref", "conclusion_ref_required", "请填写评估结论编号（不超过64字）"
        )
    start = _date(valid_from, "valid_from", "待遇起始日")
    until = _date(valid_until, "valid_until", "结论有效期至")
    if until < start:
        raise _invalid("valid_until", "date_order", "结论有效期不能早于待遇起始日")
    care_mode = _care_mode(care_mode)
    with transaction.atomic():
        person = get_scoped(Person.objects.select_for_update(), actor, pk=person_id)
        same = Entitlement.objects.filter(person=person, conclusion_ref=ref).first()
        if same is not None:
            first = same.arrangements.order_by("start_date").first()
            if (same.grade, same.valid_from, same.valid_until) == (grade, start, until) and (
                first is not None
                and (first.care_mode, first.institution_id) == (care_mode, int(institution_id))
            ):
                return same
            raise Conflict(
                f"评估结论{ref}已用于另一条待遇资格",
                code="entitlement_duplicate_conclusion",
                fields={"conclusion_ref": "该评估结论已生成待遇资格"},
            )
        if person.status == PersonStatus.DECEASED:
            raise Conflict("参保人已身故，不能开始享受待遇", code="person_deceased")
        if person.status != PersonStatus.ACTIVE:
            raise Conflict("参保人不是正常参保状态，不能享受待遇", code="person_not_insured")
        _check_no_overlap(person, start, until)
        institution = _institution(actor, institution_id)
        providers.institution_assert_can_serve(institution, start, care_mode=care_mode)
        entitlement = Entitlement.objects.create(
            person=person,
            grade=grade,
            conclusion_ref=ref,
            valid_from=start,
            valid_until=until,
            created_by=_user(actor),
        )
        Arrangement.objects.create(
            entitlement=entitlement,
            person=person,
            start_date=start,
            care_mode=care_mode,
            institution=institution,
            social_support=bool(social_support),
            reason="按评估结论开始享受待遇",
            created_by=_user(actor),
        )
        audit.record(
            action="create",
            obj=entitlement,
            user=actor,
            note=f"{person.name}：{conf.grade_label(grade)}，{start}至{until}，"
            f"{MODE_LABELS[care_mode]}，{institution.name}（结论{ref}）",
        )
    return entitlement


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
        return _terminate(actor, entitlement, last, reason, note, check_right=check_right)


def _terminate(actor, entitlement, last: dt.date, reason: str, note: str, *, check_right=True):
    if last > entitlement.last_day or last < entitlement.valid_from - ONE_DAY:
        raise _invalid(
            "end_date",
            "date_order",
            f"终止日期应在{entitlement.valid_from - ONE_DAY}至{entitlement.last_day}之间",
        )
    label = EndReason(reason).label
    text = f"{label}：{note.strip()}" if note and note.strip() else label
    apply(
        ENTITLEMENT_FLOW,
        entitlement,
        "terminate",
        actor=actor,
        reason=f"{text}（最后享受日{last}）",
        check_right=check_right,
        extra_updates={"end_date": last, "end_reason": reason, "end_note": (note or "")[:300]},
    )
    entitlement.arrangements.filter(start_date__lte=last).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=last)
    ).update(end_date=last)
    _end_plans(actor, entitlement.person_id, last, f"待遇终止：{text}")
    _end_assignments(entitlement.person_id, max(last, entitlement.valid_from))
    audit.record(action="update", obj=entitlement, user=actor, note=f"终止待遇：{text}，{last}")
    return entitlement


def entitlements_expire_due(*, actor=None, today: dt.date | None = None, person_ids=None) -> int:
    """Mark active entitlements whose conclusion validity has run out as expired."""
    if actor is not None:
        require(actor, Right.CARE_ENTITLEMENT)
    today = today or _today()
    count = 0
    due = Entitlement.objects.filter(status=_E.ACTIVE, valid_until__lt=today)
    if person_ids is not None:
        due = due.filter(person_id__in=list(person_ids))
    for entitlement_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            entitlement = Entitlement.objects.select_for_update().get(pk=entitlement_id)
            if entitlement.status != _E.ACTIVE:
                continue
            apply(
                ENTITLEMENT_FLOW,
                entitlement,
                "expire",
                actor=actor,
                reason=f"评估结论有效期至{entitlement.valid_until}",
                check_right=False,
                extra_updates={"end_reason": EndReason.EXPIRED},
            )
            _end_plans(actor, entitlement.person_id, entitlement.valid_until, "待遇到期")
            _end_assignments(entitlement.person_id, entitlement.valid_until)
            count += 1
    return count


def entitlements_reconcile(
    *, actor=None, person_ids=None, today: dt.date | None = None
) -> dict[str, int]:
    """Bring entitlement statuses in line with the register: terminate on death and on loss of
    insured status, expire at the end of validity. Safe to run any number of times."""
    if actor is not None:
        require(actor, Right.CARE_ENTITLEMENT)
    counts = {"death": 0, "insured_lost": 0, "expired": 0}
    person_ids = None if person_ids is None else list(person_ids)
    active = Entitlement.objects.filter(status=_E.ACTIVE).exclude(
        person__status=PersonStatus.ACTIVE
    )
    if person_ids is not None:
        active = active.filter(person_id__in=list(person_ids))
    for entitlement_id in active.values_list("pk", flat=True):
        with transaction.atomic():
            entitlement = (
                Entitlement.objects.select_for_update()
                .select_related("person")
                .get(pk=entitlement_id)
            )
            if entitlement.status != _E.ACTIVE:
                continue
            person = entitlement.person
            if person.status == PersonStatus.DECEASED and person.died_on:
                if person.died_on > entitlement.last_day:
                    continue  # it ran out before the death: expiry handles it
                last = max(person.died_on, entitlement.valid_from - ONE_DAY)
                _terminate(actor, entitlement, last, EndReason.DEATH, "", check_right=False)
                counts["death"] += 1
            elif person.status == PersonStatus.SUSPENDED:
                ended = (
                    person.enrolments.exclude(end_date__isnull=True)
                    .order_by("-end_date")
                    .values_list("end_date", flat=True)
                    .first()
                ) or (today or _today())
                last = min(max(ended, entitlement.valid_from - ONE_DAY), entitlement.last_day)
                _terminate(actor, entitlement, last, EndReason.INSURED_LOST, "", check_right=False)
                counts["insured_lost"] += 1
    counts["expired"] = entitlements_expire_due(today=today, person_ids=person_ids)
    return counts


def entitlement_apply_reassessment(
    *, actor, person_id: int, grade: int, conclusion_ref: str, valid_from, valid_until
) -> Entitlement | None:
    """A re-assessment's conclusion: a qualifying grade replaces the current entitlement from
    ``valid_from`` (same mode and institution); any other grade ends it (recovery)."""
    require(actor, Right.CARE_ENTITLEMENT)
    start = _date(valid_from, "valid_from", "新结论生效日")
    with transaction.atomic():
        person = get_scoped(Person.objects.select_for_update(), actor, pk=person_id)
        current = (
            Entitlement.objects.select_for_update()
            .filter(person=person, status=_E.ACTIVE, valid_from__lte=start)
            .order_by("-valid_from")
            .first()
        )
        if current is None:
            raise Conflict("该参保人没有正在享受的待遇资格", code="no_current_entitlement")
        last = min(start - ONE_DAY, current.last_day)
        arrangement = (
            current.arrangements.filter(start_date__lte=max(last, current.valid_from))
            .order_by("-start_date")
            .first()
        )
        try:
            qualifies = int(grade) in conf.qualifying_grades()
        except (TypeError, ValueError):
            raise _invalid("grade", "grade_invalid", "失能等级应为0到5的整数") from None
        reason = EndReason.REASSESSMENT if qualifies else EndReason.RECOVERY
        _terminate(actor, current, last, reason, f"复评结论{conclusion_ref}")
        if not qualifies:
            return None
        return entitlement_open_from_conclusion(
            actor=actor,
            person_id=person.pk,
            grade=grade,
            conclusion_ref=conclusion_ref,
            valid_from=start,
            valid_until=valid_until,
            care_mode=arrangement.care_mode,
            institution_id=arrangement.institution_id,
            social_support=arrangement.social_support,
        )


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
