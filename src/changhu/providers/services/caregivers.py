"""Caregivers and family caregivers: registration, certificates, employment and its end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from changhu.core import audit, crypto, masking
from changhu.core.errors import Conflict, DomainError, NotFound, ValidationFailed, field_error
from changhu.core.identity import normalize_phone, parse_id_number
from changhu.core.scope import Scope, get_scoped, require
from changhu.core.transitions import apply
from changhu.insured.models import Person, PersonStatus
from changhu.orgs import services as accounts
from changhu.orgs.roles import Right
from changhu.providers import rules
from changhu.providers.models import (
    Assessor,
    Caregiver,
    CaregiverKind,
    CaregiverStatus,
    Certificate,
    CertificateKind,
    Institution,
    InstitutionStatus,
    Qualification,
    Training,
)
from changhu.providers.services._common import (
    _NAME,
    CAREGIVER_AUDIT_LABELS,
    CAREGIVER_AUDIT_MASKERS,
    CAREGIVER_FLOW,
    CAREGIVER_ID_PURPOSE,
    CAREGIVER_PHONE_PURPOSE,
    PERSON_ID_PURPOSE,
    _caregiver_for_update,
    _date,
    _is_care_actor,
    _raise,
    _reason,
    _today,
)

# --- caregivers -----------------------------------------------------------------------------

# Who an actor may name as a family caregiver's beneficiary beyond the persons of their register
# scope: ``care`` installs one (persons with an entitlement at the actor's institution).
BeneficiaryResolver = Callable[[Any, int, Institution], "Person | None"]
_beneficiary_resolvers: list[BeneficiaryResolver] = []


def register_beneficiary_resolver(resolver: BeneficiaryResolver) -> None:
    if resolver not in _beneficiary_resolvers:
        _beneficiary_resolvers.append(resolver)


def resolve_beneficiary(actor, person_id: int, institution: Institution) -> Person:
    try:
        return get_scoped(Person.objects.all(), actor, pk=person_id)
    except NotFound:
        pass
    for resolver in _beneficiary_resolvers:
        person = resolver(actor, person_id, institution)
        if person is not None:
            return person
    raise field_error(
        "beneficiary_id", "beneficiary_unknown", "亲情护理对象不存在或不是本机构的服务对象"
    )


def person_id_by_id_number(id_number: str) -> int | None:
    """The register's person with this ID number (exact look-up through the blind index)."""
    index = crypto.blind_index(id_number.strip().upper(), purpose=PERSON_ID_PURPOSE)
    return Person.objects.filter(id_number_index=index).values_list("pk", flat=True).first()


@dataclass
class CaregiverInput:
    institution_id: int | None = None
    kind: str = CaregiverKind.STAFF
    name: str = ""
    id_number: str = ""
    phone: str = ""
    qualification: str = Qualification.CARE_WORKER
    beneficiary_id: int | None = None
    relationship: str = ""
    hired_on: Any = None


@dataclass
class CleanCaregiver:
    kind: str
    name: str
    id_number: str
    birth_date: dt.date
    sex: str
    phone: str
    qualification: str
    relationship: str
    hired_on: dt.date


KIND_WORDS = {
    **{c: c for c in CaregiverKind.values},
    **{label: c for c, label in CaregiverKind.choices},
    "护理员": "staff",
    "个体": "individual",
    "亲情": "family",
}
QUALIFICATION_WORDS = {
    **{c: c for c in Qualification.values},
    **{label: c for c, label in Qualification.choices},
    "养老护理员": "care_worker",
    "医疗护理员": "care_worker",
}
MIN_CAREGIVER_AGE = 16


