"""Designated institutions and their agreements: details, status changes, renewals and expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction

from changhu.core import audit
from changhu.core.errors import Conflict, ValidationFailed, field_error
from changhu.core.scope import get_scoped, require
from changhu.core.transitions import apply
from changhu.orgs.models import (
    Organization,
)
from changhu.orgs.roles import Right
from changhu.providers import rules
from changhu.providers.models import (
    Agreement,
    AgreementStatus,
    Institution,
    InstitutionStatus,
    InstitutionStatusChange,
    ServicePoint,
)
from changhu.providers.services._common import (
    INSTITUTION_FLOW,
    _date,
    _raise,
    _reason,
    _region,
    _today,
)
from changhu.providers.services.admission import (
    AgreementInput,
    _clean_points,
    _create_agreement,
    clean_agreement,
)

# --- leaving the scheme ---------------------------------------------------------------------

# What happens to the people an institution serves when it can no longer serve them (it is
# terminated, or its agreement is ended early with no other in force): ``care`` installs a
# handler that opens a transfer case (转移安置) for each beneficiary. Handlers run inside the
# termination's transaction, so a refusal there rolls the termination back. Each is called as
# ``handler(actor=, institution=, last_day=, cause=, reason=)``; ``cause`` is
# ``"institution_terminated"`` or ``"agreement_terminated"`` and ``last_day`` the institution's
# last day of service.
ExitHandler = Callable[..., object]
_exit_handlers: list[ExitHandler] = []


def register_exit_handler(handler: ExitHandler) -> None:
    if handler not in _exit_handlers:
        _exit_handlers.append(handler)


def _exited(actor, institution: Institution, last_day: dt.date, cause: str, reason: str) -> None:
    for handler in _exit_handlers:
        handler(actor=actor, institution=institution, last_day=last_day, cause=cause, reason=reason)


# --- institutions and agreements ------------------------------------------------------------


def _institution_for_update(actor, institution_id: int) -> Institution:
    return get_scoped(
        Institution.all_kinds.select_for_update().select_related("organization"),
        actor,
        pk=institution_id,
    )


def institution_set_status(
    *, actor, institution_id: int, action: str, reason: str, effective_on=None
) -> Institution:
    """Suspend, reinstate or terminate (淘汰) an institution, with a reason and a date.

    The organization's status follows, so its users lose their data scope at once; terminating
    also ends its agreements on the effective date.
    """
    if action not in INSTITUTION_FLOW.transitions:
        raise ValidationFailed(
            "操作应为暂停、恢复或终止", code="status_action", fields={"action": "不是允许的操作"}
        )
    require(actor, Right.PROVIDERS_ADMIT)
    reason = _reason(reason)
    problems: list = []
    day = _date(effective_on, "effective_on", "生效日期", required=False, problems=problems)
    _raise(problems)
    day = day or _today()
    if day > _today():
        raise field_error("effective_on", "date_in_future", "生效日期不能晚于今天")
    with transaction.atomic():
        institution = _institution_for_update(actor, institution_id)
        last = institution.status_changes.order_by("-effective_on", "-id").first()
        if last is not None and day < last.effective_on:
            raise ValidationFailed(
                f"生效日期不能早于上次状态变更（{last.effective_on}）",
                code="date_order",
                fields={"effective_on": "生效日期早于上次状态变更"},
            )
        before = institution.status
        apply(
            INSTITUTION_FLOW,
            institution,
            action,
            actor=actor,
            reason=reason,
            extra_updates={"status_since": day, "status_reason": reason},
            audit=False,  # recorded below
        )
        Organization.objects.filter(pk=institution.organization_id).update(
            status=institution.status
        )
        institution.organization.status = institution.status
        InstitutionStatusChange.objects.create(
            institution=institution,
            from_status=before,
            to_status=institution.status,
            effective_on=day,
            reason=reason,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        if action == "terminate":
            _end_agreements(institution, day)
            _exited(actor, institution, day, "institution_terminated", reason)
        labels = dict(InstitutionStatus.choices)
        audit.record(
            action="update",
            obj=institution,
            user=actor,
            changes={
                "status": {
                    "label": "状态",
                    "old": labels[before],
                    "new": labels[institution.status],
                }
            },
            note=f"{reason}（{day.isoformat()}起）",
        )
    return institution


def _end_agreements(institution: Institution, day: dt.date) -> None:
    live = Agreement.objects.filter(institution=institution, status=AgreementStatus.ACTIVE)
    live.filter(valid_from__gt=day).update(status=AgreementStatus.TERMINATED, ended_on=None)
    live.filter(valid_from__lte=day, valid_until__gte=day).update(
        status=AgreementStatus.TERMINATED, ended_on=day
    )


def institution_update_profile(
    *,
    actor,
    institution_id: int,
    beds=None,
    care_modes: list[str] | None = None,
    staff_count=None,
    nurse_count=None,
    care_worker_count=None,
) -> Institution:
    """Change beds, care modes offered and staff numbers; audited."""
    require(actor, Right.PROVIDERS_ADMIT)
    with transaction.atomic():
        institution = _institution_for_update(actor, institution_id)
        problems: list = []
        before = {
            "beds": institution.beds,
            "care_modes": list(institution.care_modes),
            "staff_count": institution.staff_count,
            "nurse_count": institution.nurse_count,
            "care_worker_count": institution.care_worker_count,
        }
        after = dict(before)
        for key, label, value in (
            ("beds", "床位数", beds),
            ("staff_count", "从业人员数", staff_count),
            ("nurse_count", "护士数", nurse_count),
            ("care_worker_count", "护理员数", care_worker_count),
        ):
            if value is not None:
                parsed = rules.parse_count(value, key, label)
                if isinstance(parsed, rules.Problem):
                    problems.append(parsed)
                else:
                    after[key] = parsed
        if care_modes is not None:
            modes = rules.check_modes(
                institution.organization.care_kind,
                [rules.MODE_WORDS.get(m, m) for m in care_modes],
            )
            if isinstance(modes, rules.Problem):
                problems.append(modes)
            else:
                after["care_modes"] = modes
        if "institutional" in after["care_modes"] and not after["beds"]:
            problems.append(rules.Problem("beds", "beds_required", "提供机构照护须填写床位数"))
        _raise(problems)
        for key, value in after.items():
            setattr(institution, key, value)
        institution.save()
        labels = {
            "beds": "床位数",
            "care_modes": "照护方式",
            "staff_count": "从业人员数",
            "nurse_count": "护士数",
            "care_worker_count": "护理员数",
        }
        changes = audit.diff(before, after, labels=labels)
        if changes:
            audit.record(action="update", obj=institution, user=actor, changes=changes)
    return institution


def service_point_add(
    *,
    actor,
    institution_id: int,
    name: str,
    address: str,
    region_code: str = "",
    beds=0,
    latitude=None,
    longitude=None,
) -> ServicePoint:
    """Add a service point (服务站点) to an institution."""
    require(actor, Right.PROVIDERS_ADMIT)
    problems: list = []
    points = _clean_points(
        [{"name": name, "address": address, "region_code": region_code, "beds": beds}], problems
    )
    lat = rules.parse_coordinate(latitude, "latitude", -90, 90, "纬度")
    lon = rules.parse_coordinate(longitude, "longitude", -180, 180, "经度")
    problems += [p for p in (lat, lon) if isinstance(p, rules.Problem)]
    region = _region(region_code, problems) if region_code else None
    _raise(problems)
    with transaction.atomic():
        institution = _institution_for_update(actor, institution_id)
        if institution.service_points.filter(name=points[0]["name"]).exists():
            raise Conflict(
                "该机构已有同名服务站点",
                code="service_point_duplicate",
                fields={"name": "该机构已有同名服务站点"},
            )
        point = ServicePoint.objects.create(
            institution=institution,
            name=points[0]["name"],
            address=points[0]["address"],
            region=region or institution.organization.region,
            beds=points[0]["beds"],
            latitude=lat,
            longitude=lon,
        )
        audit.record(action="create", obj=point, user=actor, note=f"新增服务站点：{point.name}")
    return point


def agreement_sign(*, actor, institution_id: int, data: AgreementInput) -> Agreement:
    """Sign a (further) agreement with an institution that is not terminated."""
    require(actor, Right.PROVIDERS_ADMIT)
    terms = clean_agreement(data)
    with transaction.atomic():
        institution = _institution_for_update(actor, institution_id)
        if institution.status == InstitutionStatus.TERMINATED:
            raise Conflict("机构已终止（淘汰），不能签订协议", code="institution_terminated")
        return _create_agreement(actor=actor, institution=institution, terms=terms)


def agreement_renew(
    *, actor, agreement_id: int, valid_until, signed_on=None, number: str = "", note: str = ""
) -> Agreement:
    """Renew (续签): a new agreement from the day after the old one ends."""
    require(actor, Right.PROVIDERS_ADMIT)
    with transaction.atomic():
        old = get_scoped(
            Agreement.objects.select_for_update().select_related("institution"),
            actor,
            pk=agreement_id,
        )
        if old.status != AgreementStatus.ACTIVE or old.ended_on is not None:
            raise Conflict("只有有效的协议才能续签", code="agreement_not_active")
        if old.institution.status == InstitutionStatus.TERMINATED:
            raise Conflict("机构已终止（淘汰），不能续签", code="institution_terminated")
        terms = clean_agreement(
            AgreementInput(
                number=number,
                signed_on=signed_on,
                valid_from=old.valid_until + dt.timedelta(days=1),
                valid_until=valid_until,
                note=note,
            )
        )
        agreement = _create_agreement(
            actor=actor, institution=old.institution, terms=terms, previous=old
        )
        Agreement.objects.filter(pk=old.pk).update(status=AgreementStatus.RENEWED)
    return agreement


def agreement_terminate(*, actor, agreement_id: int, ended_on, reason: str) -> Agreement:
    """End an agreement early (解除协议) on a date, with a reason. When no other agreement is
    in force the day after, the institution can no longer serve: its beneficiaries' transfer
    cases are opened (the registered exit handlers), in the same transaction."""
    require(actor, Right.PROVIDERS_ADMIT)
    reason = _reason(reason)
    problems: list = []
    day = _date(ended_on, "ended_on", "解除日期", problems=problems)
    _raise(problems)
    with transaction.atomic():
        agreement = get_scoped(Agreement.objects.select_for_update(), actor, pk=agreement_id)
        if agreement.status == AgreementStatus.TERMINATED:
            raise Conflict("协议已解除", code="agreement_not_active")
        if not (agreement.valid_from <= day <= agreement.valid_until):
            raise ValidationFailed(
                "解除日期应在协议期限内", code="date_order", fields={"ended_on": "应在协议期限内"}
            )
        agreement.status = AgreementStatus.TERMINATED
        agreement.ended_on = day
        agreement.note = f"{agreement.note} 解除：{reason}".strip()[:300]
        agreement.save(update_fields=["status", "ended_on", "note"])
        audit.record(
            action="update", obj=agreement, user=actor, note=f"解除协议：{reason}（{day}）"
        )
        institution = Institution.all_kinds.select_related("organization").get(
            pk=agreement.institution_id
        )
        if agreement_in_force(institution, day + dt.timedelta(days=1)) is None:
            _exited(actor, institution, day, "agreement_terminated", reason)
    return agreement


def institution_status_on(institution: Institution, day: dt.date) -> str:
    """The status in force on ``day`` from the status history ("" before admission)."""
    history = [(c.effective_on, c.to_status) for c in institution.status_changes.all()]
    return rules.status_on(history, day)


def agreement_in_force(institution: Institution, day: dt.date) -> Agreement | None:
    for agreement in institution.agreements.all():
        if agreement.in_force_on(day):
            return agreement
    return None


def institution_in_force(institution: Institution, day: dt.date) -> bool:
    """Active and holding an agreement in force on ``day``: the designation a care or an
    assessment institution needs to take new work."""
    return (
        institution.status == InstitutionStatus.ACTIVE
        and agreement_in_force(institution, day) is not None
    )


def institution_assert_can_serve(
    institution: Institution, day: dt.date, *, care_mode: str = ""
) -> None:
    """Refuse new work for an institution that is not active, has no agreement on ``day`` or
    does not offer ``care_mode``; later features (entitlements, plans, visits) call this."""
    if institution.status != InstitutionStatus.ACTIVE:
        raise Conflict(
            f"护理机构“{institution.name}”当前状态为“{institution.get_status_display()}”，"
            "不能承接新的服务",
            code="institution_not_active",
            fields={"institution_id": "护理机构不是正常状态"},
        )
    if agreement_in_force(institution, day) is None:
        raise Conflict(
            f"护理机构“{institution.name}”在{day.isoformat()}没有有效的服务协议",
            code="institution_no_agreement",
            fields={"institution_id": "该日期没有有效的服务协议"},
        )
    if care_mode and not institution.offers(care_mode):
        label = rules.MODE_LABELS.get(care_mode, care_mode)
        raise Conflict(
            f"护理机构“{institution.name}”不提供{label}",
            code="institution_mode_not_offered",
            fields={"care_mode": f"该机构不提供{label}"},
        )
