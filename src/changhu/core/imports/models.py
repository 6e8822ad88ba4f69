"""The batch every app's import extends: one uploaded file, previewed, then committed or dropped.

Each app keeps its own table (``insured.ImportBatch``, ``providers.ImportBatch``) with its own
``Kind`` choices, limits and scope policy; the fields and the lifecycle are written once here and
in :mod:`changhu.core.imports.lifecycle`. See docs/decisions.md (one import pipeline).
"""

from __future__ import annotations

from django.db import models

from changhu.core.fields import user_fk


def upload_path(batch: ImportBatch, filename: str) -> str:
    """Where a batch's sealed upload is stored: the app's own folder, so that each app's purge
    can tell its orphaned files from another's."""
    return f"{batch.UPLOAD_DIR}/{filename}"


class ImportBatch(models.Model):
    """One uploaded file: previewed, then committed or dropped.

    The upload itself is kept (encrypted) only while the batch waits for a decision; the totals
    and the capped error list, which hold no personal data, stay for the record.
    """

    MAX_FILE_BYTES = 10 * 1024 * 1024
    MAX_ROWS = 20_000
    ERROR_CAP = 5_000  # errors kept on the batch; the rest are only counted
    UPLOAD_DIR = "imports"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "待确认"
        COMMITTED = "committed", "已导入"
        DISCARDED = "discarded", "已放弃"
        FAILED = "failed", "导入失败"

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", "全部导入（有错误时不导入）"
        VALID_ONLY = "valid_only", "仅导入正确的行"

    # ``kind = models.CharField("导入内容", max_length=16, choices=Kind.choices)`` in each app
    file_name = models.CharField("文件名", max_length=200)
    file_format = models.CharField("文件格式", max_length=8)  # csv / xlsx, detected by content
    file_size = models.PositiveBigIntegerField("文件大小（字节）", default=0)
    encoding = models.CharField("文本编码", max_length=16, blank=True)
    # The upload, encrypted at rest; emptied once the batch is committed or discarded.
    stored_file = models.FileField("上传文件", upload_to=upload_path, max_length=200, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="上传机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_by = user_fk("上传人")
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PREVIEWED, db_index=True
    )
    mode = models.CharField("导入方式", max_length=16, choices=Mode.choices, blank=True)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    valid_rows = models.PositiveIntegerField("正确行数", default=0)
    error_rows = models.PositiveIntegerField("错误行数", default=0)
    error_count = models.PositiveIntegerField("错误条数", default=0)
    imported_rows = models.PositiveIntegerField("已导入行数", default=0)
    # [{"row", "column", "field", "code", "message"}], at most ERROR_CAP entries;
    # ``error_count`` minus their number is how many were left out.
    errors = models.JSONField("错误明细", default=list, blank=True)
    warnings = models.JSONField("提示", default=list, blank=True)
    sample = models.JSONField("前几行预览（已脱敏）", default=list, blank=True)
    failure = models.CharField("失败原因", max_length=300, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True, db_index=True)
    validated_at = models.DateTimeField("最近校验时间", null=True, blank=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    committed_by = user_fk("确认导入人")
    discarded_at = models.DateTimeField("放弃时间", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_rows__lte=models.F("total_rows"))
                & models.Q(error_rows__lte=models.F("total_rows")),
                name="%(app_label)s_import_batch_counts_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"导入批次{self.pk}（{self.file_name}）"
