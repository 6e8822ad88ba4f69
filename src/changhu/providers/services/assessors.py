"""The assessor register (评估人员库): real-name assessors of designated assessment institutions,
their profession, certificates with expiry and training, and the one qualification check an
assessment team applies ("in post, institution in force, a valid assessor certificate that day").

Identity is handled exactly like a caregiver's (``clean_caregiver``'s ID number and phone checks,
encrypted and blind-indexed); certificates and training records are the providers'
``Certificate`` and ``Training`` rows, held by the assessor instead of a caregiver.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from changhu.core import audit, crypto, masking
from changhu.core.errors import Conflict, DomainError, ValidationFailed, field_error
from changhu.core.identity import normalize_phone, parse_id_number
from changhu.core.scope import get_scoped, require
from changhu.core.transitions import Transition, Workflow, apply
from changhu.orgs.models import User
from changhu.orgs.roles import Right, Role
from changhu.providers import rules
from changhu.providers.models import (
    Assessor,
    AssessorStatus,
    Certificate,
    DesignationKind,
    Institution,
    InstitutionStatus,
    Profession,
    Training,
)
from changhu.providers.services._common import (
    _NAME,
    CAREGIVER_AUDIT_MASKERS,
    _date,
    _raise,
    _reason,
    _today,
)
from changhu.providers.services.caregivers import (
    CertificateInput,
    add_clean_certificate,
    add_clean_training,
    clean_certificate,
    clean_training,
)

ASSESSOR_ID_PURPOSE = "assessor.id_number"
ASSESSOR_PHONE_PURPOSE = "assessor.phone"
MIN_ASSESSOR_AGE = 18

_S = AssessorStatus
ASSESSOR_FLOW = Workflow(
    "assessor",
    {
        "suspend": Transition({_S.ACTIVE}, _S.SUSPENDED, Right.ASSESSORS_MANAGE, "暂停执业"),
        "reinstate": Transition({_S.SUSPENDED}, _S.ACTIVE, Right.ASSESSORS_MANAGE, "恢复执业"),
        "leave": Transition({_S.ACTIVE, _S.SUSPENDED}, _S.LEFT, Right.ASSESSORS_MANAGE, "离职"),
    },
    labels=AssessorStatus,
)
ASSESSOR_AUDIT_LABELS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "phone": "联系电话",
    "profession": "专业",
    "title": "职称",
    "institution": "所属评估机构",
    "user": "登录账号",
    "status": "状态",
    "hired_on": "入职/登记日期",
    "certificate": "资格证书",
    "training": "培训记录",
}
PROFESSION_WORDS = {
    **{c: c for c in Profession.values},
    **{label: c for c, label in Profession.choices},
    "医师": "doctor",
    "康复师": "therapist",
    "社工": "social_worker",
}
# The certificates an assessor may hold: the assessor certificate and the professional licences.
ASSESSOR_HELD_KINDS = frozenset({"assessor", "physician", "nurse", "therapist", "social_worker"})


@dataclass
class AssessorInput:
    institution_id: int | None = None
    name: str = ""
    id_number: str = ""
    phone: str = ""
    profession: str = ""
    title: str = ""
    hired_on: Any = None
    user_id: int | None = None


def _profession(value: str, problems: list) -> str:
    code = PROFESSION_WORDS.get((value or "").strip(), "")
    if not code:
        problems.append(
            rules.Problem(
                "profession", "profession_invalid", "专业应为医生、护士、康复治疗师或社会工作者"
            )
        )
    return code


def clean_assessor(data: AssessorInput, *, today: dt.date | None = None) -> dict:
    """Check every field of a new assessor, reporting all problems at once."""
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
    profession = _profession(data.profession, problems)
    hired = _date(data.hired_on, "hired_on", "入职日期", required=False, problems=problems)
    hired = hired or today
    if hired > today:
        problems.append(rules.Problem("hired_on", "date_in_future", "入职日期不能晚于今天"))
    if facts is not None:
        born = facts.birth_date
        age = hired.year - born.year - ((hired.month, hired.day) < (born.month, born.day))
        if age < MIN_ASSESSOR_AGE:
            problems.append(
                rules.Problem(
                    "id_number", "assessor_too_young", f"评估人员入职时应年满{MIN_ASSESSOR_AGE}周岁"
                )
            )
    _raise(problems)
    return {
        "name": name,
        "id_number": facts.number,
        "birth_date": facts.birth_date,
        "sex": facts.sex,
        "phone": phone,
        "profession": profession,
        "title": (data.title or "").strip()[:40],
        "hired_on": hired,
    }


def _snapshot(a: Assessor) -> dict[str, Any]:
    return {
        "name": a.name,
        "id_number": a.id_number,
        "phone": a.phone,
        "profession": a.get_profession_display(),
        "title": a.title,
        "institution": a.institution.name,
        "user": a.user.display_name if a.user_id else "",
        "status": a.get_status_display(),
        "hired_on": a.hired_on.isoformat(),
    }


def _assessment_institution(actor, institution_id: int | None) -> Institution:
    if institution_id is None:
        raise field_error("institution_id", "institution_required", "请选择所属评估机构")
    return get_scoped(
        Institution.all_kinds.select_related("organization").filter(
            organization__kind=DesignationKind.ASSESSMENT
        ),
        actor,
        pk=institution_id,
    )


def _account(user_id: int | None, institution: Institution, *, keep: Assessor | None = None):
    """The login account an assessor is linked to: a user of the same institution holding an
    assessor or expert role, not linked to another assessor."""
    if not user_id:
        return None
    user = User.objects.filter(
        pk=user_id,
        organization_id=institution.organization_id,
        role__in=[Role.ASSESSOR, Role.ASSESSMENT_EXPERT],
    ).first()
    if user is None:
        raise field_error("user_id", "account_unknown", "登录账号不是该评估机构的评估员或专家")
    taken = Assessor.objects.filter(user=user)
    if keep is not None:
        taken = taken.exclude(pk=keep.pk)
    if taken.exists():
        raise Conflict(
            "该登录账号已关联其他评估人员",
            code="account_linked",
            fields={"user_id": "该账号已关联其他评估人员"},
        )
    return user


def _duplicate() -> Conflict:
    return Conflict(
        "该身份证号码已登记为评估人员",
        code="assessor_duplicate_id",
        fields={"id_number": "该身份证号码已登记为评估人员"},
    )


def assessor_register(*, actor, data: AssessorInput) -> Assessor:
    """Register a real-name assessor at an active designated assessment institution."""
    require(actor, Right.ASSESSORS_MANAGE)
    clean = clean_assessor(data)
    with transaction.atomic():
        institution = _assessment_institution(actor, data.institution_id)
        if institution.status != InstitutionStatus.ACTIVE:
            raise Conflict(
                f"评估机构“{institution.name}”不是正常状态，不能登记评估人员",
                code="institution_not_active",
            )
        user = _account(data.user_id, institution)
        index = crypto.blind_index(clean["id_number"], purpose=ASSESSOR_ID_PURPOSE)
        if Assessor.objects.filter(id_number_index=index).exists():
            raise _duplicate()
        assessor = Assessor(
            institution=institution,
            name=clean["name"],
            id_number_enc=crypto.encrypt(clean["id_number"]),
            id_number_index=index,
            id_number_masked=masking.mask_id_number(clean["id_number"]),
            birth_date=clean["birth_date"],
            sex=clean["sex"],
            phone_enc=crypto.encrypt(clean["phone"]),
            phone_index=crypto.blind_index(clean["phone"], purpose=ASSESSOR_PHONE_PURPOSE),
            phone_masked=masking.mask_phone(clean["phone"]),
            profession=clean["profession"],
            title=clean["title"],
            hired_on=clean["hired_on"],
            user=user,
        )
        try:
            with transaction.atomic():
                assessor.save()
        except IntegrityError:
            raise _duplicate() from None
        audit.record(
            action="create",
            obj=assessor,
            user=actor,
            changes=audit.diff(
                {},
                _snapshot(assessor),
                labels=ASSESSOR_AUDIT_LABELS,
                maskers=CAREGIVER_AUDIT_MASKERS,
            ),
        )
    return assessor


def _for_update(actor, assessor_id: int) -> Assessor:
    return get_scoped(
        Assessor.objects.select_for_update(of=("self",)).select_related(
            "institution__organization", "user"
        ),
        actor,
        pk=assessor_id,
    )


def assessor_update(
    *,
    actor,
    assessor_id: int,
    phone: str,
    profession: str,
    title: str = "",
    user_id: int | None = None,
    expected_version: int | None = None,
) -> Assessor:
    """Change an assessor's phone, profession, title or login account (ID number is fixed)."""
    require(actor, Right.ASSESSORS_MANAGE)
    problems: list = []
    clean_phone = ""
    try:
        clean_phone = normalize_phone(phone)
    except ValidationFailed as exc:
        problems.append(rules.Problem("phone", exc.code, exc.message))
    code = _profession(profession, problems)
    _raise(problems)
    with transaction.atomic():
        assessor = _for_update(actor, assessor_id)
        if expected_version is not None and expected_version != assessor.version:
            raise Conflict("该记录已被他人修改，请刷新后重试", code="stale_version")
        before = _snapshot(assessor)
        if clean_phone != assessor.phone:
            assessor.phone_enc = crypto.encrypt(clean_phone)
            assessor.phone_index = crypto.blind_index(clean_phone, purpose=ASSESSOR_PHONE_PURPOSE)
            assessor.phone_masked = masking.mask_phone(clean_phone)
        assessor.profession = code
        assessor.title = (title or "").strip()[:40]
        assessor.user = _account(user_id, assessor.institution, keep=assessor)
        audit.save_changes(
            assessor,
            before,
            _snapshot(assessor),
            user=actor,
            labels=ASSESSOR_AUDIT_LABELS,
            maskers=CAREGIVER_AUDIT_MASKERS,
        )
    return assessor


