"""Reads of the fund's books: entries, monthly balances, budget execution, indicators.

Scope: the books are the pooling region's; whoever holds ``fund.view`` (the bureau) sees them,
nobody else sees anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum

from changhu.core import scope
from changhu.core.db import filter_given
from changhu.fund import indicators
from changhu.fund.models import (
    FUND_LABELS,
    INCOME_ACCOUNTS,
    LTCI_FUND,
    Account,
    Budget,
    BudgetLine,
    Contribution,
    Entry,
    Posting,
    WarningThreshold,
)
from changhu.orgs.roles import Right


@scope.register(Entry, Posting, Contribution, Budget, WarningThreshold)
def _fund_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset if s.can(Right.FUND_VIEW) else queryset.none()


def fund_label(fund: str) -> str:
    return FUND_LABELS.get(fund, fund)


def funds(*, fetched_by) -> list[str]:
    codes = set(scope.scoped(Entry.objects.all(), fetched_by).values_list("fund", flat=True))
    return sorted(codes | {LTCI_FUND}, key=lambda c: (c != LTCI_FUND, c))


def entry_list(*, fetched_by, fund: str = LTCI_FUND, period: str = "", kind: str = "") -> QuerySet:
    qs = scope.scoped(Entry.objects.filter(fund=fund), fetched_by).prefetch_related("postings")
    qs = filter_given(qs, period=period, kind=kind)
    return qs.order_by("-posted_on", "-id")


def entry_get(*, fetched_by, entry_id: int) -> Entry:
    return scope.get_scoped(Entry.objects.prefetch_related("postings"), fetched_by, pk=entry_id)


def contribution_list(*, fetched_by, fund: str = LTCI_FUND, year: int | None = None) -> QuerySet:
    qs = scope.scoped(Contribution.objects.filter(fund=fund), fetched_by)
    if year:
        qs = qs.filter(period__startswith=f"{year}-")
    return qs.order_by("-period", "source")


def account_totals(*, fetched_by, fund: str = LTCI_FUND, period_prefix: str = "") -> dict:
    """Debit minus credit per account, over the fund's whole history or a year/month prefix."""
    qs = scope.scoped(Posting.objects.filter(fund=fund), fetched_by)
    if period_prefix:
        qs = qs.filter(period__startswith=period_prefix)
    out = {a: 0 for a in Account.values}
    for row in qs.values("account").annotate(d=Sum("debit_fen"), c=Sum("credit_fen")):
        out[row["account"]] = (row["d"] or 0) - (row["c"] or 0)
    return out


@dataclass
class MonthRow:
    month: str
    income_fen: int
    benefit_fen: int  # benefit expense net of recoveries
    fee_fen: int
    balance_fen: int  # bank at the end of the month

    @property
    def expenditure_fen(self) -> int:
        return self.benefit_fen + self.fee_fen

    @property
    def net_fen(self) -> int:
        return self.income_fen - self.expenditure_fen


def monthly(*, fetched_by, fund: str = LTCI_FUND) -> list[MonthRow]:
    """Income, expenditure and the closing bank balance of every month with postings."""
    qs = scope.scoped(Posting.objects.filter(fund=fund), fetched_by)
    cells: dict[str, dict[str, int]] = {}
    for row in qs.values("period", "account").annotate(d=Sum("debit_fen"), c=Sum("credit_fen")):
        cells.setdefault(row["period"], {})[row["account"]] = (row["d"] or 0) - (row["c"] or 0)
    rows, balance = [], 0
    for month in sorted(cells):
        cell = cells[month]
        balance += cell.get(Account.BANK, 0)
        rows.append(
            MonthRow(
                month=month,
                income_fen=-sum(cell.get(a, 0) for a in INCOME_ACCOUNTS),
                benefit_fen=cell.get(Account.BENEFIT_EXPENSE, 0) + cell.get(Account.RECOVERY, 0),
                fee_fen=cell.get(Account.FEE, 0),
                balance_fen=balance,
            )
        )
    return rows


@dataclass
class BudgetRow:
    line: str
    label: str
    budget_fen: int
    actual_fen: int

    @property
    def execution(self) -> Decimal | None:
        if not self.budget_fen:
            return None
        return (Decimal(self.actual_fen) * 100 / Decimal(self.budget_fen)).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


_LINE_ACCOUNTS = {
    BudgetLine.INCOME_INDIVIDUAL: ((Account.INCOME_INDIVIDUAL,), -1),
    BudgetLine.INCOME_EMPLOYER: ((Account.INCOME_EMPLOYER,), -1),
    BudgetLine.INCOME_SUBSIDY: ((Account.INCOME_SUBSIDY,), -1),
    BudgetLine.INCOME_PREMIUM: ((Account.INCOME_PREMIUM,), -1),
    BudgetLine.INCOME_OTHER: ((Account.INCOME_OTHER,), -1),
    BudgetLine.BENEFIT_EXPENSE: ((Account.BENEFIT_EXPENSE, Account.RECOVERY), 1),
    BudgetLine.FEE: ((Account.FEE,), 1),
}


def budget_execution(*, fetched_by, year: int, fund: str = LTCI_FUND) -> list[BudgetRow]:
    """Each budget line of the year against what the books show so far."""
    totals = account_totals(fetched_by=fetched_by, fund=fund, period_prefix=f"{year}-")
    budgets = {
        b.line: b.amount_fen
        for b in scope.scoped(Budget.objects.filter(fund=fund, year=year), fetched_by)
    }
    rows = []
    for line, (accounts, sign) in _LINE_ACCOUNTS.items():
        actual = sign * sum(totals.get(a, 0) for a in accounts)
        if line in budgets or actual:
            rows.append(BudgetRow(line, BudgetLine(line).label, budgets.get(line, 0), actual))
    return rows


def thresholds(*, fetched_by, fund: str = LTCI_FUND) -> dict[tuple[str, str], Decimal]:
    return {
        (t.indicator, t.level): t.value
        for t in scope.scoped(WarningThreshold.objects.filter(fund=fund), fetched_by)
    }


def indicator_readings(*, fetched_by, month: str, fund: str = LTCI_FUND) -> list:
    """The indicators at the end of ``month`` with their warning levels."""
    series = [
        indicators.MonthFigures(r.month, r.income_fen, r.expenditure_fen, r.balance_fen)
        for r in monthly(fetched_by=fetched_by, fund=fund)
    ]
    return indicators.evaluate(
        indicators.values(series, month), thresholds(fetched_by=fetched_by, fund=fund)
    )


def benefit_paid_total(*, fetched_by, fund: str = LTCI_FUND, period: str = "") -> int:
    """Benefit expense net of recoveries, as the ledger shows it."""
    qs = scope.scoped(
        Posting.objects.filter(fund=fund).filter(
            Q(account=Account.BENEFIT_EXPENSE) | Q(account=Account.RECOVERY)
        ),
        fetched_by,
    )
    if period:
        qs = qs.filter(period=period)
    totals = qs.aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    return (totals["d"] or 0) - (totals["c"] or 0)
