"""The insured register: persons, enrolment, special groups, life events, applicant links.

Identity numbers, phones and addresses are stored encrypted (``*_enc``), with a blind index
for exact look-up (``*_index``) and a masked copy for lists (``*_masked``). Nothing else in the
database holds them in clear.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from changhu.core import crypto
from changhu.core.fields import (
    Located,
    RealName,
    Sex,  # noqa: F401  importable from here
    encrypted,
    ends_after,
    link,
    who_and_when,
)
from changhu.core.imports.models import ImportBatch as BaseImportBatch
from changhu.orgs.models import Region


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", "职工"
    RESIDENT = "resident", "居民"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "正常参保"
    SUSPENDED = "suspended", "暂停参保"
    DECEASED = "deceased", "已身故"


class SpecialGroup(models.TextChoices):
    TEKUN = "tekun", "特困人员"
    DIBAO = "dibao", "低保对象"
    ZHONGCAN = "zhongcan", "重度残疾人"
    DISABLED_VETERAN = "disabled_veteran", "伤残军人"
    LOW_INCOME = "low_income", "低收入家庭"
    ORPHAN_ELDERLY = "orphan_elderly", "失独老人"


class Person(RealName, Located):
    insured_no = models.CharField("参保编号", max_length=20, unique=True)
    address_enc, address_masked = encrypted("居住地址", 60)
    region = link(Region, "所属街道/区县")
    # Denormalised division code of ``region``, for prefix-based scoping and district filters.
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    insurance_type = models.CharField("参保类型", max_length=12, choices=InsuranceType.choices)
    status = models.CharField(
        "参保状态",
        max_length=12,
        choices=PersonStatus.choices,
        default=PersonStatus.ACTIVE,
        db_index=True,
    )
    died_on = models.DateField("死亡日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "参保人"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="deceased", died_on__isnull=False)
                | ~models.Q(status="deceased"),
                name="person_deceased_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="person_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="person_longitude_range",
            ),
        ]
        indexes = [models.Index(fields=["region_code", "name"])]

    @property
    def address(self) -> str:
        return crypto.decrypt(self.address_enc)

    @property
    def special_group_codes(self) -> list[str]:
        return [m.group for m in self.special_groups.all() if m.end_date is None]


class EnrolmentPeriod(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    insurance_type = models.CharField("参保类型", max_length=12, choices=InsuranceType.choices)
    start_date = models.DateField("参保起始日")
    end_date = models.DateField("参保终止日", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "参保期间"
        ordering = ["start_date"]
        constraints = [ends_after("start_date", "end_date", "enrolment_end_after_start")]

    def __str__(self) -> str:
        end = self.end_date.isoformat() if self.end_date else "至今"
        return f"{self.get_insurance_type_display()} {self.start_date.isoformat()}—{end}"


class SpecialGroupMembership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="special_groups")
    group = models.CharField("特殊群体", max_length=20, choices=SpecialGroup.choices)
    start_date = models.DateField("认定日期")
    end_date = models.DateField("终止日期", null=True, blank=True)
    certificate_no = models.CharField("证件/认定编号", max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "特殊群体认定"
        constraints = [ends_after("start_date", "end_date", "special_group_end_after_start")]

    def __str__(self) -> str:
        return f"{self.get_group_display()}（{self.start_date.isoformat()}起）"


class LifeEventKind(models.TextChoices):
    DEATH = "death", "身故"
    HOSPITAL_STAY = "hospital_stay", "住院"


class LifeEvent(models.Model):
    """Death or a hospital stay; later features stop or pause benefits on these."""

    class Source(models.TextChoices):
        MANUAL = "manual", "手工登记"
        IMPORT = "import", "批量导入"
        MATCH = "match", "数据比对"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="life_events")
    kind = models.CharField("事件", max_length=16, choices=LifeEventKind.choices)
    start_date = models.DateField("发生/入院日期")
    end_date = models.DateField("出院日期", null=True, blank=True)
    institution = models.CharField("医院/登记机关", max_length=100, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    source = models.CharField("来源", max_length=8, choices=Source.choices, default=Source.MANUAL)
    recorded_by, recorded_at = who_and_when(when="登记时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "生命事件"
        ordering = ["-start_date", "-id"]
        constraints = [
            ends_after("start_date", "end_date", "life_event_end_after_start"),
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(kind="death"), name="one_death_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date.isoformat()}"


class ApplicantLink(models.Model):
    """A public user who may act for a person: the person themself or a family member."""

    class Relationship(models.TextChoices):
        SELF = "self", "本人"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        RELATIVE = "relative", "其他亲属"
        GUARDIAN = "guardian", "监护人"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="represented"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="applicants")
    relationship = models.CharField("关系", max_length=12, choices=Relationship.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "代办关系"
        constraints = [
            models.UniqueConstraint(fields=["user", "person"], name="applicant_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.person_id}（{self.get_relationship_display()}）"


class ImportBatch(BaseImportBatch):
    """One uploaded file of register rows or life events (see ``changhu.core.imports``)."""

    MAX_FILE_BYTES = 50 * 1024 * 1024
    MAX_ROWS = 200_000
    ERROR_CAP = 10_000

    class Kind(models.TextChoices):
        PERSONS = "persons", "参保人登记"
        LIFE_EVENTS = "life_events", "生命事件（身故、住院）"

    kind = models.CharField("导入内容", max_length=16, choices=Kind.choices)

    class Meta(BaseImportBatch.Meta):
        verbose_name = verbose_name_plural = "导入批次"


class ImportedRow(models.Model):
    """Provenance: which file row of which batch created (or changed) a person."""

    batch = link(ImportBatch, related_name="rows")
    row_number = models.PositiveIntegerField("行号")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "导入行"
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="imported_row_unique")
        ]

    def __str__(self) -> str:
        return f"导入批次{self.batch_id}第{self.row_number}行"
