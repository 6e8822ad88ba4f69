"""Assessment tables. For now only the scale versions; the workflow tables come later."""

from __future__ import annotations

from functools import cached_property

from django.db import models
from django.db.models import F, Q

from changhu.assessment import scoring
from changhu.core.errors import Conflict


class ScaleVersion(models.Model):
    """One version of an assessment scale, loaded from a preset file and never edited.

    A corrected or refined scale is a new row with a new version; assessments keep pointing to
    the version they were scored with, so re-scoring them gives the same grade.
    """

    code = models.CharField("量表代码", max_length=64)
    version = models.CharField("版本号", max_length=32)
    name = models.CharField("量表名称", max_length=200)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    definition = models.JSONField("量表定义")
    checksum = models.CharField("内容校验值(SHA-256)", max_length=64)
    loaded_at = models.DateTimeField("加载时间", auto_now_add=True)

    class Meta:
        verbose_name = "评估量表版本"
        verbose_name_plural = "评估量表版本"
        ordering = ["code", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="assessment_scale_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="assessment_scale_version_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["code", "-effective_from"], name="assessment_scale_in_force")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise Conflict("量表版本加载后不可修改，请使用新版本号", code="scale_version_immutable")
        super().save(*args, **kwargs)

    @cached_property
    def scale(self) -> scoring.Scale:
        """The scale to score with, checked against the checksum recorded at loading."""
        if scoring.definition_checksum(self.definition) != self.checksum:
            raise Conflict(
                f"量表{self.code} {self.version}的内容与加载时的校验值不一致",
                code="scale_checksum_mismatch",
            )
        return scoring.load_scale(self.definition)
