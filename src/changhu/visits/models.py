"""Home visits with their evidence, institutional bed-days, patrol visits, and screening.

A :class:`Visit` is one home visit by one caregiver to one beneficiary: checked in and out from
the caregiver's phone with time (device and server), WGS-84 position and accuracy, photos, the
catalogue items done and the family's confirmation. Each phone event carries a client-made UUID
(``client_uuid`` for the check-in, ``check_out_uuid`` for the check-out), so a retried event
finds the first result instead of writing a second one.

"Institution" is ``providers.Institution`` (the designation profile of an ``orgs.Organization``
of kind "care"), as in ``care``. Times are stored in UTC; ``service_date`` is the day in
Asia/Shanghai on which the visit began.

Settlement reads the payable rows through ``selectors.settlement_visits`` and
``selectors.settlement_bed_days``; ``payable`` is kept by the services: false while a visit is
in progress or cancelled and once a finding against it is confirmed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from changhu.core import runs


class VisitStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "服务中"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"


class PlaceResult(models.TextChoices):
    COMPLIANT = "compliant", "位置相符"
    WARNING = "warning", "位置存疑"
    VIOLATION = "violation", "位置不符"


class ShortVisitReason(models.TextChoices):
    """Why a visit ended well before its items' reference time (asked at check-out)."""

    REFUSED = "refused", "服务对象拒绝继续服务"
    HOSPITAL = "hospital", "服务对象临时送医"
    FAMILY_REQUEST = "family_request", "家属要求提前结束"
    OTHER = "other", "其他（请说明）"


class ConfirmationMethod(models.TextChoices):
    CODE = "code", "家属动态码"
    SIGNATURE = "signature", "签字图片"


