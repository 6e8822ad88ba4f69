"""The service catalogue, entitlements, eligibility, care plans and the person's file over HTTP."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.care import conf, eligibility, selectors, services
from changhu.care.models import (
    Arrangement,
    Assignment,
    CarePlan,
    Catalogue,
    Entitlement,
    Package,
    Pause,
)
from changhu.core import clock
from changhu.core.errors import NotFound, ValidationFailed
from changhu.core.scope import scope_of
from changhu.orgs.roles import Right

router = Router(tags=["待遇资格与护理计划"])

CareModeLiteral = Literal["institutional", "home_visit", "individual", "family"]
PeriodLiteral = Literal["day", "week", "month"]


# --- schemas --------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    code: str
    name: str
    category: str
    category_kind: str
    reference_minutes: int
    frequency_times: int
    frequency_period: str
    frequency_label: str
    qualification: str
    unit_price_fen: int
    fund_covered: bool
    description: str


class CategoryOut(Schema):
    code: str
    name: str
    kind: str
    items: list[ItemOut]


class PackageListOut(Schema):
    id: int
    code: str
    name: str
    grade: int
    care_mode: str
    care_mode_label: str
    max_services_per_month: int | None
    max_minutes_per_month: int | None
    max_amount_fen_per_month: int | None
    max_visits_per_month: int | None


class PackageItemOut(Schema):
    code: str
    name: str
    max_per_month: int | None
    reference_minutes: int
    unit_price_fen: int
    qualification: str


class PackageOut(PackageListOut):
    catalogue_id: int
    catalogue_version: str
    items: list[PackageItemOut]


class CatalogueListOut(Schema):
    id: int
    code: str
    version: str
    name: str
    effective_from: dt.date
    checksum: str
    loaded_at: dt.datetime
    item_count: int
    package_count: int


class CatalogueOut(Schema):
    id: int
    code: str
    version: str
    name: str
    region_code: str
    effective_from: dt.date
    source: str
    checksum: str
    categories: list[CategoryOut]
    packages: list[PackageListOut]


class ArrangementOut(Schema):
    id: int
    start_date: dt.date
    end_date: dt.date | None
    care_mode: str
    care_mode_label: str
    institution_id: int
    institution_name: str
    social_support: bool
    reason: str


class PauseOut(Schema):
    id: int
    start_date: dt.date
    end_date: dt.date | None
    reason: str


class EntitlementListOut(Schema):
    id: int
    person_id: int
    person_name: str
    person_id_number_masked: str
    grade: int
    grade_label: str
    conclusion_id: int | None
    conclusion_ref: str
    valid_from: dt.date
    valid_until: dt.date
    end_date: dt.date | None
    last_day: dt.date
    status: str
    status_label: str
    end_reason: str
    current_care_mode: str
    current_institution_id: int | None
    current_institution_name: str


class EntitlementOut(EntitlementListOut):
    end_note: str
    arrangements: list[ArrangementOut]
    pauses: list[PauseOut]
    plan_ids: list[int]


class EntitlementIn(Schema):
    conclusion_id: int = Field(..., description="已送达的评估结论（等级、有效期均取自结论）")
    care_mode: CareModeLiteral = Field(..., description="监护人选择的照护方式")
    institution_id: int = Field(..., description="监护人选择的护理机构")
    social_support: bool = False
    start_date: dt.date | None = Field(None, description="待遇起始日，默认结论生效日")


class ArrangementIn(Schema):
    effective_date: dt.date
    care_mode: CareModeLiteral | None = None
    institution_id: int | None = None
    social_support: bool | None = None
    reason: str = Field(..., max_length=300)


class PauseIn(Schema):
    start_date: dt.date
    end_date: dt.date | None = None
    reason: str = Field(..., max_length=300)


class PauseEndIn(Schema):
    end_date: dt.date


class TerminateIn(Schema):
    end_date: dt.date = Field(..., description="最后享受待遇的日期")
    reason: Literal["death", "recovery", "reassessment", "insured_lost", "other"]
    note: str = Field("", max_length=300)


class ReassessmentIn(Schema):
    conclusion_id: int = Field(..., description="复评（或其后）出具的评估结论")


class ReassessmentOut(Schema):
    action: Literal["replaced", "ended", "already"]
    action_label: str
    entitlement: EntitlementOut | None
    plans_flagged: int


class DayOut(Schema):
    day: dt.date
    eligible: bool
    reason: str
    reason_label: str
    entitlement_id: int | None
    grade: int | None
    care_mode: str
    institution_id: int | None
    social_support: bool


class CalendarOut(Schema):
    person_id: int
    month: str
    eligible_days: int
    days: list[DayOut]


class PlanLineIn(Schema):
    item_code: str = Field(..., max_length=20)
    times: int = Field(..., ge=1, le=31)
    period: PeriodLiteral
    minutes: int | None = Field(None, ge=1, le=480, description="每次时长，默认目录参考时长")
    note: str = Field("", max_length=200)


class PlanIn(Schema):
    person_id: int
    items: list[PlanLineIn]
    visits_times: int | None = Field(None, ge=1, le=31, description="上门次数")
    visits_period: PeriodLiteral | None = None
    note: str = Field("", max_length=300)
    on_date: dt.date | None = Field(None, description="按此日的照护安排和目录制定，默认今天")


class PlanUpdateIn(Schema):
    items: list[PlanLineIn]
    visits_times: int | None = Field(None, ge=1, le=31)
    visits_period: PeriodLiteral | None = None
    note: str = Field("", max_length=300)


class ConfirmIn(Schema):
    channel: Literal["app", "counter"]
    signer_name: str = Field("", max_length=40, description="窗口确认时：签字人姓名")
    signer_relationship: Literal[
        "", "self", "spouse", "child", "parent", "relative", "guardian"
    ] = ""
    note: str = Field("", max_length=300, description="如纸质确认书编号")


class PlanItemOut(Schema):
    item_code: str
    item_name: str
    qualification: str
    times: int
    period: str
    frequency_label: str
    minutes: int
    monthly_count: int
    unit_price_fen: int
    note: str


class PlanListOut(Schema):
    id: int
    person_id: int
    person_name: str
    version: int
    status: str
    status_label: str
    institution_id: int
    institution_name: str
    care_mode: str
    grade: int
    package_code: str
    monthly_services: int
    monthly_minutes: int
    monthly_amount_fen: int
    valid_from: dt.date | None
    valid_until: dt.date | None
    revision_due_since: dt.date | None = Field(None, description="等级变更后需修订（自）")
    revision_reason: str = ""


class PlanOut(PlanListOut):
    entitlement_id: int
    package_name: str
    catalogue_version: str
    visits_times: int | None
    visits_period: str
    note: str
    items: list[PlanItemOut]
    confirmed_at: dt.datetime | None
    confirmation_channel: str
    signer_name: str
    signer_relationship: str
    confirmation_note: str


class AssignmentIn(Schema):
    person_id: int
    caregiver_id: int
    item_code: str = Field("", max_length=20)
    start_date: dt.date | None = None


class AssignmentEndIn(Schema):
    end_date: dt.date | None = None


class AssignmentOut(Schema):
    id: int
    person_id: int
    caregiver_id: int
    caregiver_name: str
    item_code: str
    item_name: str
    start_date: dt.date
    end_date: dt.date | None


class PersonBriefOut(Schema):
    id: int
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    region_code: str
    status: str
    died_on: dt.date | None


class StayOut(Schema):
    start_date: dt.date
    end_date: dt.date | None


class ConclusionOut(Schema):
    conclusion_id: int
    number: str
    kind_label: str
    grade: int
    grade_label: str
    qualifying: bool
    valid_from: dt.date
    valid_until: dt.date
    superseded_on: dt.date | None
    entitlement_id: int | None
    awaiting: bool = Field(..., description="尚未办理待遇")


class HistoryOut(Schema):
    at: dt.datetime
    actor: str
    subject: str
    text: str


class FileSectionOut(Schema):
    key: str
    label: str
    rows: list[dict]


class PersonFileOut(Schema):
    person: PersonBriefOut
    today: DayOut
    conclusions: list[ConclusionOut]
    entitlements: list[EntitlementOut]
    plans: list[PlanOut]
    assignments: list[AssignmentOut]
    hospital_stays: list[StayOut]
    history: list[HistoryOut]
    sections: list[FileSectionOut]


# --- converters -----------------------------------------------------------------------------


def _item(i) -> dict:
    return {
        "id": i.pk,
        "code": i.code,
        "name": i.name,
        "category": i.category.name,
        "category_kind": i.category.kind,
        "reference_minutes": i.reference_minutes,
        "frequency_times": i.frequency_times,
        "frequency_period": i.frequency_period,
        "frequency_label": i.frequency_label,
        "qualification": i.qualification,
        "unit_price_fen": i.unit_price_fen,
        "fund_covered": i.fund_covered,
        "description": i.description,
    }


def _package_row(p: Package) -> dict:
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "grade": p.grade,
        "care_mode": p.care_mode,
        "care_mode_label": p.get_care_mode_display(),
        "max_services_per_month": p.max_services_per_month,
        "max_minutes_per_month": p.max_minutes_per_month,
        "max_amount_fen_per_month": p.max_amount_fen_per_month,
        "max_visits_per_month": p.max_visits_per_month,
    }


def _catalogue(c: Catalogue) -> dict:
    return {
        "id": c.pk,
        "code": c.code,
        "version": c.version,
        "name": c.name,
        "region_code": c.region_code,
        "effective_from": c.effective_from,
        "source": c.source,
        "checksum": c.checksum,
        "categories": [
            {
                "code": cat.code,
                "name": cat.name,
                "kind": cat.kind,
                "items": [_item(i) for i in cat.items.all()],
            }
            for cat in c.categories.all()
        ],
        "packages": [_package_row(p) for p in c.packages.all()],
    }


def _arrangement(a: Arrangement) -> dict:
    return {
        "id": a.pk,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "care_mode": a.care_mode,
        "care_mode_label": a.get_care_mode_display(),
        "institution_id": a.institution_id,
        "institution_name": a.institution.organization.name,
        "social_support": a.social_support,
        "reason": a.reason,
    }


def _entitlement_row(e: Entitlement) -> dict:
    today = clock.today()
    arrangements = list(e.arrangements.all())
    current = selectors.arrangement_on(e, min(max(today, e.valid_from), e.last_day)) or (
        arrangements[-1] if arrangements else None
    )
    return {
        "id": e.pk,
        "person_id": e.person_id,
        "person_name": e.person.name,
        "person_id_number_masked": e.person.id_number_masked,
        "grade": e.grade,
        "grade_label": conf.grade_label(e.grade),
        "conclusion_id": e.conclusion_id,
        "conclusion_ref": e.conclusion_ref,
        "valid_from": e.valid_from,
        "valid_until": e.valid_until,
        "end_date": e.end_date,
        "last_day": e.last_day,
        "status": e.status,
        "status_label": e.get_status_display(),
        "end_reason": e.end_reason,
        "current_care_mode": current.care_mode if current else "",
        "current_institution_id": current.institution_id if current else None,
        "current_institution_name": current.institution.organization.name if current else "",
    }


def _entitlement(e: Entitlement) -> dict:
    row = _entitlement_row(e)
    row.update(
        {
            "end_note": e.end_note,
            "arrangements": [_arrangement(a) for a in e.arrangements.all()],
            "pauses": [_pause(p) for p in e.pauses.all()],
            "plan_ids": [p.pk for p in e.care_plans.all()],
        }
    )
    return row


def _pause(p: Pause) -> dict:
    return {"id": p.pk, "start_date": p.start_date, "end_date": p.end_date, "reason": p.reason}


def _day(a: eligibility.DayAnswer) -> dict:
    return {
        "day": a.day,
        "eligible": a.eligible,
        "reason": a.reason,
        "reason_label": a.reason_label,
        "entitlement_id": a.entitlement_id,
        "grade": a.grade,
        "care_mode": a.care_mode,
        "institution_id": a.institution_id,
        "social_support": a.social_support,
    }


def _plan_row(p: CarePlan) -> dict:
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "person_name": p.person.name,
        "version": p.version,
        "status": p.status,
        "status_label": p.get_status_display(),
        "institution_id": p.institution_id,
        "institution_name": p.institution.organization.name,
        "care_mode": p.care_mode,
        "grade": p.grade,
        "package_code": p.package.code,
        "monthly_services": p.monthly_services,
        "monthly_minutes": p.monthly_minutes,
        "monthly_amount_fen": p.monthly_amount_fen,
        "valid_from": p.valid_from,
        "valid_until": p.valid_until,
        "revision_due_since": p.revision_due_since,
        "revision_reason": p.revision_reason,
    }


def _plan(p: CarePlan) -> dict:
    row = _plan_row(p)
    row.update(
        {
            "entitlement_id": p.entitlement_id,
            "package_name": p.package.name,
            "catalogue_version": p.package.catalogue.version,
            "visits_times": p.visits_times,
            "visits_period": p.visits_period,
            "note": p.note,
            "items": [
                {
                    "item_code": i.item.code,
                    "item_name": i.item.name,
                    "qualification": i.item.qualification,
                    "times": i.times,
                    "period": i.period,
                    "frequency_label": i.frequency_label,
                    "minutes": i.minutes,
                    "monthly_count": i.monthly_count,
                    "unit_price_fen": i.item.unit_price_fen,
                    "note": i.note,
                }
                for i in p.items.all()
            ],
            "confirmed_at": p.confirmed_at,
            "confirmation_channel": p.confirmation_channel,
            "signer_name": p.signer_name,
            "signer_relationship": p.signer_relationship,
            "confirmation_note": p.confirmation_note,
        }
    )
    return row


def _assignment(a: Assignment) -> dict:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "caregiver_id": a.caregiver_id,
        "caregiver_name": a.caregiver.name,
        "item_code": a.item.code if a.item_id else "",
        "item_name": a.item.name if a.item_id else "",
        "start_date": a.start_date,
        "end_date": a.end_date,
    }


# --- catalogue ------------------------------------------------------------------------------


@router.get("/catalogues", response={200: list[CatalogueListOut], **errors()})
def catalogue_list(request):
    """服务项目目录的各个版本（只读）。"""
    return [
        {
            "id": c.pk,
            "code": c.code,
            "version": c.version,
            "name": c.name,
            "effective_from": c.effective_from,
            "checksum": c.checksum,
            "loaded_at": c.loaded_at,
            "item_count": c.item_count,
            "package_count": c.package_count,
        }
        for c in selectors.catalogue_list(fetched_by=request.auth)
    ]


@router.get("/catalogues/current", response={200: CatalogueOut, **errors(404)})
def catalogue_current(request, day: dt.date | None = None):
    """某日生效的目录（默认今天）。"""
    found = selectors.catalogue_current(fetched_by=request.auth, day=day)
    if found is None:
        raise NotFound("该日期没有生效的服务项目目录", code="catalogue_missing")
    return _catalogue(selectors.catalogue_get(fetched_by=request.auth, catalogue_id=found.pk))


@router.get("/catalogues/{int:catalogue_id}", response={200: CatalogueOut, **errors(404)})
def catalogue_detail(request, catalogue_id: int):
    """目录版本的类别、项目和服务包。"""
    return _catalogue(selectors.catalogue_get(fetched_by=request.auth, catalogue_id=catalogue_id))


@router.get("/packages/{int:package_id}", response={200: PackageOut, **errors(404)})
def package_detail(request, package_id: int):
    """服务包：包含的项目和每月上限。"""
    p = selectors.package_get(fetched_by=request.auth, package_id=package_id)
    row = _package_row(p)
    row.update(
        {
            "catalogue_id": p.catalogue_id,
            "catalogue_version": p.catalogue.version,
            "items": [
                {
                    "code": pi.item.code,
                    "name": pi.item.name,
                    "max_per_month": pi.max_per_month,
                    "reference_minutes": pi.item.reference_minutes,
                    "unit_price_fen": pi.item.unit_price_fen,
                    "qualification": pi.item.qualification,
                }
                for pi in p.package_items.all()
            ],
        }
    )
    return row


# --- entitlements ---------------------------------------------------------------------------


class EntitlementQuery(Schema):
    q: str = Field("", max_length=40)
    status: str = ""
    care_mode: str = ""
    institution_id: int | None = None
    person_id: int | None = None
    district: str = Field("", max_length=12)
    page: int = 1
    page_size: int = 20


@router.get("/entitlements", response={200: Page[EntitlementListOut], **errors(422)})
def entitlement_list(request, query: Query[EntitlementQuery]):
    """数据范围内的待遇资格（护理机构只看到本机构服务对象）。"""
    filters = selectors.EntitlementFilters(
        q=query.q,
        status=query.status,
        care_mode=query.care_mode,
        institution_id=query.institution_id,
        person_id=query.person_id,
        district=query.district,
    )
    qs = selectors.entitlement_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_entitlement_row)


def _fresh_entitlement(request, entitlement_id: int) -> dict:
    return _entitlement(
        selectors.entitlement_get(fetched_by=request.auth, entitlement_id=entitlement_id)
    )


@router.post("/entitlements", response={201: EntitlementOut, **errors(403, 404, 409, 422)})
def entitlement_open(request, payload: EntitlementIn):
    """办理待遇：按已送达的评估结论开始享受待遇，只填监护人的选择（照护方式、护理机构、社会支持
    服务、起始日）；等级和有效期取自结论，是否达到待遇等级按参保人所在地区的待遇政策。同一结论
    重复提交同样的选择返回原记录。"""
    entitlement = services.entitlement_open_from_conclusion(actor=request.auth, **payload.dict())
    return Status(201, _fresh_entitlement(request, entitlement.pk))


ACTION_LABELS = {
    "replaced": "已按新结论继续享受待遇",
    "ended": "未达到待遇等级，待遇已终止",
    "already": "该结论已处理",
}


@router.post(
    "/entitlements/reassessment",
    response={200: ReassessmentOut, **errors(403, 404, 409, 422)},
)
def entitlement_reassessment(request, payload: ReassessmentIn):
    """将复评结论用于正在享受的待遇（评估结论出具时已自动处理，此处用于补办）：符合等级则按新
    结论继续，否则终止。"""
    outcome = services.entitlement_apply_reassessment(
        actor=request.auth, conclusion_id=payload.conclusion_id
    )
    entitlement = outcome.entitlement
    return {
        "action": outcome.action,
        "action_label": ACTION_LABELS[outcome.action],
        "entitlement": _fresh_entitlement(request, entitlement.pk) if entitlement else None,
        "plans_flagged": outcome.plans_flagged,
    }


@router.get("/entitlements/{int:entitlement_id}", response={200: EntitlementOut, **errors(404)})
def entitlement_detail(request, entitlement_id: int):
    return _fresh_entitlement(request, entitlement_id)


@router.post(
    "/entitlements/{int:entitlement_id}/arrangements",
    response={201: EntitlementOut, **errors(403, 404, 409, 422)},
)
def entitlement_arrangement(request, entitlement_id: int, payload: ArrangementIn):
    """自某日起变更照护方式、机构或社会支持服务。"""
    services.entitlement_change_arrangement(
        actor=request.auth, entitlement_id=entitlement_id, **payload.dict()
    )
    return Status(201, _fresh_entitlement(request, entitlement_id))


@router.post(
    "/entitlements/{int:entitlement_id}/pauses",
    response={201: EntitlementOut, **errors(403, 404, 409, 422)},
)
def entitlement_pause(request, entitlement_id: int, payload: PauseIn):
    """手工暂停待遇（住院期间自动暂停，无须登记）。"""
    services.entitlement_pause(actor=request.auth, entitlement_id=entitlement_id, **payload.dict())
    return Status(201, _fresh_entitlement(request, entitlement_id))


@router.post(
    "/pauses/{int:pause_id}/end", response={200: EntitlementOut, **errors(403, 404, 409, 422)}
)
def pause_end(request, pause_id: int, payload: PauseEndIn):
    pause = services.pause_end(actor=request.auth, pause_id=pause_id, end_date=payload.end_date)
    return _fresh_entitlement(request, pause.entitlement_id)


@router.post(
    "/entitlements/{int:entitlement_id}/terminate",
    response={200: EntitlementOut, **errors(403, 404, 409, 422)},
)
def entitlement_terminate(request, entitlement_id: int, payload: TerminateIn):
    """终止待遇（身故、复评不符合、不再参保等）。"""
    services.entitlement_terminate(
        actor=request.auth, entitlement_id=entitlement_id, **payload.dict()
    )
    return _fresh_entitlement(request, entitlement_id)


@router.get("/eligibility", response={200: DayOut, **errors(403, 404, 422)})
def eligibility_on(request, person_id: int, day: dt.date | None = None):
    """某人某日是否享受待遇、照护方式和机构。"""
    person = selectors.person_for_care(fetched_by=request.auth, person_id=person_id)
    return _day(selectors.eligibility_on(person.pk, day or clock.today()))


@router.get("/eligibility/calendar", response={200: CalendarOut, **errors(403, 404, 422)})
def eligibility_calendar(request, person_id: int, month: str):
    """某人某月（YYYY-MM）每一天的待遇情况。"""
    if not re.fullmatch(r"\d{4}-\d{2}", month or ""):
        raise ValidationFailed(
            "月份应为YYYY-MM", code="month_format", fields={"month": "月份应为YYYY-MM"}
        )
    person = selectors.person_for_care(fetched_by=request.auth, person_id=person_id)
    try:
        days = selectors.eligibility_calendar([person.pk], month)[person.pk]
    except ValueError:
        raise ValidationFailed(
            "月份应为YYYY-MM", code="month_format", fields={"month": "月份应为YYYY-MM"}
        ) from None
    return {
        "person_id": person.pk,
        "month": month,
        "eligible_days": eligibility.eligible_days(days),
        "days": [_day(d) for d in days],
    }


# --- care plans -----------------------------------------------------------------------------


class PlanQuery(Schema):
    status: str = ""
    person_id: int | None = None
    institution_id: int | None = None
    q: str = Field("", max_length=40)
    page: int = 1
    page_size: int = 20


@router.get("/plans", response={200: Page[PlanListOut], **errors(422)})
def plan_list(request, query: Query[PlanQuery]):
    """数据范围内的护理计划。"""
    filters = selectors.PlanFilters(
        status=query.status,
        person_id=query.person_id,
        institution_id=query.institution_id,
        q=query.q,
    )
    qs = selectors.care_plan_list(fetched_by=request.auth, filters=filters)
    return paginate(qs, page=query.page, page_size=query.page_size, convert=_plan_row)


def _fresh_plan(request, plan_id: int) -> dict:
    return _plan(selectors.care_plan_get(fetched_by=request.auth, plan_id=plan_id))


def _lines(items: list[PlanLineIn]) -> list[services.PlanLineInput]:
    return [services.PlanLineInput(**i.dict()) for i in items]


@router.post("/plans", response={201: PlanOut, **errors(403, 404, 409, 422)})
def plan_draft(request, payload: PlanIn):
    """护理机构按服务包为服务对象制定护理计划（超出服务包上限时拒绝并说明）。"""
    plan = services.care_plan_draft(
        actor=request.auth,
        person_id=payload.person_id,
        lines=_lines(payload.items),
        visits_times=payload.visits_times,
        visits_period=payload.visits_period or "",
        note=payload.note,
        on_date=payload.on_date,
    )
    return Status(201, _fresh_plan(request, plan.pk))


@router.get("/plans/{int:plan_id}", response={200: PlanOut, **errors(404)})
def plan_detail(request, plan_id: int):
    return _fresh_plan(request, plan_id)


@router.put("/plans/{int:plan_id}", response={200: PlanOut, **errors(403, 404, 409, 422)})
def plan_update(request, plan_id: int, payload: PlanUpdateIn):
    """修改计划草稿。"""
    services.care_plan_update_draft(
        actor=request.auth,
        plan_id=plan_id,
        lines=_lines(payload.items),
        visits_times=payload.visits_times,
        visits_period=payload.visits_period or "",
        note=payload.note,
    )
    return _fresh_plan(request, plan_id)


@router.post("/plans/{int:plan_id}/revise", response={201: PlanOut, **errors(403, 404, 409, 422)})
def plan_revise(request, plan_id: int):
    """在执行中的计划基础上制定新版本（须重新确认）。"""
    plan = services.care_plan_revise(actor=request.auth, plan_id=plan_id)
    return Status(201, _fresh_plan(request, plan.pk))


@router.post("/plans/{int:plan_id}/withdraw", response={200: PlanOut, **errors(403, 404, 409)})
def plan_withdraw(request, plan_id: int):
    services.care_plan_withdraw(actor=request.auth, plan_id=plan_id)
    return _fresh_plan(request, plan_id)


@router.post("/plans/{int:plan_id}/confirm", response={200: PlanOut, **errors(403, 404, 409, 422)})
def plan_confirm(request, plan_id: int, payload: ConfirmIn):
    """参保人/家属线上确认，或经办人员记录窗口确认；确认后计划生效。"""
    services.care_plan_confirm(actor=request.auth, plan_id=plan_id, **payload.dict())
    return _fresh_plan(request, plan_id)


# --- assignments and the person's file -------------------------------------------------------


@router.get("/assignments", response={200: list[AssignmentOut], **errors(422)})
def assignment_list(request, person_id: int | None = None, caregiver_id: int | None = None):
    qs = selectors.assignment_list(
        fetched_by=request.auth, person_id=person_id, caregiver_id=caregiver_id
    )
    return [_assignment(a) for a in qs[:500]]


@router.post("/assignments", response={201: AssignmentOut, **errors(403, 404, 409, 422)})
def assignment_create(request, payload: AssignmentIn):
    """派定护理员（证书过期、暂停执业或机构暂停时拒绝）。"""
    assignment = services.assignment_create(actor=request.auth, **payload.dict())
    return Status(201, _assignment(assignment))


@router.post(
    "/assignments/{int:assignment_id}/end",
    response={200: AssignmentOut, **errors(403, 404, 409, 422)},
)
def assignment_end(request, assignment_id: int, payload: AssignmentEndIn):
    assignment = services.assignment_end(
        actor=request.auth, assignment_id=assignment_id, end_date=payload.end_date
    )
    return _assignment(assignment)


@router.get("/persons/{int:person_id}/file", response={200: PersonFileOut, **errors(403, 404)})
def person_file(request, person_id: int):
    """一人一档：评估结论、待遇资格、照护安排、护理计划、派定护理员、住院记录。"""
    f = selectors.person_file(fetched_by=request.auth, person_id=person_id)
    p = f.person
    staff = scope_of(request.auth).can(Right.CARE_VIEW)
    return {
        "person": {
            "id": p.pk,
            "name": p.name,
            "id_number_masked": p.id_number_masked,
            "sex": p.sex,
            "birth_date": p.birth_date,
            "region_code": p.region_code,
            "status": p.status,
            "died_on": p.died_on,
        },
        "today": _day(f.today),
        "conclusions": f.conclusions,
        "history": [{**h.__dict__, "actor": h.actor if staff else ""} for h in f.history],
        "entitlements": [_entitlement(e) for e in f.entitlements],
        "plans": [_plan(x) for x in f.plans],
        "assignments": [_assignment(a) for a in f.assignments],
        "hospital_stays": [
            {"start_date": s.start_date, "end_date": s.end_date} for s in f.hospital_stays
        ],
        "sections": [{"key": k, "label": label, "rows": rows} for k, label, rows in f.sections],
    }
