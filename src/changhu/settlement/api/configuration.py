"""Tariffs and supplementary-plan members over HTTP."""

from __future__ import annotations

from ninja import Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate, write
from changhu.orgs.roles import Right
from changhu.settlement import selectors, services
from changhu.settlement.api._common import router
from changhu.settlement.api.schemas import MemberIn, MemberOut, TariffIn, TariffOut

# --- configuration --------------------------------------------------------------------------


@router.get("/tariffs", response={200: list[TariffOut], **errors()})
def tariff_list(request, institution_id: int | None = None):
    """机构结算类别与床日费用。"""
    return [
        {
            "id": t.pk,
            "institution_id": t.institution_id,
            "institution_name": t.institution.organization.name,
            "valid_from": t.valid_from,
            "institution_class": t.institution_class,
            "bed_day_fen": t.bed_day_fen,
        }
        for t in selectors.tariff_list(fetched_by=request.auth, institution_id=institution_id)[:500]
    ]


@write(router, "/tariffs", TariffOut, status=201)
@needs(Right.SETTLEMENT_CONFIGURE)
def tariff_set(request, payload: TariffIn):
    """设置机构某日起的结算类别和床日费用。"""
    t = services.tariff_set(actor=request.auth, **payload.dict())
    return Status(
        201,
        {
            "id": t.pk,
            "institution_id": t.institution_id,
            "institution_name": t.institution.organization.name,
            "valid_from": t.valid_from,
            "institution_class": t.institution_class,
            "bed_day_fen": t.bed_day_fen,
        },
    )


@write(router, "/members", MemberOut, status=201)
@needs(Right.SETTLEMENT_CONFIGURE)
def member_enrol(request, payload: MemberIn):
    """补充保障（惠民保长护责任）参保登记，保费记入该保障的账。"""
    m = services.member_enrol(actor=request.auth, **payload.dict())
    return Status(201, m)


@router.get("/members", response={200: Page[MemberOut], **errors()})
def member_list(
    request, plan_code: str = "", year: int | None = None, page: int = 1, page_size: int = 50
):
    qs = selectors.member_list(fetched_by=request.auth, plan_code=plan_code, year=year)
    return paginate(qs, page=page, page_size=page_size)
