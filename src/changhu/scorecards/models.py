"""Scorecards: indicator sets (versioned data), scorecard runs with one row per organization and
per indicator, and the on-site points inspectors enter by hand."""

from __future__ import annotations

from django.db import models

from changhu.core import versions
from changhu.core.fields import user_fk


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
