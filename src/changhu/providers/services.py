"""Every write about institutions and caregivers: one function per use case, audited.

Admission (定点准入) runs submitted → under review (→ on-site inspection → under review) →
approved or refused; an application that asked for the fast channel and meets its conditions may
be approved straight from "submitted". Approval creates (or takes over) the care organization,
its designation profile, service points and the first agreement. An institution's status
(active, suspended, terminated) is changed only here, with a reason and an effective date, and
is copied onto ``Organization.status`` in the same transaction, so the users of a suspended
institution see nothing (``orgs.scoping``) and later features refuse new work for it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from changhu.core import audit, clock, crypto, masking
from changhu.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from changhu.core.identity import normalize_phone, parse_id_number
from changhu.core.scope import Scope, get_scoped, require
from changhu.core.transitions import Transition, Workflow, apply
from changhu.insured.models import Person, PersonStatus
from changhu.orgs.models import (
    ApiToken,
    Organization,
    OrgKind,
    OrgStatus,
    Region,
    RegionLevel,
    User,
)
from changhu.orgs.roles import Right, Role
from changhu.providers import rules
from changhu.providers.models import (
    Admission,
    AdmissionStatus,
    Agreement,
    AgreementStatus,
    Caregiver,
    CaregiverKind,
    CaregiverStatus,
    Certificate,
    CertificateKind,
    Institution,
    InstitutionStatus,
    InstitutionStatusChange,
    Qualification,
    ServicePoint,
    Training,
)

CAREGIVER_ID_PURPOSE = "caregiver.id_number"
CAREGIVER_PHONE_PURPOSE = "caregiver.phone"
PERSON_ID_PURPOSE = "person.id_number"  # the insured register's blind index, for look-ups

_A = AdmissionStatus
ADMISSION_FLOW = Workflow(
    "admission",
    {
        "start_review": Transition(
            frozenset({_A.SUBMITTED}), _A.UNDER_REVIEW, Right.PROVIDERS_ADMIT, "开始审核"
        ),
        "schedule_inspection": Transition(
            frozenset({_A.UNDER_REVIEW}), _A.INSPECTING, Right.PROVIDERS_ADMIT, "安排现场核查"
        ),
        "record_inspection": Transition(
            frozenset({_A.INSPECTING}), _A.UNDER_REVIEW, Right.PROVIDERS_ADMIT, "登记核查结果"
        ),
        "approve": Transition(
            frozenset({_A.SUBMITTED, _A.UNDER_REVIEW}), _A.APPROVED, Right.PROVIDERS_ADMIT, "准入"
        ),
        "refuse": Transition(
            frozenset({_A.SUBMITTED, _A.UNDER_REVIEW, _A.INSPECTING}),
            _A.REFUSED,
            Right.PROVIDERS_ADMIT,
            "不予准入",
        ),
        "withdraw": Transition(
            frozenset({_A.SUBMITTED, _A.UNDER_REVIEW, _A.INSPECTING}),
            _A.WITHDRAWN,
            Right.PROVIDERS_APPLY,
            "撤回申请",
        ),
    },
    labels=dict(AdmissionStatus.choices),
)
_I = InstitutionStatus
INSTITUTION_FLOW = Workflow(
    "institution",
    {
        "suspend": Transition(frozenset({_I.ACTIVE}), _I.SUSPENDED, Right.PROVIDERS_ADMIT, "暂停"),
        "reinstate": Transition(
            frozenset({_I.SUSPENDED}), _I.ACTIVE, Right.PROVIDERS_ADMIT, "恢复"
        ),
        "terminate": Transition(
            frozenset({_I.ACTIVE, _I.SUSPENDED}),
            _I.TERMINATED,
            Right.PROVIDERS_ADMIT,
            "终止（淘汰）",
        ),
    },
    labels=dict(InstitutionStatus.choices),
)
_C = CaregiverStatus
CAREGIVER_FLOW = Workflow(
    "caregiver",
    {
        "suspend": Transition(
            frozenset({_C.ACTIVE}), _C.SUSPENDED, Right.CAREGIVERS_MANAGE, "暂停执业"
        ),
        "reinstate": Transition(
            frozenset({_C.SUSPENDED}), _C.ACTIVE, Right.CAREGIVERS_MANAGE, "恢复执业"
        ),
        "leave": Transition(
            frozenset({_C.ACTIVE, _C.SUSPENDED}), _C.LEFT, Right.CAREGIVERS_MANAGE, "离职"
        ),
    },
    labels=dict(CaregiverStatus.choices),
)

CAREGIVER_AUDIT_LABELS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "phone": "联系电话",
    "kind": "类别",
    "qualification": "资质",
    "institution": "所属机构",
    "beneficiary": "亲情护理对象",
    "relationship": "与护理对象关系",
    "status": "状态",
    "hired_on": "入职/登记日期",
    "certificate": "资格证书",
    "training": "培训记录",
}
CAREGIVER_AUDIT_MASKERS = {"id_number": masking.mask_id_number, "phone": masking.mask_phone}
_NAME = re.compile(r"^[\u4e00-\u9fa5\u3400-\u4dbfA-Za-z·•\s]{1,40}$")


# --- shared helpers -------------------------------------------------------------------------


def _raise(problems: list[rules.Problem]) -> None:
    if problems:
        first = problems[0]
        raise ValidationFailed(
            first.message, code=first.code, fields={p.field: p.message for p in problems}
        )


def _today() -> dt.date:
    return clock.today()


def _date(value, field_name: str, label: str, *, required: bool = True, problems: list) -> Any:
    parsed = rules.parse_date(value, field_name, label)
    if isinstance(parsed, rules.Problem):
        problems.append(parsed)
        return None
    if parsed is None and required:
        problems.append(rules.Problem(field_name, "date_required", f"请填写{label}"))
    return parsed


def _reason(value: str, field_name: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(
            "请填写原因", code="reason_required", fields={field_name: "请填写原因"}
        )
    return text[:300]


def _is_care_actor(scope: Scope) -> bool:
    return not scope.unrestricted and scope.organization_kind == OrgKind.CARE


def _region(code: str, problems: list, field_name: str = "region_code") -> Region | None:
    code = (code or "").strip()
    if not code:
        problems.append(rules.Problem(field_name, "region_required", "请选择所在区县或街道"))
        return None
    region = Region.objects.filter(
        code=code, active=True, level__in=[RegionLevel.DISTRICT, RegionLevel.STREET]
    ).first()
    if region is None:
        problems.append(
            rules.Problem(field_name, "region_unknown", f"区划代码{code}不存在或已停用")
        )
    return region


# --- admission ------------------------------------------------------------------------------


@dataclass
class AdmissionInput:
    """What an institution declares; strings as typed, checked by :func:`clean_admission`."""

    name: str = ""
    uscc: str = ""
    care_kind: str = ""
    region_code: str = ""
    address: str = ""
    latitude: Any = None
    longitude: Any = None
    beds: Any = 0
    care_modes: list[str] = field(default_factory=list)
    staff_count: Any = 0
    nurse_count: Any = 0
    care_worker_count: Any = 0
    legal_representative: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    medical_designated: bool = False
    fast_channel: bool = False
    service_points: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    organization_id: int | None = None


@dataclass
class CleanAdmission:
    name: str
    uscc: str
    care_kind: str
    region: Region
    address: str
    latitude: Any
    longitude: Any
    beds: int
    care_modes: list[str]
    staff_count: int
    nurse_count: int
    care_worker_count: int
    legal_representative: str
    contact_name: str
    contact_phone: str
    medical_designated: bool
    fast_channel: bool
    service_points: list[dict]
    documents: list[dict]


def clean_admission(data: AdmissionInput) -> CleanAdmission:
    """Check every field, reporting all problems at once (the first one as the error code)."""
    problems: list[rules.Problem] = []
    name = (data.name or "").strip()
    if not name or len(name) > 100:
        problems.append(rules.Problem("name", "name_required", "请填写机构名称（不超过100字）"))
    code = rules.check_uscc(data.uscc)
    if isinstance(code, rules.Problem):
        problems.append(code)
    kind = rules.KIND_WORDS.get((data.care_kind or "").strip(), "")
    if not kind:
        problems.append(
            rules.Problem(
                "care_kind",
                "care_kind_invalid",
                "机构类别应为养老护理机构、长护病房、居家服务或基层医疗机构",
            )
        )
    region = _region(data.region_code, problems)
    address = (data.address or "").strip()
    if not address:
        problems.append(rules.Problem("address", "address_required", "请填写机构地址"))
    lat = rules.parse_coordinate(data.latitude, "latitude", -90, 90, "纬度")
    lon = rules.parse_coordinate(data.longitude, "longitude", -180, 180, "经度")
    counts = {}
    for key, label in (
        ("beds", "床位数"),
        ("staff_count", "从业人员数"),
        ("nurse_count", "护士数"),
        ("care_worker_count", "护理员数"),
    ):
        counts[key] = rules.parse_count(getattr(data, key), key, label)
    modes_in = [rules.MODE_WORDS.get(str(m).strip(), str(m).strip()) for m in data.care_modes or []]
    modes = rules.check_modes(kind, modes_in) if kind else modes_in
    for value in (lat, lon, *counts.values(), modes):
        if isinstance(value, rules.Problem):
            problems.append(value)
    if not isinstance(modes, rules.Problem) and "institutional" in modes and counts["beds"] == 0:
        problems.append(rules.Problem("beds", "beds_required", "提供机构照护须填写床位数"))
    if all(isinstance(counts[k], int) for k in counts) and counts["staff_count"]:
        if counts["nurse_count"] + counts["care_worker_count"] > counts["staff_count"]:
            problems.append(
                rules.Problem(
                    "staff_count", "staff_count_inconsistent", "护士与护理员人数之和超过从业人员数"
                )
            )
    try:
        phone = normalize_phone(data.contact_phone, field="contact_phone")
    except ValidationFailed as exc:
        problems.append(rules.Problem("contact_phone", exc.code, exc.message))
        phone = ""
    points = _clean_points(data.service_points, problems)
    documents = _clean_documents(data.documents, problems)
    if (lat is None) != (lon is None):
        problems.append(rules.Problem("latitude", "coordinate_pair", "经纬度须同时填写"))
    _raise(problems)
    return CleanAdmission(
        name=name,
        uscc=code,
        care_kind=kind,
        region=region,
        address=address[:200],
        latitude=lat,
        longitude=lon,
        beds=counts["beds"],
        care_modes=modes,
        staff_count=counts["staff_count"],
        nurse_count=counts["nurse_count"],
        care_worker_count=counts["care_worker_count"],
        legal_representative=(data.legal_representative or "").strip()[:40],
        contact_name=(data.contact_name or "").strip()[:40],
        contact_phone=phone,
        medical_designated=bool(data.medical_designated),
        fast_channel=bool(data.fast_channel),
        service_points=points,
        documents=documents,
    )


def _clean_points(points: list[dict], problems: list) -> list[dict]:
    out = []
    for index, point in enumerate(points or [], start=1):
        name = str(point.get("name") or "").strip()
        address = str(point.get("address") or "").strip()
        if not name or not address:
            problems.append(
                rules.Problem(
                    "service_points",
                    "service_point_incomplete",
                    f"第{index}个服务站点缺少名称或地址",
                )
            )
            continue
        beds = rules.parse_count(point.get("beds"), "service_points", "站点床位数")
        if isinstance(beds, rules.Problem):
            problems.append(beds)
            continue
        out.append(
            {
                "name": name[:100],
                "address": address[:200],
                "region_code": str(point.get("region_code") or "").strip(),
                "beds": beds,
            }
        )
    if len({p["name"] for p in out}) != len(out):
        problems.append(
            rules.Problem("service_points", "service_point_duplicate", "服务站点名称重复")
        )
    return out


def _clean_documents(documents: list[dict], problems: list) -> list[dict]:
    out = []
    for index, doc in enumerate(documents or [], start=1):
        title = str(doc.get("title") or "").strip()
        if not title:
            problems.append(
                rules.Problem("documents", "document_title_required", f"第{index}份材料缺少名称")
            )
            continue
        out.append(
            {
                "kind": str(doc.get("kind") or "").strip()[:40],
                "title": title[:100],
                "number": str(doc.get("number") or "").strip()[:60],
            }
        )
    return out


def admission_submit(*, actor, data: AdmissionInput) -> Admission:
    """An institution applies to be designated (a care admin for their own organization)."""
    scope = require(actor, Right.PROVIDERS_APPLY)
    org = None
    if _is_care_actor(scope):
        org = Organization.objects.select_related("region").get(pk=scope.organization_id)
        data.name = org.name
        data.region_code = data.region_code or org.region.code
    elif data.organization_id:
        org = get_scoped(
            Organization.objects.filter(kind=OrgKind.CARE), actor, pk=data.organization_id
        )
        data.name = data.name or org.name
    clean = clean_admission(data)
    if not _is_care_actor(scope) and not scope.covers_region(clean.region.code):
        raise ValidationFailed(
            "所选地区不在您的数据范围内",
            code="region_out_of_scope",
            fields={"region_code": "所选地区不在您的数据范围内"},
        )
    if clean.fast_channel and not rules.fast_channel_eligible(
        care_kind=clean.care_kind, medical_designated=clean.medical_designated
    ):
        raise ValidationFailed(
            "快速通道仅适用于已是医保定点的医疗机构或养老机构",
            code="fast_channel_not_eligible",
            fields={"fast_channel": "不符合快速通道条件"},
        )
    with transaction.atomic():
        _check_not_designated(clean, org)
        admission = Admission.objects.create(
            organization=org,
            submitted_by=actor,
            region_code=clean.region.code,
            **{k: v for k, v in vars(clean).items()},
        )
        audit.record(
            action="create",
            obj=admission,
            user=actor,
            note=f"提交定点准入申请：{admission.name}"
            + ("（快速通道）" if admission.fast_channel else ""),
        )
    return admission


def _check_not_designated(clean: CleanAdmission, org: Organization | None) -> None:
    if Institution.objects.filter(organization__uscc=clean.uscc).exists() or (
        org is not None and Institution.objects.filter(organization=org).exists()
    ):
        raise Conflict(
            "该机构已是定点护理机构",
            code="institution_exists",
            fields={"uscc": "该统一社会信用代码的机构已是定点护理机构"},
        )
    open_states = [_A.SUBMITTED, _A.UNDER_REVIEW, _A.INSPECTING]
    if Admission.objects.filter(uscc=clean.uscc, status__in=open_states).exists():
        raise Conflict(
            "该机构已有正在办理的准入申请",
            code="admission_pending",
            fields={"uscc": "该机构已有正在办理的准入申请"},
        )
    taken = Organization.objects.filter(name=clean.name)
    if org is not None:
        taken = taken.exclude(pk=org.pk)
    if taken.exists():
        raise Conflict(
            "已有同名机构，请核对机构名称",
            code="organization_name_taken",
            fields={"name": "已有同名机构"},
        )


def _admission_for_update(actor, admission_id: int) -> Admission:
    return get_scoped(Admission.objects.select_for_update(), actor, pk=admission_id)


def admission_start_review(*, actor, admission_id: int) -> Admission:
    """The bureau takes an application into review."""
    with transaction.atomic():
        admission = _admission_for_update(actor, admission_id)
        apply(ADMISSION_FLOW, admission, "start_review", actor=actor)
    return admission


def admission_schedule_inspection(*, actor, admission_id: int, planned_on) -> Admission:
    """Plan an on-site inspection (现场核查) of the applicant."""
    problems: list = []
    day = _date(planned_on, "planned_on", "核查日期", problems=problems)
    _raise(problems)
    with transaction.atomic():
        admission = _admission_for_update(actor, admission_id)
        apply(
            ADMISSION_FLOW,
            admission,
            "schedule_inspection",
            actor=actor,
            reason=f"计划于{day.isoformat()}现场核查",
            extra_updates={"inspection_planned_on": day},
        )
    return admission


def admission_record_inspection(
    *, actor, admission_id: int, inspected_on, passed: bool, notes: str = ""
) -> Admission:
    """Record the inspection's result; the application goes back to review."""
    problems: list = []
    day = _date(inspected_on, "inspected_on", "核查日期", problems=problems)
    if day and day > _today():
        problems.append(rules.Problem("inspected_on", "date_in_future", "核查日期不能晚于今天"))
    if not passed and not (notes or "").strip():
        problems.append(rules.Problem("notes", "reason_required", "核查未通过时请填写核查意见"))
    _raise(problems)
    with transaction.atomic():
        admission = _admission_for_update(actor, admission_id)
        apply(
            ADMISSION_FLOW,
            admission,
            "record_inspection",
            actor=actor,
            reason=("核查通过" if passed else "核查未通过")
            + (f"：{notes.strip()}" if notes else ""),
            extra_updates={
                "inspected_on": day,
                "inspection_passed": bool(passed),
                "inspection_notes": (notes or "").strip()[:500],
            },
        )
    return admission


