"""The service catalogue (versioned, immutable), entitlements with their care arrangements, care
plans with their items, and caregiver assignments.

An entitlement (待遇资格) comes from one qualifying assessment conclusion (``conclusion``): its
grade and validity are read from it, never typed, and one conclusion opens at most one
entitlement. Inside
it, arrangements (照护安排) say from which day to which day the person is cared for in which
mode by which institution; a change of mode or institution closes one arrangement and opens the
next, so there is one mode per day. Eligibility on a day is computed from these, the person's
hospital stays, pauses, enrolment and death (``care.eligibility``), never stored per day.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q

from changhu.core import versions
from changhu.core.errors import Conflict
from changhu.core.fields import Recorded, ends_after, link, user_fk, who_and_when
from changhu.providers.models import CareMode, Qualification


class Period(models.TextChoices):
    DAY = "day", "每日"
    WEEK = "week", "每周"
    MONTH = "month", "每月"


class CategoryKind(models.TextChoices):
    LIFE_CARE = "life_care", "基本生活照料"
    MEDICAL_CARE = "medical_care", "医疗护理"
    SOCIAL_SUPPORT = "social_support", "社会支持服务"


class ImmutableModel(models.Model):
    """Rows of a loaded catalogue version: written once by the loader, never changed."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise Conflict(
                "服务项目目录加载后不可修改，请以新版本号发布新目录", code="catalogue_immutable"
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Conflict("服务项目目录加载后不可删除", code="catalogue_immutable")


class Catalogue(versions.Version, ImmutableModel):  # noqa: DJ008  (__str__ from Version)
    """One version of a city's service catalogue, in force from ``effective_from`` until the
    next version of the same code takes effect."""

    code = models.CharField("目录代码", max_length=40)
    name = models.CharField("目录名称", max_length=200)
    region_code = models.CharField("统筹地区代码", max_length=12, blank=True)
    source = models.CharField("来源/依据", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务项目目录版本"
        ordering = ["code", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="catalogue_version_unique"),
            models.UniqueConstraint(
                fields=["code", "effective_from"], name="catalogue_effective_unique"
            ),
        ]


class CatalogueCategory(ImmutableModel):
    catalogue = link(Catalogue, related_name="categories")
    code = models.CharField("类别代码", max_length=20)
    name = models.CharField("类别名称", max_length=60)
    kind = models.CharField("类别性质", max_length=16, choices=CategoryKind.choices)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "服务类别"
        ordering = ["catalogue", "position"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "code"], name="catalogue_category_unique")
        ]

    def __str__(self) -> str:
        return self.name


