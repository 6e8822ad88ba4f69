"""Every write of the assessment workflow: one function per step, in a transaction.

Each step checks the actor's right and scope, validates, moves the case through the workflow
table (``assessment.workflow``) with compare-and-set, and records what happened: the transition
log or a case event, the audit trail for personal data, and a notice to the applicant.
Numbers that a city may set (deadlines, team sizes, validity, fees) come from the rules
version the case was opened under.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from changhu.assessment import files, scoring, selectors
from changhu.assessment import rules as rules_engine
from changhu.assessment.models import (
    APPLICATION_DOCUMENT_KINDS,
    ONSITE_DOCUMENT_KINDS,
    OPEN_STATUSES,
    Application,
    Assessment,
    AssessorAssignment,
    CaseEvent,
    Channel,
    Conclusion,
    Confirmation,
    Document,
    DocumentKind,
    FeePayer,
    Kind,
    Notice,
    Objection,
    Place,
    RefusalReason,
    Relationship,
    Status,
)
from changhu.assessment.presets import rules_for, scale_for
from changhu.assessment.workflow import WORKFLOW
from changhu.core import audit, clock, crypto, masking, transitions, uploads, workdays
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.core.identity import normalize_id_number, normalize_phone, parse_id_number
from changhu.core.models import TransitionLog
from changhu.core.money import format_yuan
from changhu.core.scope import get_scoped, require, scope_of
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right

AUDIT_LABELS = {
    "applicant_name": "申请人",
    "relationship": "与被评估人关系",
    "phone": "联系电话",
    "address": "照护地址",
    "place": "照护/评估地点",
    "reason": "申请理由",
    "channel": "申请渠道",
    "kind": "类型",
}
AUDIT_MASKERS = {"phone": masking.mask_phone, "address": masking.mask_address}
MAX_DOCUMENTS_PER_REQUEST = 10


def _today() -> dt.date:
    return clock.today()


def _fail(field_name: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field_name: message})


def _problems(problems: dict[str, tuple[str, str]]) -> None:
    """Raise one error carrying every field's message; the first problem's code."""
    if problems:
        first_code, first_message = next(iter(problems.values()))
        raise ValidationFailed(
            first_message,
            code=first_code,
            fields={name: message for name, (_code, message) in problems.items()},
        )


def _lock(actor, application_id: int) -> Application:
    """The case in the actor's scope, locked for this transaction (404 outside the scope)."""
    return get_scoped(
        Application.objects.select_for_update().select_related("rules"), actor, pk=application_id
    )


def _event(application: Application, actor, kind: str, text: str) -> CaseEvent:
    return CaseEvent.objects.create(
        application=application,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        text=text[:500],
    )


def _notify(application: Application, kind: str, title: str, body: str) -> Notice:
    return Notice.objects.create(application=application, kind=kind, title=title, body=body[:1000])


def _move(application: Application, name: str, *, actor, reason: str = "", **updates):
    """One workflow step; the right is checked by the table unless ``actor`` is the system."""
    return transitions.apply(
        WORKFLOW,
        application,
        name,
        actor=actor,
        reason=reason,
        check_right=actor is not None,
        extra_updates=updates or None,
    )


def _log_creation(application: Application, actor, reason: str) -> None:
    TransitionLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=application._meta.label_lower,
        object_id=str(application.pk),
        from_state="",
        to_state=application.status,
        reason=reason[:500],
    )


def _new_number(prefix: str) -> str:
    return f"{prefix}{_today():%Y%m%d}{secrets.token_hex(3).upper()}"


def _open_case_conflict(person_id: int) -> None:
    existing = Application.objects.filter(person_id=person_id, status__in=OPEN_STATUSES).first()
    if existing is not None:
        message = (
            f"该参保人已有未办结的评估申请（编号{existing.number}，"
            f"状态：{existing.get_status_display()}），不能重复申请"
        )
        raise Conflict(
            message, code="application_open", fields={"open_application": existing.number}
        )


def _is_institution_actor(actor, application: Application) -> bool:
    s = scope_of(actor)
    return (
        s.organization_kind == OrgKind.ASSESSMENT
        and s.organization_id == application.institution_id
    )


def _require_institution(actor, application: Application, right: str) -> None:
    require(actor, right)
    if not _is_institution_actor(actor, application):
        raise PermissionDenied("该案件未派给您所在的评估机构", code="not_your_institution")


# --- intake ----------------------------------------------------------------------------------


@dataclass
class ApplicationInput:
    """An application as typed. Staff name the person by ``person_id`` (or by ID number);
    applicants by the person's full name and ID number, matched through the blind index."""

    person_id: int | None = None
    person_name: str = ""
    person_id_number: str = ""
    applicant_name: str = ""
    relationship: str = ""
    phone: str = ""
    address: str = ""
    place: str = Place.HOME
    reason: str = ""
    channel: str = ""
    referrer: str = ""


@dataclass
class Upload:
    kind: str
    file: Any  # an UploadedFile or any binary file-like object with a name


@dataclass
class _CheckedFile:
    kind: str
    name: str
    checked: uploads.CheckedUpload
    data: bytes


def _check_files(items: Sequence[Upload], allowed_kinds: Iterable[str]) -> list[_CheckedFile]:
    """Check every upload before anything is written: one bad file refuses the request."""
    allowed_kinds = tuple(allowed_kinds)
    if len(items) > MAX_DOCUMENTS_PER_REQUEST:
        raise _fail(
            "documents", "too_many_documents", f"一次最多上传{MAX_DOCUMENTS_PER_REQUEST}个文件"
        )
    checked = []
    for index, item in enumerate(items):
        where = "file" if len(items) == 1 else f"documents.{index}"
        if item.kind not in allowed_kinds:
            labels = "、".join(DocumentKind(k).label for k in allowed_kinds)
            raise _fail(where, "document_kind", f"材料类型无效，可选：{labels}")
        result = uploads.check_upload(item.file, field=where)
        item.file.seek(0)
        data = item.file.read()
        name = (getattr(item.file, "name", "") or f"upload.{result.extension}").split("/")[-1]
        checked.append(_CheckedFile(item.kind, name[:200], result, data))
    return checked


def _save_files(
    application: Application,
    checked: list[_CheckedFile],
    *,
    actor,
    assessment: Assessment | None = None,
    stored: list[str],
) -> list[Document]:
    documents = []
    for item in checked:
        name = files.store(application.pk, item.checked.extension, item.data)
        stored.append(name)
        documents.append(
            Document.objects.create(
                application=application,
                assessment=assessment,
                kind=item.kind,
                file=name,
                original_name=item.name,
                content_type=item.checked.content_type,
                size=item.checked.size,
                sha256=item.checked.sha256,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
            )
        )
    return documents


