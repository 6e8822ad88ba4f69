"""Work queues on the home page: claims waiting for each step, in the user's scope."""

from __future__ import annotations

from django.urls import reverse

from changhu.orgs.roles import Right
from changhu.settlement.models import ClaimStatus
from changhu.web.queues import register_queue


def _count(status: str):
    def count(user) -> int:
        from changhu.settlement.views import claims_waiting

        return claims_waiting(user, status).count()

    return count


def _url(status: str):
    return lambda: f"{reverse('settlement:claim_list')}?status={status}"


for key, label, right, status, icon, order in [
    ("settlement_draft", "待申报结算", Right.SETTLEMENT_CLAIM, ClaimStatus.DRAFT, "cash-coin", 60),
    (
        "settlement_first",
        "结算待初审",
        Right.SETTLEMENT_FIRST_REVIEW,
        ClaimStatus.SUBMITTED,
        "clipboard-check",
        61,
    ),
    (
        "settlement_second",
        "结算待复核",
        Right.SETTLEMENT_SECOND_REVIEW,
        ClaimStatus.FIRST_REVIEWED,
        "clipboard2-check",
        62,
    ),
    ("settlement_pay", "结算待拨付", Right.SETTLEMENT_PAY, ClaimStatus.APPROVED, "bank", 63),
]:
    register_queue(key, label, right, _count(status), _url(status), icon=icon, order=order)