def clean_caregiver(data: CaregiverInput, *, today: dt.date | None = None) -> CleanCaregiver:
    today = today or _today()
    problems: list[rules.Problem] = []
    name = (data.name or "").strip()
    if not name:
        problems.append(rules.Problem("name", "name_required", "请填写姓名"))
    elif not _NAME.match(name):
        problems.append(rules.Problem("name", "name_format", "姓名只能包含汉字、字母和间隔号·"))
    facts = None
    try:
        facts = parse_id_number(data.id_number, today=today)
    except ValidationFailed as exc:
        problems.append(rules.Problem("id_number", exc.code, exc.message))
    try:
        phone = normalize_phone(data.phone)
    except ValidationFailed as exc:
        problems.append(rules.Problem("phone", exc.code, exc.message))
        phone = ""
    kind = KIND_WORDS.get((data.kind or "").strip(), "")
    if not kind:
        problems.append(
            rules.Problem(
                "kind", "caregiver_kind_invalid", "类别应为机构护理员、个体服务人员或亲情护理员"
            )
        )
    qualification = QUALIFICATION_WORDS.get((data.qualification or "").strip(), "")
    if not qualification:
        problems.append(
            rules.Problem("qualification", "qualification_invalid", "资质应为护理员或护士")
        )
    hired = _date(data.hired_on, "hired_on", "入职日期", required=False, problems=problems)
    hired = hired or today
    if hired > today:
        problems.append(rules.Problem("hired_on", "date_in_future", "入职日期不能晚于今天"))
    if facts is not None:
        age = (
            hired.year
            - facts.birth_date.year
            - ((hired.month, hired.day) < (facts.birth_date.month, facts.birth_date.day))
        )
        if age < MIN_CAREGIVER_AGE:
            problems.append(
                rules.Problem(
                    "id_number", "caregiver_too_young", f"护理员入职时应年满{MIN_CAREGIVER_AGE}周岁"
                )
            )
    if kind == CaregiverKind.FAMILY and not data.beneficiary_id:
        problems.append(
            rules.Problem(
                "beneficiary_id", "beneficiary_required", "亲情护理员须关联其护理的参保人"
            )
        )
    if kind and kind != CaregiverKind.FAMILY and data.beneficiary_id:
        problems.append(
            rules.Problem("beneficiary_id", "beneficiary_not_allowed", "只有亲情护理员关联护理对象")
        )
    _raise(problems)
    return CleanCaregiver(
        kind=kind,
        name=name,
        id_number=facts.number,
        birth_date=facts.birth_date,
        sex=facts.sex,
        phone=phone,
        qualification=qualification,
        relationship=(data.relationship or "").strip()[:20],
        hired_on=hired,
    )


def _institution_for_caregivers(actor, scope: Scope, institution_id: int | None) -> Institution:
    if institution_id is None and _is_care_actor(scope):
        return get_scoped(
            Institution.objects.select_related("organization"),
            actor,
            organization_id=scope.organization_id,
        )
    if institution_id is None:
        raise field_error("institution_id", "institution_required", "请选择所属机构")
    return get_scoped(Institution.objects.select_related("organization"), actor, pk=institution_id)


def _caregiver_snapshot(c: Caregiver) -> dict[str, Any]:
    return {
        "name": c.name,
        "id_number": c.id_number,
        "phone": c.phone,
        "kind": c.get_kind_display(),
        "qualification": c.get_qualification_display(),
        "institution": c.institution.name,
        "beneficiary": str(c.beneficiary_id or ""),
        "relationship": c.relationship,
        "status": c.get_status_display(),
        "hired_on": c.hired_on.isoformat(),
    }


def build_caregiver(
    clean: CleanCaregiver, *, institution: Institution, beneficiary: Person | None
) -> Caregiver:
    return Caregiver(
        institution=institution,
        kind=clean.kind,
        name=clean.name,
        id_number_enc=crypto.encrypt(clean.id_number),
        id_number_index=crypto.blind_index(clean.id_number, purpose=CAREGIVER_ID_PURPOSE),
        id_number_masked=masking.mask_id_number(clean.id_number),
        birth_date=clean.birth_date,
        sex=clean.sex,
        phone_enc=crypto.encrypt(clean.phone),
        phone_index=crypto.blind_index(clean.phone, purpose=CAREGIVER_PHONE_PURPOSE),
        phone_masked=masking.mask_phone(clean.phone),
        qualification=clean.qualification,
        beneficiary=beneficiary,
        relationship=clean.relationship,
        hired_on=clean.hired_on,
    )


