"""Designated care and assessment institutions, their caregivers and their assessors.

An institution's identity is the ``orgs.Organization`` of kind "care" or "assessment"; this app
holds what the designation adds, on one workflow for both kinds: the admission application and
its review, the agreement(s), service points, beds and care modes (care only), the status
history, the real-name caregivers (care) and assessors (assessment) with their certificates and
training. Caregivers' ID numbers and phones are stored like ``insured.Person``'s: encrypted,
blind-indexed and masked.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from changhu.core.fields import Located, RealName, ends_after, link, user_fk, who_and_when
from changhu.core.imports.models import ImportBatch as BaseImportBatch
from changhu.orgs.models import CareKind, Organization, Region


class CareMode(models.TextChoices):
    """照护方式: how a beneficiary is cared for; one per day."""

    INSTITUTIONAL = "institutional", "机构照护"
    HOME_VISIT = "home_visit", "机构上门居家照护"
    INDIVIDUAL = "individual", "个体服务人员居家照护"
    FAMILY = "family", "亲情照护"


class Qualification(models.TextChoices):
    """Who may perform an item: a nurse may do everything a care worker may."""

    CARE_WORKER = "care_worker", "护理员"
    NURSE = "nurse", "护士"


class InstitutionStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "暂停"
    TERMINATED = "terminated", "终止（淘汰）"


class DesignationKind(models.TextChoices):
    """What an institution is designated for; the values are the ``OrgKind`` it becomes."""

    CARE = "care", "定点护理机构"
    ASSESSMENT = "assessment", "定点评估机构"


class AdmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    UNDER_REVIEW = "under_review", "审核中"
    INSPECTING = "inspecting", "现场核查中"
    APPROVED = "approved", "已准入"
    REFUSED = "refused", "不予准入"
    WITHDRAWN = "withdrawn", "已撤回"


class InstitutionProfile(Located):
    """What an institution declares when it applies, and keeps once designated."""

    beds = models.PositiveIntegerField("床位数", default=0)
    care_modes = models.JSONField("提供的照护方式", default=list)
    staff_count = models.PositiveIntegerField("从业人员数", default=0)
    nurse_count = models.PositiveIntegerField("护士数", default=0)
    care_worker_count = models.PositiveIntegerField("护理员数", default=0)
    legal_representative = models.CharField("法定代表人", max_length=40, blank=True)

    class Meta:
        abstract = True

    def profile(self) -> dict:
        """The profile's values (to copy from an admission onto the institution)."""
        return {f.name: getattr(self, f.name) for f in InstitutionProfile._meta.fields}


class Admission(InstitutionProfile):
    """定点准入申请: what an institution declares when it applies to be designated."""

    organization = link(
        Organization,
        "已有机构",
        optional=True,
        related_name="admissions",
        help_text="机构已在系统中登记时指向该机构；准入后以此为准",
    )
    kind = models.CharField(
        "申请类别",
        max_length=12,
        choices=DesignationKind.choices,
        default=DesignationKind.CARE,
        db_index=True,
    )
    name = models.CharField("机构名称", max_length=100)
    uscc = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    care_kind = models.CharField(
        "机构类别", max_length=20, choices=CareKind.choices, blank=True, help_text="护理机构填写"
    )
    region = link(Region, "所在地区")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    address = models.CharField("地址", max_length=200)
    contact_name = models.CharField("联系人", max_length=40, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    medical_designated = models.BooleanField(
        "已是医保定点医疗机构", default=False, help_text="符合快速通道条件之一"
    )
    # [{"name", "address", "region_code", "beds"}]
    service_points = models.JSONField("服务站点", default=list, blank=True)
    # [{"kind", "title", "number"}]: the documents handed in (files are kept on paper for now).
    documents = models.JSONField("申请材料", default=list, blank=True)
    fast_channel = models.BooleanField("申请快速通道", default=False)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=AdmissionStatus.choices,
        default=AdmissionStatus.SUBMITTED,
        db_index=True,
    )
    submitted_by, submitted_at = who_and_when("提交人", "提交时间", on_create=True)
    inspection_planned_on = models.DateField("现场核查日期", null=True, blank=True)
    inspected_on = models.DateField("核查完成日期", null=True, blank=True)
    inspection_passed = models.BooleanField("核查通过", null=True, blank=True)
    inspection_notes = models.CharField("核查意见", max_length=500, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decision_reason = models.CharField("决定理由", max_length=500, blank=True)
    decided_by = user_fk("决定人")

    class Meta:
        verbose_name = verbose_name_plural = "定点准入申请"
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"


class CareInstitutionManager(models.Manager):
    """``Institution.objects``: the designated care institutions only, so that every reader
    built for care (care plans, visits, settlement, supervision, feedback) never meets an
    assessment institution; ``Institution.all_kinds`` has both."""

    def get_queryset(self):
        return super().get_queryset().filter(organization__kind=DesignationKind.CARE)


class Institution(InstitutionProfile):
    """定点机构: the designation profile of a care (定点护理机构) or assessment organization
    (定点评估机构); which one is the organization's kind."""

    organization = models.OneToOneField(
        Organization, verbose_name="机构", on_delete=models.PROTECT, related_name="institution"
    )
    admission = models.OneToOneField(
        Admission,
        verbose_name="准入申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="institution",
    )
    # Denormalised from the organization's region, for prefix-based scoping.
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    admitted_on = models.DateField("准入日期")
    fast_channel = models.BooleanField("经快速通道准入", default=False)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=InstitutionStatus.choices,
        default=InstitutionStatus.ACTIVE,
        db_index=True,
    )
    status_since = models.DateField("状态生效日期")
    status_reason = models.CharField("状态原因", max_length=300, blank=True)

    objects = CareInstitutionManager()
    all_kinds = models.Manager()

    class Meta:
        verbose_name = verbose_name_plural = "定点机构"
        ordering = ["organization__name"]
        # Related lookups, backups and dumps see both kinds.
        default_manager_name = "all_kinds"
        base_manager_name = "all_kinds"

    def __str__(self) -> str:
        return self.organization.name

    @property
    def name(self) -> str:
        return self.organization.name

    @property
    def kind(self) -> str:
        return self.organization.kind

    @property
    def kind_label(self) -> str:
        return DesignationKind(self.organization.kind).label

    @property
    def is_assessment(self) -> bool:
        return self.organization.kind == DesignationKind.ASSESSMENT

    def offers(self, care_mode: str) -> bool:
        return care_mode in (self.care_modes or [])


