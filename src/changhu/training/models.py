"""Training (培训管理): courses, their sessions, who enrolled, attended and passed, and the
certificates issued — each one recorded as the caregiver's or the assessor's qualification
certificate in ``providers`` (through its service), so qualification checks (care assignments,
assessment teams) and scorecards see it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from changhu.providers.models import CertificateKind


class Audience(models.TextChoices):
    CAREGIVER = "caregiver", "机构护理员"
    FAMILY = "family", "亲情护理员"
    ASSESSOR = "assessor", "评估人员"


class Course(models.Model):
    """课程: what is taught, to whom, and which certificate (if any) it leads to."""

    name = models.CharField("课程名称", max_length=100)
    audience = models.CharField("培训对象", max_length=12, choices=Audience.choices)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    certificate_kind = models.CharField(
        "颁发证书", max_length=16, choices=CertificateKind.choices, blank=True
    )
    validity_months = models.PositiveSmallIntegerField("证书有效期（月）", default=0)
    organizer = models.ForeignKey(
        "orgs.Organization",
        verbose_name="主办单位",
        on_delete=models.PROTECT,
        related_name="training_courses",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "培训课程"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """培训班次: one run of a course, with its dates, place, capacity and pass mark."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_on = models.DateField("开班日期")
    ends_on = models.DateField("结业日期")
    place = models.CharField("培训地点", max_length=100)
    capacity = models.PositiveIntegerField("名额")
    pass_mark = models.DecimalField("合格分数线", max_digits=5, decimal_places=1, default=60)
    # Training subsidy (培训补贴): an amount per person who passed, posted to the fund once.
    subsidy_per_pass_fen = models.BigIntegerField("每人补贴（分）", null=True, blank=True)
    subsidy_people = models.PositiveIntegerField("补贴人数", default=0)
    subsidy_entry = models.ForeignKey(
        "fund.Entry",
        verbose_name="补贴记账凭证",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "培训班次"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="training_session_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course.name}（{self.starts_on}）"


class Enrolment(models.Model):
    """A caregiver or an assessor (courses for 评估人员) on a session's roll: attendance, exam
    score, and the certificate issued."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="enrolments")
    caregiver = models.ForeignKey(
        "providers.Caregiver",
        on_delete=models.PROTECT,
        related_name="training_enrolments",
        null=True,
        blank=True,
    )
    assessor = models.ForeignKey(
        "providers.Assessor",
        on_delete=models.PROTECT,
        related_name="training_enrolments",
        null=True,
        blank=True,
    )
    attended = models.BooleanField("出勤", default=False)
    score = models.DecimalField("考试成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    certificate = models.ForeignKey(
        "providers.Certificate",
        verbose_name="颁发的证书",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    certificate_number = models.CharField("证书编号", max_length=40, blank=True)
    issued_on = models.DateField("发证日期", null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("报名时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "培训报名"
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "caregiver"], name="training_enrolment_once"
            ),
            models.UniqueConstraint(
                fields=["session", "assessor"], name="training_enrolment_assessor_once"
            ),
            models.CheckConstraint(
                condition=(models.Q(caregiver__isnull=False) & models.Q(assessor__isnull=True))
                | (models.Q(caregiver__isnull=True) & models.Q(assessor__isnull=False)),
                name="training_enrolment_one_trainee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} @ {self.session}"

    @property
    def person(self):
        """Who is on the roll: the caregiver or the assessor."""
        return self.caregiver if self.caregiver_id else self.assessor

    @property
    def institution_name(self) -> str:
        return self.person.institution.organization.name

    def passed(self) -> bool:
        return self.attended and self.score is not None and self.score >= self.session.pass_mark
