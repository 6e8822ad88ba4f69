"""Inspections, their findings, the rectification loop and appeals (监督检查与整改闭环).

An :class:`InspectionTask` is planned for a month and a region (a district or a city); its
targets (institutions and home-care beneficiaries) are drawn at random with a stored seed,
weighted by risk (:mod:`changhu.supervision.risk`). An inspector records each target on the
phone page against a versioned :class:`Checklist`; every item answered "not met" becomes an
:class:`InspectionFinding` with a :class:`Rectification` (整改通知) the institution answers with
evidence before a deadline in working days. The supervisor accepts (closed) or rejects (back with
a new deadline); overdue ones are escalated. An institution may :class:`Appeal` an inspection
finding or a screening finding (``visits.Finding``); a different supervisor decides.

Every row carries the ``region_code`` of its institution for prefix-based scoping.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from changhu.core import versions
from changhu.core.fields import link, user_fk, who_and_when, who_when_why


class ChecklistTarget(models.TextChoices):
    INSTITUTION = "institution", "定点护理机构"
    BENEFICIARY = "beneficiary", "居家服务对象"


class Checklist(versions.Version):
    """One loaded version of an inspection checklist (``presets/inspection/*.json``)."""

    code = models.CharField("检查表代码", max_length=40)
    name = models.CharField("名称", max_length=100)
    target = models.CharField("检查对象", max_length=12, choices=ChecklistTarget.choices)
    items = models.JSONField("检查项目")
    rectify_working_days = models.JSONField("整改时限（工作日）", default=dict)
    source = models.CharField("依据", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查表版本"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="checklist_version_unique")
        ]


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", "日常巡查"
    SPECIAL = "special", "专项检查"
    FLYING = "flying", "飞行检查"


class TaskStatus(models.TextChoices):
    PLANNED = "planned", "已计划"
    IN_PROGRESS = "in_progress", "检查中"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"


class InspectionTask(models.Model):
    """检查任务: what is inspected in a month and a region, and the sample drawn for it."""

    title = models.CharField("任务名称", max_length=100)
    kind = models.CharField("检查类型", max_length=12, choices=InspectionKind.choices)
    period = models.CharField("检查月份", max_length=7)
    region_code = models.CharField("检查范围（区划代码）", max_length=12, db_index=True)
    region_name = models.CharField("检查范围", max_length=100)
    institution_sample = models.PositiveSmallIntegerField("抽查机构数")
    beneficiary_sample = models.PositiveSmallIntegerField("抽查服务对象数")
    seed = models.BigIntegerField("抽样种子")
    institution_checklist = link(Checklist, "机构检查表")
    beneficiary_checklist = link(Checklist, "服务对象检查表")
    status = models.CharField(
        "状态", max_length=12, choices=TaskStatus.choices, default=TaskStatus.PLANNED
    )
    note = models.CharField("说明", max_length=300, blank=True)
    planned_by, created_at = who_and_when("计划人", "计划时间", on_create=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self) -> str:
        return self.title


class TargetStatus(models.TextChoices):
    PENDING = "pending", "待检查"
    RECORDED = "recorded", "已检查"


class InspectionTarget(models.Model):
    """One sampled institution or beneficiary of a task, with its risk weight and why."""

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="targets")
    target = models.CharField("对象类型", max_length=12, choices=ChecklistTarget.choices)
    position = models.PositiveSmallIntegerField("抽样顺序")
    institution = link("providers.Institution", "护理机构")
    person = link("insured.Person", "服务对象", optional=True)
    region_code = models.CharField("区划代码", max_length=12)
    weight = models.FloatField("风险权重")
    reason = models.CharField("抽中原因", max_length=300)
    status = models.CharField(
        "状态", max_length=12, choices=TargetStatus.choices, default=TargetStatus.PENDING
    )
    checklist = link(Checklist)
    answers = models.JSONField("检查结果", default=list, blank=True)
    score = models.PositiveSmallIntegerField("得分", null=True, blank=True)
    inspector, inspected_at = who_and_when("检查人", "检查时间")
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    accuracy_m = models.FloatField("定位精度（米）", null=True, blank=True)
    summary = models.CharField("检查小结", max_length=1000, blank=True)
    photos = models.ManyToManyField("InspectionPhoto", blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "抽查对象"
        ordering = ["task", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "position"], name="inspection_target_order"),
        ]

    def __str__(self) -> str:
        return self.person.name if self.person_id else self.institution.organization.name


class InspectionPhoto(models.Model):
    """A photo taken during an inspection (JPEG or PNG, checked by content), stored once."""

    sha256 = models.CharField("内容哈希(SHA-256)", max_length=64, unique=True)
    file = models.FileField("文件", upload_to="supervision/photos/%Y/%m/")
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = user_fk("上传人")
    region_prefixes = models.JSONField("上传人范围", default=list, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查照片"

    def __str__(self) -> str:
        return self.sha256[:12]


class Severity(models.TextChoices):
    LOW = "low", "轻微"
    MEDIUM = "medium", "一般"
    HIGH = "high", "严重"


class InspectionFindingStatus(models.TextChoices):
    OPEN = "open", "整改中"
    CLOSED = "closed", "已销号"
    DISMISSED = "dismissed", "申诉成立已撤销"


class InspectionFinding(models.Model):
    """检查发现: one checklist item not met at one target."""

    target = link(InspectionTarget, related_name="findings")
    task = link(InspectionTask, related_name="findings")
    institution = link("providers.Institution", "护理机构")
    region_code = models.CharField("区划代码", max_length=12)
    item_code = models.CharField("检查项", max_length=40)
    item = models.CharField("检查内容", max_length=300)
    points = models.PositiveSmallIntegerField("分值")
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices)
    legal_basis = models.CharField("法规依据", max_length=300)
    description = models.CharField("问题描述", max_length=500)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=InspectionFindingStatus.choices,
        default=InspectionFindingStatus.OPEN,
    )
    raised_by, created_at = who_and_when("发现人", "发现时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查发现"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["target", "item_code"], name="finding_one_per_item"),
        ]

    def __str__(self) -> str:
        return self.item[:40]


class RectificationStatus(models.TextChoices):
    PENDING = "pending", "待整改"
    ESCALATED = "escalated", "逾期督办"
    SUBMITTED = "submitted", "待复查"
    ACCEPTED = "accepted", "已整改销号"
    WITHDRAWN = "withdrawn", "已撤销"


OPEN_RECTIFICATION = (RectificationStatus.PENDING, RectificationStatus.ESCALATED)


class Rectification(models.Model):
    """整改通知: what the institution must put right, by when, and the answers and re-checks."""

    finding = models.OneToOneField(
        InspectionFinding, on_delete=models.PROTECT, related_name="rectification"
    )
    institution = link("providers.Institution", "护理机构")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    notice_number = models.CharField("通知书编号", max_length=30, unique=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=RectificationStatus.choices,
        default=RectificationStatus.PENDING,
    )
    issued_on = models.DateField("下达日期")
    deadline = models.DateField("整改期限")
    rounds = models.PositiveSmallIntegerField("退回次数", default=0)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    reviewed_by = user_fk("复查人")
    last_reason = models.CharField("最近复查意见", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "整改通知"
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"整改通知{self.notice_number}"


class AnswerDecision(models.TextChoices):
    WAITING = "waiting", "待复查"
    ACCEPTED = "accepted", "通过"
    REJECTED = "rejected", "退回"


class RectificationAnswer(models.Model):
    """One answer of the institution (text and evidence files) and the re-check of it."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="answers"
    )
    text = models.TextField("整改情况")
    answered_by, answered_at = who_and_when("提交人", "提交时间", on_create=True)
    decision = models.CharField(
        "复查结果", max_length=10, choices=AnswerDecision.choices, default=AnswerDecision.WAITING
    )
    decided_by, decided_at, decision_reason = who_when_why("复查人", "复查时间", "复查意见")

    class Meta:
        verbose_name = verbose_name_plural = "整改答复"
        ordering = ["answered_at", "id"]

    def __str__(self) -> str:
        return f"整改答复{self.pk}"


class Evidence(models.Model):
    """A file sent as evidence of a rectification (PDF, JPEG or PNG, checked by content)."""

    answer = models.ForeignKey(
        RectificationAnswer, on_delete=models.CASCADE, related_name="evidence"
    )
    name = models.CharField("文件名", max_length=200)
    file = models.FileField("文件", upload_to="supervision/evidence/%Y/%m/")
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("内容哈希(SHA-256)", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "整改佐证材料"

    def __str__(self) -> str:
        return self.name


class AppealStatus(models.TextChoices):
    PENDING = "pending", "待裁决"
    UPHELD = "upheld", "申诉成立"
    REJECTED = "rejected", "申诉不成立"


class Appeal(models.Model):
    """申诉: an institution contests an inspection finding or a screening finding."""

    inspection_finding = link(InspectionFinding, "检查发现", optional=True, related_name="appeals")
    screening_finding = link("visits.Finding", "稽核发现", optional=True)
    institution = link("providers.Institution", "护理机构")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    reason = models.TextField("申诉理由")
    filed_by, filed_at = who_and_when("申诉人", "申诉时间", on_create=True)
    due_on = models.DateField("裁决期限")
    status = models.CharField(
        "状态", max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by, decided_at, decision_reason = who_when_why("裁决人", "裁决时间", "裁决意见")

    class Meta:
        verbose_name = verbose_name_plural = "申诉"
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(inspection_finding__isnull=False, screening_finding__isnull=True)
                | Q(inspection_finding__isnull=True, screening_finding__isnull=False),
                name="appeal_one_finding",
            ),
            models.UniqueConstraint(
                fields=["inspection_finding"],
                condition=Q(status="pending", inspection_finding__isnull=False),
                name="appeal_one_pending_per_inspection_finding",
            ),
            models.UniqueConstraint(
                fields=["screening_finding"],
                condition=Q(status="pending", screening_finding__isnull=False),
                name="appeal_one_pending_per_screening_finding",
            ),
        ]

    def __str__(self) -> str:
        return f"申诉{self.pk}"

    @property
    def subject(self) -> str:
        if self.inspection_finding_id:
            return f"检查发现：{self.inspection_finding.item}"
        return f"稽核发现：{self.screening_finding.reason}"
