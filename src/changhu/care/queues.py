"""Home-page queues for entitlements and care plans (imported by the web app at start): plans
awaiting confirmation, plans to revise after a change of grade, conclusions awaiting 办理待遇
(overdue once issued more than ``selectors.ENTITLEMENT_OPEN_DAYS`` days ago), and beneficiaries of
an institution that stopped serving not yet moved (overdue ``services.TRANSFER_DAYS`` days after
its last day of service)."""

from __future__ import annotations

from django.urls import reverse

from changhu.care import assignment_selectors, selectors, transfer_selectors
from changhu.care.models import CarePlanStatus
from changhu.orgs.roles import Right
from changhu.web.queues import register_queue


def _drafts(user) -> int:
    return selectors.care_plan_list(fetched_by=user).filter(status=CarePlanStatus.DRAFT).count()


register_queue(
    "care.plans_to_confirm",
    "待确认的护理计划",
    Right.CARE_PLAN_CONFIRM,
    _drafts,
    lambda: reverse("care:plan_list") + "?status=draft",
    icon="pen",
    hint="参保人或监护人在窗口签字确认后生效",
    order=70,
)


def _unassigned(user) -> int:
    return assignment_selectors.assignment_beneficiaries(fetched_by=user, unassigned=True).count()


register_queue(
    "care.unassigned",
    "待派定护理员的服务对象",
    Right.CARE_PLAN,
    _unassigned,
    lambda: reverse("care:assignment_list") + "?unassigned=on",
    icon="person-check",
    hint="本机构今日享受待遇、但还没有护理员为其服务的参保人",
    order=72,
)


def _to_revise(user) -> int:
    return selectors.care_plan_list(
        fetched_by=user, filters=selectors.PlanFilters(revision=True)
    ).count()


register_queue(
    "care.plans_to_revise",
    "等级变更需修订的护理计划",
    Right.CARE_PLAN,
    _to_revise,
    lambda: reverse("care:plan_list") + "?revision=on",
    icon="arrow-repeat",
    hint="复评后失能等级变化，原服务包不再适用，请按新等级制定计划",
    order=65,
)


def _awaiting(user) -> int:
    return selectors.conclusions_awaiting_entitlement(fetched_by=user).count()


def _awaiting_overdue(user) -> int:
    return selectors.conclusions_awaiting_entitlement(fetched_by=user, overdue=True).count()


register_queue(
    "care.entitlements_to_open",
    "待办理待遇",
    Right.CARE_ENTITLEMENT,
    _awaiting,
    lambda: reverse("care:entitlement_new"),
    icon="person-check",
    hint="评估结论达到待遇等级，待监护人选择照护方式和护理机构",
    order=68,
    overdue=_awaiting_overdue,
)


def _transfers_pending(user) -> int:
    return transfer_selectors.transfer_list(
        fetched_by=user, filters=transfer_selectors.TransferFilters(status="pending")
    ).count()


def _transfers_overdue(user) -> int:
    return transfer_selectors.transfer_list(
        fetched_by=user, filters=transfer_selectors.TransferFilters(overdue=True)
    ).count()


register_queue(
    "care.transfers",
    "待转移安置的服务对象",
    Right.CARE_ENTITLEMENT,
    _transfers_pending,
    lambda: reverse("care:transfer_list"),
    icon="arrow-left-right",
    hint="原护理机构终止或协议解除，尚未转到新机构的参保人（超过15天为逾期）",
    order=66,
    overdue=_transfers_overdue,
)
