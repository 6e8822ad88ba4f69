"""Every write to the fund's books: one function per use case, balanced, audited.

:func:`entry_post` is the one path into the ledger: it refuses an entry whose debits and
credits differ, and posting the same source twice returns the first entry (idempotent), so a
payment run that is retried never pays twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from changhu.core import audit, clock, months
from changhu.core.errors import Conflict, ValidationFailed, field_error
from changhu.core.money import format_yuan
from changhu.core.scope import require
from changhu.fund import indicators
from changhu.fund.models import (
    LTCI_FUND,
    SOURCE_ACCOUNT,
    Account,
    Budget,
    BudgetLine,
    Contribution,
    ContributionSource,
    Entry,
    EntryKind,
    Posting,
    WarningThreshold,
)
from changhu.orgs.roles import Right

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_AMOUNT_FEN = 10**15


def _period(value: str, field: str = "period") -> str:
    value = str(value or "").strip()
    if not _PERIOD.match(value):
        raise field_error(field, "period_invalid", "月份应为YYYY-MM，如2026-10")
    return value


def _amount(value, field: str = "amount_fen") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < MAX_AMOUNT_FEN:
        raise field_error(field, "amount_invalid", "金额应为大于0的整数（分）")
    return value


def _month_end(period: str) -> dt.date:
    return months.last_day(period)


def entry_post(
    *,
    fund: str,
    period: str,
    kind: str,
    memo: str,
    postings: Iterable[tuple[str, int, int]],
    source_type: str = "",
    source_id: str = "",
    posted_on: dt.date | None = None,
    actor=None,
) -> Entry:
    """Post a balanced entry; for a source already posted, return that entry unchanged."""
    rows = [(a, int(d), int(c)) for a, d, c in postings if d or c]
    if not rows or any(d < 0 or c < 0 or (d and c) for _, d, c in rows):
        raise ValidationFailed("凭证分录无效：每行只能记借方或贷方的正数", code="entry_invalid")
    if sum(d for _, d, _ in rows) != sum(c for _, _, c in rows):
        raise ValidationFailed("凭证借贷不平衡", code="entry_unbalanced")
    if any(a not in Account.values for a, _, _ in rows):
        raise ValidationFailed("凭证科目无效", code="entry_invalid")
    if source_type:
        existing = Entry.objects.filter(
            fund=fund, source_type=source_type, source_id=source_id
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            entry = Entry.objects.create(
                fund=fund,
                posted_on=posted_on or clock.today(),
                period=period,
                kind=kind,
                memo=memo[:300],
                source_type=source_type,
                source_id=source_id,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            Posting.objects.bulk_create(
                Posting(entry=entry, fund=fund, period=period, account=a, debit_fen=d, credit_fen=c)
                for a, d, c in rows
            )
    except IntegrityError:
        # Another process posted the same source at the same moment: theirs stands.
        return Entry.objects.get(fund=fund, source_type=source_type, source_id=source_id)
    audit.record(action="create", obj=entry, user=actor, note=f"记账：{memo[:200]}")
    return entry


def _transfer(debit: str, credit: str, amount_fen: int, **entry) -> Entry:
    """A two-line entry: ``amount_fen`` debited to ``debit`` and credited to ``credit``."""
    return entry_post(postings=[(debit, amount_fen, 0), (credit, 0, amount_fen)], **entry)


def _in_month(period: str) -> dt.date:
    """The day an entry of a past month is posted on: its last day (today for this month)."""
    return min(_month_end(period), clock.today())


@transaction.atomic
def contribution_record(
    *,
    actor,
    period: str,
    source: str,
    amount_fen: int,
    payer_count: int = 0,
    note: str = "",
    fund: str = LTCI_FUND,
) -> Contribution:
    """筹资到账: a month's contributions from one source (individual, employer, subsidy)."""
    require(actor, Right.FUND_MANAGE)
    period = _period(period)
    if source not in ContributionSource.values:
        raise field_error("source", "source_invalid", "来源应为个人缴费、单位缴费或财政补助")
    amount_fen = _amount(amount_fen)
    if isinstance(payer_count, bool) or not isinstance(payer_count, int) or payer_count < 0:
        raise field_error("payer_count", "payer_count_invalid", "缴费人数应为不小于0的整数")
    label = ContributionSource(source).label
    entry = _transfer(
        Account.BANK,
        SOURCE_ACCOUNT[source],
        amount_fen,
        fund=fund,
        period=period,
        kind=EntryKind.CONTRIBUTION,
        memo=f"{period}{label}到账 {format_yuan(amount_fen)}元",
        posted_on=_in_month(period),
        actor=actor,
    )
    return Contribution.objects.create(
        fund=fund,
        period=period,
        source=source,
        amount_fen=amount_fen,
        payer_count=payer_count,
        note=note[:300],
        entry=entry,
        recorded_by=actor,
    )


def fee_record(
    *, actor, period: str, amount_fen: int, memo: str = "", fund: str = LTCI_FUND
) -> Entry:
    """经办服务费: a fee paid out of the fund (e.g. to the contracted insurers)."""
    kind, debit, credit = EntryKind.FEE, Account.FEE, Account.BANK
    return _entered_by_hand(
        actor, fund, period, amount_fen, memo, kind, debit, credit, "经办服务费"
    )


def recovery_receipt(
    *, actor, period: str, amount_fen: int, memo: str = "", fund: str = LTCI_FUND
) -> Entry:
    """追回款到账: money an institution owed after a recovery arrives (posted today)."""
    kind, debit, credit = EntryKind.RECOVERY, Account.BANK, Account.RECEIVABLE
    return _entered_by_hand(
        actor, fund, period, amount_fen, memo, kind, debit, credit, "追回款到账", today=True
    )


