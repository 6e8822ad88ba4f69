"""Entitlements and the eligibility calendar over HTTP."""

from __future__ import annotations

import datetime as dt
import re

from ninja import Query, Schema, Status
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.care import eligibility, selectors, services
from changhu.care.api._common import router
from changhu.care.api.schemas import (
    ArrangementIn,
    CalendarOut,
    CareReassessmentIn,
    DayOut,
    EntitlementIn,
    EntitlementListOut,
    EntitlementOut,
    PauseEndIn,
    PauseIn,
    ReassessmentOut,
    TerminateIn,
)
from changhu.core import clock
from changhu.core.errors import ValidationFailed
from changhu.orgs.roles import Right

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
    return list_page(request, query, selectors.entitlement_list, selectors.EntitlementFilters)


def _fresh_entitlement(request, entitlement_id: int):
    return selectors.entitlement_get(fetched_by=request.auth, entitlement_id=entitlement_id)


@write(router, "/entitlements", EntitlementOut, status=201)
@needs(Right.CARE_ENTITLEMENT)
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


@write(router, "/entitlements/reassessment", ReassessmentOut)
@needs(Right.CARE_ENTITLEMENT)
def entitlement_reassessment(request, payload: CareReassessmentIn):
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


@write(router, "/entitlements/{int:entitlement_id}/arrangements", EntitlementOut, status=201)
@needs(Right.CARE_ENTITLEMENT)
def entitlement_arrangement(request, entitlement_id: int, payload: ArrangementIn):
    """自某日起变更照护方式、机构或社会支持服务。"""
    services.entitlement_change_arrangement(
        actor=request.auth, entitlement_id=entitlement_id, **payload.dict()
    )
    return Status(201, _fresh_entitlement(request, entitlement_id))


@write(router, "/entitlements/{int:entitlement_id}/pauses", EntitlementOut, status=201)
@needs(Right.CARE_ENTITLEMENT)
def entitlement_pause(request, entitlement_id: int, payload: PauseIn):
    """手工暂停待遇（住院期间自动暂停，无须登记）。"""
    services.entitlement_pause(actor=request.auth, entitlement_id=entitlement_id, **payload.dict())
    return Status(201, _fresh_entitlement(request, entitlement_id))


@write(router, "/pauses/{int:pause_id}/end", EntitlementOut)
@needs(Right.CARE_ENTITLEMENT)
def pause_end(request, pause_id: int, payload: PauseEndIn):
    pause = services.pause_end(actor=request.auth, pause_id=pause_id, end_date=payload.end_date)
    return _fresh_entitlement(request, pause.entitlement_id)


@write(router, "/entitlements/{int:entitlement_id}/terminate", EntitlementOut)
@needs(Right.CARE_ENTITLEMENT)
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
    return selectors.eligibility_on(person.pk, day or clock.today())


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
        "days": days,
    }