@dataclass
class AgreementInput:
    number: str = ""
    signed_on: Any = None
    valid_from: Any = None
    valid_until: Any = None
    renewal_due: Any = None
    note: str = ""


@dataclass
class CleanAgreement:
    number: str
    signed_on: dt.date
    valid_from: dt.date
    valid_until: dt.date
    renewal_due: dt.date
    note: str


def clean_agreement(data: AgreementInput, *, default_from: dt.date | None = None) -> CleanAgreement:
    problems: list = []
    signed = _date(data.signed_on, "signed_on", "签订日期", required=False, problems=problems)
    start = _date(data.valid_from, "valid_from", "协议起始日", required=False, problems=problems)
    until = _date(data.valid_until, "valid_until", "协议终止日", problems=problems)
    due = _date(data.renewal_due, "renewal_due", "续签提醒日期", required=False, problems=problems)
    number = (data.number or "").strip()
    if len(number) > 40:
        problems.append(rules.Problem("number", "agreement_number_format", "协议编号不超过40字"))
    _raise(problems)
    signed = signed or _today()
    start = start or default_from or signed
    if until < start:
        problems.append(rules.Problem("valid_until", "date_order", "协议终止日不能早于起始日"))
    if signed > _today():
        problems.append(rules.Problem("signed_on", "date_in_future", "签订日期不能晚于今天"))
    if due and not (start <= due <= until):
        problems.append(rules.Problem("renewal_due", "date_order", "续签提醒日期应在协议期限内"))
    _raise(problems)
    return CleanAgreement(
        number=number,
        signed_on=signed,
        valid_from=start,
        valid_until=until,
        renewal_due=due or max(start, rules.renewal_due(until)),
        note=(data.note or "").strip()[:300],
    )


