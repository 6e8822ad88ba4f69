"""Tariffs and supplementary-plan members over HTTP."""

from __future__ import annotations

from ninja import Status

from changhu.api.schemas import Page, errors, paginate
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


@router.post("/tariffs", response={201: TariffOut, **errors(403, 404, 409, 422)})
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


@router.post("/members", response={201: MemberOut, **errors(403, 404, 409, 422)})
def member_enrol(request, payload: MemberIn):
    """补充保障（惠民保长护责任）参保登记，保费记入该保障的账。"""
    m = services.member_enrol(actor=request.auth, **payload.dict())
    return Status(201, _member(m))


@router.get("/members", response={200: Page[MemberOut], **errors()})
def member_list(
    request, plan_code: str = "", year: int | None = None, page: int = 1, page_size: int = 50
):
    qs = selectors.member_list(fetched_by=request.auth, plan_code=plan_code, year=year)
    return paginate(qs, page=page, page_size=page_size, convert=_member)


def _member(m) -> dict:
    return {
        "id": m.pk,
        "plan_code": m.plan_code,
        "person_id": m.person_id,
        "person_name": m.person.name,
        "year": m.year,
        "premium_fen": m.premium_fen,
        "paid_from": m.paid_from,
        "family_size": m.family_size,
        "joined_on": m.joined_on,
    }