def assessor_set_status(
    *, actor, assessor_id: int, action: str, reason: str, on_date=None
) -> Assessor:
    """Suspend, reinstate, or record that an assessor left (离职) on a date."""
    if action not in ASSESSOR_FLOW.transitions:
        raise ValidationFailed(
            "操作应为暂停、恢复或离职", code="status_action", fields={"action": "不是允许的操作"}
        )
    reason = _reason(reason)
    problems: list = []
    day = _date(on_date, "on_date", "日期", required=False, problems=problems)
    _raise(problems)
    day = day or _today()
    with transaction.atomic():
        assessor = _for_update(actor, assessor_id)
        if day < assessor.hired_on:
            raise field_error("on_date", "date_order", "日期不能早于入职日期")
        before = _snapshot(assessor)
        extra = {"left_on": day} if action == "leave" else {}
        apply(
            ASSESSOR_FLOW,
            assessor,
            action,
            actor=actor,
            reason=f"{reason}（{day.isoformat()}）",
            extra_updates={**extra, "version": assessor.version + 1},
            audit=False,  # recorded below with the whole change
        )
        audit.record(
            action="update",
            obj=assessor,
            user=actor,
            note=reason,
            changes=audit.diff(
                before,
                _snapshot(assessor),
                labels=ASSESSOR_AUDIT_LABELS,
                maskers=CAREGIVER_AUDIT_MASKERS,
            ),
        )
    return assessor