def _next_agreement_number(institution: Institution, year: int) -> str:
    prefix = f"CHXY{year}-{institution.pk:05d}-"
    taken = Agreement.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{taken + 1:02d}"


def _create_agreement(
    *, actor, institution: Institution, terms: CleanAgreement, previous: Agreement | None = None
) -> Agreement:
    overlapping = Agreement.objects.filter(
        institution=institution,
        valid_from__lte=terms.valid_until,
        valid_until__gte=terms.valid_from,
    ).exclude(status=AgreementStatus.TERMINATED, ended_on__isnull=True)
    for other in overlapping:
        if other.last_day >= terms.valid_from:
            raise Conflict(
                f"与协议{other.number}（{other.valid_from}至{other.last_day}）的期限重叠",
                code="agreement_overlap",
                fields={"valid_from": "与已有协议期限重叠"},
            )
    number = terms.number or _next_agreement_number(institution, terms.valid_from.year)
    if Agreement.objects.filter(number=number).exists():
        raise Conflict(
            "协议编号已存在", code="agreement_number_taken", fields={"number": "协议编号已存在"}
        )
    agreement = Agreement.objects.create(
        institution=institution,
        number=number,
        signed_on=terms.signed_on,
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        renewal_due=terms.renewal_due,
        note=terms.note,
        previous=previous,
        signed_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        action="create",
        obj=agreement,
        user=actor,
        note=f"签订服务协议{number}：{terms.valid_from}至{terms.valid_until}",
    )
    return agreement


