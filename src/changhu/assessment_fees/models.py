"""Assessment fees (评估费用): the fee table versions, and the monthly settlement to the
assessment institutions: a run per month, one statement per institution, one line per case.

A line is the fee of one dispatch (:class:`assessment.Assessment`) that ended its work: the one
that led to a conclusion, or one that went on site but was ended without a result. Each
dispatch is on at most one statement ever (a unique constraint), so a month computed again, or
a later month, never pays it twice.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from changhu.assessment_fees import rules
from changhu.core import versions
from changhu.core.fields import link, who_and_when


class FeeTableVersion(versions.Version):
    """One loaded version of a fee table (``presets/assessment-fees/*.json``); immutable."""

    code = models.CharField("费用标准代码", max_length=40)
    name = models.CharField("名称", max_length=100)
    effective_to = models.DateField("失效日期", null=True, blank=True)
    definition = models.JSONField("费用标准定义")

    class Meta:
        verbose_name = verbose_name_plural = "评估费用标准版本"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="assessment_fee_table_version_unique"
            )
        ]

    @property
    def table(self) -> rules.FeeTable:
        return rules.load_table(self.definition)


class Outcome(models.TextChoices):
    INITIAL = rules.INITIAL, "首次评估"
    REASSESSMENT = rules.REASSESSMENT, "复评（到期、状况变化、抽查）"
    APPEAL = rules.APPEAL, "复评（对结论有异议）"
    TERMINATED = rules.TERMINATED, "已上门未出结论"


class FeeRun(models.Model):
    """The fee settlement of one city (the first four digits of the division code) for one
    month (``YYYY-MM``): its cases concluded (or ended on site) up to the month's end that no
    earlier run paid."""

    month = models.CharField("结算月份", max_length=7)
    city_code = models.CharField("统筹地区代码", max_length=4, db_index=True)
    created_by, created_at = who_and_when("计算人", "计算时间", on_create=True)
    case_count = models.PositiveIntegerField("案件数", default=0)
    fee_fen = models.BigIntegerField("评估费合计（分）", default=0)
    fund_fen = models.BigIntegerField("基金支付合计（分）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "评估费用月度结算"
        ordering = ["-month", "city_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "city_code"], name="assessment_fee_run_month_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month}评估费用结算"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "待审核"
    APPROVED = "approved", "已审核待支付"
    PAID = "paid", "已支付"


class FeeStatement(models.Model):
    """One institution's statement of a run: its cases, the fee of each, the totals."""

    run = models.ForeignKey(FeeRun, on_delete=models.CASCADE, related_name="statements")
    number = models.CharField("结算单编号", max_length=24, unique=True)
    institution = link("orgs.Organization", "评估机构")
    city_code = models.CharField("统筹地区代码", max_length=4, db_index=True)
    status = models.CharField(
        "状态", max_length=12, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    case_count = models.PositiveIntegerField("案件数", default=0)
    fee_fen = models.BigIntegerField("评估费合计（分）", default=0)
    applicant_fen = models.BigIntegerField("申请人承担（分）", default=0)
    fund_fen = models.BigIntegerField("基金支付（分）", default=0)
    reviewed_by, reviewed_at = who_and_when("审核人", "审核时间")
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    paid_by, paid_at = who_and_when("支付登记人", "支付时间")
    payment_reference = models.CharField("支付凭证号", max_length=64, blank=True)
    entry = link("fund.Entry", "基金记账凭证", optional=True)

    class Meta:
        verbose_name = verbose_name_plural = "评估费用结算单"
        ordering = ["run", "institution__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "institution"], name="assessment_fee_statement_unique"
            ),
            models.CheckConstraint(
                condition=Q(fee_fen=models.F("applicant_fen") + models.F("fund_fen")),
                name="assessment_fee_statement_sums",
            ),
        ]

    def __str__(self) -> str:
        return f"评估费用结算单{self.number}"


class FeeLine(models.Model):
    """The fee of one dispatch, at the table (or rules) version in force on its day."""

    statement = models.ForeignKey(FeeStatement, on_delete=models.CASCADE, related_name="lines")
    assessment = models.OneToOneField(
        "assessment.Assessment",
        verbose_name="评估派单",
        on_delete=models.PROTECT,
        related_name="+",
    )
    application = link("assessment.Application", "评估申请")
    conclusion = link("assessment.Conclusion", "评估结论", optional=True)
    person = link("insured.Person", "被评估人")
    region_code = models.CharField("区划代码", max_length=12)
    day = models.DateField("计费日期")
    outcome = models.CharField("评估结果", max_length=16, choices=Outcome.choices)
    place = models.CharField("评估地点", max_length=12)
    grade_changed = models.BooleanField("复评等级改变", null=True, blank=True)
    fee_table = link(FeeTableVersion, "费用标准版本")
    rules = link("assessment.RuleVersion", "评估经办规则版本", optional=True)
    fee_fen = models.PositiveIntegerField("评估费（分）")
    applicant_fen = models.PositiveIntegerField("申请人承担（分）", default=0)
    fund_fen = models.PositiveIntegerField("基金支付（分）")

    class Meta:
        verbose_name = verbose_name_plural = "评估费用明细"
        ordering = ["statement", "day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_fen=models.F("applicant_fen") + models.F("fund_fen")),
                name="assessment_fee_line_sums",
            )
        ]

    def __str__(self) -> str:
        return f"评估费用明细{self.pk}"