class _FilesOnRollback:
    """Deletes files saved in a block that fails, so a refused request leaves nothing stored."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __enter__(self) -> list[str]:
        return self.names

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            for name in self.names:
                files.delete(name)
        return False


def _person_for_applicant(actor, data: ApplicationInput):
    """The person an applicant applies for: already linked, or matched by name and ID number.

    The same message for "no such number" and "the name does not match", so the form cannot be
    used to find out who is insured.
    """
    from changhu.insured.models import ApplicantLink, Person
    from changhu.insured.selectors import ID_PURPOSE

    if data.person_id:
        if ApplicantLink.objects.filter(user=actor, person_id=data.person_id).exists():
            return Person.objects.select_related("region").get(pk=data.person_id)
        raise NotFound()
    problems = {}
    if not data.person_name.strip():
        problems["person_name"] = ("person_name_required", "请填写被评估人姓名")
    number = normalize_id_number(data.person_id_number)
    try:
        parse_id_number(number, field="person_id_number")
    except ValidationFailed as exc:
        problems["person_id_number"] = (exc.code, exc.message)
    _problems(problems)
    person = (
        Person.objects.select_related("region")
        .filter(id_number_index=crypto.blind_index(number, purpose=ID_PURPOSE))
        .first()
    )
    if person is None or person.name != data.person_name.strip():
        raise _fail(
            "person_id_number",
            "person_not_matched",
            "未找到姓名与身份证号码相符的参保人，请核对后重试或到经办窗口办理",
        )
    return person


def _person_for_staff(actor, data: ApplicationInput):
    from changhu.insured import selectors as insured_selectors

    if data.person_id:
        return insured_selectors.person_get(fetched_by=actor, person_id=data.person_id)
    if data.person_id_number:
        person = insured_selectors.person_find_by_id_number(
            fetched_by=actor, id_number=data.person_id_number
        )
        if data.person_name and person.name != data.person_name.strip():
            raise _fail("person_name", "person_not_matched", "姓名与身份证号码不符")
        return person
    raise _fail("person_id", "person_required", "请选择被评估的参保人")


def _clean_application(data: ApplicationInput, *, online: bool) -> dict[str, Any]:
    problems: dict[str, tuple[str, str]] = {}
    name = (data.applicant_name or "").strip()
    if not name or len(name) > 40:
        problems["applicant_name"] = ("applicant_name_required", "请填写申请人姓名（40字以内）")
    if data.relationship not in Relationship.values:
        problems["relationship"] = ("relationship_invalid", "请选择申请人与被评估人的关系")
    phone = ""
    try:
        phone = normalize_phone(data.phone)
        if not phone:
            problems["phone"] = ("phone_required", "请填写联系电话")
    except ValidationFailed as exc:
        problems["phone"] = (exc.code, exc.message)
    address = (data.address or "").strip()
    if not address or len(address) > 200:
        problems["address"] = ("address_required", "请填写照护地址（200字以内）")
    if data.place not in Place.values:
        problems["place"] = ("place_invalid", "照护/评估地点应为居家或机构内")
    reason = (data.reason or "").strip()
    if len(reason) > 500:
        problems["reason"] = ("reason_too_long", "申请理由不能超过500字")
    channel = Channel.ONLINE if online else (data.channel or Channel.COUNTER)
    if not online and channel not in (Channel.COUNTER, Channel.MOBILE_POINT, Channel.FAMILY_DOCTOR):
        problems["channel"] = ("channel_invalid", "申请渠道应为窗口、流动受理点或家庭医生协助")
    referrer = (data.referrer or "").strip()[:100]
    if channel == Channel.FAMILY_DOCTOR and not referrer:
        problems["referrer"] = ("referrer_required", "家庭医生协助申请时请填写医生姓名及所在机构")
    _problems(problems)
    return {
        "applicant_name": name,
        "relationship": data.relationship,
        "phone": phone,
        "address": address,
        "place": data.place,
        "reason": reason,
        "channel": channel,
        "referrer": referrer,
    }


def _contact_fields(phone: str, address: str) -> dict[str, str]:
    return {
        "phone_enc": crypto.encrypt(phone),
        "phone_masked": masking.mask_phone(phone),
        "address_enc": crypto.encrypt(address),
        "address_masked": masking.mask_address(address),
    }


def _special_groups(person) -> list[str]:
    return sorted(
        person.special_groups.filter(end_date__isnull=True).values_list("group", flat=True)
    )


def application_submit(
    *, actor, data: ApplicationInput, documents: Sequence[Upload] = ()
) -> Application:
    """Record a benefit application (待遇申请): online by an applicant, or by a case worker at a
    counter, a mobile acceptance point or for a family doctor. All documents are checked
    before anything is stored; one open case per person."""
    s = scope_of(actor)
    online = not s.can(Right.ASSESSMENT_INTAKE)
    if online and not s.can(Right.ASSESSMENT_APPLY):
        raise PermissionDenied()
    if online and not data.applicant_name:
        data.applicant_name = getattr(actor, "real_name", "") or ""
    person = _person_for_applicant(actor, data) if online else _person_for_staff(actor, data)
    if person.status == "deceased":
        raise Conflict("该参保人已登记身故，不能申请评估", code="person_deceased")
    _open_case_conflict(person.pk)
    clean = _clean_application(data, online=online)
    checked = _check_files(documents, APPLICATION_DOCUMENT_KINDS)
    groups = _special_groups(person)
    rules = rules_for(person.region_code)
    with _FilesOnRollback() as stored:
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    number=_new_number("PG"),
                    kind=Kind.INITIAL,
                    channel=clean["channel"],
                    person=person,
                    region_code=person.region_code,
                    rules=rules,
                    applicant_user=actor if online else None,
                    applicant_name=clean["applicant_name"],
                    relationship=clean["relationship"],
                    place=clean["place"],
                    reason=clean["reason"],
                    referrer=clean["referrer"],
                    priority=bool(groups),
                    special_groups=groups,
                    submitted_by=actor,
                    **_contact_fields(clean["phone"], clean["address"]),
                )
                _log_creation(application, actor, f"{Channel(clean['channel']).label}提交申请")
                _save_files(application, checked, actor=actor, stored=stored)
                after = {k: clean[k] for k in AUDIT_LABELS if k in clean}
                after["kind"] = Kind.INITIAL.label
                audit.record(
                    action="create",
                    obj=application,
                    user=actor,
                    changes=audit.diff({}, after, labels=AUDIT_LABELS, maskers=AUDIT_MASKERS),
                    note=f"被评估人{person.name}（{person.id_number_masked}）",
                )
                _notify(
                    application,
                    "submitted",
                    "评估申请已提交",
                    f"您为{person.name}提交的失能评估申请（编号{application.number}）已提交，"
                    "经办机构将进行受理审核。",
                )
        except IntegrityError:
            _open_case_conflict(person.pk)
            raise
    return application


def document_add(*, actor, application_id: int, upload: Upload) -> Document:
    """Add a document: applicants and case workers add materials while the case is with the
    insurer; the assessment team adds on-site photos and records during the assessment."""
    s = scope_of(actor)
    with transaction.atomic():
        application = _lock(actor, application_id)
        assessment = None
        if s.can(Right.ASSESSMENT_CONDUCT) and _is_institution_actor(actor, application):
            if application.status != Status.ASSIGNED:
                raise Conflict("仅在现场评估阶段可上传现场材料", code="illegal_transition")
            kinds = ONSITE_DOCUMENT_KINDS
            assessment = application.current_assessment
        elif s.can(Right.ASSESSMENT_INTAKE):
            if not application.is_open:
                raise Conflict("该申请已办结，不能再上传材料", code="application_closed")
            kinds = APPLICATION_DOCUMENT_KINDS
        elif s.can(Right.ASSESSMENT_APPLY):
            if application.status not in (Status.SUBMITTED, Status.MATERIALS_REQUESTED):
                raise Conflict("申请已受理，如需补充材料请联系经办机构", code="documents_closed")
            kinds = APPLICATION_DOCUMENT_KINDS
        else:
            raise PermissionDenied()
        checked = _check_files([upload], kinds)
        with _FilesOnRollback() as stored:
            (document,) = _save_files(
                application, checked, actor=actor, assessment=assessment, stored=stored
            )
            _event(
                application,
                actor,
                "document",
                f"上传{document.get_kind_display()}：{document.original_name}",
            )
    return document


def document_read(*, actor, document_id: int) -> tuple[Document, bytes]:
    """A document's content for download; every download of personal material is audited."""
    document = selectors.document_get(fetched_by=actor, document_id=document_id)
    data = files.read(document.file.name, sha256=document.sha256)
    with transaction.atomic():
        audit.record(
            action="view_full",
            obj=document.application,
            user=actor,
            changes={"document": f"{document.get_kind_display()}：{document.original_name}"},
            note="下载申请材料",
        )
    return document, data


