"""Statistics reports over HTTP: the definitions, asking for a run, a run with its figures, and
its downloads (Excel, PDF)."""

from __future__ import annotations

from ninja import Query, Router, Schema, Status

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.core import audit
from changhu.core.downloads import XLSX, binary_response_doc, file_response
from changhu.core.errors import NotFound
from changhu.core.scope import require
from changhu.orgs.roles import Right
from changhu.reports import exports, selectors, services
from changhu.reports.api.schemas import ReportDefinitionOut, ReportRunIn, ReportRunOut

router = Router(tags=["统计报表"])
FORMATS = {"xlsx": XLSX, "pdf": "application/pdf"}


def _definition_out(definition) -> dict:
    body = definition.definition
    return {
        "code": definition.code,
        "name": definition.name,
        "version": definition.version,
        "period_kind": definition.period_kind,
        "as_of": definition.as_of,
        "effective_from": definition.effective_from,
        "description": body.get("description", ""),
        "filters": body.get("filters", []),
        "sections": body["sections"],
    }


def _run_out(run, *, figures: bool = False) -> dict:
    out = {
        "id": run.pk,
        "report": run.definition.code,
        "name": run.definition.name,
        "version": run.definition.version,
        "period": run.period,
        "district": run.district,
        "status": run.status,
        "percent": run.percent,
        "as_of": run.as_of,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }
    if figures and run.status == "done":
        out["sections"] = run.result.get("sections", [])
        out["summary"] = run.result.get("summary", {})
    return out


@router.get("/definitions", response={200: list[ReportDefinitionOut], **errors(403)})
def report_definitions(request):
    """统计报表定义（每张报表的现行版本）：报告期、统计时点规则、表、指标与分组。"""
    require(request.auth, Right.REPORTS_VIEW)
    return [_definition_out(d) for d in selectors.definition_list(fetched_by=request.auth)]


class RunListQuery(Schema):
    report: str = ""
    page: int = 1
    page_size: int = 20


@router.get("/runs", response={200: Page[ReportRunOut], **errors(403)})
def report_run_list(request, query: Query[RunListQuery]):
    """调用者可查看的报表生成记录（统计范围在其数据范围之内），最新的在前。"""
    page = list_page(
        request, query, selectors.run_list, right=Right.REPORTS_VIEW, code=query.report
    )
    page["items"] = [_run_out(run) for run in page["items"]]
    return page


@write(router, "/runs", ReportRunOut, status=201, statuses=(403, 404, 422))
@needs(Right.REPORTS_RUN)
def report_run_create(request, payload: ReportRunIn):
    """按报告期生成一张统计报表（后台任务计算，完成前状态为排队中或运行中）。"""
    run = services.report_run_request(
        actor=request.auth,
        code=payload.name,
        period=payload.period,
        district=payload.district,
        source="api",
    )
    return Status(201, _run_out(run))


@router.get("/runs/{int:run_id}", response={200: ReportRunOut, **errors(403, 404)})
def report_run_get(request, run_id: int):
    """一次报表生成：进度，完成后含各表数字与汇总（金额单位为分）。"""
    require(request.auth, Right.REPORTS_VIEW)
    run = selectors.run_get(fetched_by=request.auth, run_id=run_id)
    return _run_out(run, figures=True)


@router.get(
    "/runs/{int:run_id}/download/{fmt}",
    response=errors(403, 404, 409),
    openapi_extra=binary_response_doc("统计报表（xlsx：多级表头；pdf）", XLSX),
)
def report_run_download(request, run_id: int, fmt: str):
    """下载已生成的报表：fmt 为 xlsx 或 pdf（留痕）。"""
    require(request.auth, Right.REPORTS_VIEW)
    if fmt not in FORMATS:
        raise NotFound()
    run = services.require_done(selectors.run_get(fetched_by=request.auth, run_id=run_id))
    content = exports.xlsx_bytes(run) if fmt == "xlsx" else exports.pdf_bytes(run)
    audit.record(action="export", obj=run, user=request.auth, note=f"下载{run}（{fmt}）")
    return file_response(content, exports.file_name(run, fmt), FORMATS[fmt])
