"""Home-page queues for institutions and caregivers (imported by the web app at start)."""

from __future__ import annotations

from django.urls import reverse

from changhu.core import clock
from changhu.orgs.roles import Right
from changhu.providers import selectors
from changhu.web.queues import register_queue

register_queue(
    "providers.admissions",
    "待办的定点准入申请",
    Right.PROVIDERS_ADMIT,
    lambda user: selectors.admission_list(fetched_by=user, status="open").count(),
    lambda: reverse("providers:admission_list") + "?status=open",
    icon="clipboard-check",
    hint="审核、现场核查、准入或不予准入",
    order=60,
)
register_queue(
    "providers.agreements_due",
    "待续签的服务协议",
    Right.PROVIDERS_ADMIT,
    lambda user: selectors.agreements_due_for_renewal(fetched_by=user).count(),
    lambda: reverse("providers:agreements_due"),
    icon="calendar-event",
    hint="已到续签提醒日期",
    order=61,
    # Past the agreement's end: the institution is serving without a valid agreement.
    overdue=lambda user: (
        selectors.agreements_due_for_renewal(fetched_by=user)
        .filter(valid_until__lt=clock.today())
        .count()
    ),
    due_today=lambda user: (
        selectors.agreements_due_for_renewal(fetched_by=user)
        .filter(valid_until=clock.today())
        .count()
    ),
)
register_queue(
    "providers.certificates_expiring",
    "资格证书即将到期",
    Right.PROVIDERS_VIEW,
    lambda user: selectors.certificates_expiring(fetched_by=user).count(),
    lambda: reverse("providers:certificates_expiring"),
    icon="hourglass-split",
    hint="60天内到期或已过期的护理员证书，过期后不能派单",
    order=62,
    overdue=lambda user: (
        selectors.certificates_expiring(fetched_by=user)
        .filter(expires_on__lt=clock.today())
        .count()
    ),
    due_today=lambda user: (
        selectors.certificates_expiring(fetched_by=user).filter(expires_on=clock.today()).count()
    ),
)
