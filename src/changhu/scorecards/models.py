"""Scorecards: indicator sets (versioned data), scorecard runs with one row per organization and
per indicator, and the on-site points inspectors enter by hand."""

from __future__ import annotations

from django.db import models

from changhu.core import versions
from changhu.core.fields import link, user_fk, who_when_why


class ScorecardKind(models.TextChoices):
    CARE = "care-institution", "定点护理机构"
    ASSESSMENT = "assessment-institution", "评估机构"
    INSURER = "insurer", "承办商保机构"


# Which organizations a kind of scorecard measures (orgs.OrgKind values).
ORG_KIND = {
    ScorecardKind.CARE: "care",
    ScorecardKind.ASSESSMENT: "assessment",
    ScorecardKind.INSURER: "insurer",
}


class IndicatorSet(versions.Version):
    """One loaded version of an indicator set (``presets/scorecards/*.json``)."""

    code = models.CharField("指标体系代码", max_length=40)
    kind = models.CharField("考核对象", max_length=24, choices=ScorecardKind.choices)
    name = models.CharField("名称", max_length=100)
    indicators = models.JSONField("考核指标")
    source = models.CharField("依据", max_length=500, blank=True)

    class Meta:
        verbose_name = "考核指标体系版本"
        verbose_name_plural = "考核指标体系版本"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="scorecard_indicator_set_version_unique"
            )
        ]


