"""Transfers (转移安置) over HTTP: the cases in scope, the institutions a case may move to,
choosing one (family or case worker), completing and cancelling."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Schema
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.care import services, transfer_selectors
from changhu.care.api._common import router
from changhu.core import clock
from changhu.orgs.roles import Right


class TransferQuery(Schema):
    status: str = Field("", description="状态；pending 表示尚未转移（待选择或已选定）")
    q: str = Field("", max_length=40)
    from_institution_id: int | None = None
    overdue: bool = Field(False, description="只看超过安置期限仍未转移的")
    page: int = 1
    page_size: int = 20


class TransferOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(alias="person.name")
    entitlement_id: int
    from_institution_id: int
    from_institution_name: str = Field(alias="from_institution.organization.name")
    cause: str
    cause_label: str = Field(alias="get_cause_display")
    care_mode: str
    stopped_on: dt.date = Field(..., description="原机构最后服务日")
    due_on: dt.date = Field(..., description="安置期限")
    days_waiting: int = Field(0, description="原机构最后服务日以来的天数（办结的算至生效日）")
    overdue: bool = False
    status: str
    status_label: str = Field(alias="get_status_display")
    to_institution_id: int | None
    to_institution_name: str = ""
    choice_channel: str
    effective_date: dt.date | None
    new_arrangement_id: int | None
    new_plan_id: int | None
    note: str

    @staticmethod
    def resolve_to_institution_name(obj) -> str:
        return obj.to_institution.name if obj.to_institution_id else ""

    @staticmethod
    def resolve_days_waiting(obj) -> int:
        return transfer_selectors.days_waiting(obj)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.pending and obj.due_on < clock.today()


class TransferOptionOut(Schema):
    id: int
    name: str
    region_code: str
    care_modes: list[str]


class TransferAssignIn(Schema):
    institution_id: int
    note: str = Field("", max_length=300)


class TransferCompleteIn(Schema):
    effective_date: dt.date | None = Field(
        None, description="新机构开始服务的日期；默认原机构最后服务日的次日或今天"
    )


class TransferCancelIn(Schema):
    reason: str = Field(..., max_length=300)


@router.get("/transfers", response={200: Page[TransferOut], **errors(422)})
def transfer_list(request, query: Query[TransferQuery]):
    """数据范围内的转移安置（经办人员：所辖区域；护理机构：本机构转出或转入；家属：本人代办的参保人）。"""
    return list_page(
        request, query, transfer_selectors.transfer_list, transfer_selectors.TransferFilters
    )


def _fresh(request, transfer_id: int):
    return transfer_selectors.transfer_get(fetched_by=request.auth, transfer_id=transfer_id)


@router.get("/transfers/{int:transfer_id}", response={200: TransferOut, **errors(404)})
def transfer_detail(request, transfer_id: int):
    return _fresh(request, transfer_id)


@router.get(
    "/transfers/{int:transfer_id}/options",
    response={200: list[TransferOptionOut], **errors(404)},
)
def transfer_options(request, transfer_id: int):
    """可承接该参保人的定点机构（正常运营、协议有效、提供该照护方式、服务参保人所在区县）。"""
    transfer = _fresh(request, transfer_id)
    return services.transfer_options(transfer) if transfer.pending else []


@write(router, "/transfers/{int:transfer_id}/assign", TransferOut)
@needs(Right.CARE_ENTITLEMENT, Right.INSURED_SELF)
def transfer_assign(request, transfer_id: int, payload: TransferAssignIn):
    """家属自选或经办人员指定新护理机构（只能从可承接的机构中选择）。"""
    services.transfer_assign(actor=request.auth, transfer_id=transfer_id, **payload.dict())
    return _fresh(request, transfer_id)


@write(router, "/transfers/{int:transfer_id}/complete", TransferOut)
@needs(Right.CARE_ENTITLEMENT)
def transfer_complete(request, transfer_id: int, payload: TransferCompleteIn):
    """完成转移：自生效日起照护安排转到新机构，原机构的护理计划和护理员派定于前一日结束，按原计划生成新计划待确认。"""
    services.transfer_complete(
        actor=request.auth, transfer_id=transfer_id, effective_date=payload.effective_date
    )
    return _fresh(request, transfer_id)


@write(router, "/transfers/{int:transfer_id}/cancel", TransferOut)
@needs(Right.CARE_ENTITLEMENT)
def transfer_cancel(request, transfer_id: int, payload: TransferCancelIn):
    """撤销无需转移的安置（如待遇已终止）。"""
    services.transfer_cancel(actor=request.auth, transfer_id=transfer_id, reason=payload.reason)
    return _fresh(request, transfer_id)