def admission_approve(
    *, actor, admission_id: int, agreement: AgreementInput, reason: str = ""
) -> Institution:
    """Designate the institution: organization, profile, service points and first agreement."""
    require(actor, Right.PROVIDERS_ADMIT)
    with transaction.atomic():
        admission = _admission_for_update(actor, admission_id)
        if admission.status == _A.SUBMITTED and not (
            admission.fast_channel
            and rules.fast_channel_eligible(
                care_kind=admission.care_kind, medical_designated=admission.medical_designated
            )
        ):
            raise Conflict(
                "未经审核的申请只有符合快速通道条件时才能直接准入，请先开始审核",
                code="fast_channel_not_eligible",
            )
        if admission.inspection_passed is False:
            raise Conflict("现场核查未通过，不能准入", code="inspection_failed")
        today = _today()
        terms = clean_agreement(agreement, default_from=today)
        apply(
            ADMISSION_FLOW,
            admission,
            "approve",
            actor=actor,
            reason=reason,
            extra_updates={
                "decided_on": today,
                "decided_by": actor if getattr(actor, "pk", None) else None,
                "decision_reason": (reason or "").strip()[:500],
            },
        )
        institution = _designate(actor=actor, admission=admission, admitted_on=today)
        _create_agreement(actor=actor, institution=institution, terms=terms)
    return institution


