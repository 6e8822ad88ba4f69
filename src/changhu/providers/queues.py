"""Home-page queues for institutions and caregivers (imported by the web app at start)."""

from __future__ import annotations

from django.urls import reverse

from changhu.core import clock
from changhu.orgs.roles import Right
from changhu.providers import selectors
from changhu.web.queues import register_queue


def _falling_due(rows, field: str) -> dict:
    """The overdue and due-today counters of a queue whose rows fall due on ``field``."""
    return {
        "overdue": lambda user: rows(user).filter(**{f"{field}__lt": clock.today()}).count(),
        "due_today": lambda user: rows(user).filter(**{field: clock.today()}).count(),
    }


def _agreements_due(user):
    return selectors.agreements_due_for_renewal(fetched_by=user)


def _certificates_expiring(user):
    return selectors.certificates_expiring(fetched_by=user)


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
    lambda user: _agreements_due(user).count(),
    lambda: reverse("providers:agreements_due"),
    icon="calendar-event",
    hint="已到续签提醒日期",
    order=61,
    # Overdue: past the agreement's end, the institution is serving without a valid agreement.
    **_falling_due(_agreements_due, "valid_until"),
)
register_queue(
    "providers.certificates_expiring",
    "资格证书即将到期",
    Right.PROVIDERS_VIEW,
    lambda user: _certificates_expiring(user).count(),
    lambda: reverse("providers:certificates_expiring"),
    icon="hourglass-split",
    hint="60天内到期或已过期的护理员证书，过期后不能派单",
    order=62,
    **_falling_due(_certificates_expiring, "expires_on"),
)
