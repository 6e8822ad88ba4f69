"""Every write of the public app: the bureau's articles, and the consultations people leave on
the public site and staff answer.

Articles are edited in place, each save audited with what changed and the public pages of
articles dropped from the cache. A consultation is taken without signing in, at most
``PUBLIC_CONSULTATIONS_PER_HOUR`` from one address an hour; staff answer it (by phone or text
message, the answer recorded) and close it, each step a logged transition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from changhu.core import audit, clock, crypto, text
from changhu.core.errors import Conflict, field_error
from changhu.core.identity import normalize_phone
from changhu.core.masking import mask_phone
from changhu.core.scope import get_scoped, require
from changhu.core.transitions import Transition, Workflow, apply
from changhu.orgs.models import Region, RegionLevel
from changhu.orgs.roles import Right
from changhu.public import caching
from changhu.public.models import (
    Article,
    ArticleKind,
    Consultation,
    ConsultationStatus,
    ReplyChannel,
)

SOURCE_PURPOSE = "consultation.source"
MAX_QUESTION = 1000
MAX_BODY = 20000

_S = ConsultationStatus
CONSULTATION_FLOW = Workflow(
    "consultation",
    {
        "reply": Transition({_S.RECEIVED}, _S.REPLIED, Right.CONSULTATION_HANDLE, "答复"),
        "close": Transition(
            {_S.RECEIVED, _S.REPLIED}, _S.CLOSED, Right.CONSULTATION_HANDLE, "办结"
        ),
    },
    labels=ConsultationStatus,
)


def _text(value: str, field_name: str, *, limit: int, multiline: bool) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise field_error(field_name, "text_too_long", f"内容过长，最多{limit}字")
    return text.check(value, field=field_name, multiline=multiline)


def _field(field_name: str, code: str, message: str, value: str, **checks) -> str:
    """A text that must be given: refused with ``code`` and ``message`` when empty."""
    value = _text(value, field_name, **checks)
    if not value:
        raise field_error(field_name, code, message)
    return value


# --- articles -------------------------------------------------------------------------------


@dataclass
class ArticleInput:
    kind: str
    title: str
    body: str
    summary: str = ""
    published: bool = False
    order: int = 100


LABELS = {
    "kind": "栏目",
    "title": "标题",
    "summary": "摘要",
    "body": "正文",
    "published": "已发布",
    "order": "排序",
}


def _clean_article(data: ArticleInput) -> dict:
    if data.kind not in ArticleKind.values:
        raise field_error("kind", "kind_invalid", "请选择栏目（政策解读或办事指南）")
    try:
        order = int(data.order)
    except (TypeError, ValueError):
        order = -1
    if not 0 <= order <= 999:
        raise field_error("order", "order_invalid", "排序应为0至999的整数，小的在前")
    return {
        "kind": data.kind,
        "title": _field(
            "title", "title_required", "请填写标题", data.title, limit=100, multiline=False
        ),
        "summary": _text(data.summary, "summary", limit=200, multiline=False),
        "body": _field(
            "body", "body_required", "请填写正文", data.body, limit=MAX_BODY, multiline=True
        ),
        "published": bool(data.published),
        "order": order,
    }


def _shown(values: dict) -> dict:
    out = dict(values)
    out["kind"] = ArticleKind(values["kind"]).label
    out["published"] = "是" if values["published"] else "否"
    out["body"] = f"{len(values['body'])}字"
    return out


def article_create(*, actor, data: ArticleInput) -> Article:
    """The bureau writes a new article (published at once if it says so)."""
    require(actor, Right.PUBLIC_CONTENT)
    values = _clean_article(data)
    with transaction.atomic():
        article = Article.objects.create(
            **values, region_code=_city_of(actor), created_by=actor, updated_by=actor
        )
        audit.record(
            action="create",
            obj=article,
            user=actor,
            changes=audit.diff({}, _shown(values), labels=LABELS),
            note=f"{ArticleKind(article.kind).label}：{article.title}",
        )
        _refresh_site()
    return article


def _city_of(actor) -> str:
    """The division code of the actor's organization (the bureau's city)."""
    organization = getattr(actor, "organization", None)
    region = getattr(organization, "region", None)
    return region.code if region is not None else ""


def _refresh_site() -> None:
    """Drop the cached article pages now and again once the change is committed (a page
    drawn from the old rows in between is not kept)."""
    caching.invalidate("articles")
    transaction.on_commit(lambda: caching.invalidate("articles"))


def article_update(*, actor, article_id: int, data: ArticleInput, version: int) -> Article:
    """The bureau edits an article; ``version`` is the one the editor loaded (someone else's
    save in between is a 409, nothing lost). Publishing and withdrawing are edits too."""
    require(actor, Right.PUBLIC_CONTENT)
    values = _clean_article(data)
    with transaction.atomic():
        article = get_scoped(Article.objects.select_for_update(), actor, pk=article_id)
        if article.version != version:
            raise Conflict("该文章刚被他人修改，请刷新后再编辑", code="concurrent_change")
        before = {f: getattr(article, f) for f in values}
        body_changed = before["body"] != values["body"]
        for name, value in values.items():
            setattr(article, name, value)
        article.updated_by = actor
        changes = audit.diff(_shown(before), _shown(values), labels=LABELS)
        if body_changed and "body" not in changes:
            changes["body"] = {"label": "正文", "old": "（修改前）", "new": "（已修改）"}
        if changes:
            article.version += 1
            article.save()
            audit.record(action="update", obj=article, user=actor, changes=changes)
            _refresh_site()
    return article


# --- consultations --------------------------------------------------------------------------


@dataclass
class ConsultationInput:
    name: str
    phone: str
    question: str
    district: str = ""  # a district code, or "" when the person does not know


def source_key(ip: str) -> str:
    """A keyed hash of the sender's address: counts their consultations without storing it."""
    return crypto.blind_index(ip or "unknown", purpose=SOURCE_PURPOSE)


