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
from django.db.models import Q

from changhu.core import runs, versions
from changhu.core.fields import ends_after, link, user_fk, who_and_when, who_when_why


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
    uploaded_by = user_fk("上传人")
    institution = link("providers.Institution", "上传机构", optional=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务照片"

    def __str__(self) -> str:
        return self.sha256[:12]


class Visit(models.Model):
    """上门服务记录: one visit, from check-in to check-out, with its evidence."""

    client_uuid = models.UUIDField("签到事件UUID", unique=True)
    # The three foreign keys lead the composite indexes in Meta, which serve their look-ups;
    # a second single-column index each would only slow down the check-in insert.
    caregiver = link("providers.Caregiver", "护理员", db_index=False)
    person = link("insured.Person", "参保人", db_index=False)
    institution = link("providers.Institution", "护理机构", db_index=False)
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
    # No index of its own: the index with INCLUDE in Meta serves its look-ups.
    check_in_photo = link(Photo, "签到照片", optional=True, db_index=False)

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
    # No index of its own: the index with INCLUDE in Meta serves its look-ups.
    check_out_photo = link(Photo, "签退照片", optional=True, db_index=False)
    confirmation_method = models.CharField(
        "家属确认方式", max_length=12, choices=ConfirmationMethod.choices, blank=True
    )
    confirmation_signature = link(Photo, "签字图片", optional=True)
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
        verbose_name = verbose_name_plural = "上门服务记录"
        ordering = ["-check_in_at", "-id"]
        constraints = [
            ends_after("check_in_at", "check_out_at", "visit_check_out_after_check_in"),
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
    item = link("care.CatalogueItem", "服务项目")
    quantity = models.PositiveSmallIntegerField("次数", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "服务项目记录"
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="visit_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="visit_item_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.item_id}×{self.quantity}"


class Stay(models.Model):
    """入住: one resident's stay in an institution, from admission to discharge."""

    person = link("insured.Person", "参保人")
    institution = link("providers.Institution", "护理机构")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    admitted_on = models.DateField("入住日期")
    discharged_on = models.DateField("出院/离院日期", null=True, blank=True)
    bed_number = models.CharField("床位号", max_length=20, blank=True)
    recorded_by, created_at = who_and_when(when="登记时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "入住记录"
        ordering = ["-admitted_on", "-id"]
        constraints = [
            ends_after("admitted_on", "discharged_on", "stay_dates_ordered"),
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

    person = link("insured.Person", "参保人")
    institution = link("providers.Institution", "护理机构")
    stay = models.ForeignKey(
        Stay, null=True, blank=True, on_delete=models.CASCADE, related_name="bed_days"
    )
    region_code = models.CharField("区划代码", max_length=12)
    day = models.DateField("日期")
    kind = models.CharField("类别", max_length=20, choices=BedDayKind.choices)
    payable = models.BooleanField("可结算", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "床日"
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
    institution = link("providers.Institution", "护理机构")
    person = link("insured.Person", "参保人")
    family_caregiver = link("providers.Caregiver", "亲情护理员", optional=True)
    patroller = link(settings.AUTH_USER_MODEL, "巡护人")
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
        verbose_name = verbose_name_plural = "巡护记录"
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["institution", "service_date"])]

    def __str__(self) -> str:
        return f"巡护{self.pk}（{self.service_date}）"


class FollowUpParty(models.TextChoices):
    FAMILY_CAREGIVER = "family_caregiver", "亲情护理员"
    INSTITUTION = "institution", "护理机构"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "待完成"
    DONE = "done", "已完成"


class PatrolFollowUp(models.Model):
    """A follow-up a patroller sets on a patrol visit: what is to be done, by when and by whom
    (the family caregiver or the institution), tracked until it is marked done with a note."""

    patrol = models.ForeignKey(
        PatrolVisit, verbose_name="巡护记录", on_delete=models.CASCADE, related_name="follow_ups"
    )
    institution = link("providers.Institution", "护理机构")
    person = link("insured.Person", "参保人")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    action = models.CharField("跟进事项", max_length=200)
    party = models.CharField("责任方", max_length=20, choices=FollowUpParty.choices)
    due_on = models.DateField("完成期限")
    status = models.CharField(
        "状态", max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    created_by = link(settings.AUTH_USER_MODEL, "设定人")
    created_at = models.DateTimeField("设定时间", auto_now_add=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = link(settings.AUTH_USER_MODEL, "确认完成人", optional=True)
    done_note = models.CharField("完成情况", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "巡护跟进事项"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["institution", "status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True)
                | Q(status="done", done_at__isnull=False),
                name="patrol_follow_up_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"跟进：{self.action}（{self.due_on}前）"

    def overdue_on(self, day) -> bool:
        """Still open after its deadline on ``day``."""
        return self.status == FollowUpStatus.OPEN and self.due_on < day


class RuleSet(versions.Version):
    """One loaded version of the screening thresholds (``presets/screening/*.json``)."""

    code = models.CharField("规则集代码", max_length=40)
    name = models.CharField("名称", max_length=100)
    params = models.JSONField("规则参数")
    source = models.CharField("依据", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "稽核规则版本"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rule_set_version_unique")
        ]


RunStatus = runs.RunStatus  # one set of run states for every kind of background run


class ScreeningRun(runs.Run):
    """One screening of a month: a job picked up by ``changhu run-jobs`` (or run by
    ``changhu screen``), done institution by institution (a chunk each) so it can resume after a
    crash."""

    period = models.CharField("稽核月份", max_length=7, db_index=True)
    rule_set = link(RuleSet)
    # Region prefixes of the requester's scope; empty: every institution.
    scope_prefixes = models.JSONField("范围", default=list, blank=True)
    findings_count = models.PositiveIntegerField("发现问题数", default=0)
    summary = models.JSONField("结果摘要", default=dict, blank=True)

    class Meta(runs.Run.Meta):
        verbose_name = verbose_name_plural = "稽核批次"

    def __str__(self) -> str:
        return f"稽核{self.period}（{self.get_status_display()}）"


class ScreeningChunk(runs.Chunk):
    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="chunks")
    institution = models.ForeignKey(
        "providers.Institution", on_delete=models.CASCADE, related_name="+"
    )
    findings = models.PositiveIntegerField(default=0)

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

    visit = link(Visit, optional=True, related_name="findings")
    bed_day = link(BedDay, optional=True, related_name="findings")
    person = link("insured.Person", "参保人")
    institution = link("providers.Institution", "护理机构")
    caregiver = link("providers.Caregiver", "护理员", optional=True)
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
    resolved_by, resolved_at, resolution_reason = who_when_why("处理人", "处理时间", "处理意见")

    class Meta:
        verbose_name = verbose_name_plural = "稽核发现"
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