class Photo(models.Model):
    """A photo (JPEG or PNG, checked by content), stored once per content hash."""

    sha256 = models.CharField("内容哈希(SHA-256)", max_length=64, unique=True)
    file = models.FileField("文件", upload_to="visits/photos/%Y/%m/")
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    institution = models.ForeignKey(
        "providers.Institution",
        verbose_name="上传机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "服务照片"
        verbose_name_plural = "服务照片"

    def __str__(self) -> str:
        return self.sha256[:12]


class Visit(models.Model):
    """上门服务记录: one visit, from check-in to check-out, with its evidence."""

    client_uuid = models.UUIDField("签到事件UUID", unique=True)
    # The three foreign keys lead the composite indexes in Meta, which serve their look-ups;
    # a second single-column index each would only slow down the check-in insert.
    caregiver = models.ForeignKey(
        "providers.Caregiver",
        verbose_name="护理员",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    person = models.ForeignKey(
        "insured.Person",
        verbose_name="参保人",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    institution = models.ForeignKey(
        "providers.Institution",
        verbose_name="护理机构",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Denormalised from the person, for region scoping and district figures.
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    service_date = models.DateField("服务日期")
    status = models.CharField(
        "状态", max_length=12, choices=VisitStatus.choices, default=VisitStatus.IN_PROGRESS
    )
    offline = models.BooleanField("离线补传", default=False)
    rule_version = models.CharField("位置判定规则版本", max_length=32, blank=True)

    check_in_at = models.DateTimeField("签到时间")
    check_in_device_at = models.DateTimeField("签到设备时间")
    check_in_received_at = models.DateTimeField("签到接收时间")
    check_in_latitude = models.FloatField("签到纬度(WGS-84)")
    check_in_longitude = models.FloatField("签到经度(WGS-84)")
    check_in_accuracy_m = models.FloatField("签到定位精度（米）")
    check_in_distance_m = models.IntegerField("签到距住址（米）", null=True, blank=True)
    check_in_place = models.CharField("签到位置判定", max_length=12, choices=PlaceResult.choices)
    check_in_photo = models.ForeignKey(
        Photo,
        verbose_name="签到照片",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by the index with INCLUDE below
    )

    check_out_uuid = models.UUIDField("签退事件UUID", unique=True, null=True, blank=True)
    check_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    check_out_device_at = models.DateTimeField("签退设备时间", null=True, blank=True)
    check_out_received_at = models.DateTimeField("签退接收时间", null=True, blank=True)
    check_out_latitude = models.FloatField("签退纬度(WGS-84)", null=True, blank=True)
    check_out_longitude = models.FloatField("签退经度(WGS-84)", null=True, blank=True)
    check_out_accuracy_m = models.FloatField("签退定位精度（米）", null=True, blank=True)
    check_out_distance_m = models.IntegerField("签退距住址（米）", null=True, blank=True)
    check_out_place = models.CharField(
        "签退位置判定", max_length=12, choices=PlaceResult.choices, blank=True
    )
    check_out_photo = models.ForeignKey(
        Photo,
        verbose_name="签退照片",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by the index with INCLUDE below
    )
    confirmation_method = models.CharField(
        "家属确认方式", max_length=12, choices=ConfirmationMethod.choices, blank=True
    )
    confirmation_signature = models.ForeignKey(
        Photo,
        verbose_name="签字图片",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    duration_minutes = models.PositiveIntegerField("服务时长（分钟）", null=True, blank=True)
    reference_minutes = models.PositiveIntegerField("项目参考时长（分钟）", null=True, blank=True)
    place_result = models.CharField(
        "位置判定", max_length=12, choices=PlaceResult.choices, default=PlaceResult.COMPLIANT
    )
    payable = models.BooleanField("可结算", default=True)
    cancel_reason = models.CharField("取消原因", max_length=300, blank=True)
    short_reason = models.CharField(
        "提前结束原因", max_length=20, choices=ShortVisitReason.choices, blank=True
    )
    short_reason_note = models.CharField("提前结束说明", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "上门服务记录"
        verbose_name_plural = "上门服务记录"
        ordering = ["-check_in_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_out_at__isnull=True) | Q(check_out_at__gte=F("check_in_at")),
                name="visit_check_out_after_check_in",
            ),
            models.CheckConstraint(
                condition=Q(check_in_latitude__gte=-90, check_in_latitude__lte=90)
                & Q(check_in_longitude__gte=-180, check_in_longitude__lte=180),
                name="visit_check_in_position_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed")
                | (Q(check_out_at__isnull=False) & Q(duration_minutes__isnull=False)),
                name="visit_completed_has_check_out",
            ),
            # One visit in progress at a time per caregiver and per beneficiary: partial unique
            # indexes, so the rule holds under concurrent check-ins without a lock or an extra
            # query (the insert itself is refused); the service turns the refusal into a 409.
            models.UniqueConstraint(
                fields=["caregiver"],
                condition=Q(status="in_progress"),
                name="visit_one_open_per_caregiver",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="in_progress"),
                name="visit_one_open_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "service_date"]),
            models.Index(fields=["caregiver", "check_in_at"]),
            models.Index(fields=["person", "service_date"]),
            models.Index(fields=["service_date", "status"]),
            # Screening asks "was this photo used by an earlier visit?" for every visit: on
            # PostgreSQL these answer from the index alone (INCLUDE is ignored elsewhere).
            models.Index(
                fields=["check_in_photo"], include=["id", "check_in_at"], name="visit_in_photo"
            ),
            models.Index(
                fields=["check_out_photo"], include=["id", "check_in_at"], name="visit_out_photo"
            ),
        ]

    def __str__(self) -> str:
        return f"上门服务{self.pk}（{self.service_date}）"


class VisitItem(models.Model):
    """A catalogue item performed during a visit, with how many times."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(
        "care.CatalogueItem", verbose_name="服务项目", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveSmallIntegerField("次数", default=1)

    class Meta:
        verbose_name = "服务项目记录"
        verbose_name_plural = "服务项目记录"
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="visit_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="visit_item_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.item_id}×{self.quantity}"


class Stay(models.Model):
    """入住: one resident's stay in an institution, from admission to discharge."""

    person = models.ForeignKey(
        "insured.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "providers.Institution", verbose_name="护理机构", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    admitted_on = models.DateField("入住日期")
    discharged_on = models.DateField("出院/离院日期", null=True, blank=True)
    bed_number = models.CharField("床位号", max_length=20, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "入住记录"
        verbose_name_plural = "入住记录"
        ordering = ["-admitted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=F("admitted_on")),
                name="stay_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(discharged_on__isnull=True), name="stay_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"入住{self.admitted_on}起"


class BedDayKind(models.TextChoices):
    IN_BED = "in_bed", "在床"
    LEAVE = "leave", "请假离院"
    HOSPITAL_TRANSFER = "hospital_transfer", "转院住院"


class BedDay(models.Model):
    """床日: one day of a resident in an institution, and what kind of day it was."""

    person = models.ForeignKey(
        "insured.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "providers.Institution", verbose_name="护理机构", on_delete=models.PROTECT, related_name="+"
    )
    stay = models.ForeignKey(
        Stay, null=True, blank=True, on_delete=models.CASCADE, related_name="bed_days"
    )
    region_code = models.CharField("区划代码", max_length=12)
    day = models.DateField("日期")
    kind = models.CharField("类别", max_length=20, choices=BedDayKind.choices)
    payable = models.BooleanField("可结算", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "床日"
        verbose_name_plural = "床日"
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="bed_day_one_per_person_day")
        ]
        indexes = [models.Index(fields=["institution", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class PatrolVisit(models.Model):
    """巡护: an institution's guidance visit to a family-care beneficiary and their caregiver."""

    client_uuid = models.UUIDField("事件UUID", unique=True)
    institution = models.ForeignKey(
        "providers.Institution", verbose_name="护理机构", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "insured.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="+"
    )
    family_caregiver = models.ForeignKey(
        "providers.Caregiver",
        verbose_name="亲情护理员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    patroller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="巡护人", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    visited_at = models.DateTimeField("巡护时间")
    service_date = models.DateField("巡护日期")
    latitude = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    longitude = models.FloatField("经度(WGS-84)", null=True, blank=True)
    accuracy_m = models.FloatField("定位精度（米）", null=True, blank=True)
    distance_m = models.IntegerField("距住址（米）", null=True, blank=True)
    checklist_version = models.CharField("检查表版本", max_length=32)
    # [{"code", "group", "label", "ok": bool, "note"}]
    checklist = models.JSONField("检查结果", default=list)
    condition_note = models.CharField("参保人状况", max_length=500, blank=True)
    findings = models.CharField("发现的问题", max_length=1000, blank=True)
    follow_up = models.BooleanField("需要跟进", default=False)
    photos = models.ManyToManyField(Photo, blank=True, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "巡护记录"
        verbose_name_plural = "巡护记录"
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["institution", "service_date"])]

    def __str__(self) -> str:
        return f"巡护{self.pk}（{self.service_date}）"


class RuleSet(models.Model):
    """One loaded version of the screening thresholds (``presets/screening/*.json``)."""

    code = models.CharField("规则集代码", max_length=40)
    version = models.CharField("版本号", max_length=32)
    name = models.CharField("名称", max_length=100)
    effective_from = models.DateField("生效日期")
    params = models.JSONField("规则参数")
    checksum = models.CharField("内容校验值(SHA-256)", max_length=64)
    source = models.CharField("依据", max_length=300, blank=True)
    loaded_at = models.DateTimeField("加载时间", auto_now_add=True)

    class Meta:
        verbose_name = "稽核规则版本"
        verbose_name_plural = "稽核规则版本"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rule_set_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"


RunStatus = runs.RunStatus  # one set of run states for every kind of background run


class ScreeningRun(models.Model):
    """One screening of a month: a job picked up by ``changhu run-jobs`` (or run by
    ``changhu screen``), done institution by institution so it can resume after a crash."""

    period = models.CharField("稽核月份", max_length=7, db_index=True)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    source = models.CharField("发起方式", max_length=8, default="web")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Region prefixes of the requester's scope; empty: every institution.
    scope_prefixes = models.JSONField("范围", default=list, blank=True)
    total_chunks = models.PositiveIntegerField("机构数", default=0)
    done_chunks = models.PositiveIntegerField("已完成机构数", default=0)
    findings_count = models.PositiveIntegerField("发现问题数", default=0)
    summary = models.JSONField("结果摘要", default=dict, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "稽核批次"
        verbose_name_plural = "稽核批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"稽核{self.period}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        return runs.percent(self.status, self.done_chunks, self.total_chunks)


class ScreeningChunk(models.Model):
    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="chunks")
    institution = models.ForeignKey(
        "providers.Institution", on_delete=models.CASCADE, related_name="+"
    )
    done = models.BooleanField(default=False)
    findings = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "institution"], name="screening_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.institution_id}"


class Severity(models.TextChoices):
    LOW = "low", "提示"
    MEDIUM = "medium", "一般"
    HIGH = "high", "严重"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待处理"
    CONFIRMED = "confirmed", "已确认违规"
    DISMISSED = "dismissed", "已排除"


class Finding(models.Model):
    """稽核发现: one rule firing on a visit, a bed-day, or a caregiver's month with a person."""

    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    bed_day = models.ForeignKey(
        BedDay, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    person = models.ForeignKey(
        "insured.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "providers.Institution", verbose_name="护理机构", on_delete=models.PROTECT, related_name="+"
    )
    caregiver = models.ForeignKey(
        "providers.Caregiver",
        verbose_name="护理员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_code = models.CharField("区划代码", max_length=12)
    period = models.CharField("月份", max_length=7)
    service_date = models.DateField("服务日期", null=True, blank=True)
    rule_code = models.CharField("规则", max_length=40)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices)
    status = models.CharField(
        "状态", max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    rule_version = models.CharField("规则版本", max_length=32)
    reason = models.TextField("原因")
    detail = models.JSONField("明细", default=dict, blank=True)
    run = models.ForeignKey(
        ScreeningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolution_reason = models.CharField("处理意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "稽核发现"
        verbose_name_plural = "稽核发现"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_code", "visit"],
                condition=Q(visit__isnull=False),
                name="finding_one_per_rule_visit",
            ),
            models.UniqueConstraint(
                fields=["rule_code", "bed_day"],
                condition=Q(bed_day__isnull=False),
                name="finding_one_per_rule_bed_day",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "period", "rule_code"]),
            models.Index(fields=["status", "period"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code}（{self.get_status_display()}）"