def contact_reveal(*, actor, application_id: int) -> dict[str, str]:
    """The applicant's phone and the care address in clear, for the people who must call or
    visit; audited. An assessment institution sees them only while the case is theirs."""
    require(actor, Right.ASSESSMENT_CONTACT)
    application = selectors.application_get(fetched_by=actor, application_id=application_id)
    s = scope_of(actor)
    if s.organization_kind == OrgKind.ASSESSMENT and not (
        _is_institution_actor(actor, application)
        and application.status in (Status.DISPATCHED, Status.ASSIGNED)
    ):
        raise PermissionDenied("现场评估结束后不再提供联系方式", code="contact_closed")
    with transaction.atomic():
        audit.record_full_view(
            obj=application, fields=["phone", "address"], labels=AUDIT_LABELS, user=actor
        )
    return {
        "phone": crypto.decrypt(application.phone_enc),
        "address": crypto.decrypt(application.address_enc),
    }


# --- acceptance review -----------------------------------------------------------------------


def _record_applicant_link(application: Application) -> None:
    """An online applicant becomes linked to the person once the application is accepted.

    ``insured`` has no service for this yet; the link row is the only write outside this app.
    """
    from changhu.insured.models import ApplicantLink

    linkable = set(ApplicantLink.Relationship.values)
    if application.applicant_user_id and application.relationship in linkable:
        ApplicantLink.objects.get_or_create(
            user_id=application.applicant_user_id,
            person_id=application.person_id,
            defaults={"relationship": application.relationship},
        )


def application_accept(*, actor, application_id: int, note: str = "") -> Application:
    """Accept an application (受理); with automatic dispatch on, send it on at once."""
    with transaction.atomic():
        application = _lock(actor, application_id)
        _move(
            application,
            "accept",
            actor=actor,
            reason=note or "材料齐全，予以受理",
            overdue_since=None,
        )
        _record_applicant_link(application)
        _notify(
            application,
            "accepted",
            "评估申请已受理",
            f"申请{application.number}已受理，评估机构将与您联系安排上门评估。",
        )
        if application.rules.rules.auto_dispatch:
            _auto_dispatch(application, actor=None)
    return application


def application_refuse(*, actor, application_id: int, reason: str, text: str = "") -> Application:
    """Refuse an application with one of the national reasons (不予受理)."""
    text = (text or "").strip()
    if reason not in RefusalReason.values:
        raise _fail("reason", "refusal_reason_invalid", "请选择不予受理的原因")
    if reason == RefusalReason.OTHER and not text:
        raise _fail("text", "refusal_text_required", "选择“其他”时请写明不予受理的理由")
    label = RefusalReason(reason).label
    with transaction.atomic():
        application = _lock(actor, application_id)
        _move(
            application,
            "refuse",
            actor=actor,
            reason=f"{label}{'：' + text if text else ''}",
            refusal_reason=reason,
            refusal_text=text[:500],
            closed_at=clock.now(),
            overdue_since=None,
        )
        _notify(
            application,
            "refused",
            "评估申请不予受理",
            f"申请{application.number}不予受理，原因：{label}{'（' + text + '）' if text else ''}。"
            "如有疑问请联系经办机构。",
        )
    return application


def application_request_materials(
    *, actor, application_id: int, note: str, due_date: dt.date | None = None
) -> Application:
    """Send an application back for more materials, with a deadline (working days by default)."""
    note = (note or "").strip()
    if not note:
        raise _fail("note", "materials_note_required", "请写明需要补充的材料")
    with transaction.atomic():
        application = _lock(actor, application_id)
        today = _today()
        rules = application.rules.rules
        due = due_date or workdays.add_working_days(today, rules.materials_working_days)
        if due <= today:
            raise _fail("due_date", "due_date_past", "补充材料期限应晚于今天")
        _move(
            application,
            "request_materials",
            actor=actor,
            reason=note,
            materials_due=due,
            materials_note=note[:500],
            overdue_since=None,
        )
        _notify(
            application,
            "materials_requested",
            "请补充申请材料",
            f"申请{application.number}需补充材料：{note}。请于{due:%Y年%m月%d日}前补充，"
            "逾期未补充的将不予受理。",
        )
    return application


def _require_applicant_or_intake(actor, application: Application) -> None:
    s = scope_of(actor)
    if s.can(Right.ASSESSMENT_INTAKE):
        return
    if s.can(Right.ASSESSMENT_APPLY):
        return  # the case is in the applicant's scope: it was fetched with get_scoped
    raise PermissionDenied()


def application_resubmit(*, actor, application_id: int, note: str = "") -> Application:
    """The materials asked for are supplied: back to acceptance review."""
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_applicant_or_intake(actor, application)
        transitions.apply(
            WORKFLOW,
            application,
            "resubmit",
            actor=actor,
            reason=note or "已补充材料",
            check_right=False,
            extra_updates={"overdue_since": None},
        )
    return application


def application_withdraw(*, actor, application_id: int, reason: str = "") -> Application:
    """The applicant withdraws before the case is dispatched (also recorded by a case worker)."""
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_applicant_or_intake(actor, application)
        transitions.apply(
            WORKFLOW,
            application,
            "withdraw",
            actor=actor,
            reason=reason or "申请人撤回",
            check_right=False,
            extra_updates={"closed_at": clock.now(), "overdue_since": None},
        )
    return application


# --- dispatch ----------------------------------------------------------------------------------


def _scale_version(code: str, on_date: dt.date):
    try:
        return scale_for(code, on_date)
    except NotFound:
        raise Conflict(
            f"量表{code}在{on_date:%Y-%m-%d}没有已加载的有效版本，请先运行 changhu load-presets",
            code="scale_not_loaded",
        ) from None


def _create_dispatch(
    application: Application,
    institution,
    *,
    actor,
    due_date: dt.date | None,
    declared: Sequence[int],
    note: str,
) -> Assessment:
    today = _today()
    rules = application.rules.rules
    due = due_date or workdays.add_working_days(today, rules.assessment_working_days)
    if due <= today:
        raise _fail("due_date", "due_date_past", "评估完成期限应晚于今天")
    last = application.assessments.order_by("-round").values_list("round", flat=True).first()
    assessment = Assessment.objects.create(
        application=application,
        round=(last or 0) + 1,
        institution=institution,
        dispatched_by=actor if getattr(actor, "pk", None) else None,
        due_date=due,
        declared_care_institutions=sorted(set(declared)),
        scale_version=_scale_version(rules.scale, today),
    )
    _move(
        application,
        "dispatch",
        actor=actor,
        reason=f"派至{institution.name}，{due:%Y-%m-%d}前完成评估" + (f"；{note}" if note else ""),
        institution=institution,
        assessment_due=due,
        current_assessment=assessment,
        overdue_since=None,
    )
    _notify(
        application,
        "dispatched",
        "已安排评估机构",
        f"申请{application.number}已派至{institution.name}，评估人员将与您预约上门评估时间。",
    )
    return assessment


