"""Assessment tables: scale and rules versions (immutable data), and the workflow of a case.

A case (:class:`Application`, 评估申请) runs from intake to a conclusion. Each dispatch to an
assessment institution is one :class:`Assessment` with its team, its on-site form and its
expert confirmations; documents, publicity objections, the conclusion and the notices to the
applicant hang off the case. State changes go through ``assessment.workflow`` (compare-and-set
and the transition log); other steps of the timeline are :class:`CaseEvent` rows.
"""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q

from changhu.assessment import scoring
from changhu.core import versions
from changhu.core.errors import Conflict
from changhu.core.fields import (
    Located,
    encrypted,
    ends_after,
    link,
    user_fk,
    who_and_when,
    who_when_why,
)


class ScaleVersion(versions.Version):
    """One version of an assessment scale, loaded from a preset file and never edited.

    A corrected or refined scale is a new row with a new version; assessments keep pointing to
    the version they were scored with, so re-scoring them gives the same grade.
    """

    code = models.CharField("量表代码", max_length=64)
    name = models.CharField("量表名称", max_length=200)
    effective_to = models.DateField("失效日期", null=True, blank=True)
    definition = models.JSONField("量表定义")

    class Meta:
        verbose_name = verbose_name_plural = "评估量表版本"
        ordering = ["code", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="assessment_scale_version_unique"
            ),
            ends_after("effective_from", "effective_to", "assessment_scale_version_dates"),
        ]
        indexes = [
            models.Index(fields=["code", "-effective_from"], name="assessment_scale_in_force")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise Conflict("量表版本加载后不可修改，请使用新版本号", code="scale_version_immutable")
        super().save(*args, **kwargs)

    @cached_property
    def scale(self) -> scoring.Scale:
        """The scale to score with, checked against the checksum recorded at loading."""
        if scoring.definition_checksum(self.definition) != self.checksum:
            raise Conflict(
                f"量表{self.code} {self.version}的内容与加载时的校验值不一致",
                code="scale_checksum_mismatch",
            )
        return scoring.load_scale(self.definition)


class RuleVersion(versions.Version):
    """One version of the assessment procedure rules (deadlines, team sizes, validity, fees),
    loaded from ``presets/assessment-rules`` and never edited."""

    code = models.CharField("规则代码", max_length=64)
    name = models.CharField("规则名称", max_length=200)
    region_code = models.CharField("适用地区代码前缀", max_length=12, blank=True)
    effective_to = models.DateField("失效日期", null=True, blank=True)
    definition = models.JSONField("规则定义")

    class Meta:
        verbose_name = verbose_name_plural = "评估经办规则版本"
        ordering = ["code", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="assessment_rules_unique"),
            ends_after("effective_from", "effective_to", "assessment_rules_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise Conflict(
                "经办规则版本加载后不可修改，请使用新版本号", code="rules_version_immutable"
            )
        super().save(*args, **kwargs)

    @cached_property
    def rules(self):
        from changhu.assessment import rules

        if scoring.definition_checksum(self.definition) != self.checksum:
            raise Conflict(
                f"经办规则{self.code} {self.version}的内容与加载时的校验值不一致",
                code="rules_checksum_mismatch",
            )
        return rules.load_rules(self.definition)


class Kind(models.TextChoices):
    INITIAL = "initial", "首次评估"
    APPEAL = "appeal", "复评（对结论有异议）"
    PERIODIC = "periodic", "到期复评"
    CONDITION_CHANGE = "condition_change", "状况变化复评"
    SPOT_CHECK = "spot_check", "抽查复评"


class Channel(models.TextChoices):
    ONLINE = "online", "线上申请"
    COUNTER = "counter", "窗口受理"
    MOBILE_POINT = "mobile_point", "流动受理点"
    FAMILY_DOCTOR = "family_doctor", "家庭医生协助申请"
    SYSTEM = "system", "系统发起"


class Status(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    MATERIALS_REQUESTED = "materials_requested", "待补充材料"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"
    ACCEPTED = "accepted", "待派单"
    DISPATCHED = "dispatched", "待指派评估人员"
    ASSIGNED = "assigned", "待现场评估"
    ASSESSED = "assessed", "待专家确认"
    CONFIRMED = "confirmed", "待经办复核"
    PUBLICITY = "publicity", "公示中"
    READY_TO_ISSUE = "ready_to_issue", "待送达"
    CONCLUDED = "concluded", "已出结论"


CLOSED_STATUSES = (Status.REFUSED, Status.WITHDRAWN, Status.CONCLUDED)
OPEN_STATUSES = tuple(s for s in Status.values if s not in CLOSED_STATUSES)


class Place(models.TextChoices):
    HOME = "home", "居家"
    INSTITUTION = "institution", "机构内"


class Relationship(models.TextChoices):
    SELF = "self", "本人"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    RELATIVE = "relative", "其他亲属"
    GUARDIAN = "guardian", "监护人"
    AGENT = "agent", "委托代理人"


class RefusalReason(models.TextChoices):
    """The national reasons for not accepting an application (不予受理)."""

    NOT_INSURED = "not_insured", "未参加长期护理保险"
    CONDITIONS_NOT_MET = "conditions_not_met", "不符合待遇享受条件"
    OUTSIDE_FUND = "outside_fund", "护理费用不属于长期护理保险基金支付范围"
    MATERIALS = "materials", "申请材料不全或提供虚假材料"
    OTHER = "other", "其他不予受理的情形"


class Application(models.Model):
    """A benefit application (待遇申请) or a re-assessment, and its whole path to a conclusion.

    Personal data of the applicant (phone, care address) is stored encrypted with a masked copy,
    like the register's. ``region_code`` is the person's, copied for scoping.
    """

    number = models.CharField("申请编号", max_length=20, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    channel = models.CharField("申请渠道", max_length=16, choices=Channel.choices)
    status = models.CharField(
        "状态", max_length=24, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    person = link("insured.Person", "被评估人")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    rules = link(RuleVersion, "适用经办规则")
    previous_conclusion = link(
        "Conclusion", "原评估结论", optional=True, related_name="reassessments"
    )
    applicant_user = user_fk("线上申请账号")
    applicant_name = models.CharField("申请人", max_length=40)
    relationship = models.CharField("与被评估人关系", max_length=12, choices=Relationship.choices)
    phone_enc, phone_masked = encrypted("联系电话", 20)
    address_enc, address_masked = encrypted("照护地址", 60)
    place = models.CharField("照护/评估地点", max_length=12, choices=Place.choices)
    reason = models.CharField("申请理由", max_length=500, blank=True)
    referrer = models.CharField("协助申请的家庭医生/机构", max_length=100, blank=True)
    priority = models.BooleanField("特殊群体优先", default=False, db_index=True)
    special_groups = models.JSONField("特殊群体", default=list, blank=True)
    submitted_at = models.DateTimeField("申请时间", auto_now_add=True, db_index=True)
    submitted_by = user_fk("录入人")
    materials_due = models.DateField("补充材料期限", null=True, blank=True)
    materials_note = models.CharField("需补充的材料", max_length=500, blank=True)
    refusal_reason = models.CharField(
        "不予受理原因", max_length=20, choices=RefusalReason.choices, blank=True
    )
    refusal_text = models.CharField("不予受理说明", max_length=500, blank=True)
    institution = link("orgs.Organization", "评估机构", optional=True)
    assessment_due = models.DateField("评估完成期限", null=True, blank=True)
    current_assessment = models.ForeignKey(
        "Assessment",
        verbose_name="当前评估",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    publicity_from = models.DateField("公示开始日", null=True, blank=True)
    publicity_until = models.DateField("公示截止日", null=True, blank=True)
    overdue_since = models.DateField("逾期日期", null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "评估申请"
        ordering = ["-priority", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=OPEN_STATUSES),
                name="assessment_one_open_case_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="assessment_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(kind="initial") | Q(previous_conclusion__isnull=False),
                name="assessment_reassessment_has_previous",
            ),
        ]
        indexes = [models.Index(fields=["status", "-priority", "submitted_at"])]

    def __str__(self) -> str:
        return f"评估申请{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Assessment(Located):
    """One dispatch of a case to an assessment institution: team, on-site form, result."""

    application = models.ForeignKey(
        Application, verbose_name="评估申请", on_delete=models.CASCADE, related_name="assessments"
    )

    class Superseded(models.TextChoices):
        RECALLED = "recalled", "撤回派单"
        OBJECTION = "objection", "公示异议成立"

    round = models.PositiveSmallIntegerField("派单序号", default=1)
    active = models.BooleanField("当前有效", default=True)
    superseded_reason = models.CharField(
        "失效原因", max_length=12, choices=Superseded.choices, blank=True
    )
    institution = link("orgs.Organization", "评估机构")
    dispatched_at = models.DateTimeField("派单时间", auto_now_add=True)
    dispatched_by = user_fk("派单人")
    due_date = models.DateField("评估完成期限")
    # Care institutions the case worker declared as serving the person at dispatch.
    declared_care_institutions = models.JSONField("申报的护理机构", default=list, blank=True)
    scale_version = link(ScaleVersion, "评估量表版本")
    answers = models.JSONField("各项评分（原始答卷）", default=dict, blank=True)
    form_version = models.PositiveIntegerField("表单版本", default=0)
    started_at = models.DateTimeField("评估开始时间", null=True, blank=True)
    ended_at = models.DateTimeField("评估结束时间", null=True, blank=True)
    location_accuracy = models.PositiveIntegerField("定位精度（米）", null=True, blank=True)
    guardian_present = models.BooleanField("监护人/代理人在场", null=True, blank=True)
    guardian_name = models.CharField("在场监护人/代理人", max_length=40, blank=True)
    guardian_relationship = models.CharField(
        "与被评估人关系", max_length=12, choices=Relationship.choices, blank=True
    )
    video_reference = models.CharField("录像编号/存储位置", max_length=200, blank=True)
    remarks = models.CharField("评估说明", max_length=1000, blank=True)
    submission = models.PositiveSmallIntegerField("提交次数", default=0)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = user_fk("提交人")
    scores = models.JSONField("指标得分", default=dict, blank=True)
    levels = models.JSONField("指标等级", default=dict, blank=True)
    level_names = models.JSONField("指标等级名称", default=dict, blank=True)
    grade = models.PositiveSmallIntegerField("失能等级", null=True, blank=True)
    grade_label = models.CharField("失能等级名称", max_length=40, blank=True)
    qualifying = models.BooleanField("达到待遇等级", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "现场评估"
        ordering = ["application", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "round"], name="assessment_round_unique"
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(active=True),
                name="assessment_one_active_dispatch",
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(submitted_at__isnull=False),
                name="assessment_grade_only_when_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.number}第{self.round}次派单"

    def indicator_rows(self) -> list[dict]:
        """The stored result per indicator, named as in the scale it was scored with."""
        if self.grade is None:
            return []
        return [
            {
                "name": indicator.name,
                "score": self.scores.get(indicator.code),
                "max": indicator.max_points,
                "level": self.level_names.get(indicator.code, ""),
            }
            for indicator in self.scale_version.scale.indicators
        ]


class AssessorAssignment(models.Model):
    """A person of the institution's on-site team; recusal ends the assignment."""

    assessment = models.ForeignKey(
        Assessment, verbose_name="现场评估", on_delete=models.CASCADE, related_name="assignments"
    )
    user = link(settings.AUTH_USER_MODEL, "评估人员")
    is_expert = models.BooleanField("评估专家", default=False)
    assigned_at = models.DateTimeField("指派时间", auto_now_add=True)
    assigned_by = user_fk("指派人")
    present = models.BooleanField("到场评估", default=False)
    recused_at = models.DateTimeField("回避时间", null=True, blank=True)
    recusal_reason = models.CharField("回避原因", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评估人员指派"
        ordering = ["assessment", "-is_expert", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user"], name="assessor_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.assessment}：{self.user}"


class Confirmation(models.Model):
    """An expert's confirmation of a submitted result, or their sending it back."""

    class Decision(models.TextChoices):
        CONFIRM = "confirm", "确认"
        RETURN = "return", "退回重评"

    assessment = models.ForeignKey(
        Assessment, verbose_name="现场评估", on_delete=models.CASCADE, related_name="confirmations"
    )
    submission = models.PositiveSmallIntegerField("针对的提交次数")
    expert = link(settings.AUTH_USER_MODEL, "评估专家")
    decision = models.CharField("意见", max_length=8, choices=Decision.choices)
    comment = models.CharField("说明", max_length=500, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "专家确认"
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "submission", "expert"], name="expert_confirms_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert}{self.get_decision_display()}"


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", "身份证件"
    MEDICAL_RECORD = "medical_record", "病历资料"
    SELF_ASSESSMENT = "self_assessment", "自评表"
    AUTHORIZATION = "authorization", "委托书/监护证明"
    ONSITE_PHOTO = "onsite_photo", "现场评估照片"
    ONSITE_RECORD = "onsite_record", "现场评估记录"
    OTHER = "other", "其他材料"


APPLICATION_DOCUMENT_KINDS = (
    DocumentKind.ID_CARD,
    DocumentKind.MEDICAL_RECORD,
    DocumentKind.SELF_ASSESSMENT,
    DocumentKind.AUTHORIZATION,
    DocumentKind.OTHER,
)
ONSITE_DOCUMENT_KINDS = (DocumentKind.ONSITE_PHOTO, DocumentKind.ONSITE_RECORD, DocumentKind.OTHER)


class Document(models.Model):
    """An uploaded material or on-site attachment, kept in private storage (no public URL)."""

    application = models.ForeignKey(
        Application, verbose_name="评估申请", on_delete=models.CASCADE, related_name="documents"
    )
    assessment = models.ForeignKey(
        Assessment,
        verbose_name="现场评估",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField("材料类型", max_length=20, choices=DocumentKind.choices)
    file = models.FileField("文件", max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=64)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by, uploaded_at = who_and_when("上传人", "上传时间", on_create=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.original_name}"


class Objection(models.Model):
    """An objection raised during publicity (公示异议), and how it was handled."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        DISMISSED = "dismissed", "异议不成立"
        UPHELD = "upheld", "异议成立，重新评估"

    application = models.ForeignKey(
        Application, verbose_name="评估申请", on_delete=models.CASCADE, related_name="objections"
    )
    assessment = models.ForeignKey(
        Assessment, verbose_name="所异议的评估", on_delete=models.CASCADE, related_name="+"
    )
    raised_by = models.CharField("异议人", max_length=40)
    content = models.CharField("异议内容", max_length=1000)
    received_on = models.DateField("收到日期")
    recorded_by, recorded_at = who_and_when("登记人", "登记时间", on_create=True, blank=False)
    status = models.CharField("处理状态", max_length=12, choices=Status.choices, default="open")
    handled_by, handled_at, handling_note = who_when_why(
        "处理人", "处理时间", "处理意见", max_length=1000
    )

    class Meta:
        verbose_name = verbose_name_plural = "公示异议"
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.raised_by}的异议（{self.get_status_display()}）"


class FeePayer(models.TextChoices):
    FUND = "fund", "长护险基金承担"
    APPLICANT = "applicant", "申请人承担"


class Conclusion(models.Model):
    """The assessment conclusion (评估结论书) delivered to the applicant; immutable once issued
    except for being superseded by a later re-assessment's conclusion."""

    number = models.CharField("结论书编号", max_length=24, unique=True)
    application = models.OneToOneField(
        Application, verbose_name="评估申请", on_delete=models.PROTECT, related_name="conclusion"
    )
    person = link("insured.Person", "被评估人")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    assessment = link(Assessment, "现场评估")
    grade = models.PositiveSmallIntegerField("失能等级")
    grade_label = models.CharField("失能等级名称", max_length=40)
    qualifying = models.BooleanField("达到待遇等级")
    scale_version = link(ScaleVersion, "评估量表版本")
    rules = link(RuleVersion, "经办规则版本")
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期止")
    appeal_until = models.DateField("复评申请截止日")
    issued_at = models.DateTimeField("送达时间", auto_now_add=True)
    issued_by = user_fk("出具人", blank=False)
    letter = models.FileField("结论书（PDF）", max_length=200)
    letter_sha256 = models.CharField("结论书SHA-256", max_length=64)
    previous = link("self", "复评前的结论", optional=True)
    grade_changed = models.BooleanField("与原结论等级不同", null=True, blank=True)
    fee_payer = models.CharField(
        "评估费用承担", max_length=12, choices=FeePayer.choices, default=FeePayer.FUND
    )
    fee_fen = models.PositiveIntegerField("申请人承担的评估费（分）", default=0)
    superseded_on = models.DateField("被新结论取代的日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评估结论"
        ordering = ["-issued_at", "-id"]
        constraints = [
            ends_after("valid_from", "valid_until", "conclusion_validity_order", open_ended=False),
        ]
        indexes = [models.Index(fields=["person", "valid_from"])]

    def __str__(self) -> str:
        return f"评估结论书{self.number}"


class Notice(models.Model):
    """A message to the applicant about their case (in the app; SMS is a later channel)."""

    application = models.ForeignKey(
        Application, verbose_name="评估申请", on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField("通知类型", max_length=24)
    title = models.CharField("标题", max_length=100)
    body = models.CharField("内容", max_length=1000)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请人通知"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CaseEvent(models.Model):
    """A step of a case that is not a change of state: documents, team, confirmations,
    objections, deadline flags. The timeline merges these with the transition log."""

    application = models.ForeignKey(
        Application, verbose_name="评估申请", on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = user_fk("操作人")
    kind = models.CharField("事项", max_length=32)
    text = models.CharField("说明", max_length=500)

    class Meta:
        verbose_name = verbose_name_plural = "案件记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}：{self.text}"


# --- the city expert pool and the draw of confirming experts -----------------------------------


class Profession(models.TextChoices):
    PHYSICIAN = "physician", "临床医师"
    NURSE = "nurse", "护理人员"
    REHABILITATION = "rehabilitation", "康复治疗师"
    SOCIAL_WORKER = "social_worker", "社会工作者"
    OTHER = "other", "其他专业"


class PoolExpert(models.Model):
    """An expert of the city's pool (专家库): a login holding the confirmation right, the
    institution they work at (any kind: a hospital, an assessment centre), their profession and
    the days they serve. Experts are drawn from the pool to confirm a case's result."""

    user = link(settings.AUTH_USER_MODEL, "专家账号", related_name="pool_entries")
    institution = link("orgs.Organization", "工作单位")
    region_code = models.CharField("所属统筹地区代码", max_length=12, db_index=True)
    profession = models.CharField("专业", max_length=16, choices=Profession.choices)
    speciality = models.CharField("专业特长", max_length=100, blank=True)
    active_from = models.DateField("入库日期")
    active_until = models.DateField("有效期至", null=True, blank=True)
    active = models.BooleanField("在库", default=True)
    added_by, added_at = who_and_when("入库登记人", "登记时间", on_create=True)
    deactivated_by, deactivated_at, deactivation_reason = who_when_why(
        "停用人", "停用时间", "停用原因", max_length=300
    )

    class Meta:
        verbose_name = verbose_name_plural = "评估专家库"
        ordering = ["region_code", "-active", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(active=True), name="pool_expert_once_active"
            ),
            ends_after("active_from", "active_until", "pool_expert_dates"),
        ]

    def __str__(self) -> str:
        return f"专家{self.user}"


class ExpertConflict(models.Model):
    """A relationship that keeps an expert from confirming some cases (回避关系), declared by
    the expert or by the bureau: a relative of a person, or work at an institution."""

    class Kind(models.TextChoices):
        RELATIVE = "relative", "与参保人有亲属关系"
        INSTITUTION = "institution", "在该机构任职或兼职"
        OTHER = "other", "其他利害关系（参保人）"

    expert = models.ForeignKey(
        PoolExpert, verbose_name="专家", on_delete=models.CASCADE, related_name="conflicts"
    )
    kind = models.CharField("关系类型", max_length=12, choices=Kind.choices)
    person = link("insured.Person", "相关参保人", optional=True)
    organization = link("orgs.Organization", "相关机构", optional=True)
    note = models.CharField("说明", max_length=300, blank=True)
    declared_by, declared_at = who_and_when("申报人", "申报时间", on_create=True)
    withdrawn_by, withdrawn_at, withdrawal_reason = who_when_why(
        "撤销人", "撤销时间", "撤销原因", max_length=300
    )

    class Meta:
        verbose_name = verbose_name_plural = "专家回避关系"
        ordering = ["expert", "declared_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="institution") & Q(organization__isnull=False))
                | (~Q(kind="institution") & Q(person__isnull=False)),
                name="expert_conflict_names_its_party",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert}：{self.get_kind_display()}"


class ExpertDraw(models.Model):
    """One random draw of a dispatch's confirming experts, as it was made: the seed, who was
    eligible (with their workload), who was excluded and why, who was drawn. A re-draw
    supersedes it with a reason; both stay for the audit."""

    application = models.ForeignKey(
        Application, verbose_name="评估申请", on_delete=models.CASCADE, related_name="draws"
    )
    assessment = models.ForeignKey(
        Assessment, verbose_name="现场评估", on_delete=models.CASCADE, related_name="draws"
    )
    number = models.PositiveSmallIntegerField("抽取序号")
    seed = models.CharField("随机种子", max_length=64)
    algorithm = models.CharField("抽取算法", max_length=32)
    wanted = models.PositiveSmallIntegerField("应抽人数")
    window_start = models.DateField("工作量统计起始日")
    eligible = models.JSONField("可抽专家（含工作量）", default=list)
    excluded = models.JSONField("回避专家及原因", default=list)
    kept = models.JSONField("保留的专家", default=list, blank=True)
    reason = models.CharField("重新抽取原因", max_length=300, blank=True)
    drawn_by, drawn_at = who_and_when("抽取人", "抽取时间", on_create=True)
    active = models.BooleanField("当前有效", default=True)
    superseded_at = models.DateTimeField("被重新抽取的时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "专家抽取记录"
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="expert_draw_number_unique"
            ),
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(active=True), name="expert_draw_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.number}第{self.number}次专家抽取"


class DrawnExpert(models.Model):
    """An expert a draw chose (or kept from the draw before): the only people who may confirm
    the dispatch's result while the draw stands."""

    draw = models.ForeignKey(
        ExpertDraw, verbose_name="抽取记录", on_delete=models.CASCADE, related_name="picks"
    )
    expert = link(PoolExpert, "专家", related_name="picks")
    user = link(settings.AUTH_USER_MODEL, "专家账号")
    kept = models.BooleanField("沿用前次抽取", default=False)
    position = models.PositiveSmallIntegerField("顺序")

    class Meta:
        verbose_name = verbose_name_plural = "抽中专家"
        ordering = ["draw", "position"]
        constraints = [models.UniqueConstraint(fields=["draw", "user"], name="drawn_expert_once")]

    def __str__(self) -> str:
        return f"{self.draw}：{self.user}"
