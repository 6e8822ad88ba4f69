"""Work queues on the home page: claims waiting for each step, in the user's scope.

A claim sent back by a reviewer waits in the queue of the step before; the card says how many
were sent back and why (``2 份申报被退回：缺少护理记录``), and the reason heads the claim page.
"""

from __future__ import annotations

from django.urls import reverse

from changhu.orgs.roles import Right
from changhu.settlement import selectors
from changhu.settlement.models import ClaimStatus
from changhu.web.queues import register_queue


def _count(status: str):
    def count(user) -> int:
        return selectors.claims_waiting(user, status).count()

    return count


def _hint(status: str):
    def hint(user) -> str:
        return selectors.returned_hint(user, status)

    return hint


def _url(status: str):
    return lambda: f"{reverse('settlement:claim_list')}?status={status}"


# Only these steps receive sent-back claims: the institution's draft, the first review.
RETURNED_TO = {ClaimStatus.DRAFT, ClaimStatus.SUBMITTED}

# What each card holds and why it waits, when no claim was sent back.
HINTS = {
    ClaimStatus.DRAFT: "本机构已计算、尚未申报的结算单",
    ClaimStatus.SUBMITTED: "护理机构已申报，待经办初审",
    ClaimStatus.FIRST_REVIEWED: "初审已通过，待另一位经办人员复核",
    ClaimStatus.APPROVED: "复核已通过，待基金拨付",
}

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
    register_queue(
        key,
        label,
        right,
        _count(status),
        _url(status),
        icon=icon,
        hint=HINTS[status],
        order=order,
        hint_fn=_hint(status) if status in RETURNED_TO else None,
    )
