"""Complaints: taking them (hotline, counter, family pages, public site) and handling them."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from changhu.core import audit, clock, crypto
from changhu.core.errors import Conflict, PermissionDenied, field_error
from changhu.core.identity import normalize_phone
from changhu.core.masking import mask_phone
from changhu.core.scope import get_scoped, require, scope_of, scoped
from changhu.core.transitions import apply
from changhu.feedback.models import (
    Channel,
    Complaint,
    ReplyChannel,
)
from changhu.feedback.services._common import (
    _C,
    COMPLAINT_FLOW,
    MAX_CONTENT,
    SERVED_DAYS,
    SOURCE_PURPOSE,
    _category,
    _next_number,
    _satisfaction,
    _text,
    deadlines,
    served_by,
)
from changhu.insured.models import Person
from changhu.orgs.roles import Right
from changhu.providers.models import Caregiver, Institution
from changhu.visits import services as visit_services
from changhu.visits.models import Finding, Visit

# --- complaints: taking them ----------------------------------------------------------------


@dataclass
class ComplaintInput:
    category: str
    content: str
    channel: str = Channel.HOTLINE
    anonymous: bool = False
    complainant_name: str = ""
    complainant_phone: str = ""
    person_id: int | None = None
    institution_id: int | None = None
    caregiver_id: int | None = None
    visit_ids: list[int] = field(default_factory=list)


def _create(
    data: ComplaintInput, *, actor, person, institution, caregiver, visits, source_key: str = ""
) -> Complaint:
    category = _category(data.category)
    content = _text(data.content, "content", required="请填写投诉内容", limit=MAX_CONTENT)
    anonymous = bool(data.anonymous)
    name = "" if anonymous else _text(data.complainant_name, "complainant_name", limit=50)
    phone = normalize_phone(data.complainant_phone, field="complainant_phone")
    if not anonymous and not phone and data.channel in (Channel.PUBLIC, Channel.COUNTER):
        raise field_error("complainant_phone", "phone_required", "请留下联系电话，以便答复您")
    if institution is None and caregiver is not None:
        institution = caregiver.institution
    if institution is None and visits:
        institution = visits[0].institution
    if person is None and institution is None:
        raise field_error(
            "institution_id", "subject_required", "请选择投诉涉及的护理机构或服务对象"
        )
    region = (institution.region_code if institution else "") or person.region_code
    now = clock.now()
    ack_due, reply_due = deadlines(timezone.localdate(now))
    for attempt in range(5):
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    number=_next_number(timezone.localdate(now)),
                    channel=data.channel,
                    category=category,
                    content=content,
                    anonymous=anonymous,
                    complainant_name=name,
                    complainant_phone_enc=crypto.encrypt(phone) if phone else "",
                    complainant_phone_masked=mask_phone(phone) if phone else "",
                    submitted_by=actor,
                    source_key=source_key,
                    person=person,
                    institution=institution,
                    caregiver=caregiver,
                    region_code=region,
                    received_at=now,
                    ack_due=ack_due,
                    reply_due=reply_due,
                )
                break
        except IntegrityError:
            if attempt == 4:
                raise
    if visits:
        complaint.visits.set(visits)
    audit.record(
        action="create",
        obj=complaint,
        user=actor,
        note=f"{complaint.get_channel_display()}投诉：{complaint.get_category_display()}",
    )
    return complaint


def complaint_create(*, actor, data: ComplaintInput) -> Complaint:
    """Staff take a complaint by the hotline or at the counter; what it is about is chosen from
    the rows in their scope (person, institution, caregiver, visits)."""
    require(actor, Right.FEEDBACK_HANDLE)
    if data.channel not in (Channel.HOTLINE, Channel.COUNTER):
        raise field_error("channel", "channel_invalid", "请选择投诉渠道（服务热线或窗口）")
    person = get_scoped(Person.objects.all(), actor, pk=data.person_id) if data.person_id else None
    institution = (
        get_scoped(Institution.objects.all(), actor, pk=data.institution_id)
        if data.institution_id
        else None
    )
    caregiver = (
        get_scoped(Caregiver.objects.select_related("institution"), actor, pk=data.caregiver_id)
        if data.caregiver_id
        else None
    )
    visits = _visits_of(actor, person, data.visit_ids)
    with transaction.atomic():
        return _create(
            data,
            actor=actor,
            person=person,
            institution=institution,
            caregiver=caregiver,
            visits=visits,
        )


def _visits_of(actor, person, visit_ids) -> list[Visit]:
    ids = sorted({int(v) for v in visit_ids or []})
    if not ids:
        return []
    if person is None:
        raise field_error("visit_ids", "person_required", "请先选择服务对象，再选择服务记录")
    rows = list(Visit.objects.filter(pk__in=ids, person=person).select_related("institution"))
    if len(rows) != len(ids):
        raise field_error("visit_ids", "visit_not_found", "所选服务记录不属于该服务对象")
    return rows


def family_persons(actor):
    """The persons a signed-in applicant acts for."""
    require(actor, Right.INSURED_SELF)
    return scoped(Person.objects.all(), actor).order_by("name", "pk")


def family_complaint_create(
    *,
    actor,
    person_id: int,
    category: str,
    content: str,
    phone: str = "",
    institution_id: int | None = None,
    visit_ids: list[int] | None = None,
) -> Complaint:
    """A family member complains, from their own pages, about the care of a person they act
    for; the institution is one that served that person in the last 90 days."""
    require(actor, Right.INSURED_SELF)
    person = get_scoped(Person.objects.all(), actor, pk=person_id)
    served = served_by(person.pk, since=clock.today() - dt.timedelta(days=SERVED_DAYS))
    allowed = {row["institution_id"] for row in served}
    institution = None
    if institution_id:
        if int(institution_id) not in allowed:
            raise field_error("institution_id", "institution_not_serving", "请从列表中选择护理机构")
        institution = Institution.objects.get(pk=institution_id)
    elif len(allowed) == 1:
        institution = Institution.objects.get(pk=next(iter(allowed)))
    visits = _visits_of(actor, person, visit_ids)
    if visits:
        first = clock.today() - dt.timedelta(days=SERVED_DAYS)
        if any(v.service_date < first for v in visits):
            raise field_error("visit_ids", "visit_not_found", "所选服务记录不属于该服务对象")
    data = ComplaintInput(
        category=category,
        content=content,
        channel=Channel.FAMILY,
        complainant_name=(getattr(actor, "real_name", "") or "家属")[:50],  # never the login
        complainant_phone=phone,
    )
    caregiver = None
    if visits and len({v.caregiver_id for v in visits}) == 1:
        caregiver = visits[0].caregiver
    with transaction.atomic():
        return _create(
            data,
            actor=actor,
            person=person,
            institution=institution,
            caregiver=caregiver,
            visits=visits,
        )


def public_source_key(ip: str) -> str:
    """A keyed hash of the sender's address: counts their complaints without storing it."""
    return crypto.blind_index(ip or "unknown", purpose=SOURCE_PURPOSE)