def assessor_certificate_add(*, actor, assessor_id: int, data: CertificateInput) -> Certificate:
    """Record an assessor's certificate (the assessor certificate or a professional licence)."""
    require(actor, Right.ASSESSORS_MANAGE)
    values = clean_certificate(data)
    if values["kind"] not in ASSESSOR_HELD_KINDS:
        raise field_error(
            "kind",
            "certificate_kind_invalid",
            "评估人员的证书应为评估人员资格证或医师、护士、康复治疗师、社会工作者执业（资格）证书",
        )
    with transaction.atomic():
        assessor = _for_update(actor, assessor_id)
        return add_clean_certificate(actor=actor, holder=assessor, values=values)


def assessor_training_add(
    *, actor, assessor_id: int, topic: str, trainer: str, held_on, hours, passed: bool = True
) -> Training:
    """Record a training an assessor received (hours, topic, trainer)."""
    require(actor, Right.ASSESSORS_MANAGE)
    values = clean_training(
        topic=topic, trainer=trainer, held_on=held_on, hours=hours, passed=passed
    )
    with transaction.atomic():
        assessor = _for_update(actor, assessor_id)
        return add_clean_training(actor=actor, holder=assessor, values=values)


# --- qualification --------------------------------------------------------------------------


def assessor_assert_qualified(assessor: Assessor, day: dt.date) -> None:
    """Refuse to put an assessor on a team on ``day`` unless they are in post, their institution
    is active, and they hold an assessor certificate valid that day (409 ``assessor_not_qualified``
    with the reason)."""
    if (
        assessor.status != AssessorStatus.ACTIVE
        or assessor.hired_on > day
        or (assessor.left_on is not None and assessor.left_on <= day)
    ):
        reason = f"评估人员{assessor.name}不在岗（{assessor.get_status_display()}）"
    elif assessor.institution.status != InstitutionStatus.ACTIVE:
        reason = (
            f"评估人员所属机构“{assessor.institution.name}”当前为"
            f"“{assessor.institution.get_status_display()}”状态"
        )
    else:
        held = [
            c for c in assessor.certificates.all() if c.kind in rules.ASSESSOR_CERTIFICATE_KINDS
        ]
        if any(c.valid_on(day) for c in held):
            return
        latest = max(held, key=lambda c: c.expires_on, default=None)
        if latest is not None and latest.expires_on < day:
            reason = (
                f"评估人员{assessor.name}的资格证书（{latest.number}）已于"
                f"{latest.expires_on.isoformat()}过期"
            )
        else:
            reason = f"评估人员{assessor.name}在{day.isoformat()}没有有效的评估人员资格证"
    raise Conflict(
        f"{reason}，不能参加评估",
        code="assessor_not_qualified",
        fields={"user_ids": reason},
    )


def assessor_qualification(assessor: Assessor | None, day: dt.date) -> tuple[bool, str]:
    """``(qualified, reason)`` for lists and pickers; no register entry is not qualified."""
    if assessor is None:
        return False, "未登记在评估人员库"
    try:
        assessor_assert_qualified(assessor, day)
    except DomainError as exc:
        return False, exc.message
    return True, ""