def _duplicate_caregiver() -> Conflict:
    return Conflict(
        "该身份证号码已登记为护理员",
        code="caregiver_duplicate_id",
        fields={"id_number": "该身份证号码已登记为护理员"},
    )


def caregiver_register(*, actor, data: CaregiverInput) -> Caregiver:
    """Register a real-name caregiver at an active institution; ID number and phone encrypted."""
    scope = require(actor, Right.CAREGIVERS_MANAGE)
    clean = clean_caregiver(data)
    with transaction.atomic():
        institution = _institution_for_caregivers(actor, scope, data.institution_id)
        caregiver = register_clean_caregiver(
            actor=actor, clean=clean, institution=institution, beneficiary_id=data.beneficiary_id
        )
    return caregiver


def register_clean_caregiver(
    *, actor, clean: CleanCaregiver, institution: Institution, beneficiary_id: int | None
) -> Caregiver:
    """The write itself, for an institution already fetched in scope (used by import too)."""
    if institution.status != InstitutionStatus.ACTIVE:
        raise Conflict(
            f"护理机构“{institution.name}”不是正常状态，不能登记护理员",
            code="institution_not_active",
        )
    beneficiary = None
    if clean.kind == CaregiverKind.FAMILY:
        beneficiary = resolve_beneficiary(actor, beneficiary_id, institution)
        if beneficiary.status == PersonStatus.DECEASED:
            raise field_error("beneficiary_id", "beneficiary_deceased", "亲情护理对象已身故")
    index = crypto.blind_index(clean.id_number, purpose=CAREGIVER_ID_PURPOSE)
    if Caregiver.objects.filter(id_number_index=index).exists():
        raise _duplicate_caregiver()
    caregiver = build_caregiver(clean, institution=institution, beneficiary=beneficiary)
    try:
        with transaction.atomic():
            caregiver.save()
    except IntegrityError:
        raise _duplicate_caregiver() from None
    audit.record(
        action="create",
        obj=caregiver,
        user=actor,
        changes=audit.diff(
            {},
            _caregiver_snapshot(caregiver),
            labels=CAREGIVER_AUDIT_LABELS,
            maskers=CAREGIVER_AUDIT_MASKERS,
        ),
    )
    return caregiver


def caregiver_update(
    *,
    actor,
    caregiver_id: int,
    phone: str,
    qualification: str,
    relationship: str = "",
    expected_version: int | None = None,
) -> Caregiver:
    """Change a caregiver's phone, declared qualification or relationship (ID number is fixed)."""
    require(actor, Right.CAREGIVERS_MANAGE)
    problems: list = []
    try:
        clean_phone = normalize_phone(phone)
    except ValidationFailed as exc:
        problems.append(rules.Problem("phone", exc.code, exc.message))
    qual = QUALIFICATION_WORDS.get((qualification or "").strip(), "")
    if not qual:
        problems.append(
            rules.Problem("qualification", "qualification_invalid", "资质应为护理员或护士")
        )
    _raise(problems)
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        if expected_version is not None and expected_version != caregiver.version:
            raise Conflict("该记录已被他人修改，请刷新后重试", code="stale_version")
        before = _caregiver_snapshot(caregiver)
        if clean_phone != caregiver.phone:
            caregiver.phone_enc = crypto.encrypt(clean_phone)
            caregiver.phone_index = crypto.blind_index(clean_phone, purpose=CAREGIVER_PHONE_PURPOSE)
            caregiver.phone_masked = masking.mask_phone(clean_phone)
        caregiver.qualification = qual
        if caregiver.kind == CaregiverKind.FAMILY:
            caregiver.relationship = (relationship or "").strip()[:20]
        after = _caregiver_snapshot(caregiver)
        audit.save_changes(
            caregiver,
            before,
            after,
            user=actor,
            labels=CAREGIVER_AUDIT_LABELS,
            maskers=CAREGIVER_AUDIT_MASKERS,
        )
    return caregiver