def application_dispatch(
    *,
    actor,
    application_id: int,
    institution_id: int | None = None,
    due_date: dt.date | None = None,
    declared_care_institution_ids: Sequence[int] = (),
    note: str = "",
) -> Assessment:
    """Send an accepted case to a designated assessment institution in the person's region.

    Refused: an institution caring for the person (known to the care module or declared here),
    and for a re-assessment the institution of the previous assessment. Without an institution
    the least busy eligible one is chosen.
    """
    require(actor, Right.ASSESSMENT_DISPATCH)
    declared = _ids(declared_care_institution_ids, "declared_care_institution_ids")
    with transaction.atomic():
        application = _lock(actor, application_id)
        if application.status != Status.ACCEPTED:
            # Let the workflow table name the illegal step.
            _move(application, "dispatch", actor=actor)
        options = selectors.dispatch_options(application, declared_care_ids=tuple(declared))
        if institution_id is None:
            chosen = _least_busy(options)
            if chosen is None:
                raise Conflict(
                    "该参保人所在地区没有可派单的评估机构（均须回避或未设置）",
                    code="no_eligible_institution",
                )
        else:
            chosen = next((o for o in options if o.organization.pk == institution_id), None)
            if chosen is None:
                raise _fail(
                    "institution_id",
                    "institution_not_eligible",
                    "所选机构不是负责该地区的定点评估机构",
                )
            if chosen.excluded:
                raise Conflict(
                    f"不能派至{chosen.organization.name}：{'；'.join(chosen.reasons)}",
                    code="institution_excluded",
                    fields={"institution_id": "；".join(chosen.reasons)},
                )
        return _create_dispatch(
            application,
            chosen.organization,
            actor=actor,
            due_date=due_date,
            declared=declared,
            note=note,
        )


def _ids(values: Iterable[Any], field_name: str) -> list[int]:
    try:
        return [int(v) for v in values or ()]
    except (TypeError, ValueError):
        raise _fail(field_name, "ids_invalid", "应为编号列表") from None


def _least_busy(options):
    eligible = [o for o in options if not o.excluded]
    if not eligible:
        return None
    return min(eligible, key=lambda o: (o.open_cases, o.organization.pk))


def _auto_dispatch(application: Application, *, actor, note_failure: bool = True):
    """The automatic rule: the least busy eligible institution, if there is one."""
    chosen = _least_busy(selectors.dispatch_options(application))
    if chosen is None:
        if note_failure:
            _event(application, actor, "dispatch_pending", "没有可自动派单的评估机构，待人工派单")
        return None
    return _create_dispatch(
        application, chosen.organization, actor=actor, due_date=None, declared=(), note="自动派单"
    )


def application_recall(*, actor, application_id: int, reason: str) -> Application:
    """Take a case back from the institution before its result is submitted (e.g. overdue)."""
    reason = (reason or "").strip()
    if not reason:
        raise _fail("reason", "reason_required", "请填写撤回派单的原因")
    with transaction.atomic():
        application = _lock(actor, application_id)
        previous = application.current_assessment
        _move(
            application,
            "recall",
            actor=actor,
            reason=reason,
            institution=None,
            assessment_due=None,
            current_assessment=None,
            overdue_since=None,
        )
        if previous is not None:
            Assessment.objects.filter(pk=previous.pk).update(
                active=False, superseded_reason=Assessment.Superseded.RECALLED
            )
    return application


# --- the institution's team -------------------------------------------------------------------


def _active_team(assessment: Assessment) -> list[AssessorAssignment]:
    return list(assessment.assignments.filter(recused_at__isnull=True).select_related("user"))


def assessors_assign(*, actor, application_id: int, user_ids: Sequence[int]) -> Assessment:
    """Name the on-site team (the whole team: people left out are taken off). At least the
    rules' number of people and of experts; nobody excluded from this case."""
    wanted = list(dict.fromkeys(_ids(user_ids, "user_ids")))
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_institution(actor, application, Right.ASSESSMENT_ASSIGN)
        if application.status not in (Status.DISPATCHED, Status.ASSIGNED):
            _move(application, "assign", actor=actor)  # names the illegal step
        assessment = application.current_assessment
        options = {o.user.pk: o for o in selectors.assessor_options(application)}
        problems = []
        for user_id in wanted:
            option = options.get(user_id)
            if option is None:
                problems.append(f"编号{user_id}不是本机构的评估人员")
            elif option.excluded:
                name = option.user.display_name
                problems.append(f"{name}{'、'.join(option.reasons)}")
        if problems:
            raise Conflict(
                "；".join(problems),
                code="assessor_excluded",
                fields={"user_ids": "；".join(problems)},
            )
        rules = application.rules.rules
        experts = sum(options[u].is_expert for u in wanted)
        shortfall = rules_engine.team_problems(rules, people=len(wanted), experts=experts)
        if shortfall:
            raise _fail("user_ids", "team_insufficient", "；".join(shortfall))
        current = {a.user_id: a for a in _active_team(assessment)}
        for user_id, assignment in current.items():
            if user_id not in wanted:
                assignment.delete()
        for user_id in wanted:
            if user_id not in current:
                AssessorAssignment.objects.create(
                    assessment=assessment,
                    user=options[user_id].user,
                    is_expert=options[user_id].is_expert,
                    assigned_by=actor,
                )
        names = "、".join(options[u].user.display_name for u in wanted)
        if application.status == Status.DISPATCHED:
            _move(application, "assign", actor=actor, reason=f"评估人员：{names}")
        else:
            _event(application, actor, "team", f"调整评估人员：{names}")
    return assessment


def assessor_recuse(*, actor, application_id: int, reason: str) -> Assessment:
    """An assessor related to (or otherwise interested in) the person steps down; the
    institution must name a replacement before the form can be submitted."""
    reason = (reason or "").strip()
    if not reason:
        raise _fail("reason", "reason_required", "请写明回避原因（如亲属关系）")
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_institution(actor, application, Right.ASSESSMENT_CONDUCT)
        if application.status not in (Status.DISPATCHED, Status.ASSIGNED):
            raise Conflict("当前阶段不能申请回避", code="illegal_transition")
        assessment = application.current_assessment
        assignment = assessment.assignments.filter(user=actor, recused_at__isnull=True).first()
        if assignment is None:
            raise Conflict("您不在本案的评估人员中", code="not_on_team")
        assignment.recused_at = clock.now()
        assignment.recusal_reason = reason[:300]
        assignment.present = False
        assignment.save(update_fields=["recused_at", "recusal_reason", "present"])
        _event(application, actor, "recusal", f"{actor.display_name}申请回避：{reason}")
    return assessment


# --- the on-site form ---------------------------------------------------------------------------


@dataclass
class FormInput:
    """The on-site form as a whole (a save replaces what was stored)."""

    answers: dict[str, Any] = field(default_factory=dict)
    started_at: Any = None
    ended_at: Any = None
    latitude: Any = None
    longitude: Any = None
    location_accuracy: Any = None
    guardian_present: bool | None = None
    guardian_name: str = ""
    guardian_relationship: str = ""
    video_reference: str = ""
    remarks: str = ""
    present_ids: list[int] = field(default_factory=list)


def _parse_moment(value: Any, field_name: str, label: str, problems) -> dt.datetime | None:
    if value in (None, ""):
        return None
    moment = value if isinstance(value, dt.datetime) else None
    if moment is None and isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        problems[field_name] = ("datetime_invalid", f"{label}应为日期时间（YYYY-MM-DD HH:MM）")
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _parse_coordinate(value: Any, field_name: str, low: int, high: int, label: str, problems):
    if value in (None, ""):
        return None
    try:
        number = decimal.Decimal(str(value)).quantize(decimal.Decimal("0.000001"))
    except (decimal.InvalidOperation, ValueError):
        problems[field_name] = ("coordinate_invalid", f"{label}应为数字")
        return None
    if not low <= number <= high:
        problems[field_name] = ("coordinate_range", f"{label}应在{low}到{high}之间")
        return None
    return number


