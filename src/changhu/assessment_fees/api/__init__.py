"""Assessment fees over HTTP: the fee table, a month's run, the statements per assessment
institution with their cases, approving and paying a statement, and its PDF and Excel."""

from __future__ import annotations

from ninja import Router, Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate, write
from changhu.assessment_fees import exports, selectors, services
from changhu.assessment_fees.api.schemas import (
    AssessmentFeeApproveIn,
    AssessmentFeeDiscardIn,
    AssessmentFeeDiscardOut,
    AssessmentFeePayIn,
    AssessmentFeeRunIn,
    AssessmentFeeRunOut,
    AssessmentFeeStatementDetailOut,
    AssessmentFeeStatementOut,
    AssessmentFeeTableOut,
)
from changhu.assessment_fees.models import Outcome
from changhu.core.downloads import XLSX, binary_response_doc, file_response
from changhu.core.money import format_yuan
from changhu.core.scope import require
from changhu.orgs.roles import Right

router = Router(tags=["评估费用"])


def table_out(row) -> dict:
    table = row.table
    return {
        "id": row.pk,
        "code": row.code,
        "version": row.version,
        "name": row.name,
        "effective_from": row.effective_from,
        "effective_to": row.effective_to,
        "fees_fen": {k: dict(v) for k, v in table.fees_fen.items()},
        "appeal_fee_source": table.appeal,
    }


def run_out(run) -> dict:
    return {
        "id": run.pk,
        "month": run.month,
        "city_code": run.city_code,
        "case_count": run.case_count,
        "fee_fen": run.fee_fen,
        "fund_fen": run.fund_fen,
        "created_at": run.created_at,
        "statement_ids": list(run.statements.order_by("pk").values_list("pk", flat=True)),
    }


def statement_out(s) -> dict:
    return {
        "id": s.pk,
        "number": s.number,
        "month": s.run.month,
        "institution_id": s.institution_id,
        "institution": s.institution.name,
        "status": s.status,
        "status_label": s.get_status_display(),
        "case_count": s.case_count,
        "fee_fen": s.fee_fen,
        "applicant_fen": s.applicant_fen,
        "fund_fen": s.fund_fen,
        "fund_yuan": format_yuan(s.fund_fen),
        "reviewed_at": s.reviewed_at,
        "paid_at": s.paid_at,
        "payment_reference": s.payment_reference,
        "entry_id": s.entry_id,
    }


def line_out(x) -> dict:
    return {
        "id": x.pk,
        "application_number": x.application.number,
        "person": x.person.name,
        "id_number_masked": x.person.id_number_masked,
        "day": x.day,
        "outcome": x.outcome,
        "outcome_label": Outcome(x.outcome).label,
        "place": x.place,
        "grade_changed": x.grade_changed,
        "fee_table_version": str(x.fee_table),
        "rules_version": str(x.rules) if x.rules_id else "",
        "fee_fen": x.fee_fen,
        "applicant_fen": x.applicant_fen,
        "fund_fen": x.fund_fen,
    }


def _detail(request, statement_id: int) -> dict:
    s = selectors.statement_get(fetched_by=request.auth, statement_id=statement_id)
    lines = selectors.line_list(fetched_by=request.auth, statement_id=s.pk)
    return {**statement_out(s), "lines": [line_out(x) for x in lines]}


@router.get("/tables", response={200: list[AssessmentFeeTableOut], **errors(403)})
def fee_table_list(request):
    """评估费用标准各版本：按评估结果和评估地点的每件费用（分）；异议复评费用见评估经办规则。"""
    require(request.auth, Right.ASSESSMENT_FEES_VIEW)
    return [table_out(row) for row in selectors.table_list(fetched_by=request.auth)]


@router.get("/runs", response={200: Page[AssessmentFeeRunOut], **errors(403)})
def run_list(request, page: int = 1, page_size: int = 50):
    """评估费用月度结算，最近的月份在前（评估机构不可见整批结算，只见本机构结算单）。"""
    require(request.auth, Right.ASSESSMENT_FEES_VIEW)
    qs = selectors.run_list(fetched_by=request.auth)
    return paginate(qs, page=page, page_size=page_size, convert=run_out)


