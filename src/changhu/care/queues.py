"""Home-page queues for entitlements and care plans (imported by the web app at start)."""

from __future__ import annotations

from django.urls import reverse

from changhu.care import selectors
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
    return selectors.assignment_beneficiaries(fetched_by=user, unassigned=True).count()


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