def _clean_form(data: FormInput, team: list[AssessorAssignment], problems: dict) -> dict[str, Any]:
    """The visit record parsed; what does not parse goes into ``problems`` (and stays empty)."""
    started = _parse_moment(data.started_at, "started_at", "评估开始时间", problems)
    ended = _parse_moment(data.ended_at, "ended_at", "评估结束时间", problems)
    if started and ended and ended <= started:
        problems["ended_at"] = ("time_order", "评估结束时间应晚于开始时间")
    if ended and ended > clock.now() + dt.timedelta(minutes=10):
        problems["ended_at"] = ("time_in_future", "评估结束时间不能晚于当前时间")
    latitude = _parse_coordinate(data.latitude, "latitude", -90, 90, "纬度", problems)
    longitude = _parse_coordinate(data.longitude, "longitude", -180, 180, "经度", problems)
    accuracy = None
    if data.location_accuracy not in (None, ""):
        try:
            accuracy = max(0, round(float(data.location_accuracy)))
        except (TypeError, ValueError):
            problems["location_accuracy"] = ("accuracy_invalid", "定位精度应为数字（米）")
    relationship = data.guardian_relationship or ""
    if relationship and relationship not in Relationship.values:
        problems["guardian_relationship"] = (
            "relationship_invalid",
            "请选择在场人员与被评估人的关系",
        )
    team_ids = {a.user_id for a in team}
    present = _ids(data.present_ids, "present_ids")
    if any(p not in team_ids for p in present):
        problems["present_ids"] = ("present_not_on_team", "到场人员须为本案指派的评估人员")
    return {
        "started_at": started,
        "ended_at": ended,
        "latitude": latitude,
        "longitude": longitude,
        "location_accuracy": accuracy,
        "guardian_present": data.guardian_present,
        "guardian_name": (data.guardian_name or "").strip()[:40],
        "guardian_relationship": relationship,
        "video_reference": (data.video_reference or "").strip()[:200],
        "remarks": (data.remarks or "").strip()[:1000],
        "present": set(present),
    }


def _on_team(actor, assessment: Assessment) -> list[AssessorAssignment]:
    team = _active_team(assessment)
    if not any(a.user_id == actor.pk for a in team):
        raise PermissionDenied("只有本案指派的评估人员可以填写评估表", code="not_on_team")
    return team


def _store_form(assessment: Assessment, clean: dict, answers: dict, team) -> None:
    for name in (
        "started_at",
        "ended_at",
        "latitude",
        "longitude",
        "location_accuracy",
        "guardian_present",
        "guardian_name",
        "guardian_relationship",
        "video_reference",
        "remarks",
    ):
        setattr(assessment, name, clean[name])
    assessment.answers = answers
    assessment.form_version += 1
    for assignment in team:
        present = assignment.user_id in clean["present"]
        if assignment.present != present:
            assignment.present = present
            assignment.save(update_fields=["present"])


def assessment_form_save(
    *, actor, application_id: int, data: FormInput, expected_version: int | None = None
) -> tuple[Assessment, scoring.PartialResult]:
    """Save the draft form; answers given must be valid options, missing ones are allowed.
    Returns the live score."""
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_institution(actor, application, Right.ASSESSMENT_CONDUCT)
        if application.status != Status.ASSIGNED:
            raise Conflict(
                f"当前状态为“{application.get_status_display()}”，不能填写评估表",
                code="illegal_transition",
            )
        assessment = Assessment.objects.select_for_update().get(
            pk=application.current_assessment_id
        )
        if expected_version is not None and expected_version != assessment.form_version:
            raise Conflict("评估表已被同组人员修改，请刷新后再保存", code="stale_version")
        team = _on_team(actor, assessment)
        partial = scoring.partial_score(assessment.scale_version.scale, data.answers or {})
        problems: dict[str, tuple[str, str]] = {}
        clean = _clean_form(data, team, problems)
        _problems(problems)
        _store_form(assessment, clean, dict(partial.answers), team)
        assessment.save()
    return assessment, partial


def _completeness(assessment: Assessment, clean: dict, team, rules) -> dict:
    problems: dict[str, tuple[str, str]] = {}
    if clean["started_at"] is None:
        problems["started_at"] = ("started_at_required", "请填写评估开始时间")
    if clean["ended_at"] is None:
        problems["ended_at"] = ("ended_at_required", "请填写评估结束时间")
    if clean["latitude"] is None or clean["longitude"] is None:
        problems["latitude"] = ("location_required", "请记录评估现场的定位（经纬度）")
    if not clean["guardian_present"] or not clean["guardian_name"]:
        problems["guardian_name"] = (
            "guardian_required",
            "现场评估须有监护人或代理人在场，请填写其姓名",
        )
    if not clean["video_reference"]:
        problems["video_reference"] = ("video_required", "请填写现场录像的编号或存储位置")
    present = [a for a in team if a.user_id in clean["present"]]
    shortfall = rules_engine.team_problems(
        rules, people=len(present), experts=sum(a.is_expert for a in present)
    )
    if shortfall:
        problems["present_ids"] = ("team_insufficient", "；".join(shortfall))
    if not assessment.documents.filter(kind=DocumentKind.ONSITE_PHOTO).exists():
        problems["photos"] = ("photo_required", "请上传至少一张现场评估照片")
    return problems


def assessment_submit(*, actor, application_id: int, data: FormInput | None = None) -> Assessment:
    """Submit the on-site result: every item answered with a valid option, time, place, the
    guardian and the team recorded. The grade is computed from the answers, never typed."""
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_institution(actor, application, Right.ASSESSMENT_CONDUCT)
        if application.status != Status.ASSIGNED:
            _move(application, "submit", actor=actor)  # names the illegal step
        assessment = Assessment.objects.select_for_update().get(
            pk=application.current_assessment_id
        )
        team = _on_team(actor, assessment)
        if data is None:
            data = FormInput(
                answers=assessment.answers,
                started_at=assessment.started_at,
                ended_at=assessment.ended_at,
                latitude=assessment.latitude,
                longitude=assessment.longitude,
                location_accuracy=assessment.location_accuracy,
                guardian_present=assessment.guardian_present,
                guardian_name=assessment.guardian_name,
                guardian_relationship=assessment.guardian_relationship,
                video_reference=assessment.video_reference,
                remarks=assessment.remarks,
                present_ids=[a.user_id for a in team if a.present],
            )
        scale = assessment.scale_version.scale
        problems: dict[str, tuple[str, str]] = {}
        result = None
        try:
            result = scoring.score(scale, data.answers or {})
        except scoring.AnswerError as exc:
            problems.update({name: (exc.code, msg) for name, msg in exc.fields.items()})
        clean = _clean_form(data, team, problems)
        for name, problem in _completeness(
            assessment, clean, team, application.rules.rules
        ).items():
            problems.setdefault(name, problem)
        _problems(problems)
        _store_form(assessment, clean, {i.name: data.answers[i.name] for i in scale.items}, team)
        assessment.answers = {name: int(points) for name, points in assessment.answers.items()}
        assessment.submission += 1
        assessment.submitted_at = clock.now()
        assessment.submitted_by = actor
        assessment.scores = dict(result.scores)
        assessment.levels = dict(result.levels)
        assessment.level_names = dict(result.level_names)
        assessment.grade = result.grade
        assessment.grade_label = result.grade_label
        assessment.qualifying = selectors.grade_qualifies(application.region_code, result.grade)
        assessment.save()
        _move(
            application,
            "submit",
            actor=actor,
            reason=f"评估结果：{result.grade_label}（{scale.name} {scale.version}版）",
        )
    return assessment


# --- confirmation, review, publicity -----------------------------------------------------------