@write(router, "/runs", AssessmentFeeRunOut, status=201, statuses=(403, 409, 422))
@needs(Right.ASSESSMENT_FEES_RUN)
def run_create(request, payload: AssessmentFeeRunIn):
    """计算一个统筹地区一个月（YYYY-MM）的评估费用：截至月末已出结论（或已上门未出结论）且尚未
    结算的案件，按评估机构各出一张结算单。city（区划代码前四位）默认为调用者所在的统筹地区。"""
    run = services.run_compute(actor=request.auth, month=payload.month, city=payload.city)
    return Status(201, run_out(run))


@router.get("/runs/{int:run_id}", response={200: AssessmentFeeRunOut, **errors(403, 404)})
def run_detail(request, run_id: int):
    """一个月的评估费用结算。"""
    require(request.auth, Right.ASSESSMENT_FEES_VIEW)
    return run_out(selectors.run_get(fetched_by=request.auth, run_id=run_id))


@write(router, "/runs/{int:run_id}/discard", AssessmentFeeDiscardOut, statuses=(403, 404, 409, 422))
@needs(Right.ASSESSMENT_FEES_RUN)
def run_discard(request, run_id: int, payload: AssessmentFeeDiscardIn):
    """作废尚无结算单通过审核的月度结算（之后可重新计算该月）。"""
    month = services.run_discard(actor=request.auth, run_id=run_id, reason=payload.reason)
    return {"month": month, "discarded": True}


@router.get("/statements", response={200: Page[AssessmentFeeStatementOut], **errors(403)})
def statement_list(
    request, run_id: int | None = None, status: str = "", page: int = 1, page_size: int = 50
):
    """可见的评估费用结算单（评估机构只见本机构的），可按月度结算和状态筛选。"""
    require(request.auth, Right.ASSESSMENT_FEES_VIEW)
    qs = selectors.statement_list(fetched_by=request.auth, run_id=run_id, status=status)
    return paginate(qs, page=page, page_size=page_size, convert=statement_out)


@router.get(
    "/statements/{int:statement_id}",
    response={200: AssessmentFeeStatementDetailOut, **errors(403, 404)},
)
def statement_detail(request, statement_id: int):
    """一张结算单及其案件明细（被评估人证件号已脱敏）。"""
    require(request.auth, Right.ASSESSMENT_FEES_VIEW)
    return _detail(request, statement_id)


@write(router, "/statements/{int:statement_id}/approve", AssessmentFeeStatementDetailOut)
@needs(Right.ASSESSMENT_FEES_REVIEW)
def statement_approve(request, statement_id: int, payload: AssessmentFeeApproveIn):
    """审核通过结算单（计算该月费用的人不能审核）。"""
    services.statement_approve(actor=request.auth, statement_id=statement_id, note=payload.note)
    return _detail(request, statement_id)


@write(router, "/statements/{int:statement_id}/pay", AssessmentFeeStatementDetailOut)
@needs(Right.FUND_MANAGE)
def statement_pay(request, statement_id: int, payload: AssessmentFeePayIn):
    """登记支付已审核的结算单：基金支付部分记入基金经办服务费支出（同一结算单只记一次）。"""
    services.statement_pay(
        actor=request.auth, statement_id=statement_id, reference=payload.reference
    )
    return _detail(request, statement_id)


@router.get(
    "/statements/{int:statement_id}/statement.pdf",
    response=errors(403, 404),
    openapi_extra=binary_response_doc("评估费用结算单（PDF）", "application/pdf"),
)
def statement_pdf(request, statement_id: int):
    """下载结算单PDF。"""
    require(request.auth, Right.ASSESSMENT_FEES_VIEW)
    content, name = exports.statement_pdf(fetched_by=request.auth, statement_id=statement_id)
    return file_response(content, name, "application/pdf")


@router.get(
    "/statements/{int:statement_id}/statement.xlsx",
    response=errors(403, 404),
    openapi_extra=binary_response_doc("评估费用结算单（Excel）", XLSX),
)
def statement_xlsx(request, statement_id: int):
    """下载结算单Excel（汇总与案件明细两张表）。"""
    require(request.auth, Right.ASSESSMENT_FEES_VIEW)
    content, name = exports.statement_xlsx(fetched_by=request.auth, statement_id=statement_id)
    return file_response(content, name, XLSX)