@transaction.atomic
def _entered_by_hand(
    actor, fund, period, amount_fen, memo, kind, debit, credit, default_memo, today=False
) -> Entry:
    """A fund manager's two-line entry, posted in its month (or ``today``); without a memo of
    its own it is called "<month><default_memo>"."""
    require(actor, Right.FUND_MANAGE)
    period = _period(period)
    amount_fen = _amount(amount_fen)
    return _transfer(
        debit,
        credit,
        amount_fen,
        fund=fund,
        period=period,
        kind=kind,
        memo=memo.strip()[:200] or f"{period}{default_memo}",
        posted_on=clock.today() if today else _in_month(period),
        actor=actor,
    )


def benefit_payment_post(
    *,
    fund: str,
    period: str,
    source_id: str,
    expense_fen: int,
    recovered_fen: int,
    paid_fen: int,
    receivable_fen: int,
    memo: str,
    actor=None,
) -> Entry | None:
    """The entry of a settlement payment (called by ``settlement.services.period_pay``).

    Debit benefit expense and the recoveries owed, credit the recoveries and the bank:
    expense − recovered = paid − receivable.
    """
    postings = [
        (Account.BENEFIT_EXPENSE, expense_fen, 0),
        (Account.RECEIVABLE, receivable_fen, 0),
        (Account.RECOVERY, 0, recovered_fen),
        (Account.BANK, 0, paid_fen),
    ]
    if not any(d or c for _, d, c in postings):
        return None
    return entry_post(
        fund=fund,
        period=period,
        kind=EntryKind.BENEFIT_PAYMENT,
        memo=memo,
        postings=postings,
        source_type="settlement.payment",
        source_id=source_id,
        actor=actor,
    )


def premium_post(
    *, fund: str, period: str, source_id: str, amount_fen: int, memo: str, actor=None
) -> Entry:
    """A supplementary plan's premium income (called by ``settlement.services``)."""
    return _transfer(
        Account.BANK,
        Account.INCOME_PREMIUM,
        amount_fen,
        fund=fund,
        period=period,
        kind=EntryKind.PREMIUM,
        memo=memo,
        source_type="settlement.member",
        source_id=source_id,
        actor=actor,
    )


@transaction.atomic
def budget_set(
    *, actor, year: int, line: str, amount_fen: int, note: str = "", fund: str = LTCI_FUND
) -> Budget:
    """Set (or change) one line of a year's budget."""
    require(actor, Right.FUND_MANAGE)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise field_error("year", "year_invalid", "年度应为2000到2100之间的整数")
    if line not in BudgetLine.values:
        raise field_error("line", "line_invalid", "预算科目无效")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
        raise field_error("amount_fen", "amount_invalid", "预算金额应为不小于0的整数（分）")
    budget, created = Budget.objects.get_or_create(
        fund=fund, year=year, line=line, defaults={"amount_fen": amount_fen, "updated_by": actor}
    )
    before = {"amount_fen": budget.amount_fen, "note": budget.note}
    budget.amount_fen = amount_fen
    budget.note = note[:300]
    budget.updated_by = actor
    budget.save()
    audit.record(
        action="create" if created else "update",
        obj=budget,
        user=actor,
        changes=audit.diff(
            {} if created else before,
            {"amount_fen": amount_fen, "note": budget.note},
            labels={"amount_fen": "预算金额（分）", "note": "说明"},
        ),
    )
    return budget


@transaction.atomic
def threshold_set(
    *, actor, indicator: str, level: str, value, fund: str = LTCI_FUND
) -> WarningThreshold:
    """Override the warning or critical threshold of an indicator."""
    require(actor, Right.FUND_MANAGE)
    if indicator not in indicators.INDICATORS:
        raise field_error("indicator", "indicator_invalid", "指标无效")
    if level not in indicators.LEVELS:
        raise field_error("level", "level_invalid", "级别应为warning或critical")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise field_error("value", "value_invalid", "阈值应为数字") from None
    if not number.is_finite() or not Decimal("-100") <= number <= Decimal("1000"):
        raise field_error("value", "value_invalid", "阈值应为-100到1000之间的数字")
    number = number.quantize(Decimal("0.0001"))
    row, created = WarningThreshold.objects.get_or_create(
        fund=fund, indicator=indicator, level=level, defaults={"value": number, "updated_by": actor}
    )
    if not created:
        if row.value == number:
            return row
        row.value = number
        row.updated_by = actor
        row.save()
    audit.record(action="update", obj=row, user=actor, note=f"预警阈值{indicator} {level}={number}")
    return row


def entry_reverse(*, actor, entry_id: int, reason: str) -> Entry:
    """冲销: a new entry with every posting on the other side; the original stays."""
    require(actor, Right.FUND_MANAGE)
    if not reason or not reason.strip():
        raise field_error("reason", "reason_required", "请填写冲销原因")
    original = Entry.objects.filter(pk=entry_id).first()
    if original is None:
        from changhu.core.errors import NotFound

        raise NotFound()
    if original.kind == EntryKind.BENEFIT_PAYMENT:
        raise Conflict("待遇拨付凭证不能冲销，请以下期追回或更正处理", code="entry_not_reversible")
    return entry_post(
        fund=original.fund,
        period=original.period,
        kind=EntryKind.REVERSAL,
        memo=f"冲销凭证{original.pk}：{reason.strip()[:200]}",
        postings=[(p.account, p.credit_fen, p.debit_fen) for p in original.postings.all()],
        source_type="fund.reversal",
        source_id=str(original.pk),
        actor=actor,
    )