def caregiver_set_status(
    *, actor, caregiver_id: int, action: str, reason: str, on_date=None
) -> Caregiver:
    """Suspend, reinstate, or record that a caregiver left (离职) on a date."""
    if action not in CAREGIVER_FLOW.transitions:
        raise ValidationFailed(
            "操作应为暂停、恢复或离职", code="status_action", fields={"action": "不是允许的操作"}
        )
    reason = _reason(reason)
    problems: list = []
    day = _date(on_date, "on_date", "日期", required=False, problems=problems)
    _raise(problems)
    day = day or _today()
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        if day < caregiver.hired_on:
            raise field_error("on_date", "date_order", "日期不能早于入职日期")
        before = _caregiver_snapshot(caregiver)
        extra = {"left_on": day} if action == "leave" else {}
        if action == "leave" and caregiver.user_id is not None:
            accounts.login_close(caregiver.user)  # a caregiver who left can no longer sign in
            extra["user"] = None
        apply(
            CAREGIVER_FLOW,
            caregiver,
            action,
            actor=actor,
            reason=f"{reason}（{day.isoformat()}）",
            extra_updates={**extra, "version": caregiver.version + 1},
            audit=False,  # recorded below with the whole change
        )
        audit.record(
            action="update",
            obj=caregiver,
            user=actor,
            note=reason,
            changes=audit.diff(
                before,
                _caregiver_snapshot(caregiver),
                labels=CAREGIVER_AUDIT_LABELS,
                maskers=CAREGIVER_AUDIT_MASKERS,
            ),
        )
    return caregiver


def caregiver_reveal(*, actor, caregiver_id: int, fields: tuple[str, ...] = ("id_number",)) -> dict:
    """The clear ID number and/or phone of a caregiver; every view is audited."""
    require(actor, Right.CAREGIVERS_VIEW_FULL)
    wanted = [f for f in fields if f in {"id_number", "phone"}]
    if not wanted:
        raise ValidationFailed(
            "请指定要查看的字段", code="reveal_fields", fields={"fields": "可选：id_number、phone"}
        )
    caregiver = get_scoped(Caregiver.objects.all(), actor, pk=caregiver_id)
    with transaction.atomic():
        audit.record_full_view(
            obj=caregiver, fields=wanted, labels=CAREGIVER_AUDIT_LABELS, user=actor
        )
    return {f: getattr(caregiver, f) for f in wanted}


@dataclass
class CertificateInput:
    kind: str = ""
    number: str = ""
    issuer: str = ""
    issued_on: Any = None
    expires_on: Any = None


CERTIFICATE_KIND_WORDS = {
    **{c: c for c in CertificateKind.values},
    **{label: c for c, label in CertificateKind.choices},
    "护理员证": "care_worker",
    "职业技能等级证书": "care_worker",
    "护士证": "nurse",
    "护士执业证": "nurse",
    "培训合格证": "family_training",
    "健康证": "health",
    "评估员证": "assessor",
    "评估人员资格证": "assessor",
    "医师证": "physician",
    "医师执业证": "physician",
    "康复治疗师证": "therapist",
    "社工证": "social_worker",
}


