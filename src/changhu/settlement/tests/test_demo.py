"""The settlement demo: a paid month, a month in review with a recovery, a year of income."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from changhu.fund.models import Budget, Contribution, Posting
from changhu.settlement import demo
from changhu.settlement.models import (
    Claim,
    ClaimLine,
    PaymentOrder,
    PeriodStatus,
    SettlementPeriod,
)
from tests.demo import seed_city_with_care


@pytest.mark.django_db
def test_seed_settlement_demo_is_idempotent():
    seed_city_with_care(persons=120, care_persons=20)
    first = demo.seed_settlement_demo()
    assert len(first.periods) == 2 and first.contributions == 13
    paid, review = SettlementPeriod.objects.order_by("month")
    assert paid.status == PeriodStatus.PAID and paid.fund_fen > 0
    assert review.status == PeriodStatus.CLAIMING
    assert set(Claim.objects.filter(period=review).values_list("status", flat=True)) >= {
        "submitted",
        "first_reviewed",
    }
    assert ClaimLine.objects.filter(period=review, source="adjustment", fund_fen__lt=0).exists()
    assert ClaimLine.objects.filter(period=review, status="withdrawn").exists()
    counts = [
        m.objects.count()
        for m in (SettlementPeriod, Claim, ClaimLine, PaymentOrder, Contribution, Budget, Posting)
    ]
    again = demo.seed_settlement_demo()
    assert again.contributions == 0
    assert counts == [
        m.objects.count()
        for m in (SettlementPeriod, Claim, ClaimLine, PaymentOrder, Contribution, Budget, Posting)
    ]
    sums = Posting.objects.aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    assert sums["d"] == sums["c"]