def assessment_confirm(
    *, actor, application_id: int, decision: str, comment: str = ""
) -> Application:
    """An expert confirms the submitted result, or sends it back to the team with a reason.
    The case moves on once the rules' number of experts have confirmed."""
    comment = (comment or "").strip()
    if decision not in Confirmation.Decision.values:
        raise _fail("decision", "decision_invalid", "意见应为确认或退回重评")
    if decision == Confirmation.Decision.RETURN and not comment:
        raise _fail("comment", "comment_required", "退回重评时请写明理由")
    with transaction.atomic():
        application = _lock(actor, application_id)
        _require_institution(actor, application, Right.ASSESSMENT_CONFIRM)
        if application.status != Status.ASSESSED:
            _move(application, "expert_confirm", actor=actor)  # names the illegal step
        assessment = application.current_assessment
        rules = application.rules.rules
        if (
            not rules.onsite_experts_may_confirm
            and assessment.assignments.filter(user=actor, present=True).exists()
        ):
            raise Conflict("参加现场评估的专家不能确认本次结果", code="expert_was_on_site")
        try:
            with transaction.atomic():
                Confirmation.objects.create(
                    assessment=assessment,
                    submission=assessment.submission,
                    expert=actor,
                    decision=decision,
                    comment=comment[:500],
                )
        except IntegrityError:
            raise Conflict("您已对本次评估结果提出过意见", code="already_confirmed") from None
        if decision == Confirmation.Decision.RETURN:
            _move(application, "expert_return", actor=actor, reason=comment)
            return application
        confirmed = assessment.confirmations.filter(
            submission=assessment.submission, decision=Confirmation.Decision.CONFIRM
        ).count()
        if confirmed >= rules.confirming_experts:
            _move(
                application,
                "expert_confirm",
                actor=actor,
                reason=f"{confirmed}名评估专家确认：{assessment.grade_label}",
            )
        else:
            _event(
                application,
                actor,
                "confirmation",
                f"{actor.display_name}确认评估结果（{confirmed}/{rules.confirming_experts}）"
                + (f"：{comment}" if comment else ""),
            )
    return application


def _publicity_dates(start_from: dt.date, working_days: int) -> tuple[dt.date, dt.date]:
    """Publicity starts on the first working day from ``start_from`` and lasts that many
    working days, both ends included."""
    first = (
        start_from
        if workdays.is_working_day(start_from)
        else workdays.add_working_days(start_from, 1)
    )
    return first, workdays.add_working_days(first, working_days - 1)


def application_review(*, actor, application_id: int, decision: str, note: str = "") -> Application:
    """The case worker's review of a confirmed result: a qualifying grade (per the benefit policy
    in force for the person's region today) goes to publicity, another straight to delivery; or
    the result goes back to the institution."""
    note = (note or "").strip()
    if decision not in ("approve", "return"):
        raise _fail("decision", "decision_invalid", "复核意见应为通过或退回")
    if decision == "return" and not note:
        raise _fail("note", "note_required", "退回评估机构时请写明理由")
    with transaction.atomic():
        application = _lock(actor, application_id)
        if decision == "return":
            _move(application, "review_return", actor=actor, reason=note)
            return application
        assessment = application.current_assessment
        if application.status != Status.CONFIRMED or assessment is None:
            _move(application, "publish", actor=actor)  # names the illegal step
        qualifying = selectors.grade_qualifies(application.region_code, assessment.grade, _today())
        if qualifying is None:
            raise Conflict(
                "被评估人所在地区今天没有生效的长期护理保险待遇政策，无法确定评估等级是否"
                "达到待遇等级；请先加载待遇政策",
                code="policy_not_found",
            )
        if qualifying != assessment.qualifying:
            assessment.qualifying = qualifying
            assessment.save(update_fields=["qualifying"])
        if qualifying:
            rules = application.rules.rules
            first, last = _publicity_dates(_today(), rules.publicity_working_days)
            _move(
                application,
                "publish",
                actor=actor,
                reason=(note + "；" if note else "")
                + f"公示{first:%Y-%m-%d}至{last:%Y-%m-%d}"
                + f"（{rules.publicity_working_days}个工作日）",
                publicity_from=first,
                publicity_until=last,
            )
            _notify(
                application,
                "publicity",
                "评估结果公示",
                f"评估结果（{assessment.grade_label}）自{first:%Y年%m月%d日}起公示至"
                f"{last:%Y年%m月%d日}，公示期满无异议后出具评估结论书。",
            )
        else:
            _move(
                application,
                "approve_without_publicity",
                actor=actor,
                reason=note or f"{assessment.grade_label}，未达到待遇等级，不公示",
            )
    return application


def objection_record(
    *, actor, application_id: int, raised_by: str, content: str, received_on=None
) -> Objection:
    """Record an objection received during publicity (by letter, phone or in person)."""
    require(actor, Right.ASSESSMENT_REVIEW)
    raised_by, content = (raised_by or "").strip(), (content or "").strip()
    problems = {}
    if not raised_by:
        problems["raised_by"] = ("raised_by_required", "请填写异议人")
    if not content:
        problems["content"] = ("content_required", "请填写异议内容")
    day = received_on or _today()
    if isinstance(day, str):
        day = parse_date(day)
    if day is None:
        problems["received_on"] = ("date_invalid", "收到日期应为YYYY-MM-DD")
    _problems(problems)
    with transaction.atomic():
        application = _lock(actor, application_id)
        if application.status != Status.PUBLICITY:
            raise Conflict("该案件不在公示期，不能登记异议", code="not_in_publicity")
        if not application.publicity_from <= day <= min(application.publicity_until, _today()):
            raise _fail(
                "received_on",
                "outside_publicity",
                f"异议须在公示期内（{application.publicity_from:%Y-%m-%d}至"
                f"{application.publicity_until:%Y-%m-%d}）提出",
            )
        objection = Objection.objects.create(
            application=application,
            assessment=application.current_assessment,
            raised_by=raised_by[:40],
            content=content[:1000],
            received_on=day,
            recorded_by=actor,
        )
        _event(application, actor, "objection", f"登记公示异议（{raised_by}）：{content}")
    return objection


def objection_handle(*, actor, objection_id: int, decision: str, note: str) -> Objection:
    """Decide an objection. Upheld: the case goes back to dispatch for a new assessment (the
    rules say whom it must avoid). Dismissed: the result stands; once no objection is open and
    the period is over, the case moves on to delivery."""
    require(actor, Right.ASSESSMENT_REVIEW)
    note = (note or "").strip()
    if decision not in (Objection.Status.DISMISSED, Objection.Status.UPHELD):
        raise _fail("decision", "decision_invalid", "处理结果应为异议成立或不成立")
    if not note:
        raise _fail("note", "note_required", "请填写处理意见")
    found = selectors.objection_get(fetched_by=actor, objection_id=objection_id)
    with transaction.atomic():
        application = _lock(actor, found.application_id)
        objection = Objection.objects.select_for_update().get(pk=found.pk)
        if objection.status != Objection.Status.OPEN or application.status != Status.PUBLICITY:
            raise Conflict("该异议已处理", code="objection_handled")
        now = clock.now()
        if decision == Objection.Status.UPHELD:
            Objection.objects.filter(application=application, status=Objection.Status.OPEN).update(
                status=Objection.Status.UPHELD, handled_by=actor, handled_at=now, handling_note=note
            )
            previous = application.current_assessment
            _move(
                application,
                "objection_upheld",
                actor=actor,
                reason=note,
                institution=None,
                assessment_due=None,
                current_assessment=None,
                publicity_from=None,
                publicity_until=None,
            )
            Assessment.objects.filter(pk=previous.pk).update(
                active=False, superseded_reason=Assessment.Superseded.OBJECTION
            )
            _notify(
                application,
                "objection_upheld",
                "公示异议成立，将重新评估",
                f"申请{application.number}的评估结果在公示期间收到异议，经核实异议成立，"
                "将另行安排评估。",
            )
        else:
            objection.status = decision
            objection.handled_by, objection.handled_at, objection.handling_note = actor, now, note
            objection.save(update_fields=["status", "handled_by", "handled_at", "handling_note"])
            _event(application, actor, "objection_handled", f"异议不成立：{note}")
            _close_publicity_if_due(application, today=_today(), actor=actor)
        objection.refresh_from_db()
    return objection


