"""The public site's own tables: the articles the bureau publishes (政策解读、办事指南) and the
consultations (咨询登记) people leave on it.

What else the site shows (designated institutions, the publicity list, the fund's yearly
summary) is read from the apps that own it (``public.selectors``); nothing is copied here.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from changhu.core.fields import encrypted, who_and_when, who_when_why


class ArticleKind(models.TextChoices):
    POLICY = "policy", "政策解读"
    GUIDE = "guide", "办事指南"


class Article(models.Model):
    """An article of the public site, written and published by the bureau. The body is plain
    paragraphs with a small part of Markdown (``public.markup``), drawn as escaped text."""

    kind = models.CharField("栏目", max_length=12, choices=ArticleKind.choices)
    title = models.CharField("标题", max_length=100)
    summary = models.CharField("摘要", max_length=200, blank=True)
    body = models.TextField("正文")
    published = models.BooleanField("已发布", default=False)
    order = models.PositiveSmallIntegerField("排序", default=100)
    # The city of the bureau that wrote it: another city's bureau neither sees nor edits it.
    region_code = models.CharField("区划代码", max_length=12, db_index=True, blank=True)
    created_by, created_at = who_and_when("创建人", "创建时间", on_create=True)
    updated_by, updated_at = who_and_when("最后修改人", "最后修改时间", on_save=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "公开文章"
        ordering = ["kind", "order", "id"]
        indexes = [models.Index(fields=["published", "kind", "order"])]

    def __str__(self) -> str:
        return self.title


class ConsultationStatus(models.TextChoices):
    RECEIVED = "received", "待答复"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"


class ReplyChannel(models.TextChoices):
    PHONE = "phone", "电话答复"
    SMS = "sms", "短信答复"


class Consultation(models.Model):
    """咨询登记: a question left on the public site, and its answer. The phone is stored
    encrypted with a masked copy; the address that sent it only as a keyed hash."""

    number = models.CharField("咨询编号", max_length=20, unique=True)
    name = models.CharField("姓名", max_length=40)
    phone_enc, phone_masked = encrypted("联系电话", 20, required=True)
    question = models.TextField("咨询内容")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    source_key = models.CharField("来源标识", max_length=64, blank=True, db_index=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.RECEIVED,
        db_index=True,
    )
    received_at = models.DateTimeField("登记时间", db_index=True)
    reply = models.TextField("答复内容", blank=True)
    reply_channel = models.CharField(
        "答复方式", max_length=8, choices=ReplyChannel.choices, blank=True
    )
    replied_by, replied_at = who_and_when("答复人", "答复时间")
    closed_by, closed_at, close_note = who_when_why(
        "办结人", "办结时间", "办结说明", max_length=300
    )

    class Meta:
        verbose_name = verbose_name_plural = "咨询登记"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="received") | ~Q(reply="") | ~Q(close_note=""),
                name="consultation_handled_has_text",
            )
        ]

    def __str__(self) -> str:
        return f"咨询{self.number}"