class InstitutionStatusChange(models.Model):
    """Status history with effective dates: "was this institution active on day D?"."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField("原状态", max_length=12, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=InstitutionStatus.choices)
    effective_on = models.DateField("生效日期")
    reason = models.CharField("原因", max_length=300)
    actor, at = who_and_when("操作人", "登记时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "机构状态变更"
        ordering = ["effective_on", "id"]
        indexes = [models.Index(fields=["institution", "effective_on"])]

    def __str__(self) -> str:
        return f"{self.to_status}（{self.effective_on}起）"

    @property
    def from_label(self) -> str:
        return InstitutionStatus(self.from_status).label if self.from_status else "—"

    @property
    def to_label(self) -> str:
        return InstitutionStatus(self.to_status).label


class ServicePoint(Located):
    """服务站点: a place an institution serves from (a branch, a station, a ward)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="service_points"
    )
    name = models.CharField("站点名称", max_length=100)
    region = link(Region, "所在地区")
    address = models.CharField("地址", max_length=200)
    beds = models.PositiveIntegerField("床位数", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务站点"
        ordering = ["institution", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"], name="service_point_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AgreementStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    RENEWED = "renewed", "已续签"
    TERMINATED = "terminated", "已解除"


class Agreement(models.Model):
    """服务协议: the contract between the fund and a designated institution, for a term."""

    institution = link(Institution, related_name="agreements")
    number = models.CharField("协议编号", max_length=40, unique=True)
    signed_on = models.DateField("签订日期")
    valid_from = models.DateField("协议起始日")
    valid_until = models.DateField("协议终止日")
    renewal_due = models.DateField("续签提醒日期")
    status = models.CharField(
        "状态", max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    ended_on = models.DateField("提前解除日期", null=True, blank=True)
    previous = models.OneToOneField(
        "self",
        verbose_name="续签自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal",
    )
    note = models.CharField("备注", max_length=300, blank=True)
    signed_by, created_at = who_and_when("经办人", "登记时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务协议"
        ordering = ["institution", "-valid_from"]
        constraints = [
            ends_after("valid_from", "valid_until", "agreement_dates_ordered", open_ended=False),
            ends_after("valid_from", "ended_on", "agreement_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def last_day(self) -> dt.date:
        return self.ended_on or self.valid_until

    def in_force_on(self, day: dt.date) -> bool:
        if self.status == AgreementStatus.TERMINATED and self.ended_on is None:
            return False
        return self.valid_from <= day <= self.last_day


class CaregiverKind(models.TextChoices):
    STAFF = "staff", "机构护理员"
    INDIVIDUAL = "individual", "个体服务人员"
    FAMILY = "family", "亲情护理员"


class CaregiverStatus(models.TextChoices):
    ACTIVE = "active", "在岗"
    SUSPENDED = "suspended", "暂停执业"
    LEFT = "left", "离职"


class Caregiver(RealName):
    """护理员: real-name, employed by (or, for family caregivers, guided by) one institution."""

    institution = link(Institution, "所属机构", related_name="caregivers")
    kind = models.CharField("类别", max_length=12, choices=CaregiverKind.choices)
    qualification = models.CharField(
        "资质", max_length=12, choices=Qualification.choices, default=Qualification.CARE_WORKER
    )
    # A family caregiver cares for exactly one beneficiary.
    beneficiary = link(
        "insured.Person", "亲情护理对象", optional=True, related_name="family_caregivers"
    )
    relationship = models.CharField("与护理对象关系", max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caregiver_profile",
    )
    status = models.CharField(
        "状态",
        max_length=12,
        choices=CaregiverStatus.choices,
        default=CaregiverStatus.ACTIVE,
        db_index=True,
    )
    hired_on = models.DateField("入职/登记日期")
    left_on = models.DateField("离职日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "护理员"
        ordering = ["institution", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="family") & Q(beneficiary__isnull=False))
                | (~Q(kind="family") & Q(beneficiary__isnull=True)),
                name="family_caregiver_has_one_beneficiary",
            ),
        ]


class CertificateKind(models.TextChoices):
    CARE_WORKER = "care_worker", "养老护理员/医疗护理员职业技能等级证书"
    NURSE = "nurse", "护士执业证书"
    FAMILY_TRAINING = "family_training", "亲情护理培训合格证"
    HEALTH = "health", "健康证明"
    ASSESSOR = "assessor", "长护险失能评估人员资格证"
    PHYSICIAN = "physician", "医师执业证书"
    THERAPIST = "therapist", "康复治疗师专业技术资格证书"
    SOCIAL_WORKER = "social_worker", "社会工作者职业资格证书"


class Profession(models.TextChoices):
    """评估人员的专业."""

    DOCTOR = "doctor", "医生"
    NURSE = "nurse", "护士"
    THERAPIST = "therapist", "康复治疗师"
    SOCIAL_WORKER = "social_worker", "社会工作者"


class AssessorStatus(models.TextChoices):
    ACTIVE = "active", "在岗"
    SUSPENDED = "suspended", "暂停执业"
    LEFT = "left", "离职"


class Assessor(RealName):
    """评估人员: real-name, employed by one designated assessment institution; a team may only
    take an assessor who is in post with a valid assessor certificate on the day."""

    institution = link(Institution, "所属评估机构", related_name="assessors")
    profession = models.CharField("专业", max_length=16, choices=Profession.choices)
    title = models.CharField("职称", max_length=40, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessor_profile",
    )
    status = models.CharField(
        "状态",
        max_length=12,
        choices=AssessorStatus.choices,
        default=AssessorStatus.ACTIVE,
        db_index=True,
    )
    hired_on = models.DateField("入职/登记日期")
    left_on = models.DateField("离职日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "评估人员"
        ordering = ["institution", "name", "id"]


def _one_holder(name: str) -> models.CheckConstraint:
    """A certificate or training record belongs to a caregiver or to an assessor, not both."""
    return models.CheckConstraint(
        condition=(Q(caregiver__isnull=False) & Q(assessor__isnull=True))
        | (Q(caregiver__isnull=True) & Q(assessor__isnull=False)),
        name=name,
    )


class Certificate(models.Model):
    """A qualification certificate of a caregiver or an assessor, valid from its issue date
    through its expiry date."""

    caregiver = models.ForeignKey(
        Caregiver, on_delete=models.CASCADE, related_name="certificates", null=True, blank=True
    )
    assessor = models.ForeignKey(
        Assessor, on_delete=models.CASCADE, related_name="certificates", null=True, blank=True
    )
    kind = models.CharField("证书类别", max_length=16, choices=CertificateKind.choices)
    qualification = models.CharField(
        "证明的资质", max_length=12, choices=Qualification.choices, blank=True
    )
    number = models.CharField("证书编号", max_length=40)
    issuer = models.CharField("发证机关", max_length=100, blank=True)
    issued_on = models.DateField("发证日期")
    expires_on = models.DateField("有效期至", db_index=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "资格证书"
        ordering = ["caregiver", "-expires_on"]
        constraints = [
            ends_after("issued_on", "expires_on", "certificate_dates_ordered", open_ended=False),
            models.UniqueConstraint(
                fields=["caregiver", "kind", "number"], name="certificate_unique_number"
            ),
            models.UniqueConstraint(
                fields=["assessor", "kind", "number"], name="assessor_certificate_unique_number"
            ),
            _one_holder("certificate_one_holder"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def valid_on(self, day: dt.date) -> bool:
        return self.issued_on <= day <= self.expires_on


class Training(models.Model):
    """培训记录: hours of training a caregiver or an assessor received."""

    caregiver = models.ForeignKey(
        Caregiver, on_delete=models.CASCADE, related_name="trainings", null=True, blank=True
    )
    assessor = models.ForeignKey(
        Assessor, on_delete=models.CASCADE, related_name="trainings", null=True, blank=True
    )
    topic = models.CharField("培训内容", max_length=100)
    trainer = models.CharField("培训人/机构", max_length=100)
    held_on = models.DateField("培训日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    passed = models.BooleanField("考核合格", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "培训记录"
        ordering = ["caregiver", "-held_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=1000), name="training_hours_range"
            ),
            _one_holder("training_one_holder"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class ImportBatch(BaseImportBatch):
    """One uploaded file of institutions or caregivers (see ``changhu.core.imports``)."""

    UPLOAD_DIR = "imports/providers"

    class Kind(models.TextChoices):
        INSTITUTIONS = "institutions", "定点护理机构"
        CAREGIVERS = "caregivers", "护理员"

    kind = models.CharField("导入内容", max_length=16, choices=Kind.choices)

    class Meta(BaseImportBatch.Meta):
        verbose_name = verbose_name_plural = "机构/护理员导入批次"
