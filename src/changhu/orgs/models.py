"""Regions, organizations, users and API tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models

from changhu.core.fields import link
from changhu.core.imports.models import ImportBatch as BaseImportBatch
from changhu.orgs.roles import Role


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    DISTRICT = "district", "区县"
    STREET = "street", "街道乡镇"


# How many leading digits of a division code identify a region at each level.
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.DISTRICT: 6,
    RegionLevel.STREET: 9,
}


class RegionDataset(models.Model):
    """One loaded version of a region preset file."""

    name = models.CharField("数据集", max_length=64)
    version = models.CharField("版本", max_length=32)
    effective_from = models.DateField("生效日期")
    source = models.CharField("来源", max_length=300, blank=True)
    loaded_at = models.DateTimeField("加载时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划版本"
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="region_dataset_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class Region(models.Model):
    """A division keyed by its GB/T 2260 code (streets by the 12-digit statistical code)."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=RegionLevel.choices)
    parent = link("self", "上级", optional=True, related_name="children")
    full_name = models.CharField("全称", max_length=200, blank=True)
    active = models.BooleanField("有效", default=True)
    dataset = models.ForeignKey(
        RegionDataset, verbose_name="数据版本", null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The leading digits every region inside this one shares."""
        return self.code[: PREFIX_LENGTH[self.level]]


class OrgKind(models.TextChoices):
    BUREAU = "bureau", "医保局/医保经办机构"
    INSURER = "insurer", "商保机构"
    OUTLET = "outlet", "服务网点"
    ASSESSMENT = "assessment", "评估机构"
    CARE = "care", "护理机构"
    PUBLIC = "public", "社会公众"


class CareKind(models.TextChoices):
    NURSING_HOME = "nursing_home", "养老护理机构"
    HOSPITAL_WARD = "hospital_ward", "医院/乡镇卫生院长护病房"
    HOME_SERVICE = "home_service", "社区居家上门服务机构"
    PRIMARY_CLINIC = "primary_clinic", "基层医疗机构（家庭医生）"


class OrgStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "暂停"
    TERMINATED = "terminated", "终止"


class Consortium(models.Model):
    """共保体: insurers that jointly administer a city's LTCI."""

    name = models.CharField("名称", max_length=100, unique=True)
    city = models.ForeignKey(Region, verbose_name="统筹地区", on_delete=models.PROTECT)
    started_on = models.DateField("协议起始日", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "共保体"

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    kind = models.CharField("机构类型", max_length=16, choices=OrgKind.choices, db_index=True)
    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=40, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    region = link(Region, "所在地区", related_name="organizations")
    address = models.CharField("地址", max_length=200, blank=True)
    parent = link("self", "上级机构", optional=True, related_name="branches")
    consortium = link(Consortium, "所属共保体", optional=True, related_name="members")
    consortium_lead = models.BooleanField("共保体主承保", default=False)
    consortium_share = models.DecimalField(
        "共保份额（%）",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="在共保体中承担的份额；同一共保体各成员合计不超过100%",
    )
    coverage = models.ManyToManyField(
        Region,
        verbose_name="负责区域",
        blank=True,
        related_name="covering_organizations",
        help_text="商保机构承办的区县；网点、评估机构、护理机构的服务范围",
    )
    care_kind = models.CharField(
        "护理机构类别", max_length=20, choices=CareKind.choices, blank=True
    )
    status = models.CharField(
        "状态", max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )
    contact_name = models.CharField("联系人", max_length=40, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    # The region prefixes this organization's users may see (see orgs.scoping), kept in step
    # with region, parent and coverage by orgs.signals so that resolving a user's data scope on
    # every request costs no query. Comma-separated; empty means "not computed yet".
    scope_prefixes = models.CharField("数据范围前缀", max_length=1000, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "机构"
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="care") | ~models.Q(care_kind=""),
                name="care_org_has_care_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    real_name = models.CharField("姓名", max_length=40, blank=True)
    organization = link(Organization, "所属机构", optional=True, related_name="users")
    role = models.CharField("角色", max_length=24, choices=Role.choices, blank=True)
    region_scope = link(
        Region, "数据范围", optional=True, help_text="用户可见数据的行政区域；与机构负责区域取交集"
    )
    must_change_password = models.BooleanField(
        "须修改密码",
        default=False,
        help_text="由管理员设置的初始或重置密码：下次登录后须先修改密码",
    )
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def password_expired(self) -> bool:
        """Older than ``CHANGHU_PASSWORD_MAX_AGE_DAYS`` (0: passwords do not expire)."""
        from django.conf import settings

        from changhu.core import clock

        days = settings.PASSWORD_MAX_AGE_DAYS
        if not days or self.password_changed_at is None:
            return False
        return clock.now() - self.password_changed_at > dt.timedelta(days=days)

    @property
    def needs_password_change(self) -> bool:
        """Set by an administrator (first sign-in, reset) or expired: change it before anything
        else."""
        return self.must_change_password or self.password_expired


class PasswordHistory(models.Model):
    """The hashes of a login's recent passwords, so a new one cannot repeat them
    (``CHANGHU_PASSWORD_HISTORY``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField("密码摘要", max_length=128)
    created_at = models.DateTimeField("设置时间")

    class Meta:
        verbose_name = verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    name = models.CharField("用途", max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


class UserImportBatch(BaseImportBatch):
    """One uploaded file of staff logins (see ``changhu.core.imports``)."""

    UPLOAD_DIR = "imports/orgs"
    MAX_ROWS = 2_000

    class Kind(models.TextChoices):
        USERS = "users", "用户账号"

    kind = models.CharField("导入内容", max_length=16, choices=Kind.choices)

    class Meta(BaseImportBatch.Meta):
        verbose_name = verbose_name_plural = "用户账号导入批次"