def _designate(*, actor, admission: Admission, admitted_on: dt.date) -> Institution:
    org = admission.organization
    fields = {
        "kind": OrgKind.CARE,
        "name": admission.name,
        "uscc": admission.uscc,
        "region": admission.region,
        "address": admission.address,
        "care_kind": admission.care_kind,
        "status": OrgStatus.ACTIVE,
        "contact_name": admission.contact_name,
        "contact_phone": admission.contact_phone,
    }
    same_name = Organization.objects.filter(name=admission.name)
    if org is not None:
        same_name = same_name.exclude(pk=org.pk)
    if same_name.exists():
        raise Conflict("已有同名机构，请核对机构名称", code="organization_name_taken")
    if org is None:
        org = Organization.objects.create(**fields)
    else:
        for key, value in fields.items():
            setattr(org, key, value)
        org.save()
    if Institution.objects.filter(organization=org).exists():
        raise Conflict("该机构已是定点护理机构", code="institution_exists")
    institution = Institution.objects.create(
        organization=org,
        admission=admission,
        region_code=admission.region_code,
        latitude=admission.latitude,
        longitude=admission.longitude,
        beds=admission.beds,
        care_modes=admission.care_modes,
        staff_count=admission.staff_count,
        nurse_count=admission.nurse_count,
        care_worker_count=admission.care_worker_count,
        legal_representative=admission.legal_representative,
        admitted_on=admitted_on,
        fast_channel=admission.fast_channel,
        status=InstitutionStatus.ACTIVE,
        status_since=admitted_on,
        status_reason="准入",
    )
    if admission.organization_id is None:
        Admission.objects.filter(pk=admission.pk).update(organization=org)
        admission.organization = org
    regions = {
        r.code: r
        for r in Region.objects.filter(
            code__in=[
                p.get("region_code") for p in admission.service_points if p.get("region_code")
            ]
        )
    }
    ServicePoint.objects.bulk_create(
        ServicePoint(
            institution=institution,
            name=p["name"],
            address=p["address"],
            region=regions.get(p.get("region_code") or "", admission.region),
            beds=p.get("beds") or 0,
        )
        for p in admission.service_points
    )
    InstitutionStatusChange.objects.create(
        institution=institution,
        from_status="",
        to_status=InstitutionStatus.ACTIVE,
        effective_on=admitted_on,
        reason="定点准入" + ("（快速通道）" if admission.fast_channel else ""),
        actor=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(action="create", obj=institution, user=actor, note=f"定点准入：{org.name}")
    return institution


def institution_register_existing(
    *, actor, data: AdmissionInput, agreement: AgreementInput, note: str = "批量导入"
) -> Institution:
    """Record an institution designated before this system (e.g. from a legacy register):
    its admission is recorded as approved, with its agreement in force. Used by the import."""
    scope = require(actor, Right.PROVIDERS_ADMIT)
    clean = clean_admission(data)
    terms = clean_agreement(agreement)
    if not scope.covers_region(clean.region.code):
        raise ValidationFailed(
            "所选地区不在您的数据范围内",
            code="region_out_of_scope",
            fields={"region_code": "所选地区不在您的数据范围内"},
        )
    org = Organization.objects.filter(name=clean.name, kind=OrgKind.CARE).first()
    with transaction.atomic():
        _check_not_designated(clean, org)
        today = _today()
        admission = Admission.objects.create(
            organization=org,
            submitted_by=_user_or_none(actor),
            region_code=clean.region.code,
            status=AdmissionStatus.APPROVED,
            decided_on=today,
            decided_by=_user_or_none(actor),
            decision_reason=note,
            **vars(clean),
        )
        institution = _designate(actor=actor, admission=admission, admitted_on=terms.valid_from)
        _create_agreement(actor=actor, institution=institution, terms=terms)
    return institution


def _user_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


def admission_refuse(*, actor, admission_id: int, reason: str) -> Admission:
    """Refuse an application, with the reason the institution will read."""
    reason = _reason(reason)
    with transaction.atomic():
        admission = _admission_for_update(actor, admission_id)
        apply(
            ADMISSION_FLOW,
            admission,
            "refuse",
            actor=actor,
            reason=reason,
            extra_updates={
                "decided_on": _today(),
                "decided_by": actor if getattr(actor, "pk", None) else None,
                "decision_reason": reason,
            },
        )
    return admission


def admission_withdraw(*, actor, admission_id: int, reason: str = "") -> Admission:
    """The applicant withdraws an application still being handled."""
    with transaction.atomic():
        admission = _admission_for_update(actor, admission_id)
        apply(ADMISSION_FLOW, admission, "withdraw", actor=actor, reason=reason)
    return admission


# --- institutions and agreements ------------------------------------------------------------


def _institution_for_update(actor, institution_id: int) -> Institution:
    return get_scoped(
        Institution.objects.select_for_update().select_related("organization"),
        actor,
        pk=institution_id,
    )


def institution_set_status(
    *, actor, institution_id: int, action: str, reason: str, effective_on=None
) -> Institution:
    """Suspend, reinstate or terminate (淘汰) an institution, with a reason and a date.

    The organization's status follows, so its users lose their data scope at once; terminating
    also ends its agreements on the effective date.
    """
    if action not in INSTITUTION_FLOW.transitions:
        raise ValidationFailed(
            "操作应为暂停、恢复或终止", code="status_action", fields={"action": "不是允许的操作"}
        )
    require(actor, Right.PROVIDERS_ADMIT)
    reason = _reason(reason)
    problems: list = []
    day = _date(effective_on, "effective_on", "生效日期", required=False, problems=problems)
    _raise(problems)
    day = day or _today()
    if day > _today():
        raise ValidationFailed(
            "生效日期不能晚于今天",
            code="date_in_future",
            fields={"effective_on": "生效日期不能晚于今天"},
        )
    with transaction.atomic():
        institution = _institution_for_update(actor, institution_id)
        last = institution.status_changes.order_by("-effective_on", "-id").first()
        if last is not None and day < last.effective_on:
            raise ValidationFailed(
                f"生效日期不能早于上次状态变更（{last.effective_on}）",
                code="date_order",
                fields={"effective_on": "生效日期早于上次状态变更"},
            )
        before = institution.status
        apply(
            INSTITUTION_FLOW,
            institution,
            action,
            actor=actor,
            reason=reason,
            extra_updates={"status_since": day, "status_reason": reason},
        )
        Organization.objects.filter(pk=institution.organization_id).update(
            status=institution.status
        )
        institution.organization.status = institution.status
        InstitutionStatusChange.objects.create(
            institution=institution,
            from_status=before,
            to_status=institution.status,
            effective_on=day,
            reason=reason,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        if action == "terminate":
            _end_agreements(institution, day)
        labels = dict(InstitutionStatus.choices)
        audit.record(
            action="update",
            obj=institution,
            user=actor,
            changes={
                "status": {
                    "label": "状态",
                    "old": labels[before],
                    "new": labels[institution.status],
                }
            },
            note=f"{reason}（{day.isoformat()}起）",
        )
    return institution


def _end_agreements(institution: Institution, day: dt.date) -> None:
    live = Agreement.objects.filter(institution=institution, status=AgreementStatus.ACTIVE)
    live.filter(valid_from__gt=day).update(status=AgreementStatus.TERMINATED, ended_on=None)
    live.filter(valid_from__lte=day, valid_until__gte=day).update(
        status=AgreementStatus.TERMINATED, ended_on=day
    )


def institution_update_profile(
    *,
    actor,
    institution_id: int,
    beds=None,
    care_modes: list[str] | None = None,
    staff_count=None,
    nurse_count=None,
    care_worker_count=None,
) -> Institution:
    """Change beds, care modes offered and staff numbers; audited."""
    require(actor, Right.PROVIDERS_ADMIT)
    with transaction.atomic():
        institution = _institution_for_update(actor, institution_id)
        problems: list = []
        before = {
            "beds": institution.beds,
            "care_modes": list(institution.care_modes),
            "staff_count": institution.staff_count,
            "nurse_count": institution.nurse_count,
            "care_worker_count": institution.care_worker_count,
        }
        after = dict(before)
        for key, label, value in (
            ("beds", "床位数", beds),
            ("staff_count", "从业人员数", staff_count),
            ("nurse_count", "护士数", nurse_count),
            ("care_worker_count", "护理员数", care_worker_count),
        ):
            if value is not None:
                parsed = rules.parse_count(value, key, label)
                if isinstance(parsed, rules.Problem):
                    problems.append(parsed)
                else:
                    after[key] = parsed
        if care_modes is not None:
            modes = rules.check_modes(
                institution.organization.care_kind,
                [rules.MODE_WORDS.get(m, m) for m in care_modes],
            )
            if isinstance(modes, rules.Problem):
                problems.append(modes)
            else:
                after["care_modes"] = modes
        if "institutional" in after["care_modes"] and not after["beds"]:
            problems.append(rules.Problem("beds", "beds_required", "提供机构照护须填写床位数"))
        _raise(problems)
        for key, value in after.items():
            setattr(institution, key, value)
        institution.save()
        labels = {
            "beds": "床位数",
            "care_modes": "照护方式",
            "staff_count": "从业人员数",
            "nurse_count": "护士数",
            "care_worker_count": "护理员数",
        }
        changes = audit.diff(before, after, labels=labels)
        if changes:
            audit.record(action="update", obj=institution, user=actor, changes=changes)
    return institution


def service_point_add(
    *,
    actor,
    institution_id: int,
    name: str,
    address: str,
    region_code: str = "",
    beds=0,
    latitude=None,
    longitude=None,
) -> ServicePoint:
    """Add a service point (服务站点) to an institution."""
    require(actor, Right.PROVIDERS_ADMIT)
    problems: list = []
    points = _clean_points(
        [{"name": name, "address": address, "region_code": region_code, "beds": beds}], problems
    )
    lat = rules.parse_coordinate(latitude, "latitude", -90, 90, "纬度")
    lon = rules.parse_coordinate(longitude, "longitude", -180, 180, "经度")
    problems += [p for p in (lat, lon) if isinstance(p, rules.Problem)]
    region = _region(region_code, problems) if region_code else None
    _raise(problems)
    with transaction.atomic():
        institution = _institution_for_update(actor, institution_id)
        if institution.service_points.filter(name=points[0]["name"]).exists():
            raise Conflict(
                "该机构已有同名服务站点",
                code="service_point_duplicate",
                fields={"name": "该机构已有同名服务站点"},
            )
        point = ServicePoint.objects.create(
            institution=institution,
            name=points[0]["name"],
            address=points[0]["address"],
            region=region or institution.organization.region,
            beds=points[0]["beds"],
            latitude=lat,
            longitude=lon,
        )
        audit.record(action="create", obj=point, user=actor, note=f"新增服务站点：{point.name}")
    return point


def agreement_sign(*, actor, institution_id: int, data: AgreementInput) -> Agreement:
    """Sign a (further) agreement with an institution that is not terminated."""
    require(actor, Right.PROVIDERS_ADMIT)
    terms = clean_agreement(data)
    with transaction.atomic():
        institution = _institution_for_update(actor, institution_id)
        if institution.status == InstitutionStatus.TERMINATED:
            raise Conflict("机构已终止（淘汰），不能签订协议", code="institution_terminated")
        return _create_agreement(actor=actor, institution=institution, terms=terms)


def agreement_renew(
    *, actor, agreement_id: int, valid_until, signed_on=None, number: str = "", note: str = ""
) -> Agreement:
    """Renew (续签): a new agreement from the day after the old one ends."""
    require(actor, Right.PROVIDERS_ADMIT)
    with transaction.atomic():
        old = get_scoped(
            Agreement.objects.select_for_update().select_related("institution"),
            actor,
            pk=agreement_id,
        )
        if old.status != AgreementStatus.ACTIVE or old.ended_on is not None:
            raise Conflict("只有有效的协议才能续签", code="agreement_not_active")
        if old.institution.status == InstitutionStatus.TERMINATED:
            raise Conflict("机构已终止（淘汰），不能续签", code="institution_terminated")
        terms = clean_agreement(
            AgreementInput(
                number=number,
                signed_on=signed_on,
                valid_from=old.valid_until + dt.timedelta(days=1),
                valid_until=valid_until,
                note=note,
            )
        )
        agreement = _create_agreement(
            actor=actor, institution=old.institution, terms=terms, previous=old
        )
        Agreement.objects.filter(pk=old.pk).update(status=AgreementStatus.RENEWED)
    return agreement


def agreement_terminate(*, actor, agreement_id: int, ended_on, reason: str) -> Agreement:
    """End an agreement early (解除协议) on a date, with a reason."""
    require(actor, Right.PROVIDERS_ADMIT)
    reason = _reason(reason)
    problems: list = []
    day = _date(ended_on, "ended_on", "解除日期", problems=problems)
    _raise(problems)
    with transaction.atomic():
        agreement = get_scoped(Agreement.objects.select_for_update(), actor, pk=agreement_id)
        if agreement.status == AgreementStatus.TERMINATED:
            raise Conflict("协议已解除", code="agreement_not_active")
        if not (agreement.valid_from <= day <= agreement.valid_until):
            raise ValidationFailed(
                "解除日期应在协议期限内", code="date_order", fields={"ended_on": "应在协议期限内"}
            )
        agreement.status = AgreementStatus.TERMINATED
        agreement.ended_on = day
        agreement.note = f"{agreement.note} 解除：{reason}".strip()[:300]
        agreement.save(update_fields=["status", "ended_on", "note"])
        audit.record(
            action="update", obj=agreement, user=actor, note=f"解除协议：{reason}（{day}）"
        )
    return agreement


def institution_status_on(institution: Institution, day: dt.date) -> str:
    """The status in force on ``day`` from the status history ("" before admission)."""
    history = [(c.effective_on, c.to_status) for c in institution.status_changes.all()]
    return rules.status_on(history, day)


def agreement_in_force(institution: Institution, day: dt.date) -> Agreement | None:
    for agreement in institution.agreements.all():
        if agreement.in_force_on(day):
            return agreement
    return None


def institution_assert_can_serve(
    institution: Institution, day: dt.date, *, care_mode: str = ""
) -> None:
    """Refuse new work for an institution that is not active, has no agreement on ``day`` or
    does not offer ``care_mode``; later features (entitlements, plans, visits) call this."""
    if institution.status != InstitutionStatus.ACTIVE:
        raise Conflict(
            f"护理机构“{institution.name}”当前状态为“{institution.get_status_display()}”，"
            "不能承接新的服务",
            code="institution_not_active",
            fields={"institution_id": "护理机构不是正常状态"},
        )
    if agreement_in_force(institution, day) is None:
        raise Conflict(
            f"护理机构“{institution.name}”在{day.isoformat()}没有有效的服务协议",
            code="institution_no_agreement",
            fields={"institution_id": "该日期没有有效的服务协议"},
        )
    if care_mode and not institution.offers(care_mode):
        label = rules.MODE_LABELS.get(care_mode, care_mode)
        raise Conflict(
            f"护理机构“{institution.name}”不提供{label}",
            code="institution_mode_not_offered",
            fields={"care_mode": f"该机构不提供{label}"},
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
    raise ValidationFailed(
        "亲情护理对象不存在或不是本机构的服务对象",
        code="beneficiary_unknown",
        fields={"beneficiary_id": "亲情护理对象不存在或不是本机构的服务对象"},
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
        raise ValidationFailed(
            "请选择所属机构",
            code="institution_required",
            fields={"institution_id": "请选择所属机构"},
        )
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
            raise ValidationFailed(
                "亲情护理对象已身故",
                code="beneficiary_deceased",
                fields={"beneficiary_id": "亲情护理对象已身故"},
            )
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


def _caregiver_for_update(actor, caregiver_id: int) -> Caregiver:
    return get_scoped(
        Caregiver.objects.select_for_update().select_related("institution__organization"),
        actor,
        pk=caregiver_id,
    )


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
        changes = audit.diff(
            before, after, labels=CAREGIVER_AUDIT_LABELS, maskers=CAREGIVER_AUDIT_MASKERS
        )
        if changes:
            caregiver.version += 1
            caregiver.save()
            audit.record(action="update", obj=caregiver, user=actor, changes=changes)
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
            raise ValidationFailed(
                "日期不能早于入职日期",
                code="date_order",
                fields={"on_date": "日期不能早于入职日期"},
            )
        before = _caregiver_snapshot(caregiver)
        extra = {"left_on": day} if action == "leave" else {}
        if action == "leave" and caregiver.user_id is not None:
            _close_login(caregiver.user)  # a caregiver who left can no longer sign in
            extra["user"] = None
        apply(
            CAREGIVER_FLOW,
            caregiver,
            action,
            actor=actor,
            reason=f"{reason}（{day.isoformat()}）",
            extra_updates={**extra, "version": caregiver.version + 1},
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


def add_clean_certificate(*, actor, caregiver: Caregiver, values: dict) -> Certificate:
    if caregiver.certificates.filter(kind=values["kind"], number=values["number"]).exists():
        raise Conflict(
            "该证书已登记", code="certificate_duplicate", fields={"number": "该证书已登记"}
        )
    certificate = Certificate.objects.create(caregiver=caregiver, **values)
    audit.record(
        action="update",
        obj=caregiver,
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


def training_add(
    *, actor, caregiver_id: int, topic: str, trainer: str, held_on, hours, passed: bool = True
) -> Training:
    """Record a training (hours, topic, trainer)."""
    from decimal import Decimal, InvalidOperation

    require(actor, Right.CAREGIVERS_MANAGE)
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
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        training = Training.objects.create(
            caregiver=caregiver,
            topic=topic.strip()[:100],
            trainer=trainer.strip()[:100],
            held_on=day,
            hours=amount,
            passed=bool(passed),
        )
        audit.record(
            action="update",
            obj=caregiver,
            user=actor,
            changes={
                "training": {
                    "label": "培训记录",
                    "old": None,
                    "new": f"{day} {training.topic} {amount}学时",
                }
            },
        )
    return training


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


# --- the caregiver's phone login ------------------------------------------------------------

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")


@dataclass
class AccountResult:
    caregiver: Caregiver
    user: Any
    # The initial (or new) password, shown once to the care admin; None when it did not change.
    password: str | None = None


def _new_password() -> str:
    """12 characters, letters and digits, without look-alikes (0/O, 1/l/I)."""
    letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    chars = [secrets.choice(letters) for _ in range(8)] + [secrets.choice(digits) for _ in range(4)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _close_login(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)


def caregiver_account_open(*, actor, caregiver_id: int, username: str) -> AccountResult:
    """开通手机端账号: a login with the caregiver role in the institution's organization, linked
    to this caregiver, with an initial password returned once. An existing caregiver login of
    the same organization that no caregiver uses is linked instead (a closed one is reopened
    with a new password)."""
    require(actor, Right.CAREGIVERS_MANAGE)
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            "登录名应为3至40位字母、数字或 _ . -",
            code="username_invalid",
            fields={"username": "3至40位字母、数字或 _ . -"},
        )
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        if caregiver.status != CaregiverStatus.ACTIVE:
            raise Conflict("护理员不在岗，不能开通账号", code="caregiver_not_active")
        if caregiver.user_id is not None:
            raise Conflict("该护理员已有手机端账号", code="account_exists")
        organization = caregiver.institution.organization
        user = User.objects.select_for_update().filter(username__iexact=username).first()
        password = None
        if user is None:
            password = _new_password()
            user = User(
                username=username,
                real_name=caregiver.name[:40],
                role=Role.CAREGIVER,
                organization=organization,
                must_change_password=True,
            )
            user.set_password(password)
            user.save()
        else:
            taken = Caregiver.objects.filter(user=user).exists()
            if taken or user.organization_id != organization.pk or user.role != Role.CAREGIVER:
                raise Conflict(
                    "该登录名已被使用",
                    code="username_taken",
                    fields={"username": "该登录名已被使用，请换一个"},
                )
            if not user.is_active:
                password = _new_password()
                user.set_password(password)
                user.is_active = True
                user.must_change_password = True
                user.save(update_fields=["password", "is_active", "must_change_password"])
        caregiver.user = user
        caregiver.version += 1
        caregiver.save(update_fields=["user", "version"])
        audit.record(
            action="update",
            obj=caregiver,
            user=actor,
            note=f"开通手机端账号：{user.username}",
        )
    return AccountResult(caregiver=caregiver, user=user, password=password)


def caregiver_account_reset(*, actor, caregiver_id: int) -> AccountResult:
    """A new password for the caregiver's login (returned once); signs out its phone tokens
    and lifts a login lockout."""
    from axes.utils import reset as reset_lockout

    require(actor, Right.CAREGIVERS_MANAGE)
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        user = caregiver.user
        if user is None or not user.is_active:
            raise Conflict("该护理员没有可用的手机端账号", code="no_account")
        password = _new_password()
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
        audit.record(
            action="update", obj=caregiver, user=actor, note=f"重置手机端密码：{user.username}"
        )
    reset_lockout(username=user.username)
    return AccountResult(caregiver=caregiver, user=user, password=password)


def caregiver_account_close(*, actor, caregiver_id: int) -> Caregiver:
    """停用手机端账号: the login is deactivated, its tokens revoked, and it is unlinked."""
    require(actor, Right.CAREGIVERS_MANAGE)
    with transaction.atomic():
        caregiver = _caregiver_for_update(actor, caregiver_id)
        user = caregiver.user
        if user is None:
            raise Conflict("该护理员没有手机端账号", code="no_account")
        _close_login(user)
        caregiver.user = None
        caregiver.version += 1
        caregiver.save(update_fields=["user", "version"])
        audit.record(
            action="update", obj=caregiver, user=actor, note=f"停用手机端账号：{user.username}"
        )
    return caregiver
