"""Designation (定点准入): applications by care and assessment institutions, review, on-site
inspection and the decision. Both kinds run the same workflow; what differs is what they declare
(care modes, beds and the fast channel are for care institutions only) and the organization kind
an approval creates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from changhu.core import audit
from changhu.core.errors import Conflict, ValidationFailed, field_error
from changhu.core.identity import normalize_phone
from changhu.core.scope import get_scoped, require
from changhu.core.transitions import apply
from changhu.orgs.models import (
    Organization,
    OrgStatus,
    Region,
)
from changhu.orgs.roles import Right
from changhu.providers import rules
from changhu.providers.models import (
    Admission,
    AdmissionStatus,
    Agreement,
    AgreementStatus,
    DesignationKind,
    Institution,
    InstitutionStatus,
    InstitutionStatusChange,
    ServicePoint,
)
from changhu.providers.services._common import (
    _A,
    ADMISSION_FLOW,
    _date,
    _is_care_actor,
    _raise,
    _reason,
    _region,
    _today,
)

# --- admission ------------------------------------------------------------------------------


@dataclass
class AdmissionInput:
    """What an institution declares; strings as typed, checked by :func:`clean_admission`."""

    kind: str = DesignationKind.CARE
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
    kind: str
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
    designation = DESIGNATION_WORDS.get(str(data.kind or "").strip(), "")
    if not designation:
        problems.append(
            rules.Problem(
                "kind", "designation_kind_invalid", "申请类别应为定点护理机构或定点评估机构"
            )
        )
    assessment = designation == DesignationKind.ASSESSMENT
    if assessment:  # an assessment institution declares no care kind, care modes or beds
        data.care_kind, data.care_modes, data.beds = "", [], 0
    name = (data.name or "").strip()
    if not name or len(name) > 100:
        problems.append(rules.Problem("name", "name_required", "请填写机构名称（不超过100字）"))
    code = rules.check_uscc(data.uscc)
    if isinstance(code, rules.Problem):
        problems.append(code)
    kind = rules.KIND_WORDS.get((data.care_kind or "").strip(), "")
    if not kind and not assessment:
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
    if assessment and data.fast_channel:
        problems.append(
            rules.Problem("fast_channel", "fast_channel_not_eligible", "快速通道仅适用于护理机构")
        )
    _raise(problems)
    return CleanAdmission(
        kind=designation,
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


DESIGNATION_WORDS = {
    **{c: c for c in DesignationKind.values},
    **{label: c for c, label in DesignationKind.choices},
    "护理机构": DesignationKind.CARE,
    "评估机构": DesignationKind.ASSESSMENT,
}


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
        data.kind = DesignationKind.CARE
        data.name = org.name
        data.region_code = data.region_code or org.region.code
    elif data.organization_id:
        kind = DESIGNATION_WORDS.get(str(data.kind or "").strip(), DesignationKind.CARE)
        org = get_scoped(Organization.objects.filter(kind=kind), actor, pk=data.organization_id)
        data.name = data.name or org.name
    clean = clean_admission(data)
    if not _is_care_actor(scope) and not scope.covers_region(clean.region.code):
        raise field_error("region_code", "region_out_of_scope", "所选地区不在您的数据范围内")
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
            note=f"提交{admission.get_kind_display()}准入申请：{admission.name}"
            + ("（快速通道）" if admission.fast_channel else ""),
        )
    return admission


def _check_not_designated(clean: CleanAdmission, org: Organization | None) -> None:
    if Institution.all_kinds.filter(organization__uscc=clean.uscc).exists() or (
        org is not None and Institution.all_kinds.filter(organization=org).exists()
    ):
        label = DesignationKind(clean.kind).label
        raise Conflict(
            f"该机构已是{label}",
            code="institution_exists",
            fields={"uscc": f"该统一社会信用代码的机构已是{label}"},
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


AGREEMENT_LABEL = {DesignationKind.CARE: "服务协议", DesignationKind.ASSESSMENT: "评估服务协议"}
AGREEMENT_PREFIX = {DesignationKind.CARE: "CHXY", DesignationKind.ASSESSMENT: "PGXY"}


def _next_agreement_number(institution: Institution, year: int) -> str:
    prefix = f"{AGREEMENT_PREFIX.get(institution.kind, 'CHXY')}{year}-{institution.pk:05d}-"
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
        note=f"签订{AGREEMENT_LABEL.get(institution.kind, '服务协议')}{number}："
        f"{terms.valid_from}至{terms.valid_until}",
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
        "kind": admission.kind,
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
    if Institution.all_kinds.filter(organization=org).exists():
        raise Conflict(f"该机构已是{admission.get_kind_display()}", code="institution_exists")
    institution = Institution.all_kinds.create(
        organization=org,
        admission=admission,
        region_code=admission.region_code,
        **admission.profile(),
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
    audit.record(
        action="create",
        obj=institution,
        user=actor,
        note=f"{admission.get_kind_display()}准入：{org.name}",
    )
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
        raise field_error("region_code", "region_out_of_scope", "所选地区不在您的数据范围内")
    org = Organization.objects.filter(name=clean.name, kind=clean.kind).first()
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