class CatalogueItem(ImmutableModel):
    """服务项目: what a caregiver does, how long it takes, how often it may be done, who may do
    it and what it costs."""

    catalogue = link(Catalogue, related_name="items")
    category = link(CatalogueCategory, related_name="items")
    code = models.CharField("项目编码", max_length=20)
    name = models.CharField("项目名称", max_length=100)
    reference_minutes = models.PositiveSmallIntegerField("参考时长（分钟）")
    frequency_times = models.PositiveSmallIntegerField("允许频次（次）")
    frequency_period = models.CharField("频次周期", max_length=8, choices=Period.choices)
    qualification = models.CharField("资质要求", max_length=12, choices=Qualification.choices)
    unit_price_fen = models.PositiveIntegerField("单价（分）")
    fund_covered = models.BooleanField("基金支付", default=True)
    description = models.CharField("服务内容", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "服务项目"
        ordering = ["catalogue", "position"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "code"], name="catalogue_item_unique"),
            models.CheckConstraint(
                condition=Q(reference_minutes__gt=0) & Q(frequency_times__gt=0),
                name="catalogue_item_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def frequency_label(self) -> str:
        return f"{self.get_frequency_period_display()}{self.frequency_times}次"


class Package(ImmutableModel):
    """护理服务包: the items a grade may have in a care mode, with monthly limits."""

    catalogue = link(Catalogue, related_name="packages")
    code = models.CharField("服务包编码", max_length=30)
    name = models.CharField("服务包名称", max_length=100)
    grade = models.PositiveSmallIntegerField("失能等级")
    care_mode = models.CharField("照护方式", max_length=16, choices=CareMode.choices)
    max_services_per_month = models.PositiveIntegerField("每月服务项目人次上限", null=True)
    max_minutes_per_month = models.PositiveIntegerField("每月服务时长上限（分钟）", null=True)
    max_amount_fen_per_month = models.PositiveIntegerField("每月服务费用上限（分）", null=True)
    max_visits_per_month = models.PositiveIntegerField("每月上门次数上限", null=True)
    description = models.CharField("说明", max_length=300, blank=True)
    items = models.ManyToManyField(CatalogueItem, through="PackageItem", related_name="packages")

    class Meta:
        verbose_name = verbose_name_plural = "护理服务包"
        ordering = ["catalogue", "grade", "care_mode"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "code"], name="package_code_unique"),
            models.UniqueConstraint(
                fields=["catalogue", "grade", "care_mode"], name="package_grade_mode_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PackageItem(ImmutableModel):
    package = link(Package, related_name="package_items")
    item = link(CatalogueItem)
    max_per_month = models.PositiveSmallIntegerField("包内每月次数上限", null=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务包项目"
        constraints = [
            models.UniqueConstraint(fields=["package", "item"], name="package_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.package_id}:{self.item_id}"


class EntitlementStatus(models.TextChoices):
    ACTIVE = "active", "享受中"
    EXPIRED = "expired", "已到期"
    TERMINATED = "terminated", "已终止"


class EndReason(models.TextChoices):
    DEATH = "death", "身故"
    RECOVERY = "recovery", "复评不再符合条件"
    REASSESSMENT = "reassessment", "复评后按新结论享受"
    EXPIRED = "expired", "评估结论到期"
    INSURED_LOST = "insured_lost", "不再参保"
    OTHER = "other", "其他"


class Entitlement(Recorded):
    """待遇资格 opened from one qualifying conclusion of the assessment workflow.

    ``grade``, ``valid_until`` and ``conclusion_ref`` are copies of the conclusion's grade,
    validity and number (settlement and eligibility read them in set-based SQL), set only from
    the conclusion. ``valid_from`` is the first day of benefits: the conclusion's effective date
    or a later day the guardian chose. Rows from before conclusions were linked keep the number
    typed by hand and may have no ``conclusion`` (``changhu entitlements-unmatched`` lists them).
    """

    person = link("insured.Person", "参保人", related_name="entitlements")
    conclusion = link("assessment.Conclusion", "评估结论", optional=True)
    grade = models.PositiveSmallIntegerField("失能等级")
    conclusion_ref = models.CharField("评估结论书编号", max_length=64, db_index=True)
    valid_from = models.DateField("待遇起始日")
    valid_until = models.DateField("结论有效期至")
    # Set when the entitlement ends before ``valid_until`` (the last eligible day).
    end_date = models.DateField("终止日期", null=True, blank=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=EntitlementStatus.choices,
        default=EntitlementStatus.ACTIVE,
        db_index=True,
    )
    end_reason = models.CharField("终止原因", max_length=16, choices=EndReason.choices, blank=True)
    end_note = models.CharField("终止说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "待遇资格"
        ordering = ["-valid_from", "-id"]
        constraints = [
            ends_after("valid_from", "valid_until", "entitlement_dates_ordered", open_ended=False),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__lte=F("valid_until")),
                name="entitlement_end_within_validity",
            ),
            models.UniqueConstraint(fields=["conclusion"], name="entitlement_conclusion_unique"),
        ]
        indexes = [models.Index(fields=["person", "valid_from"])]

    def __str__(self) -> str:
        return f"待遇资格{self.pk}（{self.valid_from}至{self.last_day}）"

    @property
    def last_day(self) -> dt.date:
        """The last day the entitlement can count (before it is earlier than ``valid_from``
        the entitlement never took effect)."""
        if self.end_date is not None:
            return min(self.end_date, self.valid_until)
        return self.valid_until


class Arrangement(Recorded):
    """照护安排: one care mode with one institution over a run of days of an entitlement."""

    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.CASCADE, related_name="arrangements"
    )
    person = link("insured.Person", "参保人")
    start_date = models.DateField("起始日")
    end_date = models.DateField("截止日", null=True, blank=True)
    care_mode = models.CharField("照护方式", max_length=16, choices=CareMode.choices)
    institution = link("providers.Institution", "护理机构", related_name="arrangements")
    social_support = models.BooleanField("含社会支持类上门服务", default=False)
    reason = models.CharField("变更原因", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "照护安排"
        ordering = ["entitlement", "start_date"]
        constraints = [
            ends_after("start_date", "end_date", "arrangement_dates_ordered"),
            models.UniqueConstraint(
                fields=["entitlement", "start_date"], name="arrangement_one_start_per_day"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "start_date"]),
            models.Index(fields=["institution", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_care_mode_display()} {self.start_date}起"

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class Pause(Recorded):
    """A pause of an entitlement set by hand (e.g. a breach of the rules); hospital stays pause
    it by themselves, from the register's life events."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="pauses")
    person = link("insured.Person", "参保人")
    start_date = models.DateField("暂停起始日")
    end_date = models.DateField("暂停截止日", null=True, blank=True)
    reason = models.CharField("原因", max_length=300)

    class Meta:
        verbose_name = verbose_name_plural = "待遇暂停"
        ordering = ["start_date"]
        constraints = [ends_after("start_date", "end_date", "pause_dates_ordered")]

    def __str__(self) -> str:
        return f"暂停{self.start_date}至{self.end_date or '（未定）'}"


class CarePlanStatus(models.TextChoices):
    DRAFT = "draft", "待确认"
    CONFIRMED = "confirmed", "执行中"
    SUPERSEDED = "superseded", "已被新版本替代"
    WITHDRAWN = "withdrawn", "已作废"
    ENDED = "ended", "已终止"


class ConfirmationChannel(models.TextChoices):
    APP = "app", "线上确认（参保人/家属）"
    COUNTER = "counter", "窗口确认（经办人员记录）"


class CarePlan(models.Model):
    """护理计划 (一人一计划): one version of a person's plan; only a confirmed one is in force."""

    person = link("insured.Person", "参保人", related_name="care_plans")
    entitlement = link(Entitlement, related_name="care_plans")
    institution = link("providers.Institution", "护理机构", related_name="care_plans")
    care_mode = models.CharField("照护方式", max_length=16, choices=CareMode.choices)
    grade = models.PositiveSmallIntegerField("失能等级")
    package = link(Package)
    version = models.PositiveIntegerField("版本")
    previous = link("self", optional=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=CarePlanStatus.choices,
        default=CarePlanStatus.DRAFT,
        db_index=True,
    )
    visits_times = models.PositiveSmallIntegerField("上门次数", null=True, blank=True)
    visits_period = models.CharField("上门周期", max_length=8, choices=Period.choices, blank=True)
    monthly_services = models.PositiveIntegerField("每月服务人次", default=0)
    monthly_minutes = models.PositiveIntegerField("每月服务时长（分钟）", default=0)
    monthly_amount_fen = models.PositiveIntegerField("每月服务费用（分）", default=0)
    note = models.CharField("备注", max_length=300, blank=True)
    valid_from = models.DateField("执行起始日", null=True, blank=True)
    valid_until = models.DateField("执行截止日", null=True, blank=True)
    # Set when a new conclusion changed the grade so that the package no longer fits: the plan
    # stays in force until the institution's next version is confirmed.
    revision_due_since = models.DateField("需按新等级修订（自）", null=True, blank=True)
    revision_reason = models.CharField("需修订原因", max_length=300, blank=True)
    drafted_by, drafted_at = who_and_when(when="制定时间", on_create=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = user_fk("确认/记录人")
    confirmation_channel = models.CharField(
        "确认方式", max_length=8, choices=ConfirmationChannel.choices, blank=True
    )
    signer_name = models.CharField("确认人姓名", max_length=40, blank=True)
    signer_relationship = models.CharField("确认人与参保人关系", max_length=12, blank=True)
    confirmation_note = models.CharField("确认记录", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "护理计划"
        ordering = ["person", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="care_plan_version_unique"),
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="draft"), name="care_plan_one_draft"
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="confirmed"), name="care_plan_one_in_force"
            ),
        ]

    def __str__(self) -> str:
        return f"护理计划第{self.version}版（{self.get_status_display()}）"


class CarePlanItem(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="items")
    item = link(CatalogueItem)
    times = models.PositiveSmallIntegerField("次数")
    period = models.CharField("周期", max_length=8, choices=Period.choices)
    minutes = models.PositiveSmallIntegerField("每次时长（分钟）")
    monthly_count = models.PositiveSmallIntegerField("每月最多次数")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "护理计划项目"
        ordering = ["plan", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "item"], name="care_plan_item_unique"),
            models.CheckConstraint(
                condition=Q(times__gt=0) & Q(minutes__gt=0), name="care_plan_item_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.frequency_label}"

    @property
    def frequency_label(self) -> str:
        return f"{self.get_period_display()}{self.times}次"


class Assignment(Recorded):
    """护理员派定: a caregiver serving a beneficiary (optionally for one catalogue item)."""

    person = link("insured.Person", "参保人")
    institution = link("providers.Institution", related_name="assignments")
    caregiver = link("providers.Caregiver", related_name="assignments")
    item = link(CatalogueItem, "服务项目", optional=True)
    start_date = models.DateField("起始日")
    end_date = models.DateField("截止日", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "护理员派定"
        ordering = ["person", "start_date"]
        constraints = [ends_after("start_date", "end_date", "assignment_dates_ordered")]
        indexes = [models.Index(fields=["caregiver", "start_date"])]

    def __str__(self) -> str:
        return f"派定{self.caregiver_id}→{self.person_id}（{self.start_date}起）"


class TransferStatus(models.TextChoices):
    OPEN = "open", "待选择新机构"
    ASSIGNED = "assigned", "已选定新机构"
    COMPLETED = "completed", "已转移"
    CANCELLED = "cancelled", "已撤销"


class TransferCause(models.TextChoices):
    INSTITUTION_TERMINATED = "institution_terminated", "护理机构终止（淘汰）"
    AGREEMENT_TERMINATED = "agreement_terminated", "服务协议解除"


class ChoiceChannel(models.TextChoices):
    FAMILY = "family", "家属自选"
    CASE_WORKER = "case_worker", "经办人员指定"


class Transfer(Recorded):
    """转移安置: one beneficiary of an institution that can no longer serve (terminated, or its
    agreement ended early), to be moved to another institution.

    Opened for every current beneficiary when the institution stops (``stopped_on`` is its last
    day of service); the family or the case worker chooses the new institution; on completion
    the entitlement's arrangement moves from ``effective_date``, the plan is re-drafted at the
    new institution for re-confirmation and the old institution's caregiver assignments end.
    """

    person = link("insured.Person", "参保人", related_name="transfers")
    entitlement = link(Entitlement, "待遇资格", related_name="transfers")
    from_institution = link("providers.Institution", "原护理机构", related_name="transfers_out")
    care_mode = models.CharField("照护方式", max_length=16, choices=CareMode.choices)
    cause = models.CharField("转移原因", max_length=24, choices=TransferCause.choices)
    stopped_on = models.DateField("原机构最后服务日")
    due_on = models.DateField("安置期限")
    status = models.CharField(
        "状态",
        max_length=12,
        choices=TransferStatus.choices,
        default=TransferStatus.OPEN,
        db_index=True,
    )
    to_institution = link(
        "providers.Institution", "新护理机构", optional=True, related_name="transfers_in"
    )
    choice_channel = models.CharField(
        "选择方式", max_length=12, choices=ChoiceChannel.choices, blank=True
    )
    chosen_by, chosen_at = who_and_when("选择人", "选择时间")
    effective_date = models.DateField("转入生效日期", null=True, blank=True)
    completed_by, completed_at = who_and_when("办结人", "办结时间")
    new_arrangement = link(Arrangement, "新照护安排", optional=True)
    new_plan = link(CarePlan, "待确认的新护理计划", optional=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "转移安置"
        ordering = ["stopped_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["open", "assigned"]),
                name="transfer_one_pending_per_person",
            ),
            ends_after("stopped_on", "due_on", "transfer_due_after_stop", open_ended=False),
        ]
        indexes = [models.Index(fields=["from_institution", "status"])]

    def __str__(self) -> str:
        return f"转移安置{self.pk}（{self.get_status_display()}）"

    @property
    def pending(self) -> bool:
        return self.status in (TransferStatus.OPEN, TransferStatus.ASSIGNED)


class FamilyNotice(models.Model):
    """A message to the family of a beneficiary about their care (shown on the family's pages;
    SMS is a later channel). The assessment's notices hang off an application; these off the
    person."""

    person = link("insured.Person", "参保人", related_name="family_notices")
    transfer = link(Transfer, "转移安置", optional=True, related_name="notices")
    title = models.CharField("标题", max_length=100)
    body = models.CharField("内容", max_length=1000)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "家属通知"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