def clean_certificate(data: CertificateInput) -> dict:
    problems: list = []
    kind = CERTIFICATE_KIND_WORDS.get((data.kind or "").strip(), "")
    if not kind:
        problems.append(rules.Problem("kind", "certificate_kind_invalid", "证书类别不正确"))
    number = (data.number or "").strip()
    if not number or len(number) > 40:
        problems.append(
            rules.Problem("number", "certificate_number_required", "请填写证书编号（不超过40字）")
        )
    issued = _date(data.issued_on, "issued_on", "发证日期", problems=problems)
    expires = _date(data.expires_on, "expires_on", "有效期至", problems=problems)
    if issued and issued > _today():
        problems.append(rules.Problem("issued_on", "date_in_future", "发证日期不能晚于今天"))
    if issued and expires and expires < issued:
        problems.append(rules.Problem("expires_on", "date_order", "有效期至不能早于发证日期"))
    _raise(problems)
    return {
        "kind": kind,
        "qualification": rules.CERTIFICATE_QUALIFICATION[kind],
        "number": number,
        "issuer": (data.issuer or "").strip()[:100],
        "issued_on": issued,
        "expires_on": expires,
    }


def certificate_add(*, actor, caregiver_id: int, data: CertificateInput) -> Certificate:
    """Record a certificate with its issue and expiry dates."""
    require(actor, Right.CAREGIVERS_MANAGE)
    values = clean_certificate(data)
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        return add_clean_certificate(actor=actor, caregiver=caregiver, values=values)


def add_clean_certificate(*, actor, caregiver=None, values: dict, holder=None) -> Certificate:
    """Record a checked certificate for its holder (a caregiver or an assessor), audited on the
    holder; the same kind and number twice is refused."""
    holder = holder or caregiver
    if holder.certificates.filter(kind=values["kind"], number=values["number"]).exists():
        raise Conflict(
            "该证书已登记", code="certificate_duplicate", fields={"number": "该证书已登记"}
        )
    certificate = Certificate.objects.create(**_holder_field(holder), **values)
    audit.record(
        action="update",
        obj=holder,
        user=actor,
        changes={
            "certificate": {
                "label": "资格证书",
                "old": None,
                "new": f"{certificate.get_kind_display()} {certificate.number} "
                f"{certificate.issued_on}至{certificate.expires_on}",
            }
        },
    )
    return certificate


def _holder_field(holder) -> dict:
    """The certificate/training column that points at ``holder``."""
    return {"assessor": holder} if isinstance(holder, Assessor) else {"caregiver": holder}


def certificate_from_training(
    *,
    actor,
    caregiver_id: int | None = None,
    assessor_id: int | None = None,
    data: CertificateInput,
) -> tuple[Certificate, bool]:
    """A certificate issued by a training session (the training app): recorded like any other
    certificate, for a caregiver or an assessor, and the same (kind, number) issued again
    returns the one already recorded. An assessor's certificate is what qualifies them for
    assessment teams, so it updates their qualification at once. The caller checks its own
    right (issuing a session's certificates); the holder is looked up without the actor's
    scope, since the training organizer (the bureau) may issue to any institution's staff.
    Returns the certificate and whether it was created now."""
    values = clean_certificate(data)
    model = Assessor if assessor_id is not None else Caregiver
    with transaction.atomic():
        holder = model.objects.select_for_update().get(pk=assessor_id or caregiver_id)
        existing = holder.certificates.filter(kind=values["kind"], number=values["number"]).first()
        if existing is not None:
            return existing, False
        return add_clean_certificate(actor=actor, holder=holder, values=values), True


def clean_training(*, topic: str, trainer: str, held_on, hours, passed: bool = True) -> dict:
    """Check a training record's fields (all problems at once)."""
    problems: list = []
    if not (topic or "").strip():
        problems.append(rules.Problem("topic", "topic_required", "请填写培训内容"))
    if not (trainer or "").strip():
        problems.append(rules.Problem("trainer", "trainer_required", "请填写培训人或培训机构"))
    day = _date(held_on, "held_on", "培训日期", problems=problems)
    if day and day > _today():
        problems.append(rules.Problem("held_on", "date_in_future", "培训日期不能晚于今天"))
    try:
        amount = Decimal(str(hours)).quantize(Decimal("0.1"))
        if not (Decimal(0) < amount <= Decimal(1000)):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(rules.Problem("hours", "hours_range", "学时应为大于0且不超过1000的数字"))
        amount = None
    _raise(problems)
    return {
        "topic": topic.strip()[:100],
        "trainer": trainer.strip()[:100],
        "held_on": day,
        "hours": amount,
        "passed": bool(passed),
    }


