"""Transfers (转移安置): moving the beneficiaries of an institution that can no longer serve.

When an institution is terminated, or its agreement is ended early with none other in force,
providers calls :func:`transfers_open_for_institution` (an exit handler installed by
``care.signals``): one case per current beneficiary, due ``TRANSFER_DAYS`` days after the
institution's last day of service, and a notice to the family. The family (on their pages) or
the case worker (back office) chooses a new institution among those that can serve
(:func:`transfer_options`: active, an agreement in force, offering the person's care mode, in
or covering the person's district). The case worker completes the case from an effective date
(:func:`transfer_complete`): the entitlement's arrangement moves through
``entitlement_change_arrangement`` (the one path: the old arrangement ends the day before, the
plan in force ends, the old institution's caregiver assignments end), the plan is re-drafted at
the new institution from the old plan's items and waits for the family's confirmation (the
usual confirmation flow), and the family is told.

Until completion the old institution stays on the arrangement (a transition period: the
beneficiary is not left without care); settlement pays it up to the day before the effective
date, and the new institution from that day, since settlement reads arrangements.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Q

from changhu.care import catalogue as catalogues
from changhu.care.eligibility import ONE_DAY
from changhu.care.models import (
    Arrangement,
    CarePlan,
    CarePlanItem,
    ChoiceChannel,
    Entitlement,
    FamilyNotice,
    Transfer,
    TransferCause,
    TransferStatus,
)
from changhu.care.services._common import _E, _P, _date, _reason, _today, _user
from changhu.care.services.entitlements import entitlement_change_arrangement
from changhu.care.services.plans import PlanLineInput, _check_plan, _write_items
from changhu.core import audit, clock
from changhu.core.errors import Conflict, DomainError, PermissionDenied, field_error
from changhu.core.scope import get_scoped, scope_of
from changhu.core.transitions import Transition, Workflow, apply
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers import services as providers
from changhu.providers.models import AgreementStatus, Institution, InstitutionStatus
from changhu.providers.rules import MODE_LABELS

# A family has this many days after the institution's last day of service to be moved; after
# it the case is overdue on the case worker's queue. Fifteen days is the notice an institution
# leaving the scheme must give its residents in the pilot cities' agreements (and half a
# settlement month, so at most one month is paid during the transition).
TRANSFER_DAYS = 15
# How far ahead the effective date of a move may be set.
EFFECTIVE_AHEAD_DAYS = 30

_T = TransferStatus
TRANSFER_FLOW = Workflow(
    "transfer",
    {
        "choose": Transition({_T.OPEN, _T.ASSIGNED}, _T.ASSIGNED, Right.CARE_VIEW, "选定新机构"),
        "complete": Transition({_T.ASSIGNED}, _T.COMPLETED, Right.CARE_ENTITLEMENT, "完成转移"),
        "cancel": Transition({_T.OPEN, _T.ASSIGNED}, _T.CANCELLED, Right.CARE_ENTITLEMENT, "撤销"),
    },
    labels=TransferStatus,
)


def _notify(transfer: Transfer, title: str, body: str) -> FamilyNotice:
    return FamilyNotice.objects.create(
        person_id=transfer.person_id, transfer=transfer, title=title, body=body[:1000]
    )


# --- opening --------------------------------------------------------------------------------


def _current_arrangements(institution: Institution, last_day: dt.date):
    """The arrangements with ``institution`` that reach past ``last_day``, of active
    entitlements still valid then: the people it was serving, or about to serve."""
    return (
        Arrangement.objects.select_related("entitlement", "person")
        .filter(institution=institution, entitlement__status=_E.ACTIVE)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=last_day))
        .filter(entitlement__valid_until__gt=last_day)
        .filter(Q(entitlement__end_date__isnull=True) | Q(entitlement__end_date__gt=last_day))
        .order_by("person__name", "pk")
    )


def transfers_open_for_institution(
    *, actor, institution: Institution, last_day: dt.date, cause: str, reason: str = ""
) -> list[Transfer]:
    """Open a transfer case for each current beneficiary of an institution that serves no more
    after ``last_day``, and tell each family. Idempotent: a person with a case pending keeps it.

    The exit handler providers calls from its termination services (which checked the right
    and scope); it is also safe to call again by hand."""
    if cause not in TransferCause.values:
        raise field_error("cause", "transfer_cause_invalid", "转移原因应为机构终止或协议解除")
    opened = []
    pending = set(
        Transfer.objects.filter(status__in=[_T.OPEN, _T.ASSIGNED]).values_list(
            "person_id", flat=True
        )
    )
    due = last_day + dt.timedelta(days=TRANSFER_DAYS)
    for arrangement in _current_arrangements(institution, last_day):
        if arrangement.person_id in pending:
            continue
        transfer = Transfer.objects.create(
            person=arrangement.person,
            entitlement=arrangement.entitlement,
            from_institution=institution,
            care_mode=arrangement.care_mode,
            cause=cause,
            stopped_on=last_day,
            due_on=due,
            note=(reason or "")[:300],
            created_by=_user(actor),
        )
        pending.add(arrangement.person_id)
        why = TransferCause(cause).label
        audit.record(
            action="create",
            obj=transfer,
            user=actor,
            note=f"{institution.name}{why}，{last_day}后不再提供服务，开始转移安置"
            f"（请于{due}前选定新机构）",
        )
        audit.record(
            action="update",
            obj=arrangement.entitlement,
            user=actor,
            note=f"原护理机构{institution.name}{why}（最后服务日{last_day}），待转移安置",
        )
        _notify(
            transfer,
            "请为老人选择新的护理机构",
            f"{arrangement.person.name}的护理机构“{institution.name}”因{why}，"
            f"{last_day.isoformat()}以后不再提供长期护理保险服务。请在{due.isoformat()}前"
            "在“更换护理机构”页面选择新的护理机构，或到经办窗口办理；选定前原机构继续服务。",
        )
        opened.append(transfer)
    return opened


def on_institution_exit(*, actor, institution, last_day, cause, reason) -> None:
    """The exit handler installed in providers (``care.signals.connect``)."""
    transfers_open_for_institution(
        actor=actor, institution=institution, last_day=last_day, cause=cause, reason=reason
    )


# --- choosing the new institution -------------------------------------------------------------


def _serving_day(transfer: Transfer) -> dt.date:
    return max(_today(), transfer.stopped_on + ONE_DAY)


def transfer_options(transfer: Transfer, *, day: dt.date | None = None) -> list[Institution]:
    """The institutions that could take the person over on ``day`` (by default the first day
    the old institution no longer serves, or today): active, with an agreement in force,
    offering the person's care mode, located in or covering the person's district; those in
    the district first, then by name. A system read: the caller has the case in scope."""
    day = day or _serving_day(transfer)
    district = transfer.person.region_code[:6]
    candidates = (
        Institution.objects.select_related("organization")
        .prefetch_related("agreements")
        .filter(status=InstitutionStatus.ACTIVE)
        .exclude(pk=transfer.from_institution_id)
        .filter(
            Q(region_code__startswith=district)
            | Q(organization__coverage__code__startswith=district)
        )
        .filter(
            agreements__status=AgreementStatus.ACTIVE,
            agreements__valid_from__lte=day,
            agreements__valid_until__gte=day,
        )
        .distinct()
    )
    out = []
    for institution in candidates:
        if not institution.offers(transfer.care_mode):
            continue
        if providers.agreement_in_force(institution, day) is None:
            continue
        out.append(institution)
    return sorted(out, key=lambda i: (not i.region_code.startswith(district), i.name))


def _transfer_for_update(actor, transfer_id: int) -> Transfer:
    return get_scoped(
        Transfer.objects.select_for_update(of=("self",)).select_related(
            "person", "from_institution__organization", "to_institution__organization"
        ),
        actor,
        pk=transfer_id,
    )


def transfer_assign(*, actor, transfer_id: int, institution_id, note: str = "") -> Transfer:
    """Choose the new institution of a pending case: the family for a person they act for
    (on their pages) or the case worker (back office); only an institution of
    :func:`transfer_options` is accepted. A second choice replaces the first until the case
    is completed."""
    s = scope_of(actor)
    if s.can(Right.CARE_ENTITLEMENT):
        channel = ChoiceChannel.CASE_WORKER
    elif s.can(Right.INSURED_SELF) and s.organization_kind != OrgKind.CARE:
        channel = ChoiceChannel.FAMILY
    else:
        raise PermissionDenied()
    if not institution_id:
        raise field_error("institution_id", "institution_required", "请选择护理机构")
    try:
        target_id = int(institution_id)
    except (TypeError, ValueError):
        raise field_error("institution_id", "institution_required", "请选择护理机构") from None
    with transaction.atomic():
        transfer = _transfer_for_update(actor, transfer_id)
        if not transfer.pending:
            raise Conflict(
                f"该转移安置{transfer.get_status_display()}，不能再选择机构",
                code="transfer_not_pending",
            )
        options = {i.pk: i for i in transfer_options(transfer)}
        institution = options.get(target_id)
        if institution is None:
            raise Conflict(
                "所选机构不能承接该参保人（须正常运营、有有效服务协议、提供"
                f"{MODE_LABELS[transfer.care_mode]}并服务参保人所在区县）",
                code="transfer_institution_unavailable",
                fields={"institution_id": "请从可选机构中选择"},
            )
        before = transfer.to_institution.name if transfer.to_institution_id else "—"
        apply(
            TRANSFER_FLOW,
            transfer,
            "choose",
            actor=actor,
            reason=f"{ChoiceChannel(channel).label}：{institution.name}",
            check_right=False,  # family or case worker, decided above
            audit=False,  # recorded below
            extra_updates={
                "to_institution": institution,
                "choice_channel": channel,
                "chosen_by": _user(actor),
                "chosen_at": clock.now(),
                "note": ((note or "").strip() or transfer.note)[:300],
            },
        )
        audit.record(
            action="update",
            obj=transfer,
            user=actor,
            changes={
                "to_institution": {"label": "新护理机构", "old": before, "new": institution.name}
            },
            note=f"{ChoiceChannel(channel).label}新护理机构：{institution.name}",
        )
    return transfer


# --- completing -------------------------------------------------------------------------------


def _redraft_plan(actor, transfer: Transfer, arrangement: Arrangement, previous: CarePlan | None):
    """The old plan's items as a draft at the new institution, for the family to confirm; None
    when there was no plan, or its items no longer fit the package in force (the new
    institution then drafts one itself)."""
    if previous is None:
        return None
    day = arrangement.start_date
    entitlement = arrangement.entitlement
    catalogue = catalogues.catalogue_in_force(day)
    package = catalogue and catalogues.package_for(
        catalogue, grade=entitlement.grade, care_mode=arrangement.care_mode
    )
    if package is None:
        return None
    lines = [
        PlanLineInput(
            item_code=i.item.code, times=i.times, period=i.period, minutes=i.minutes, note=i.note
        )
        for i in CarePlanItem.objects.filter(plan=previous).select_related("item")
    ]
    visits = (previous.visits_times, previous.visits_period) if previous.visits_times else None
    try:
        checked = _check_plan(package, lines, visits)
    except DomainError:  # a line the package in force refuses: the institution drafts anew
        return None
    latest = CarePlan.objects.filter(person_id=transfer.person_id).aggregate(v=Max("version"))["v"]
    plan = CarePlan.objects.create(
        person_id=transfer.person_id,
        entitlement=entitlement,
        institution=arrangement.institution,
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
        note=f"转移安置：沿用原护理机构{transfer.from_institution.name}的计划，待重新确认"[:300],
        drafted_by=_user(actor),
    )
    _write_items(plan, lines, checked)
    audit.record(
        action="create",
        obj=plan,
        user=actor,
        note=f"转移安置：在{arrangement.institution.name}按原计划生成第{plan.version}版，"
        "待参保人或监护人重新确认",
    )
    return plan


def transfer_complete(*, actor, transfer_id: int, effective_date=None) -> Transfer:
    """Move the person to the chosen institution from ``effective_date`` (default: the first
    day the old institution no longer serves, or today if later): the arrangement changes (the
    old one ends the day before; the plan in force and the old institution's caregiver
    assignments end that day), the plan is re-drafted at the new institution for re-confirmation,
    and the family is told."""
    s = scope_of(actor)
    if not s.can(Right.CARE_ENTITLEMENT):
        raise PermissionDenied()
    day = _date(effective_date, "effective_date", "转入生效日期", required=False)
    with transaction.atomic():
        transfer = _transfer_for_update(actor, transfer_id)
        if transfer.status != _T.ASSIGNED:
            raise Conflict(
                "请先选定新的护理机构" if transfer.status == _T.OPEN else "该转移安置已办结",
                code="transfer_not_assigned",
            )
        day = day or _serving_day(transfer)
        latest = _today() + dt.timedelta(days=EFFECTIVE_AHEAD_DAYS)
        if not (transfer.stopped_on <= day <= latest):
            raise field_error(
                "effective_date",
                "date_order",
                f"转入生效日期应在{transfer.stopped_on}至{latest}之间",
            )
        entitlement = Entitlement.objects.get(pk=transfer.entitlement_id)
        if entitlement.status != _E.ACTIVE or day > entitlement.last_day:
            raise Conflict("待遇资格已到期或终止，请撤销该转移安置", code="entitlement_not_active")
        previous = (
            CarePlan.objects.filter(person_id=transfer.person_id, status=_P.CONFIRMED)
            .order_by("-version")
            .first()
        )
        arrangement = entitlement_change_arrangement(
            actor=actor,
            entitlement_id=transfer.entitlement_id,
            effective_date=day,
            institution_id=transfer.to_institution_id,
            reason=f"转移安置：原护理机构{transfer.from_institution.name}"
            f"{TransferCause(transfer.cause).label}",
        )
        plan = _redraft_plan(actor, transfer, arrangement, previous)
        apply(
            TRANSFER_FLOW,
            transfer,
            "complete",
            actor=actor,
            reason=f"{day}起由{transfer.to_institution.name}提供服务",
            check_right=False,
            audit=False,  # recorded below
            extra_updates={
                "effective_date": day,
                "completed_by": _user(actor),
                "completed_at": clock.now(),
                "new_arrangement": arrangement,
                "new_plan": plan,
            },
        )
        audit.record(
            action="update",
            obj=transfer,
            user=actor,
            note=f"完成转移：{day}起由{transfer.to_institution.name}提供服务"
            + (f"，护理计划第{plan.version}版待确认" if plan else "，待新机构制定护理计划"),
        )
        then = "新的护理计划已按原计划生成，请确认后执行" if plan else "新机构将为老人制定护理计划"
        _notify(
            transfer,
            "护理机构已更换",
            f"自{day.isoformat()}起，{transfer.person.name}的长期护理保险服务由"
            f"“{transfer.to_institution.name}”提供（原机构“{transfer.from_institution.name}”"
            f"服务至{(day - ONE_DAY).isoformat()}）。{then}。",
        )
    return transfer


def transfer_cancel(*, actor, transfer_id: int, reason: str) -> Transfer:
    """Close a pending case that needs no move (the entitlement ended, the person died, the
    family declined care), with a reason."""
    reason = _reason(reason)
    if not scope_of(actor).can(Right.CARE_ENTITLEMENT):
        raise PermissionDenied()
    with transaction.atomic():
        transfer = _transfer_for_update(actor, transfer_id)
        apply(TRANSFER_FLOW, transfer, "cancel", actor=actor, reason=reason, check_right=False)
    return transfer


def family_notice_read(*, actor, notice_id: int) -> FamilyNotice:
    """The family marks a notice read (idempotent)."""
    notice = get_scoped(FamilyNotice.objects.all(), actor, pk=notice_id)
    if notice.read_at is None:
        FamilyNotice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=clock.now())
        notice.refresh_from_db()
    return notice