def _close_publicity_if_due(application: Application, *, today: dt.date, actor) -> bool:
    if application.status != Status.PUBLICITY or application.publicity_until >= today:
        return False
    if application.objections.filter(status=Objection.Status.OPEN).exists():
        return False
    transitions.apply(
        WORKFLOW,
        application,
        "close_publicity",
        actor=actor,
        reason=f"公示期满（{application.publicity_until:%Y-%m-%d}），无未处理的异议",
        check_right=False,
    )
    return True


# --- conclusion ------------------------------------------------------------------------------


def _letter_pdf(conclusion: Conclusion, application: Application, assessment: Assessment) -> bytes:
    from changhu.core.pdf import render_pdf

    scale = assessment.scale_version.scale
    rules = application.rules.rules
    rows = [
        {
            "name": indicator.name,
            "score": assessment.scores.get(indicator.code),
            "max": indicator.max_points,
            "level": assessment.level_names.get(indicator.code, ""),
        }
        for indicator in scale.indicators
    ]
    return render_pdf(
        "assessment/conclusion_letter.html",
        {
            "title": "长期护理保险失能等级评估结论书",
            "conclusion": conclusion,
            "application": application,
            "assessment": assessment,
            "person": application.person,
            "id_number": application.person.id_number,
            "scale": scale,
            "rows": rows,
            "rules": rules,
            "issuer": getattr(conclusion.issued_by, "organization", None),
            "fee_yuan": format_yuan(conclusion.fee_fen),
            "home_fee_yuan": format_yuan(rules.fee_fen["home"]),
            "institution_fee_yuan": format_yuan(rules.fee_fen["institution"]),
        },
    )


def conclusion_issue(*, actor, application_id: int) -> Conclusion:
    """Issue the conclusion (评估结论书): validity by grade, the appeal deadline, the fee of a
    re-assessment, the letter as a PDF, and a notice to the applicant. A re-assessment's
    conclusion supersedes the one it re-assessed."""
    with transaction.atomic():
        application = _lock(actor, application_id)
        if application.status != Status.READY_TO_ISSUE:
            _move(application, "issue", actor=actor)  # names the illegal step
        require(actor, Right.ASSESSMENT_CONCLUDE)
        assessment = application.current_assessment
        rules = application.rules.rules
        today = _today()
        previous = application.previous_conclusion
        fee = rules_engine.Fee(payer=FeePayer.FUND, fen=0)
        if application.kind == Kind.APPEAL and previous is not None:
            fee = rules_engine.reassessment_fee(
                rules,
                previous_grade=previous.grade,
                new_grade=assessment.grade,
                place=application.place,
            )
        conclusion = Conclusion(
            number=f"JL{today:%Y}{application.pk:08d}",
            application=application,
            person=application.person,
            region_code=application.region_code,
            assessment=assessment,
            grade=assessment.grade,
            grade_label=assessment.grade_label,
            qualifying=bool(assessment.qualifying),
            scale_version=assessment.scale_version,
            rules=application.rules,
            valid_from=today,
            valid_until=rules_engine.validity_end(rules, assessment.grade, today),
            appeal_until=rules_engine.appeal_deadline(rules, today),
            issued_by=actor,
            previous=previous,
            grade_changed=None if previous is None else previous.grade != assessment.grade,
            fee_payer=fee.payer,
            fee_fen=fee.fen,
        )
        conclusion.issued_at = clock.now()
        pdf = _letter_pdf(conclusion, application, assessment)
        with _FilesOnRollback() as stored:
            name = files.store(application.pk, "pdf", pdf)
            stored.append(name)
            conclusion.letter = name
            conclusion.letter_sha256 = hashlib.sha256(pdf).hexdigest()
            conclusion.save()
            if previous is not None and previous.superseded_on is None:
                Conclusion.objects.filter(pk=previous.pk).update(superseded_on=today)
            _move(
                application,
                "issue",
                actor=actor,
                reason=f"结论书{conclusion.number}：{conclusion.grade_label}，"
                f"有效期至{conclusion.valid_until:%Y-%m-%d}",
                closed_at=clock.now(),
            )
            _apply_to_entitlement(application, conclusion, actor)
            body = (
                f"{application.person.name}的失能等级评估结论为：{conclusion.grade_label}，"
                f"有效期{conclusion.valid_from:%Y年%m月%d日}至{conclusion.valid_until:%Y年%m月%d日}。"
            )
            if application.kind != Kind.APPEAL:
                body += f"如对结论有异议，可于{conclusion.appeal_until:%Y年%m月%d日}前申请复评。"
            if fee.fen:
                body += f"本次复评结论与原结论一致，复评费用{format_yuan(fee.fen)}元由申请人承担。"
            _notify(application, "concluded", "评估结论书已出具", body)
    return conclusion


def _apply_to_entitlement(application: Application, conclusion: Conclusion, actor) -> None:
    """A later conclusion applies to the person's running entitlement on its own; the care
    module decides how (a new qualifying grade replaces it, another ends it; a first conclusion
    waits for the guardian's choices at 办理待遇). Assessment never writes care's tables."""
    # Care reads assessment (conclusions): import on use to keep the apps' imports one-way.
    from changhu.care import services as care_services

    outcome = care_services.entitlement_apply_reassessment(
        actor=actor, conclusion_id=conclusion.pk, system=True
    )
    if outcome.action == "replaced":
        text = f"待遇资格按本结论自{outcome.entitlement.valid_from:%Y-%m-%d}起继续，沿用原照护安排"
        if outcome.plans_flagged:
            text += "；护理计划的服务包不再适用，已提醒护理机构按新等级修订"
        _event(application, actor, "entitlement", text)
    elif outcome.action == "ended":
        _event(
            application,
            actor,
            "entitlement",
            f"未达到待遇等级，待遇于{outcome.entitlement.last_day:%Y-%m-%d}终止",
        )


def conclusion_letter(*, actor, conclusion_id: int) -> tuple[Conclusion, bytes]:
    """The stored letter for download; it shows the full ID number, so each download is audited."""
    conclusion = selectors.conclusion_get(fetched_by=actor, conclusion_id=conclusion_id)
    data = files.read(conclusion.letter.name, sha256=conclusion.letter_sha256)
    with transaction.atomic():
        audit.record(
            action="view_full",
            obj=conclusion.application,
            user=actor,
            changes={"letter": f"评估结论书{conclusion.number}"},
            note="下载评估结论书",
        )
    return conclusion, data


# --- re-assessment -------------------------------------------------------------------------------


def _open_reassessment(
    previous: Conclusion, *, kind: str, actor, channel: str, reason: str, place: str | None = None
) -> Application:
    original = previous.application
    _open_case_conflict(previous.person_id)
    person = previous.person
    groups = _special_groups(person)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                number=_new_number("FP"),
                kind=kind,
                channel=channel,
                status=Status.ACCEPTED,
                person=person,
                region_code=person.region_code,
                rules=rules_for(person.region_code),
                previous_conclusion=previous,
                applicant_user=original.applicant_user,
                applicant_name=original.applicant_name,
                relationship=original.relationship,
                phone_enc=original.phone_enc,
                phone_masked=original.phone_masked,
                address_enc=original.address_enc,
                address_masked=original.address_masked,
                place=place or original.place,
                reason=reason[:500],
                priority=bool(groups),
                special_groups=groups,
                submitted_by=actor if getattr(actor, "pk", None) else None,
            )
            _log_creation(application, actor, f"{Kind(kind).label}：{reason}")
            _notify(
                application,
                "reassessment",
                f"{Kind(kind).label}已受理",
                f"{person.name}的{Kind(kind).label}（编号{application.number}）已受理，"
                f"原结论：{previous.grade_label}（{previous.number}）。",
            )
            if application.rules.rules.auto_dispatch:
                _auto_dispatch(application, actor=None)
    except IntegrityError:
        _open_case_conflict(previous.person_id)
        raise
    return application


