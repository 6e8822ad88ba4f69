"""Data matching: uploaded lists (batches), their rows as matches awaiting review, and the
recovery proposed for money paid after a confirmed death.

A row keeps no ID number in clear: the blind index (to find the person and repeated rows) and
the masked copy (for the pages and the report) are enough once the upload is deleted.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from changhu.core.fields import link, who_when_why
from changhu.core.imports.models import ImportBatch as BaseImportBatch


class ListKind(models.TextChoices):
    DEATHS = "deaths", "死亡名单"
    HOSPITAL = "hospital", "住院名单"


class ListSource(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", "民政部门"
    PUBLIC_SECURITY = "public_security", "公安部门"
    MEDICAL_SETTLEMENT = "medical_settlement", "医保结算"
    OTHER = "other", "其他"


class MatchBatch(BaseImportBatch):
    """One list of deaths or admissions: a file uploaded, or rows a feed sent."""

    MAX_FILE_BYTES = 20 * 1024 * 1024
    MAX_ROWS = 100_000
    ERROR_CAP = 5_000
    UPLOAD_DIR = "match_imports"

    Kind = ListKind

    kind = models.CharField("比对内容", max_length=16, choices=ListKind.choices)
    source = models.CharField(
        "数据来源", max_length=20, choices=ListSource.choices, default=ListSource.OTHER
    )
    via_feed = models.BooleanField("接口推送", default=False)
    matched_rows = models.PositiveIntegerField("匹配行数", default=0)
    unmatched_rows = models.PositiveIntegerField("未匹配行数", default=0)

    class Meta(BaseImportBatch.Meta):
        verbose_name = verbose_name_plural = "比对批次"


class MatchStatus(models.TextChoices):
    PENDING = "pending", "待核实"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已排除"
    UNMATCHED = "unmatched", "未匹配"


class MatchRecord(models.Model):
    """One valid row of a list: matched to a beneficiary (to review) or not in the register."""

    batch = link(MatchBatch, related_name="records")
    row_number = models.PositiveIntegerField("行号")
    kind = models.CharField("比对内容", max_length=16, choices=ListKind.choices)
    status = models.CharField("状态", max_length=12, choices=MatchStatus.choices, db_index=True)
    person = link("insured.Person", "参保人", optional=True)
    # The matched person's division code (scoping); empty for a row not in the register.
    region_code = models.CharField("区划代码", max_length=12, blank=True, db_index=True)
    listed_name = models.CharField("名单姓名", max_length=40)
    id_number_index = models.CharField("身份证号码索引", max_length=64, db_index=True)
    id_number_masked = models.CharField("身份证号码", max_length=18)
    name_mismatch = models.BooleanField("姓名不一致", default=False)
    event_date = models.DateField("死亡/入院日期")
    end_date = models.DateField("出院日期", null=True, blank=True)
    hospital = models.CharField("医院名称", max_length=100, blank=True)
    # What the register already says that the reviewer should know (already deceased …).
    register_note = models.CharField("登记簿情况", max_length=200, blank=True)
    life_event = models.ForeignKey(
        "insured.LifeEvent",
        verbose_name="生命事件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by, reviewed_at, reason = who_when_why(
        "核实人", "核实时间", "排除原因", max_length=300
    )
    created_at = models.DateTimeField("比对时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "比对结果"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="match_record_row"),
            models.CheckConstraint(
                condition=Q(status="unmatched", person__isnull=True)
                | (~Q(status="unmatched") & Q(person__isnull=False)),
                name="match_record_person_iff_matched",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="match_record_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}第{self.row_number}行（{self.get_status_display()}）"


class RecoveryStatus(models.TextChoices):
    PROPOSED = "proposed", "待生成追回"
    ADJUSTED = "adjusted", "已生成追回"
    DISMISSED = "dismissed", "不予追回"


class RecoveryProposal(models.Model):
    """Money paid on a claim line for days after a confirmed death, to recover in a later
    settlement: a settlement user turns it into an adjustment (追回) in one step."""

    match = link(MatchRecord, related_name="recoveries")
    line = link("settlement.ClaimLine", "已支付明细")
    person = link("insured.Person", "参保人")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    month = models.CharField("结算月份", max_length=7)
    days_after_death = models.PositiveSmallIntegerField("身故后天数")
    amount_fen = models.BigIntegerField("拟追回金额（分）")
    status = models.CharField(
        "状态",
        max_length=12,
        choices=RecoveryStatus.choices,
        default=RecoveryStatus.PROPOSED,
        db_index=True,
    )
    adjustment = link("settlement.ClaimLine", "追回明细", optional=True)
    decided_by, decided_at, reason = who_when_why(
        "处理人", "处理时间", "不予追回原因", max_length=300
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "追回建议"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="recovery_amount_positive"),
            models.UniqueConstraint(fields=["match", "line"], name="recovery_one_per_line"),
        ]

    def __str__(self) -> str:
        return f"追回建议 {self.month} {self.amount_fen}"
