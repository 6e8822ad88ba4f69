"""Statistics reports: definitions as versioned data, and runs that store their figures with the
definition version and the as-of time they were computed for."""

from __future__ import annotations

from django.db import models

from changhu.core import runs, versions


class PeriodKind(models.TextChoices):
    MONTH = "month", "月报"
    YEAR = "year", "年报"


class ReportDefinition(versions.Version):
    """One loaded version of a report definition (``presets/reports/*.json``)."""

    code = models.CharField("报表代码", max_length=40)
    name = models.CharField("名称", max_length=100)
    period_kind = models.CharField("报告期", max_length=8, choices=PeriodKind.choices)
    as_of = models.CharField("统计时点规则", max_length=20)
    definition = models.JSONField("报表定义")

    class Meta:
        verbose_name = verbose_name_plural = "统计报表定义版本"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="report_definition_unique")
        ]


class ReportRun(runs.Run):
    """One computation of a report for a period, in the requester's region scope; its figures
    are stored, so the run shows the same later whatever changes in the work tables."""

    definition = models.ForeignKey(
        ReportDefinition, verbose_name="报表定义版本", on_delete=models.PROTECT, related_name="runs"
    )
    period = models.CharField("报告期", max_length=7, db_index=True)
    as_of = models.DateTimeField("统计时点")
    district = models.CharField("区县", max_length=12, blank=True)
    # The division-code prefixes the figures cover (the requester's scope, or the district).
    scope_prefixes = models.JSONField("统计范围", default=list)
    all_regions = models.BooleanField("不限区域", default=False)
    # Rights the requester held that measures need (fund figures only with ``fund.view``).
    rights = models.JSONField("统计时的权限", default=list)
    result = models.JSONField("结果", default=dict, blank=True)

    class Meta(runs.Run.Meta):
        verbose_name = verbose_name_plural = "统计报表运行"

    def __str__(self) -> str:
        return f"{self.definition.name}（{self.period}）"