def _region_code(district: str) -> str:
    """The chosen district's code; none chosen: the city's (the bureau answers those)."""
    from changhu.public.selectors import city_districts

    codes = dict(city_districts())
    if district:
        if district not in codes:
            raise field_error("district", "district_invalid", "请从列表中选择所在的区（县）")
        return district
    first = next(iter(codes), "")
    city = Region.objects.filter(level=RegionLevel.CITY, code__startswith=first[:4]).first()
    return city.code if city and first else ""


def _next_number(day: dt.date) -> str:
    prefix = f"ZX{day:%Y%m%d}-"
    last = (
        Consultation.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def consultation_submit(*, data: ConsultationInput, source_key: str) -> Consultation:
    """咨询登记 from the public site, without signing in: a name, a phone to call back, the
    question; at most ``PUBLIC_CONSULTATIONS_PER_HOUR`` from one address an hour."""
    since = clock.now() - dt.timedelta(hours=1)
    recent = Consultation.objects.filter(source_key=source_key, received_at__gte=since).count()
    if recent >= settings.PUBLIC_CONSULTATIONS_PER_HOUR:
        raise Conflict(
            "提交过于频繁，请稍后再试，或直接拨打服务热线", code="consultation_rate_limited"
        )
    name = _field("name", "name_required", "请填写您的姓名", data.name, limit=40, multiline=False)
    phone = normalize_phone(data.phone, field="phone")
    if not phone:
        raise field_error("phone", "phone_required", "请填写联系电话，以便我们回复您")
    question = _field(
        "question",
        "question_required",
        "请填写您想咨询的问题",
        data.question,
        limit=MAX_QUESTION,
        multiline=True,
    )
    region_code = _region_code(data.district)
    now = clock.now()
    for attempt in range(5):
        try:
            with transaction.atomic():
                consultation = Consultation.objects.create(
                    number=_next_number(timezone.localdate(now)),
                    name=name,
                    phone_enc=crypto.encrypt(phone),
                    phone_masked=mask_phone(phone),
                    question=question,
                    region_code=region_code,
                    source_key=source_key,
                    received_at=now,
                )
                audit.record(action="create", obj=consultation, user=None, note="网站咨询登记")
                return consultation
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _locked(actor, consultation_id: int) -> Consultation:
    return get_scoped(Consultation.objects.select_for_update(), actor, pk=consultation_id)


def consultation_reply(*, actor, consultation_id: int, reply: str, channel: str) -> Consultation:
    """答复: what the person was told, and how (phone or text message)."""
    require(actor, Right.CONSULTATION_HANDLE)
    reply = _field("reply", "reply_required", "请填写答复内容", reply, limit=2000, multiline=True)
    if channel not in ReplyChannel.values:
        raise field_error("reply_channel", "reply_channel_invalid", "请选择答复方式")
    with transaction.atomic():
        consultation = _locked(actor, consultation_id)
        apply(
            CONSULTATION_FLOW,
            consultation,
            "reply",
            actor=actor,
            reason=reply[:300],
            extra_updates={
                "reply": reply,
                "reply_channel": channel,
                "replied_by": actor,
                "replied_at": clock.now(),
            },
        )
    return consultation


def consultation_close(*, actor, consultation_id: int, note: str = "") -> Consultation:
    """办结: after the answer, or without one (a repeat, a number that cannot be reached) with
    a note saying why."""
    require(actor, Right.CONSULTATION_HANDLE)
    note = _text(note, "note", limit=300, multiline=True)
    with transaction.atomic():
        consultation = _locked(actor, consultation_id)
        if consultation.status == _S.RECEIVED and not note:
            raise field_error("note", "note_required", "未答复即办结，请说明原因")
        apply(
            CONSULTATION_FLOW,
            consultation,
            "close",
            actor=actor,
            reason=note,
            extra_updates={"closed_by": actor, "closed_at": clock.now(), "close_note": note},
        )
    return consultation


def consultation_phone(*, actor, consultation_id: int) -> str:
    """The full phone number, to call the person back; the view is audited."""
    require(actor, Right.CONSULTATION_HANDLE)
    consultation = get_scoped(Consultation.objects.all(), actor, pk=consultation_id)
    audit.record_full_view(
        obj=consultation, fields=["phone"], labels={"phone": "联系电话"}, user=actor
    )
    return crypto.decrypt(consultation.phone_enc)
