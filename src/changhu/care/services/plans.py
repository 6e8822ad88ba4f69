"""Care plans: one per person, drafted by the institution, confirmed with the guardian, revised
after a new grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from changhu.care import catalogue as catalogues
from changhu.care import plans
from changhu.care.eligibility import ONE_DAY
from changhu.care.models import (
    Arrangement,
    CarePlan,
    CarePlanItem,
    ConfirmationChannel,
    Entitlement,
    Period,
)
from changhu.care.services._common import _E, _P, PLAN_FLOW, _date, _today, _user
from changhu.core import audit, clock
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, field_error
from changhu.core.scope import get_scoped, require
from changhu.core.transitions import apply
from changhu.insured.models import ApplicantLink
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers import services as providers
from changhu.providers.models import Institution
from changhu.providers.rules import MODE_LABELS

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
            raise field_error(
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
        raise field_error("visits", "plan_visits_invalid", "上门频次无效") from None


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
            raise field_error("signer_name", "signer_required", "请填写确认人姓名")
        if signer_relationship not in RELATIONSHIPS:
            raise field_error(
                "signer_relationship", "relationship_invalid", "请选择确认人与参保人的关系"
            )
    else:
        raise field_error("channel", "channel_invalid", "确认方式应为线上确认或窗口确认")
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
            audit=False,  # recorded below with the signer
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