def public_complaint_create(*, data: ComplaintInput, source_key: str) -> Complaint:
    """A complaint from the public site, without signing in: about an active institution,
    at most ``PUBLIC_COMPLAINTS_PER_HOUR`` from one address an hour."""
    since = clock.now() - dt.timedelta(hours=1)
    recent = Complaint.objects.filter(source_key=source_key, received_at__gte=since).count()
    if recent >= settings.PUBLIC_COMPLAINTS_PER_HOUR:
        raise Conflict("提交过于频繁，请稍后再试，或拨打服务热线", code="complaint_rate_limited")
    if not data.institution_id:
        raise field_error("institution_id", "institution_required", "请选择护理机构")
    institution = Institution.objects.filter(pk=data.institution_id, status="active").first()
    if institution is None:
        raise field_error("institution_id", "institution_required", "请选择护理机构")
    data.channel = Channel.PUBLIC
    with transaction.atomic():
        return _create(
            data,
            actor=None,
            person=None,
            institution=institution,
            caregiver=None,
            visits=[],
            source_key=source_key,
        )


# --- complaints: handling them --------------------------------------------------------------


def _locked(actor, complaint_id: int) -> Complaint:
    return get_scoped(Complaint.objects.select_for_update(), actor, pk=complaint_id)


def complaint_acknowledge(*, actor, complaint_id: int, note: str = "") -> Complaint:
    """受理: the actor takes the complaint as its handler."""
    require(actor, Right.FEEDBACK_HANDLE)
    note = _text(note, "note", limit=300)
    with transaction.atomic():
        complaint = _locked(actor, complaint_id)
        apply(
            COMPLAINT_FLOW,
            complaint,
            "acknowledge",
            actor=actor,
            reason=note or "受理",
            extra_updates={"handler": actor, "acknowledged_at": clock.now()},
        )
    return complaint


def complaint_escalate(*, actor, complaint_id: int, reason: str) -> Complaint:
    """升级: to a supervisor's attention (serious, repeated, or past its deadline)."""
    require(actor, Right.FEEDBACK_HANDLE)
    reason = _text(reason, "reason", required="请填写升级原因", limit=300)
    with transaction.atomic():
        complaint = _locked(actor, complaint_id)
        updates = {"escalated_at": clock.now(), "escalation_reason": reason}
        if complaint.acknowledged_at is None:
            updates.update(acknowledged_at=clock.now(), handler=actor)
        apply(
            COMPLAINT_FLOW, complaint, "escalate", actor=actor, reason=reason, extra_updates=updates
        )
    return complaint