def appeal_request(
    *, actor, conclusion_id: int, reason: str, place: str | None = None
) -> Application:
    """The applicant asks for a re-assessment (复评) within the appeal deadline. It is accepted
    at once and dispatched avoiding the previous institution and people; who pays is decided
    when its conclusion is issued. A re-assessment's own conclusion is final."""
    s = scope_of(actor)
    if not (s.can(Right.ASSESSMENT_APPLY) or s.can(Right.ASSESSMENT_INTAKE)):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise _fail("reason", "reason_required", "请写明对评估结论的异议")
    if place is not None and place not in Place.values:
        raise _fail("place", "place_invalid", "评估地点应为居家或机构内")
    previous = selectors.conclusion_get(fetched_by=actor, conclusion_id=conclusion_id)
    if previous.application.kind == Kind.APPEAL:
        raise Conflict("复评结论为最终结论，不能再次申请复评", code="appeal_final")
    if previous.superseded_on is not None:
        raise Conflict("该结论已被新的评估结论取代", code="conclusion_superseded")
    if _today() > previous.appeal_until:
        raise Conflict(
            f"复评申请期限已过（截止{previous.appeal_until:%Y-%m-%d}）",
            code="appeal_deadline_passed",
        )
    if Application.objects.filter(
        previous_conclusion=previous, kind=Kind.APPEAL, status=Status.CONCLUDED
    ).exists():
        raise Conflict("该结论已复评过", code="appeal_final")
    channel = Channel.ONLINE if not s.can(Right.ASSESSMENT_INTAKE) else Channel.COUNTER
    return _open_reassessment(
        previous, kind=Kind.APPEAL, actor=actor, channel=channel, reason=reason, place=place
    )


def reassessment_open(*, actor, person_id: int, kind: str, reason: str) -> Application:
    """A case worker opens a re-assessment on a change of condition or for a spot check."""
    from changhu.insured import selectors as insured_selectors

    require(actor, Right.ASSESSMENT_REASSESS)
    if kind not in (Kind.CONDITION_CHANGE, Kind.SPOT_CHECK):
        raise _fail("kind", "kind_invalid", "复评类型应为状况变化复评或抽查复评")
    reason = (reason or "").strip()
    if not reason:
        raise _fail("reason", "reason_required", "请写明复评原因")
    person = insured_selectors.person_get(fetched_by=actor, person_id=person_id)
    previous = selectors.conclusion_in_force(person.pk, _today())
    if previous is None:
        raise Conflict("该参保人没有有效的评估结论", code="no_conclusion_in_force")
    return _open_reassessment(
        previous, kind=kind, actor=actor, channel=Channel.COUNTER, reason=reason
    )


def notice_mark_read(*, actor, notice_id: int) -> Notice:
    """The applicant (or anyone who may see the case) has read a notice."""
    notice = get_scoped(Notice.objects.select_related("application"), actor, pk=notice_id)
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=clock.now())
        notice.refresh_from_db(fields=["read_at"])
    return notice


# --- the scheduled job ----------------------------------------------------------------------------


@dataclass
class DeadlineReport:
    today: dt.date
    materials_overdue: int = 0
    assessments_overdue: int = 0
    publicity_closed: int = 0
    reassessments_opened: int = 0
    dispatched: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"run-deadlines {self.today:%Y-%m-%d}",
            f"materials overdue flagged: {self.materials_overdue}",
            f"assessments overdue flagged: {self.assessments_overdue}",
            f"publicity periods closed: {self.publicity_closed}",
            f"periodic re-assessments opened: {self.reassessments_opened}",
            f"cases dispatched automatically: {self.dispatched}",
            *[f"problem: {p}" for p in self.problems],
        ]


def _flag_overdue(today: dt.date, condition: Q, text: str, notice: str | None) -> int:
    count = 0
    for application in Application.objects.filter(condition, overdue_since__isnull=True):
        with transaction.atomic():
            changed = Application.objects.filter(
                pk=application.pk, overdue_since__isnull=True, status=application.status
            ).update(overdue_since=today)
            if not changed:
                continue
            _event(application, None, "overdue", text)
            if notice:
                _notify(application, "overdue", "办理期限已过", notice.format(a=application))
            count += 1
    return count


def periodic_reassessments_open(*, today: dt.date) -> int:
    """Open a re-assessment for each qualifying conclusion expiring within the lead days of
    its region's rules, unless the person already has an open case or one was opened for it."""
    opened = 0
    horizon = today + dt.timedelta(days=366)
    candidates = (
        Conclusion.objects.filter(
            qualifying=True,
            superseded_on__isnull=True,
            valid_until__gte=today,
            valid_until__lte=horizon,
        )
        .exclude(reassessments__kind=Kind.PERIODIC)
        .exclude(person__status="deceased")
        .select_related("person", "application")
        .order_by("valid_until", "id")
    )
    for conclusion in candidates:
        try:
            rules = rules_for(conclusion.region_code, today).rules
        except Conflict:
            continue  # no rules for the place: nothing to go by (load-presets reports it)
        if conclusion.valid_until > today + dt.timedelta(days=rules.reassessment_lead_days):
            continue
        if Application.objects.filter(
            person_id=conclusion.person_id, status__in=OPEN_STATUSES
        ).exists():
            continue
        try:
            _open_reassessment(
                conclusion,
                kind=Kind.PERIODIC,
                actor=None,
                channel=Channel.SYSTEM,
                reason=f"结论{conclusion.number}将于{conclusion.valid_until:%Y-%m-%d}到期",
            )
        except Conflict:
            continue
        opened += 1
    return opened


def run_deadlines(*, today: dt.date | None = None) -> DeadlineReport:
    """The scheduled job (``changhu run-deadlines``): flag overdue materials and assessments,
    close publicity periods that ended without an open objection, open periodic
    re-assessments, and dispatch automatically where the rules say so. Idempotent."""
    today = today or _today()
    report = DeadlineReport(today=today)
    report.materials_overdue = _flag_overdue(
        today,
        Q(status=Status.MATERIALS_REQUESTED, materials_due__lt=today),
        "补充材料期限已过",
        "申请{a.number}补充材料的期限（{a.materials_due:%Y-%m-%d}）已过，请尽快补充或联系经办机构。",
    )
    report.assessments_overdue = _flag_overdue(
        today,
        Q(status__in=[Status.DISPATCHED, Status.ASSIGNED], assessment_due__lt=today),
        "现场评估超过完成期限",
        None,
    )
    for application in Application.objects.filter(
        status=Status.PUBLICITY, publicity_until__lt=today
    ).select_related("rules"):
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            if _close_publicity_if_due(locked, today=today, actor=None):
                report.publicity_closed += 1
    report.reassessments_opened = periodic_reassessments_open(today=today)
    for application in Application.objects.filter(status=Status.ACCEPTED).select_related(
        "rules", "previous_conclusion__assessment"
    ):
        if not application.rules.rules.auto_dispatch:
            continue
        with transaction.atomic():
            locked = (
                Application.objects.select_for_update()
                .select_related("rules")
                .get(pk=application.pk)
            )
            if locked.status == Status.ACCEPTED and _auto_dispatch(
                locked, actor=None, note_failure=False
            ):
                report.dispatched += 1
    return report


__all__ = [
    "ApplicationInput",
    "FormInput",
    "Upload",
    "application_submit",
    "run_deadlines",
]