class ScorecardRun(models.Model):
    """The scores of one kind of organization for one period; recomputing replaces its rows."""

    kind = models.CharField("考核对象", max_length=24, choices=ScorecardKind.choices)
    period = models.CharField("考核期", max_length=7)
    indicator_set = models.ForeignKey(
        IndicatorSet, verbose_name="指标体系版本", on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField("计算时间")
    computed_by = user_fk("计算人")
    organizations = models.PositiveIntegerField("参评机构数", default=0)

    class Meta:
        verbose_name = "考核评分批次"
        verbose_name_plural = "考核评分批次"
        ordering = ["kind", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period"], name="scorecard_run_one_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}考核（{self.period}）"


class Scorecard(models.Model):
    """One organization's score for a run's period."""

    run = models.ForeignKey(ScorecardRun, on_delete=models.CASCADE, related_name="cards")
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="机构", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("考核对象", max_length=24, choices=ScorecardKind.choices)
    period = models.CharField("考核期", max_length=7)
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    score = models.DecimalField("总分", max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField("名次")

    class Meta:
        verbose_name = "机构考核得分"
        verbose_name_plural = "机构考核得分"
        ordering = ["rank", "organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["run", "organization"], name="scorecard_one_per_org")
        ]
        indexes = [models.Index(fields=["organization", "kind", "period"])]

    def __str__(self) -> str:
        return f"{self.organization}（{self.period}）{self.score}分"


class IndicatorScore(models.Model):
    """One indicator of one scorecard: the measured value and the points it earned."""

    card = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField("指标代码", max_length=40)
    name = models.CharField("指标名称", max_length=60)
    weight = models.DecimalField("权重", max_digits=6, decimal_places=2)
    formula = models.CharField("计算方式", max_length=12)
    numerator = models.PositiveIntegerField("分子", null=True, blank=True)
    denominator = models.PositiveIntegerField("分母", null=True, blank=True)
    value = models.DecimalField("指标值", max_digits=10, decimal_places=2, null=True, blank=True)
    points = models.DecimalField("得分", max_digits=6, decimal_places=2)
    position = models.PositiveSmallIntegerField("顺序")

    class Meta:
        verbose_name = "指标得分"
        verbose_name_plural = "指标得分"
        ordering = ["card", "position"]
        constraints = [
            models.UniqueConstraint(fields=["card", "code"], name="indicator_score_one_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.name}：{self.points}"


class ManualScore(models.Model):
    """On-site points an inspector gives an organization for a manual indicator, with the reason
    and an evidence file. The latest entry for an organization, indicator and period counts."""

    kind = models.CharField("考核对象", max_length=24, choices=ScorecardKind.choices)
    period = models.CharField("考核期", max_length=7)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="机构", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    indicator_code = models.CharField("指标代码", max_length=40)
    points = models.DecimalField("得分", max_digits=6, decimal_places=2)
    reason = models.CharField("评分理由", max_length=500)
    evidence_name = models.CharField("佐证材料名称", max_length=200)
    evidence = models.FileField("佐证材料", upload_to="scorecards/evidence/%Y/%m/")
    evidence_type = models.CharField("佐证材料类型", max_length=40)
    evidence_sha256 = models.CharField("佐证材料SHA-256", max_length=64)
    entered_by = user_fk("录入人")
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "现场考核评分"
        verbose_name_plural = "现场考核评分"
        ordering = ["-entered_at", "-id"]
        indexes = [models.Index(fields=["kind", "period", "indicator_code"])]

    def __str__(self) -> str:
        return f"{self.organization}{self.indicator_code}（{self.period}）{self.points}分"


class ConsequenceRuleSet(versions.Version):
    """One loaded version of the consequence rules (``presets/scorecards/consequences/*.json``):
    per kind of scorecard, the score bands and the consequences each calls for."""

    code = models.CharField("规则代码", max_length=40)
    name = models.CharField("名称", max_length=100)
    kinds = models.JSONField("各类考核对象的分数档次")
    source = models.CharField("依据", max_length=500, blank=True)

    class Meta:
        verbose_name = "考核结果运用规则版本"
        verbose_name_plural = "考核结果运用规则版本"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="scorecard_consequence_rules_version_unique"
            )
        ]


class ConsequenceAction(models.TextChoices):
    WARNING = "warning", "警告"
    INTERVIEW = "interview", "约谈"
    WITHHOLDING = "withholding", "扣留质量保证金"
    SUSPENSION = "suspension", "暂停新增服务对象"
    TERMINATION = "termination", "解除协议（退出）"
    FEE_FACTOR = "fee_factor", "经办服务费考核系数"


class ConsequenceStatus(models.TextChoices):
    PROPOSED = "proposed", "待确认"
    CONFIRMED = "confirmed", "已确认执行"
    DISMISSED = "dismissed", "不予执行"


class ConsequenceProposal(models.Model):
    """A consequence a score calls for under the rules, waiting for a person to confirm it (and
    then carried out) or dismiss it with a reason. Computing the period again replaces the
    proposals still waiting; decided ones stay."""

    rule_set = link(ConsequenceRuleSet, "规则版本")
    organization = link("orgs.Organization", "机构")
    kind = models.CharField("考核对象", max_length=24, choices=ScorecardKind.choices)
    period = models.CharField("考核期", max_length=7)
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    score = models.DecimalField("总分", max_digits=6, decimal_places=2)
    band = models.CharField("分数档次", max_length=40)
    action = models.CharField("处理措施", max_length=16, choices=ConsequenceAction.choices)
    percent = models.DecimalField(
        "扣留比例（%）", max_digits=6, decimal_places=2, null=True, blank=True
    )
    factor = models.DecimalField("考核系数", max_digits=5, decimal_places=3, null=True, blank=True)
    base_fen = models.BigIntegerField("计算基数（分）", null=True, blank=True)
    amount_fen = models.BigIntegerField("金额（分）", null=True, blank=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=ConsequenceStatus.choices,
        default=ConsequenceStatus.PROPOSED,
        db_index=True,
    )
    outcome = models.CharField("执行结果", max_length=300, blank=True)
    adjustment = link("settlement.ClaimLine", "扣款明细", optional=True)
    decided_by, decided_at, reason = who_when_why(
        "处理人", "处理时间", "不予执行原因", max_length=300
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "考核处理建议"
        ordering = ["status", "kind", "-period", "score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "period", "action"],
                name="consequence_one_per_action",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}{self.period}{self.get_action_display()}"