def complaint_reply(
    *, actor, complaint_id: int, reply: str, channel: str, substantiated: bool
) -> Complaint:
    """答复: what was found and done, sent to the complainant (shown on the family pages, or
    recorded as told by phone, text or letter)."""
    require(actor, Right.FEEDBACK_HANDLE)
    reply = _text(reply, "reply", required="请填写答复内容", limit=MAX_CONTENT)
    if channel not in ReplyChannel.values:
        raise field_error("reply_channel", "reply_channel_invalid", "请选择答复方式")
    with transaction.atomic():
        complaint = _locked(actor, complaint_id)
        if (
            channel in (ReplyChannel.PHONE, ReplyChannel.SMS)
            and not complaint.complainant_phone_enc
        ):
            raise field_error(
                "reply_channel", "complainant_unreachable", "投诉人未留联系电话，请选择书面告知"
            )
        if channel == ReplyChannel.PAGE and complaint.channel != Channel.FAMILY:
            raise field_error(
                "reply_channel",
                "reply_channel_invalid",
                "该投诉不是家属端提交的，请选择其他答复方式",
            )
        apply(
            COMPLAINT_FLOW,
            complaint,
            "reply",
            actor=actor,
            reason=reply[:300],
            extra_updates={
                "reply": reply,
                "reply_channel": channel,
                "replied_at": clock.now(),
                "replied_by": actor,
                "substantiated": bool(substantiated),
                "handler": complaint.handler or actor,
            },
        )
    return complaint


def complaint_substantiate(
    *, actor, complaint_id: int, visit_ids: list[int], note: str
) -> list[Finding]:
    """查实: the complaint is borne out on these visits of its person; each becomes an open
    finding (稽核发现) for a supervisor to confirm, which stops the visit's payment."""
    require(actor, Right.FEEDBACK_HANDLE)
    with transaction.atomic():
        complaint = _locked(actor, complaint_id)
        if complaint.status == _C.CLOSED:
            raise Conflict("投诉已办结，不能再转稽核", code="complaint_closed")
        if complaint.person_id is None:
            raise field_error(
                "visit_ids", "person_required", "投诉未关联服务对象，无法选择服务记录"
            )
        visits = _visits_of(actor, complaint.person, visit_ids)
        findings = visit_services.finding_raise(
            actor=actor,
            visit_ids=[v.pk for v in visits],
            rule_code="complaint_substantiated",
            note=note,
            source=f"投诉{complaint.number}",
        )
        complaint.visits.add(*visits)
        Complaint.objects.filter(pk=complaint.pk).update(substantiated=True)
        complaint.substantiated = True
        audit.record(
            action="update",
            obj=complaint,
            user=actor,
            note=f"查实，{len(findings)}条服务记录转稽核",
        )
    return findings


def complaint_close(*, actor, complaint_id: int, satisfaction, note: str = "") -> Complaint:
    """办结 with the complainant's satisfaction (1–5): said on the family page by the
    complainant, or recorded by staff from the call back."""
    s = scope_of(actor)
    score = _satisfaction(satisfaction)
    note = _text(note, "satisfaction_note", limit=300)
    with transaction.atomic():
        complaint = _locked(actor, complaint_id)
        if s.can(Right.FEEDBACK_HANDLE):
            pass
        elif s.can(Right.INSURED_SELF) and complaint.submitted_by_id == actor.pk:
            pass
        else:
            raise PermissionDenied()
        apply(
            COMPLAINT_FLOW,
            complaint,
            "close",
            actor=actor,
            check_right=False,
            reason=f"满意度{score}分" + (f"：{note}" if note else ""),
            extra_updates={
                "satisfaction": score,
                "satisfaction_note": note,
                "closed_at": clock.now(),
            },
        )
    return complaint


def complainant_phone(*, actor, complaint_id: int) -> str:
    """The complainant's phone in clear, for the call back (audited)."""
    require(actor, Right.FEEDBACK_HANDLE)
    complaint = get_scoped(Complaint.objects.all(), actor, pk=complaint_id)
    if not complaint.complainant_phone_enc:
        return ""
    audit.record_full_view(
        obj=complaint,
        fields=["complainant_phone"],
        labels={"complainant_phone": "联系电话"},
        user=actor,
    )
    return crypto.decrypt(complaint.complainant_phone_enc)
