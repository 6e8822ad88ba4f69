"""Benefit policy versions, bed-day tariffs, monthly settlement periods, their claims and lines,
payment orders, the runs that compute them, and supplementary payers' members.

A period (结算期) is one month of one pooling region under one policy version. Computing it
writes, for each care institution, a claim (申报) with one line per person, benefit and
payee; the claim then goes through the institution's submission, the first review (初审), the
second review (复核) and payment (拨付). A paid period is locked: later corrections are
adjustment lines in a later period.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from changhu.core import runs, versions
from changhu.core.errors import Conflict
from changhu.core.fields import Recorded, link, user_fk, who_and_when


class PolicyKind(models.TextChoices):
    BENEFIT = "benefit", "长期护理保险待遇政策"
    SUPPLEMENTARY = "supplementary", "补充保障（惠民保长护责任）"


class PolicyVersion(versions.Version):
    """One loaded version of a policy file; written once by the loader, never changed."""

    code = models.CharField("政策代码", max_length=40)
    kind = models.CharField("类别", max_length=16, choices=PolicyKind.choices)
    name = models.CharField("名称", max_length=100)
    region_code = models.CharField("统筹地区代码", max_length=12, db_index=True)
    source = models.CharField("依据", max_length=500, blank=True)
    data = models.JSONField("政策内容")

    class Meta:
        verbose_name = verbose_name_plural = "待遇政策版本"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="policy_version_unique"),
            models.UniqueConstraint(
                fields=["code", "effective_from"], name="policy_effective_unique"
            ),
        ]

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise Conflict("待遇政策加载后不可修改，请以新版本号发布", code="policy_immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Conflict("待遇政策加载后不可删除", code="policy_immutable")

    @property
    def ref(self) -> str:
        return f"{self.code}@{self.version}"


class InstitutionClass(models.TextChoices):
    UNCLASSIFIED = "", "未分类"
    HOSPITAL_1 = "hospital_1", "一级医疗机构"
    HOSPITAL_2 = "hospital_2", "二级医疗机构"
    HOSPITAL_3 = "hospital_3", "三级医疗机构"
    NURSING = "nursing", "护理服务机构"
    ELDERLY_HOME = "elderly_home", "养老机构"


class InstitutionTariff(Recorded):
    """协议床日费用: an institution's class for the policy and its agreed daily bed charge,
    from a day on (the next row of the same institution replaces it)."""

    institution = link("providers.Institution", "护理机构")
    valid_from = models.DateField("生效日期")
    institution_class = models.CharField(
        "结算类别", max_length=16, choices=InstitutionClass.choices, blank=True
    )
    bed_day_fen = models.PositiveIntegerField("床日费用（分）", default=0)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "机构结算类别与床日费用"
        ordering = ["institution", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "valid_from"], name="tariff_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_institution_class_display()} {self.valid_from}起"


class PeriodStatus(models.TextChoices):
    OPEN = "open", "待计算"
    COMPUTING = "computing", "计算中"
    CLAIMING = "claiming", "申报审核中"
    PAID = "paid", "已拨付（锁定）"


class Totals(models.Model):
    """What a claim's payable lines add up to; a period's totals are the sums of its claims'."""

    line_count = models.PositiveIntegerField("明细数", default=0)
    fund_fen = models.BigIntegerField("基金支付（分）", default=0)
    supplementary_fen = models.BigIntegerField("补充保障支付（分）", default=0)
    personal_fen = models.BigIntegerField("个人负担（分）", default=0)

    class Meta:
        abstract = True


class SettlementPeriod(Totals):
    month = models.CharField("结算月份", max_length=7)
    region = link("orgs.Region", "统筹地区")
    region_code = models.CharField("统筹地区代码", max_length=12)
    region_prefix = models.CharField("区划前缀", max_length=12, db_index=True)
    policy = link(PolicyVersion, "待遇政策")
    supplementary = link(PolicyVersion, "补充保障", optional=True)
    status = models.CharField(
        "状态", max_length=12, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    computed_at = models.DateTimeField("计算完成时间", null=True, blank=True)
    paid_at = models.DateTimeField("拨付时间", null=True, blank=True)
    paid_by = user_fk()
    created_by, created_at = who_and_when(when="创建时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "结算期"
        ordering = ["-month", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["month", "region"], name="period_one_per_region")
        ]

    def __str__(self) -> str:
        return f"{self.month}结算"

    @property
    def locked(self) -> bool:
        return self.status == PeriodStatus.PAID


RunStatus = runs.RunStatus  # one set of run states for every kind of background run


class SettlementRun(runs.Run):
    """One computation of a period: chunks of institutions, each committed on its own, so a run
    that stops halfway resumes where it stopped (``changhu settle``, or the worker)."""

    period = models.ForeignKey(SettlementPeriod, on_delete=models.CASCADE, related_name="runs")
    line_count = models.PositiveIntegerField("明细数", default=0)
    # Rows of the staged month (None: not staged); a resumed run checks its staging by this.
    staged_rows = models.BigIntegerField("暂存天数", null=True, blank=True)

    class Meta(runs.Run.Meta):
        verbose_name = verbose_name_plural = "结算计算批次"

    def __str__(self) -> str:
        return f"结算计算{self.pk}（{self.get_status_display()}）"


class RunChunk(runs.Chunk):
    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField("批次号")
    institution_ids = models.JSONField("机构")
    line_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="run_chunk_unique")]

    def __str__(self) -> str:
        return f"批次{self.number}"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "待机构申报"
    SUBMITTED = "submitted", "已申报待初审"
    FIRST_REVIEWED = "first_reviewed", "初审通过待复核"
    APPROVED = "approved", "复核通过待拨付"
    PAID = "paid", "已拨付"


