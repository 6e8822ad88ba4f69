"""Complaints (投诉), return visits (回访) and satisfaction surveys (满意度调查).

Every row carries the division code it belongs to (from the institution, else the person), so
insurers and the bureau see their regions and an institution sees the rows about itself.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from changhu.core import versions
from changhu.core.fields import encrypted, link, user_fk, who_and_when


class QuestionnaireKind(models.TextChoices):
    RETURN_VISIT = "return_visit", "回访话术"
    SATISFACTION = "satisfaction", "满意度问卷"


class Questionnaire(versions.Version):
    """One version of a questionnaire file (``presets/questionnaires``)."""

    code = models.CharField("问卷代码", max_length=40)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=QuestionnaireKind.choices)
    definition = models.JSONField("内容")

    class Meta:
        verbose_name = verbose_name_plural = "问卷"
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_code_version")
        ]


class Channel(models.TextChoices):
    HOTLINE = "hotline", "服务热线"
    COUNTER = "counter", "窗口"
    FAMILY = "family", "家属端"
    PUBLIC = "public", "网站"


class Category(models.TextChoices):
    SERVICE_QUALITY = "service_quality", "服务质量"
    MISSED_VISIT = "missed_visit", "未按约上门"
    ATTITUDE = "attitude", "服务态度"
    FEES = "fees", "收费问题"
    ASSESSMENT = "assessment", "评估问题"
    OTHER = "other", "其他"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "待受理"
    ACKNOWLEDGED = "acknowledged", "处理中"
    ESCALATED = "escalated", "已升级"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"


class ReplyChannel(models.TextChoices):
    PAGE = "page", "家属端查看"
    PHONE = "phone", "电话告知"
    SMS = "sms", "短信告知"
    LETTER = "letter", "书面告知"


class Complaint(models.Model):
    """投诉: what was complained of, about whom, by whom (unless anonymous), and its handling."""

    number = models.CharField("投诉编号", max_length=20, unique=True)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    status = models.CharField(
        "状态", max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    content = models.TextField("投诉内容")
    anonymous = models.BooleanField("匿名", default=False)
    complainant_name = models.CharField("投诉人", max_length=50, blank=True)
    complainant_phone_enc, complainant_phone_masked = encrypted("联系电话", 20)
    submitted_by = user_fk("提交人")
    source_key = models.CharField("来源标识", max_length=64, blank=True, db_index=True)
    person = link("insured.Person", "服务对象", optional=True)
    institution = link("providers.Institution", "护理机构", optional=True)
    caregiver = link("providers.Caregiver", "护理员", optional=True)
    visits = models.ManyToManyField("visits.Visit", verbose_name="服务记录", blank=True)
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    received_at = models.DateTimeField("收到时间")
    ack_due = models.DateField("受理期限")
    reply_due = models.DateField("答复期限")
    handler, acknowledged_at = who_and_when("经办人", "受理时间")
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)
    escalation_reason = models.CharField("升级原因", max_length=300, blank=True)
    reply = models.TextField("答复内容", blank=True)
    reply_channel = models.CharField(
        "答复方式", max_length=10, choices=ReplyChannel.choices, blank=True
    )
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = user_fk("答复人")
    substantiated = models.BooleanField("查实", null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField("投诉人满意度", null=True, blank=True)
    satisfaction_note = models.CharField("满意度说明", max_length=300, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "投诉"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="complaint_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(complainant_name=""),
                name="complaint_anonymous_has_no_name",
            ),
        ]
        indexes = [models.Index(fields=["status", "reply_due"])]

    def __str__(self) -> str:
        return f"投诉{self.number}"


class ReturnVisitDraw(models.Model):
    """One institution's draw of a month: who was drawn, with what seed and share."""

    period = models.CharField("月份", max_length=7)
    institution = link("providers.Institution", "护理机构")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    seed = models.CharField("随机种子", max_length=80)
    share = models.DecimalField("抽取比例", max_digits=5, decimal_places=4)
    minimum = models.PositiveSmallIntegerField("最少人数")
    population = models.PositiveIntegerField("服务对象人数")
    drawn = models.PositiveIntegerField("抽取人数")
    drawn_by, created_at = who_and_when("抽取人", "抽取时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "回访抽样"
        constraints = [
            models.UniqueConstraint(fields=["period", "institution"], name="draw_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.period}回访抽样"


class ReturnVisitStatus(models.TextChoices):
    PENDING = "pending", "待回访"
    REACHED = "reached", "已接通"
    NOT_REACHED = "not_reached", "未接通"
    REFUSED = "refused", "拒绝回访"


class ReturnVisit(models.Model):
    """回访: one drawn beneficiary's call, with its outcome and the answers to the script."""

    draw = models.ForeignKey(ReturnVisitDraw, on_delete=models.CASCADE, related_name="visits")
    period = models.CharField("月份", max_length=7)
    person = link("insured.Person", "参保人")
    institution = link("providers.Institution", "护理机构")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    weight = models.PositiveIntegerField("风险权重", default=1)
    status = models.CharField(
        "回访结果",
        max_length=12,
        choices=ReturnVisitStatus.choices,
        default=ReturnVisitStatus.PENDING,
    )
    script_version = models.CharField("话术版本", max_length=32, blank=True)
    answers = models.JSONField("回答", default=dict, blank=True)
    note = models.CharField("回访备注", max_length=500, blank=True)
    discrepancy = models.CharField("服务不实情况", max_length=500, blank=True)
    called_by, called_at = who_and_when("回访人", "回访时间")

    class Meta:
        verbose_name = verbose_name_plural = "回访"
        ordering = ["period", "institution_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "person"], name="return_visit_once_per_draw")
        ]

    def __str__(self) -> str:
        return f"{self.period}回访"


class SurveyChannel(models.TextChoices):
    RETURN_VISIT = "return_visit", "电话回访"
    FAMILY = "family", "家属端"
    PAPER = "paper", "纸质问卷"


class SurveyResponse(models.Model):
    """One answered satisfaction questionnaire, about an institution and maybe a caregiver."""

    questionnaire = link(Questionnaire, "问卷")
    channel = models.CharField("渠道", max_length=14, choices=SurveyChannel.choices)
    person = link("insured.Person", "参保人")
    institution = link("providers.Institution", "护理机构")
    caregiver = link("providers.Caregiver", "护理员", optional=True)
    return_visit = models.OneToOneField(
        ReturnVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey"
    )
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    period = models.CharField("月份", max_length=7, db_index=True)
    answers = models.JSONField("回答")
    institution_points = models.PositiveIntegerField("机构得分合计", default=0)
    institution_items = models.PositiveIntegerField("机构评分项数", default=0)
    caregiver_points = models.PositiveIntegerField("护理员得分合计", default=0)
    caregiver_items = models.PositiveIntegerField("护理员评分项数", default=0)
    comment = models.CharField("意见建议", max_length=500, blank=True)
    recorded_by, created_at = who_and_when("登记人", "登记时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "满意度调查"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "period"]),
            models.Index(fields=["caregiver", "period"]),
        ]

    def __str__(self) -> str:
        return f"{self.period}满意度调查"
