"""The fund's books: balanced journal entries, contribution income, budgets, warning thresholds.

A fund (基金) is a separate set of books identified by a code: ``ltci`` for the city's
long-term care insurance fund, and one per supplementary payer (the plan's code, e.g.
``lishui-hmb``). Every movement of money is an :class:`Entry` with two or more
:class:`Posting` rows whose debits equal their credits; balances are sums of postings.
Entries are never edited: a mistake is corrected by a reversing entry.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from changhu.core.fields import Recorded, link, who_and_when

LTCI_FUND = "ltci"
FUND_LABELS = {LTCI_FUND: "长期护理保险基金"}


class Account(models.TextChoices):
    BANK = "bank", "基金存款"
    RECEIVABLE = "receivable", "应收追回款"
    INCOME_INDIVIDUAL = "income_individual", "个人缴费收入"
    INCOME_EMPLOYER = "income_employer", "单位缴费收入"
    INCOME_SUBSIDY = "income_subsidy", "财政补助收入"
    INCOME_PREMIUM = "income_premium", "保费收入"
    INCOME_OTHER = "income_other", "利息及其他收入"
    BENEFIT_EXPENSE = "benefit_expense", "待遇支出"
    RECOVERY = "recovery", "追回待遇"
    FEE = "fee", "经办服务费支出"


# Accounts that hold income (credit balance) and expenditure (debit balance).
INCOME_ACCOUNTS = (
    Account.INCOME_INDIVIDUAL,
    Account.INCOME_EMPLOYER,
    Account.INCOME_SUBSIDY,
    Account.INCOME_PREMIUM,
    Account.INCOME_OTHER,
)
EXPENDITURE_ACCOUNTS = (Account.BENEFIT_EXPENSE, Account.FEE)


class EntryKind(models.TextChoices):
    CONTRIBUTION = "contribution", "筹资收入"
    PREMIUM = "premium", "补充保障保费"
    BENEFIT_PAYMENT = "benefit_payment", "待遇拨付"
    RECOVERY = "recovery", "追回款到账"
    FEE = "fee", "经办费用"
    OTHER_INCOME = "other_income", "利息及其他收入"
    REVERSAL = "reversal", "冲销"


class ContributionSource(models.TextChoices):
    INDIVIDUAL = "individual", "个人缴费"
    EMPLOYER = "employer", "单位缴费"
    SUBSIDY = "subsidy", "财政补助"


SOURCE_ACCOUNT = {
    ContributionSource.INDIVIDUAL: Account.INCOME_INDIVIDUAL,
    ContributionSource.EMPLOYER: Account.INCOME_EMPLOYER,
    ContributionSource.SUBSIDY: Account.INCOME_SUBSIDY,
}


class Entry(Recorded):
    """记账凭证: one balanced movement of money in one fund."""

    fund = models.CharField("基金", max_length=40, default=LTCI_FUND, db_index=True)
    posted_on = models.DateField("记账日期")
    period = models.CharField("所属月份", max_length=7, db_index=True)
    kind = models.CharField("类别", max_length=20, choices=EntryKind.choices)
    memo = models.CharField("摘要", max_length=300)
    # What the entry records, e.g. ("settlement.period", "12"): posting it twice is refused.
    source_type = models.CharField("来源类型", max_length=40, blank=True)
    source_id = models.CharField("来源编号", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "记账凭证"
        ordering = ["-posted_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "source_type", "source_id"],
                condition=~Q(source_type=""),
                name="fund_entry_one_per_source",
            )
        ]
        indexes = [models.Index(fields=["fund", "period"])]

    def __str__(self) -> str:
        return f"凭证{self.pk} {self.memo}"


class Posting(models.Model):
    entry = link(Entry, related_name="postings")
    fund = models.CharField("基金", max_length=40)  # copied from the entry, for fast balances
    period = models.CharField("所属月份", max_length=7)
    account = models.CharField("科目", max_length=24, choices=Account.choices)
    debit_fen = models.BigIntegerField("借方（分）", default=0)
    credit_fen = models.BigIntegerField("贷方（分）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "分录"
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit_fen__gt=0) & Q(credit_fen=0))
                | (Q(debit_fen=0) & Q(credit_fen__gt=0)),
                name="posting_one_side_positive",
            )
        ]
        indexes = [models.Index(fields=["fund", "period", "account"])]

    def __str__(self) -> str:
        return f"{self.get_account_display()} 借{self.debit_fen} 贷{self.credit_fen}"


class Contribution(models.Model):
    """筹资到账: one month's contributions from one source, as reported by the tax office."""

    fund = models.CharField("基金", max_length=40, default=LTCI_FUND)
    period = models.CharField("所属月份", max_length=7)
    source = models.CharField("来源", max_length=12, choices=ContributionSource.choices)
    amount_fen = models.BigIntegerField("金额（分）")
    payer_count = models.PositiveIntegerField("缴费人数/单位数", default=0)
    note = models.CharField("备注", max_length=300, blank=True)
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="contribution")
    recorded_by, recorded_at = who_and_when(when="登记时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "筹资到账"
        ordering = ["-period", "source"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="contribution_positive")
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_source_display()}"


class BudgetLine(models.TextChoices):
    INCOME_INDIVIDUAL = "income_individual", "个人缴费收入"
    INCOME_EMPLOYER = "income_employer", "单位缴费收入"
    INCOME_SUBSIDY = "income_subsidy", "财政补助收入"
    INCOME_PREMIUM = "income_premium", "保费收入"
    INCOME_OTHER = "income_other", "利息及其他收入"
    BENEFIT_EXPENSE = "benefit_expense", "待遇支出（扣除追回）"
    FEE = "fee", "经办服务费支出"


class Budget(models.Model):
    """年度预算: the planned amount of one income or expenditure line of a fund's year."""

    fund = models.CharField("基金", max_length=40, default=LTCI_FUND)
    year = models.PositiveSmallIntegerField("年度")
    line = models.CharField("预算科目", max_length=24, choices=BudgetLine.choices)
    amount_fen = models.BigIntegerField("预算金额（分）")
    note = models.CharField("说明", max_length=300, blank=True)
    updated_by, updated_at = who_and_when(when="更新时间", on_save=True)

    class Meta:
        verbose_name = verbose_name_plural = "基金预算"
        ordering = ["fund", "year", "line"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "year", "line"], name="budget_line_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_line_display()}"


class WarningThreshold(models.Model):
    """风险预警阈值: overrides the default threshold of an indicator at a level."""

    fund = models.CharField("基金", max_length=40, default=LTCI_FUND)
    indicator = models.CharField("指标", max_length=24)
    level = models.CharField("级别", max_length=8)  # warning / critical
    value = models.DecimalField("阈值", max_digits=12, decimal_places=4)
    updated_by, updated_at = who_and_when(when="更新时间", on_save=True)

    class Meta:
        verbose_name = verbose_name_plural = "预警阈值"
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "indicator", "level"], name="warning_threshold_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.level} {self.value}"