class Claim(Totals):
    """申报: one institution's claim for one period."""

    period = link(SettlementPeriod, related_name="claims")
    institution = link("providers.Institution", "护理机构")
    status = models.CharField(
        "状态", max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    person_count = models.PositiveIntegerField("人数", default=0)
    withdrawn_fen = models.BigIntegerField("机构撤回（分）", default=0)
    rejected_fen = models.BigIntegerField("审核拒付（分）", default=0)
    excluded_count = models.PositiveIntegerField("剔除服务记录数", default=0)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    submitted_by, submitted_at = who_and_when(when="申报时间")
    first_reviewer, first_reviewed_at = who_and_when("初审人", "初审时间")
    second_reviewer, second_reviewed_at = who_and_when("复核人", "复核时间")
    paid_at = models.DateTimeField("拨付时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "结算申报"
        ordering = ["period", "institution_id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "institution"], name="claim_one_per_period")
        ]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        return f"{self.period.month}结算申报{self.pk}"


class LineStatus(models.TextChoices):
    PAYABLE = "payable", "应支付"
    WITHDRAWN = "withdrawn", "机构撤回"
    REJECTED = "rejected", "审核拒付"


class LineSource(models.TextChoices):
    COMPUTED = "computed", "按政策计算"
    ADJUSTMENT = "adjustment", "更正/追回"


class Payee(models.TextChoices):
    INSTITUTION = "institution", "护理机构"
    PERSON = "person", "参保人"


class ClaimLine(models.Model):
    """结算明细: one person's benefit for the month, with the days, rule and visits behind it."""

    # Lines are written in bulk: foreign keys are indexed only through the composite indexes.
    period = link(SettlementPeriod, db_index=False)
    claim = link(Claim, related_name="lines", db_index=False)
    institution = link("providers.Institution", db_index=False)
    # Empty on an institution-level adjustment (a deduction decided on a scorecard).
    person = link("insured.Person", "参保人", db_index=False, optional=True)
    line_key = models.CharField("明细键", max_length=160)
    benefit = models.CharField("待遇", max_length=40)
    benefit_name = models.CharField("待遇名称", max_length=120)
    seq = models.PositiveSmallIntegerField("顺序", default=0)
    kind = models.CharField("规则类型", max_length=20)
    payer = models.CharField("支付方", max_length=40)
    tier = models.PositiveSmallIntegerField("保障层次", default=1)
    payee_kind = models.CharField("收款方", max_length=12, choices=Payee.choices)
    grade = models.PositiveSmallIntegerField("失能等级")
    care_mode = models.CharField("照护方式", max_length=16)
    institution_class = models.CharField("机构结算类别", max_length=16, blank=True)
    eligible_days = models.PositiveSmallIntegerField("计费天数", default=0)
    days_mask = models.BigIntegerField("计费日期（位图）", default=0)
    eligible_cost_fen = models.BigIntegerField("符合规定费用（分）", default=0)
    fund_fen = models.BigIntegerField("支付金额（分）", default=0)
    personal_fen = models.BigIntegerField("个人负担（分）", default=0)
    rule = models.CharField("规则及版本", max_length=120)
    policy = link(PolicyVersion, db_index=False)
    status = models.CharField(
        "状态", max_length=12, choices=LineStatus.choices, default=LineStatus.PAYABLE
    )
    reason_code = models.CharField("原因代码", max_length=40, blank=True)
    reason = models.CharField("原因", max_length=300, blank=True)
    # The visits behind a line are those of its person and institution on its days, completed
    # and recorded before the claim was computed, less the claim's exclusions (explain.py).
    visit_count = models.PositiveIntegerField("服务记录数", default=0)
    source = models.CharField(
        "来源", max_length=12, choices=LineSource.choices, default=LineSource.COMPUTED
    )
    adjusts = link("self", "更正的明细", optional=True, related_name="adjustments", db_index=False)

    class Meta:
        verbose_name = verbose_name_plural = "结算明细"
        ordering = ["claim", "person_id", "seq", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["period", "line_key"], name="line_key_unique"),
            models.CheckConstraint(
                condition=Q(source="adjustment") | (Q(fund_fen__gte=0) & Q(personal_fen__gte=0)),
                name="line_computed_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["claim", "status"]),
            models.Index(fields=["person", "period"]),
            models.Index(fields=["period", "institution"]),
            models.Index(
                fields=["adjusts"], condition=Q(adjusts__isnull=False), name="line_adjusts_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.benefit_name} {self.fund_fen}"


class LineDecision(models.Model):
    """A withdrawal or rejection of a line, kept by its key so a re-computation keeps it."""

    period = models.ForeignKey(SettlementPeriod, on_delete=models.CASCADE, related_name="+")
    line_key = models.CharField("明细键", max_length=160)
    status = models.CharField("决定", max_length=12, choices=LineStatus.choices)
    step = models.CharField("环节", max_length=16)  # claim / first_review / second_review
    reason_code = models.CharField("原因代码", max_length=40)
    reason = models.CharField("原因", max_length=300)
    actor, at = who_and_when(when="时间", on_save=True)

    class Meta:
        verbose_name = verbose_name_plural = "明细处理决定"
        constraints = [
            models.UniqueConstraint(fields=["period", "line_key"], name="line_decision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}：{self.reason}"


class Exclusion(models.Model):
    """A visit or bed-day the claim does not pay, with the reason code (剔除)."""

    period = models.ForeignKey(
        SettlementPeriod, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    claim = models.ForeignKey(
        Claim,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exclusions",
        db_index=False,
    )
    institution = link("providers.Institution", db_index=False)
    person = link("insured.Person", db_index=False)
    source = models.CharField("类别", max_length=8)  # visit / bed_day
    source_id = models.BigIntegerField("记录编号")
    day = models.DateField("日期")
    reason_code = models.CharField("原因代码", max_length=40)
    reason = models.CharField("原因", max_length=300)
    amount_fen = models.BigIntegerField("涉及费用（分）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "剔除的服务记录"
        ordering = ["day", "id"]
        indexes = [
            models.Index(fields=["period", "institution"]),
            models.Index(fields=["claim", "reason_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.reason_code}"


class PaymentStatus(models.TextChoices):
    ISSUED = "issued", "已拨付"
    RECOVERY = "recovery", "待追回"


class PaymentOrder(models.Model):
    """拨付单: what one payer pays one payee for a period (negative: to recover)."""

    period = link(SettlementPeriod, related_name="payments")
    payer = models.CharField("支付方", max_length=40)
    payee_kind = models.CharField("收款方类别", max_length=12, choices=Payee.choices)
    payee_key = models.CharField("收款方", max_length=40)
    institution = link("providers.Institution", optional=True)
    person = link("insured.Person", optional=True)
    amount_fen = models.BigIntegerField("金额（分）")
    line_count = models.PositiveIntegerField("明细数")
    status = models.CharField("状态", max_length=12, choices=PaymentStatus.choices)
    entry = link("fund.Entry", optional=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "拨付单"
        ordering = ["period", "payer", "payee_kind", "payee_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "payer", "payee_key"], name="payment_one_per_payee"
            )
        ]
        indexes = [models.Index(fields=["institution", "period"])]

    def __str__(self) -> str:
        return f"拨付单{self.pk}（{self.payee_key}）"


class SupplementaryMember(models.Model):
    """A person insured by a supplementary payer for a year, with the premium paid."""

    class PaidFrom(models.TextChoices):
        PERSONAL_ACCOUNT = "personal_account", "职工医保个人账户"
        CASH = "cash", "个人缴纳"
        EMPLOYER = "employer", "单位投保"

    plan_code = models.CharField("补充保障", max_length=40)
    person = link("insured.Person", "参保人")
    year = models.PositiveSmallIntegerField("保障年度")
    premium_fen = models.PositiveIntegerField("保费（分）")
    paid_from = models.CharField("缴费方式", max_length=20, choices=PaidFrom.choices)
    family_size = models.PositiveSmallIntegerField("家庭参保人数", default=1)
    joined_on = models.DateField("参保日期")
    entry = link("fund.Entry", optional=True)
    recorded_by, recorded_at = who_and_when(when="登记时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "补充保障参保人"
        ordering = ["plan_code", "-year", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_code", "person", "year"], name="supplementary_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_code} {self.year}"