def add_clean_training(*, actor, holder, values: dict) -> Training:
    """Record a checked training for a caregiver or an assessor, audited on the holder."""
    training = Training.objects.create(**_holder_field(holder), **values)
    audit.record(
        action="update",
        obj=holder,
        user=actor,
        changes={
            "training": {
                "label": "培训记录",
                "old": None,
                "new": f"{training.held_on} {training.topic} {training.hours}学时",
            }
        },
    )
    return training


def training_add(
    *, actor, caregiver_id: int, topic: str, trainer: str, held_on, hours, passed: bool = True
) -> Training:
    """Record a training (hours, topic, trainer)."""
    require(actor, Right.CAREGIVERS_MANAGE)
    values = clean_training(
        topic=topic, trainer=trainer, held_on=held_on, hours=hours, passed=passed
    )
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        return add_clean_training(actor=actor, holder=caregiver, values=values)


def caregiver_assert_assignable(
    caregiver: Caregiver, day: dt.date, *, qualification: str = ""
) -> None:
    """Refuse to assign a caregiver on ``day`` unless they are in post, their institution is
    active, and they hold a certificate valid that day (of ``qualification`` if given)."""
    if (
        caregiver.status != CaregiverStatus.ACTIVE
        or caregiver.hired_on > day
        or (caregiver.left_on is not None and caregiver.left_on <= day)
    ):
        raise Conflict(
            f"护理员{caregiver.name}不在岗（{caregiver.get_status_display()}），不能派单",
            code="caregiver_not_active",
            fields={"caregiver_id": "护理员不在岗"},
        )
    institution = caregiver.institution
    if institution.status != InstitutionStatus.ACTIVE:
        raise Conflict(
            f"护理员所属机构“{institution.name}”当前为“{institution.get_status_display()}”状态，"
            "不能派单",
            code="institution_not_active",
            fields={"caregiver_id": "护理员所属机构不是正常状态"},
        )
    proving = [c for c in caregiver.certificates.all() if rules.CERTIFICATE_QUALIFICATION[c.kind]]
    valid = [c for c in proving if c.valid_on(day)]
    if not valid:
        latest = max(proving, key=lambda c: c.expires_on, default=None)
        if latest is not None and latest.expires_on < day:
            message = (
                f"护理员{caregiver.name}的资格证书（{latest.number}）已于"
                f"{latest.expires_on.isoformat()}过期，不能派单"
            )
        else:
            message = f"护理员{caregiver.name}在{day.isoformat()}没有有效的资格证书，不能派单"
        raise Conflict(
            message,
            code="caregiver_certificate_expired",
            fields={"caregiver_id": "资格证书无效或已过期"},
        )
    held = {rules.CERTIFICATE_QUALIFICATION[c.kind] for c in valid}
    if not rules.qualification_satisfies(held, qualification):
        label = dict(Qualification.choices).get(qualification, qualification)
        raise Conflict(
            f"该服务项目需要{label}资质，护理员{caregiver.name}没有有效的{label}证书",
            code="caregiver_qualification",
            fields={"caregiver_id": f"需要{label}资质"},
        )


def caregiver_is_assignable(
    caregiver: Caregiver, day: dt.date, *, qualification: str = ""
) -> tuple[bool, str, str]:
    """``(ok, code, message)`` form of :func:`caregiver_assert_assignable`, for lists."""
    try:
        caregiver_assert_assignable(caregiver, day, qualification=qualification)
    except DomainError as exc:
        return False, exc.code, exc.message
    return True, "", ""
