"""Benefit policies, the calculator, monthly settlement and payments over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from changhu.api.schemas import Page, errors, paginate
from changhu.core.scope import require
from changhu.orgs.roles import Right
from changhu.settlement import calculator, explain, policies, selectors, services, statements
from changhu.settlement.models import Claim, ClaimLine, PaymentOrder, SettlementPeriod

router = Router(tags=["待遇政策与结算"])


# --- schemas --------------------------------------------------------------------------------


class PolicyOut(Schema):
    id: int
    code: str
    version: str
    kind: str
    name: str
    region_code: str
    effective_from: dt.date
    source: str
    checksum: str


class PolicyDetailOut(PolicyOut):
    data: dict[str, Any]


class CalculateIn(Schema):
    policy: str = Field(..., max_length=40, description="政策代码，如 chengdu")
    period: str = Field(..., max_length=7, description="结算月份 YYYY-MM")
    input: dict[str, Any] = Field(
        ..., description="一个人一个月的情况，见 docs/benefit-calculator.md"
    )


class PeriodIn(Schema):
    month: str = Field(..., max_length=7)
    region_code: str = Field(..., max_length=12)
    policy_code: str = Field("", max_length=40, description="留空：该地区该月生效的政策")


class PeriodOut(Schema):
    id: int
    month: str
    region_code: str
    region_name: str
    policy: str
    supplementary: str | None
    status: str
    status_label: str
    line_count: int
    fund_fen: int
    supplementary_fen: int
    personal_fen: int
    computed_at: dt.datetime | None
    paid_at: dt.datetime | None


class RunOut(Schema):
    id: int
    period_id: int
    status: str
    status_label: str
    total_chunks: int
    done_chunks: int
    percent: int
    line_count: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ClaimOut(Schema):
    id: int
    period_id: int
    month: str
    institution_id: int
    institution_name: str
    status: str
    status_label: str
    line_count: int
    person_count: int
    fund_fen: int
    supplementary_fen: int
    personal_fen: int
    withdrawn_fen: int
    rejected_fen: int
    excluded_count: int
    submitted_at: dt.datetime | None
    first_reviewer: str | None
    first_reviewed_at: dt.datetime | None
    second_reviewer: str | None
    second_reviewed_at: dt.datetime | None
    paid_at: dt.datetime | None


class LineOut(Schema):
    id: int
    claim_id: int
    person_id: int
    person_name: str
    benefit: str
    benefit_name: str
    kind: str
    payer: str
    tier: int
    payee: str
    grade: int
    care_mode: str
    institution_class: str
    eligible_days: int
    days: str
    eligible_cost_fen: int
    fund_fen: int
    personal_fen: int
    rule: str
    status: str
    reason_code: str
    reason: str
    visit_count: int
    source: str
    adjusts_id: int | None


class ExplanationOut(Schema):
    line: LineOut
    month: str
    days_in_month: int
    policy: str
    policy_name: str
    rule_kind_label: str
    rate: dict[str, Any]
    visits: list[dict[str, Any]]
    exclusions: list[dict[str, Any]]
    steps: list[str]


class LineQuery(Schema):
    status: str = ""
    benefit: str = ""
    payer: str = ""
    q: str = Field("", max_length=40)
    page: int = 1
    page_size: int = 50


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


class RejectIn(Schema):
    reason_code: Literal[tuple(services.REJECT_REASONS)]  # type: ignore[valid-type]
    reason: str = Field("", max_length=300)


class ReviewIn(Schema):
    approve: bool
    reason: str = Field("", max_length=300)


class PaymentSummaryOut(Schema):
    period_id: int
    orders: int
    paid_fen: int
    receivable_fen: int
    by_payer: dict[str, int]


class PaymentOut(Schema):
    id: int
    payer: str
    payee_kind: str
    payee_name: str
    institution_id: int | None
    person_id: int | None
    amount_fen: int
    line_count: int
    status: str
    entry_id: int | None


class AdjustmentIn(Schema):
    line_id: int
    period_id: int
    amount_fen: int = Field(..., description="补付为正，追回为负")
    reason: str = Field(..., max_length=300)


class TariffIn(Schema):
    institution_id: int
    valid_from: dt.date
    institution_class: str = Field("", max_length=16)
    bed_day_fen: int = Field(0, ge=0)
    note: str = Field("", max_length=300)


class TariffOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    valid_from: dt.date
    institution_class: str
    bed_day_fen: int


class MemberIn(Schema):
    plan_code: str = Field(..., max_length=40)
    person_id: int
    year: int
    paid_from: Literal["personal_account", "cash", "employer"]
    family_size: int = 1
    joined_on: dt.date | None = None


class MemberOut(Schema):
    id: int
    plan_code: str
    person_id: int
    person_name: str
    year: int
    premium_fen: int
    paid_from: str
    family_size: int
    joined_on: dt.date


# --- rows -----------------------------------------------------------------------------------


def _period(p: SettlementPeriod) -> dict:
    return {
        "id": p.pk,
        "month": p.month,
        "region_code": p.region_code,
        "region_name": p.region.name,
        "policy": p.policy.ref,
        "supplementary": p.supplementary.ref if p.supplementary_id else None,
        "status": p.status,
        "status_label": p.get_status_display(),
        "line_count": p.line_count,
        "fund_fen": p.fund_fen,
        "supplementary_fen": p.supplementary_fen,
        "personal_fen": p.personal_fen,
        "computed_at": p.computed_at,
        "paid_at": p.paid_at,
    }


def _run(r) -> dict:
    return {
        "id": r.pk,
        "period_id": r.period_id,
        "status": r.status,
        "status_label": r.get_status_display(),
        "total_chunks": r.total_chunks,
        "done_chunks": r.done_chunks,
        "percent": r.percent,
        "line_count": r.line_count,
        "error": r.error,
        "created_at": r.created_at,
        "finished_at": r.finished_at,
    }


def _user(u) -> str | None:
    return u.display_name if u is not None else None


def _claim(c: Claim) -> dict:
    return {
        "id": c.pk,
        "period_id": c.period_id,
        "month": c.period.month,
        "institution_id": c.institution_id,
        "institution_name": c.institution.organization.name,
        "status": c.status,
        "status_label": c.get_status_display(),
        "line_count": c.line_count,
        "person_count": c.person_count,
        "fund_fen": c.fund_fen,
        "supplementary_fen": c.supplementary_fen,
        "personal_fen": c.personal_fen,
        "withdrawn_fen": c.withdrawn_fen,
        "rejected_fen": c.rejected_fen,
        "excluded_count": c.excluded_count,
        "submitted_at": c.submitted_at,
        "first_reviewer": _user(c.first_reviewer) if c.first_reviewer_id else None,
        "first_reviewed_at": c.first_reviewed_at,
        "second_reviewer": _user(c.second_reviewer) if c.second_reviewer_id else None,
        "second_reviewed_at": c.second_reviewed_at,
        "paid_at": c.paid_at,
    }


def line_row(x: ClaimLine) -> dict:
    return {
        "id": x.pk,
        "claim_id": x.claim_id,
        "person_id": x.person_id,
        "person_name": x.person.name,
        "benefit": x.benefit,
        "benefit_name": x.benefit_name,
        "kind": x.kind,
        "payer": x.payer,
        "tier": x.tier,
        "payee": x.payee_kind,
        "grade": x.grade,
        "care_mode": x.care_mode,
        "institution_class": x.institution_class,
        "eligible_days": x.eligible_days,
        "days": selectors.line_days(x),
        "eligible_cost_fen": x.eligible_cost_fen,
        "fund_fen": x.fund_fen,
        "personal_fen": x.personal_fen,
        "rule": x.rule,
        "status": x.status,
        "reason_code": x.reason_code,
        "reason": x.reason,
        "visit_count": x.visit_count,
        "source": x.source,
        "adjusts_id": x.adjusts_id,
    }


def _payment(o: PaymentOrder) -> dict:
    name = o.institution.organization.name if o.institution_id else o.person.name
    return {
        "id": o.pk,
        "payer": o.payer,
        "payee_kind": o.payee_kind,
        "payee_name": name,
        "institution_id": o.institution_id,
        "person_id": o.person_id,
        "amount_fen": o.amount_fen,
        "line_count": o.line_count,
        "status": o.status,
        "entry_id": o.entry_id,
    }


def _fresh_claim(request, claim_id: int) -> dict:
    return _claim(selectors.claim_get(fetched_by=request.auth, claim_id=claim_id))


def _fresh_line(request, line_id: int) -> dict:
    return line_row(selectors.line_get(fetched_by=request.auth, line_id=line_id))


# --- policies and the calculator ------------------------------------------------------------


@router.get("/policies", response={200: list[PolicyOut], **errors()})
def policy_list(request):
    """已加载的待遇政策版本（含补充保障）。"""
    return list(selectors.policy_list(fetched_by=request.auth))


@router.get("/policies/{int:policy_id}", response={200: PolicyDetailOut, **errors(404)})
def policy_detail(request, policy_id: int):
    """政策版本的完整规则数据。"""
    return selectors.policy_get(fetched_by=request.auth, policy_id=policy_id)


@router.post("/benefit/calculate", response={200: dict[str, Any], **errors(403, 404, 422)})
def benefit_calculate(request, payload: CalculateIn):
    """待遇测算：按政策计算一个人一个月的待遇（不写入任何数据）。"""
    require(request.auth, Right.SETTLEMENT_CALCULATE)
    first, _ = calculator.month_bounds(payload.period)
    policy = policies.policy_for_calculator(payload.policy, first)
    return calculator.calculate(
        payload.input, policy, payload.period, supplementary=policies.policy_for_calculator
    )


# --- periods and runs -----------------------------------------------------------------------


@router.get("/periods", response={200: list[PeriodOut], **errors()})
def period_list(request):
    """数据范围内的结算期。"""
    return [_period(p) for p in selectors.period_list(fetched_by=request.auth)[:120]]


@router.post("/periods", response={201: PeriodOut, **errors(403, 404, 409, 422)})
def period_open(request, payload: PeriodIn):
    """开立结算期（已存在则返回原结算期）。"""
    period = services.period_open(actor=request.auth, **payload.dict())
    return Status(201, _period(selectors.period_get(fetched_by=request.auth, period_id=period.pk)))


@router.get("/periods/{int:period_id}", response={200: PeriodOut, **errors(404)})
def period_detail(request, period_id: int):
    return _period(selectors.period_get(fetched_by=request.auth, period_id=period_id))


@router.post("/periods/{int:period_id}/runs", response={202: RunOut, **errors(403, 404, 409)})
def run_request(request, period_id: int):
    """发起结算计算（后台执行；已在排队或运行则返回该批次）。"""
    run = services.run_request(actor=request.auth, period_id=period_id, source="api")
    return Status(202, _run(run))


@router.get("/runs/{int:run_id}", response={200: RunOut, **errors(404)})
def run_detail(request, run_id: int):
    """计算进度。"""
    return _run(selectors.run_get(fetched_by=request.auth, run_id=run_id))


@router.post(
    "/periods/{int:period_id}/pay", response={200: PaymentSummaryOut, **errors(403, 404, 409)}
)
def period_pay(request, period_id: int):
    """拨付：按收款方生成拨付单并记入基金账，结算期随即锁定。"""
    return services.period_pay(actor=request.auth, period_id=period_id).__dict__


@router.get("/periods/{int:period_id}/payments", response={200: Page[PaymentOut], **errors(404)})
def payment_list(request, period_id: int, payee_kind: str = "", page: int = 1, page_size: int = 50):
    """拨付单。"""
    selectors.period_get(fetched_by=request.auth, period_id=period_id)
    qs = selectors.payment_list(fetched_by=request.auth, period_id=period_id, payee_kind=payee_kind)
    return paginate(qs, page=page, page_size=page_size, convert=_payment)


# --- claims and lines -----------------------------------------------------------------------


@router.get("/claims", response={200: Page[ClaimOut], **errors()})
def claim_list(
    request, period_id: int | None = None, status: str = "", page: int = 1, page_size: int = 50
):
    """数据范围内的申报（护理机构只看到本机构的申报）。"""
    qs = selectors.claim_list(
        fetched_by=request.auth,
        filters=selectors.ClaimFilters(period_id=period_id, status=status),
    ).select_related("first_reviewer", "second_reviewer")
    return paginate(qs, page=page, page_size=page_size, convert=_claim)


@router.get("/claims/{int:claim_id}", response={200: ClaimOut, **errors(404)})
def claim_detail(request, claim_id: int):
    return _fresh_claim(request, claim_id)


@router.get("/claims/{int:claim_id}/lines", response={200: Page[LineOut], **errors(404)})
def claim_lines(request, claim_id: int, query: Query[LineQuery]):
    """申报明细。"""
    selectors.claim_get(fetched_by=request.auth, claim_id=claim_id)
    qs = selectors.line_list(
        fetched_by=request.auth,
        filters=selectors.LineFilters(
            claim_id=claim_id,
            status=query.status,
            benefit=query.benefit,
            payer=query.payer,
            q=query.q,
        ),
    )
    return paginate(qs, page=query.page, page_size=query.page_size, convert=line_row)


@router.get(
    "/claims/{int:claim_id}/exclusions", response={200: list[dict[str, Any]], **errors(404)}
)
def claim_exclusions(request, claim_id: int):
    """未予支付的服务记录和床日，及原因代码。"""
    selectors.claim_get(fetched_by=request.auth, claim_id=claim_id)
    return [
        {
            "source": x.source,
            "source_id": x.source_id,
            "person_id": x.person_id,
            "person_name": x.person.name,
            "day": x.day.isoformat(),
            "reason_code": x.reason_code,
            "reason": x.reason,
            "amount_fen": x.amount_fen,
        }
        for x in selectors.exclusion_list(fetched_by=request.auth, claim_id=claim_id)[:2000]
    ]


@router.get("/claims/{int:claim_id}/statement.xlsx", response={200: None, **errors(404)})
def claim_statement_xlsx(request, claim_id: int):
    """结算单（Excel）。"""
    return statements.statement_xlsx(fetched_by=request.auth, claim_id=claim_id)


@router.get("/claims/{int:claim_id}/statement.pdf", response={200: None, **errors(404)})
def claim_statement_pdf(request, claim_id: int):
    """结算单（PDF）。"""
    return statements.statement_pdf(fetched_by=request.auth, claim_id=claim_id)


@router.post("/claims/{int:claim_id}/submit", response={200: ClaimOut, **errors(403, 404, 409)})
def claim_submit(request, claim_id: int):
    """护理机构申报。"""
    services.claim_submit(actor=request.auth, claim_id=claim_id)
    return _fresh_claim(request, claim_id)


@router.post(
    "/claims/{int:claim_id}/first-review", response={200: ClaimOut, **errors(403, 404, 409, 422)}
)
def claim_first_review(request, claim_id: int, payload: ReviewIn):
    """初审：通过，或退回机构（须填原因）。"""
    services.claim_first_review(actor=request.auth, claim_id=claim_id, **payload.dict())
    return _fresh_claim(request, claim_id)


@router.post(
    "/claims/{int:claim_id}/second-review", response={200: ClaimOut, **errors(403, 404, 409, 422)}
)
def claim_second_review(request, claim_id: int, payload: ReviewIn):
    """复核（须由初审人以外的人员）：通过，或退回初审（须填原因）。"""
    services.claim_second_review(actor=request.auth, claim_id=claim_id, **payload.dict())
    return _fresh_claim(request, claim_id)


@router.get("/lines/{int:line_id}", response={200: ExplanationOut, **errors(404)})
def line_detail(request, line_id: int):
    """一条明细的来龙去脉：哪些天、哪条规则的哪个版本、哪些服务记录。"""
    data = explain.line_explanation(fetched_by=request.auth, line_id=line_id)
    data["line"] = line_row(data.pop("line_obj"))
    return data


@router.post("/lines/{int:line_id}/withdraw", response={200: LineOut, **errors(403, 404, 409, 422)})
def line_withdraw(request, line_id: int, payload: ReasonIn):
    """机构撤回明细（须填原因）。"""
    services.line_withdraw(actor=request.auth, line_id=line_id, reason=payload.reason)
    return _fresh_line(request, line_id)


@router.post("/lines/{int:line_id}/reject", response={200: LineOut, **errors(403, 404, 409, 422)})
def line_reject(request, line_id: int, payload: RejectIn):
    """初审或复核拒付明细（须选原因）。"""
    services.line_reject(actor=request.auth, line_id=line_id, **payload.dict())
    return _fresh_line(request, line_id)


@router.post("/lines/{int:line_id}/restore", response={200: LineOut, **errors(403, 404, 409)})
def line_restore(request, line_id: int):
    """恢复撤回或拒付的明细。"""
    services.line_restore(actor=request.auth, line_id=line_id)
    return _fresh_line(request, line_id)


@router.post("/adjustments", response={201: LineOut, **errors(403, 404, 409, 422)})
def adjustment_create(request, payload: AdjustmentIn):
    """已拨付明细的更正或追回，记入以后未拨付的结算期。"""
    line = services.adjustment_create(actor=request.auth, **payload.dict())
    return Status(201, _fresh_line(request, line.pk))


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
