"""The fund's books: balanced entries only, posted once per source, reversals, contributions
by source, budget execution, and who may see and write them."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from changhu.core.errors import Conflict, PermissionDenied, ValidationFailed
from changhu.fund import selectors, services
from changhu.fund.models import Account, Entry, Posting
from tests.api import ApiClient


def test_only_balanced_entries(db):
    def fee(*postings):
        return services.entry_post(
            fund="ltci", period="2026-10", kind="fee", memo="x", postings=list(postings)
        )

    with pytest.raises(ValidationFailed) as caught:
        fee((Account.FEE, 100, 0), (Account.BANK, 0, 99))
    assert caught.value.code == "entry_unbalanced"
    with pytest.raises(ValidationFailed):
        fee((Account.FEE, 100, 100), (Account.BANK, 0, 0))
    assert not Entry.objects.exists()


def test_a_source_is_posted_once(db):
    kwargs = dict(
        fund="ltci",
        period="2026-10",
        kind="benefit_payment",
        memo="拨付",
        postings=[(Account.BENEFIT_EXPENSE, 500, 0), (Account.BANK, 0, 500)],
        source_type="settlement.payment",
        source_id="7:chengdu",
    )
    first = services.entry_post(**kwargs)
    again = services.entry_post(**kwargs)
    assert first.pk == again.pk and Posting.objects.count() == 2


def test_contributions_fees_budget_and_reversal(users):
    admin = users.bureau_admin
    services.contribution_record(
        actor=admin, period="2026-01", source="individual", amount_fen=30_000, payer_count=10
    )
    services.contribution_record(
        actor=admin, period="2026-01", source="employer", amount_fen=50_000
    )
    services.contribution_record(actor=admin, period="2026-02", source="subsidy", amount_fen=20_000)
    fee = services.fee_record(actor=admin, period="2026-02", amount_fen=4_000)
    services.budget_set(actor=admin, year=2026, line="income_employer", amount_fen=100_000)
    services.budget_set(actor=admin, year=2026, line="fee", amount_fen=10_000)
    rows = {r.line: r for r in selectors.budget_execution(fetched_by=admin, year=2026)}
    assert (rows["income_employer"].actual_fen, rows["income_employer"].execution) == (50_000, 50)
    assert rows["fee"].actual_fen == 4_000 and rows["income_individual"].budget_fen == 0
    months = selectors.monthly(fetched_by=admin)
    assert [(m.month, m.income_fen, m.expenditure_fen, m.balance_fen) for m in months] == [
        ("2026-01", 80_000, 0, 80_000),
        ("2026-02", 20_000, 4_000, 96_000),
    ]
    reversal = services.entry_reverse(actor=admin, entry_id=fee.pk, reason="重复记账")
    assert {(p.account, p.debit_fen, p.credit_fen) for p in reversal.postings.all()} == {
        (Account.FEE, 0, 4_000),
        (Account.BANK, 4_000, 0),
    }
    assert selectors.monthly(fetched_by=admin)[-1].balance_fen == 100_000
    with pytest.raises(ValidationFailed) as caught:
        services.contribution_record(actor=admin, period="2026-13", source="employer", amount_fen=1)
    assert "period" in caught.value.fields
    with pytest.raises(PermissionDenied):
        services.fee_record(actor=users.regulator, period="2026-02", amount_fen=1)
    totals = Posting.objects.aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    assert totals["d"] == totals["c"]


def test_payments_cannot_be_reversed(users):
    entry = services.entry_post(
        fund="ltci",
        period="2026-10",
        kind="benefit_payment",
        memo="拨付",
        postings=[(Account.BENEFIT_EXPENSE, 5, 0), (Account.BANK, 0, 5)],
    )
    with pytest.raises(Conflict):
        services.entry_reverse(actor=users.bureau_admin, entry_id=entry.pk, reason="x")


def test_fund_api(users):
    admin = ApiClient(users.bureau_admin)
    created = admin.post(
        "fund/contributions", {"period": "2026-10", "source": "employer", "amount_fen": 123_400}
    )
    assert created.status_code == 201 and created.body["postings"][0]["debit_fen"] == 123_400
    bad = admin.post(
        "fund/contributions", {"period": "2026-10", "source": "employer", "amount_fen": 0}
    )
    assert bad.status_code == 422 and "amount_fen" in bad.body["fields"]
    assert (
        admin.put(
            "fund/budget", {"year": 2026, "line": "income_employer", "amount_fen": 1_000_000}
        ).body["execution_percent"]
        == 12.3
    )
    assert (
        admin.put(
            "fund/thresholds", {"indicator": "payout_ratio", "level": "warning", "value": "0.5"}
        ).status_code
        == 200
    )
    summary = admin.get("fund/summary").body
    assert summary["balance_fen"] == 123_400 and summary["months"][0]["income_fen"] == 123_400
    assert ApiClient(users.regulator).get("fund/entries").body["total"] == 1
    assert ApiClient(users.care_admin).get("fund/entries").body["total"] == 0
    assert ApiClient(users.care_admin).get("fund/summary").status_code == 403
    assert (
        ApiClient(users.regulator)
        .post("fund/fees", {"period": "2026-10", "amount_fen": 1})
        .status_code
        == 403
    )
