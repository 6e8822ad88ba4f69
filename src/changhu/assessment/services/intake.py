"""Intake (counter, online, a family doctor) and the acceptance review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from changhu.assessment import files, selectors
from changhu.assessment.models import (
    APPLICATION_DOCUMENT_KINDS,
    ONSITE_DOCUMENT_KINDS,
    Application,
    Assessment,
    Channel,
    Document,
    DocumentKind,
    Kind,
    Place,
    RefusalReason,
    Relationship,
    Status,
)
from changhu.assessment.presets import rules_for
from changhu.assessment.services._common import (
    AUDIT_LABELS,
    AUDIT_MASKERS,
    MAX_DOCUMENTS_PER_REQUEST,
    _event,
    _is_institution_actor,
    _lock,
    _log_creation,
    _move,
    _new_number,
    _notify,
    _open_case_conflict,
    _problems,
    _read_audited,
    _today,
)
from changhu.assessment.services.dispatch import _auto_dispatch
from changhu.assessment.workflow import WORKFLOW
from changhu.core import audit, clock, crypto, masking, transitions, uploads, workdays
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, field_error
from changhu.core.identity import normalize_id_number, normalize_phone, parse_id_number
from changhu.core.scope import require, scope_of
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right

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
        raise field_error(
            "documents", "too_many_documents", f"一次最多上传{MAX_DOCUMENTS_PER_REQUEST}个文件"
        )
    checked = []
    for index, item in enumerate(items):
        where = "file" if len(items) == 1 else f"documents.{index}"
        if item.kind not in allowed_kinds:
            labels = "、".join(DocumentKind(k).label for k in allowed_kinds)
            raise field_error(where, "document_kind", f"材料类型无效，可选：{labels}")
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
        raise field_error(
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
            raise field_error("person_name", "person_not_matched", "姓名与身份证号码不符")
        return person
    raise field_error("person_id", "person_required", "请选择被评估的参保人")


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
    what = {"document": f"{document.get_kind_display()}：{document.original_name}"}
    stored = document.file.name, document.sha256
    return document, _read_audited(actor, document.application, *stored, what, "下载申请材料")


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
        raise field_error("reason", "refusal_reason_invalid", "请选择不予受理的原因")
    if reason == RefusalReason.OTHER and not text:
        raise field_error("text", "refusal_text_required", "选择“其他”时请写明不予受理的理由")
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
        raise field_error("note", "materials_note_required", "请写明需要补充的材料")
    with transaction.atomic():
        application = _lock(actor, application_id)
        today = _today()
        rules = application.rules.rules
        due = due_date or workdays.add_working_days(today, rules.materials_working_days)
        if due <= today:
            raise field_error("due_date", "due_date_past", "补充材料期限应晚于今天")
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
