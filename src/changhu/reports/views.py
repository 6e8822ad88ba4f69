"""Report pages: the reports and their recent runs, running one for a period, a run's tables
with a drill-down behind every figure, and its downloads."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from changhu.core import audit, clock
from changhu.core.downloads import XLSX, file_response
from changhu.core.errors import NotFound
from changhu.core.scope import require, scope_of
from changhu.orgs.roles import Right
from changhu.orgs.selectors import districts_in_scope
from changhu.reports import exports, forms, selectors, services
from changhu.reports.models import ReportRun
from changhu.web.pages import form_page, paginate, posted
from changhu.web.shortcuts import staff_view

PAGE_SIZE = 20
FORMATS = {"xlsx": ("xlsx", XLSX), "pdf": ("pdf", "application/pdf")}


@staff_view
@require_GET
def report_list(request):
    require(request.user, Right.REPORTS_VIEW)
    page = paginate(request, selectors.run_list(fetched_by=request.user), PAGE_SIZE)
    for run in page:
        run.scope_label = exports.scope_label(run)
    return render(
        request,
        "reports/list.html",
        {
            "definitions": selectors.definition_list(fetched_by=request.user),
            "page": page,
            "can_run": scope_of(request.user).can(Right.REPORTS_RUN),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def run_new(request, code: str):
    require(request.user, Right.REPORTS_RUN)
    definition = selectors.definition_get(fetched_by=request.user, code=code)
    periods = forms.period_choices(definition.period_kind, clock.today())
    filters = definition.definition.get("filters", [])
    districts = list(districts_in_scope(user=request.user)) if "district" in filters else None
    form = forms.RunForm(
        posted(request), initial={"period": periods[0][0]}, periods=periods, districts=districts
    )

    def save(form):
        data = form.cleaned_data
        run = services.report_run_request(
            actor=request.user,
            code=definition.code,
            period=data["period"],
            district=data.get("district", ""),
        )
        messages.success(request, f"已提交{run}，后台生成完成后即可查看和下载")
        return redirect("reports:run_detail", pk=run.pk)

    return form_page(
        request, "reports/run_new.html", form, save, context={"definition": definition}
    )


def _progress_context(run: ReportRun) -> dict:
    return {"run": run, "finished": run.status in ("done", "failed")}


@staff_view
@require_GET
def run_detail(request, pk: int):
    require(request.user, Right.REPORTS_VIEW)
    run = selectors.run_get(fetched_by=request.user, run_id=pk)
    sections = []
    if run.status == "done":
        sections = [
            {"section": section, "rows": exports.table_rows(section)}
            for section in run.result.get("sections", [])
        ]
    return render(
        request,
        "reports/run_detail.html",
        {**_progress_context(run), "sections": sections, "description": exports.describe(run)},
    )


@staff_view
@require_GET
def run_progress(request, pk: int):
    require(request.user, Right.REPORTS_VIEW)
    run = selectors.run_get(fetched_by=request.user, run_id=pk)
    response = render(request, "reports/_progress.html", _progress_context(run))
    if run.status == "done":
        response["HX-Refresh"] = "true"  # draw the tables
    return response


@staff_view
@require_GET
def run_download(request, pk: int, fmt: str):
    require(request.user, Right.REPORTS_VIEW)
    if fmt not in FORMATS:
        raise NotFound()
    run = services.require_done(selectors.run_get(fetched_by=request.user, run_id=pk))
    extension, media_type = FORMATS[fmt]
    content = exports.xlsx_bytes(run) if fmt == "xlsx" else exports.pdf_bytes(run)
    audit.record(action="export", obj=run, user=request.user, note=f"下载{run}（{extension}）")
    return file_response(content, exports.file_name(run, extension), media_type)


@staff_view
@require_GET
def drill_down(request, pk: int, section: str, column: int):
    require(request.user, Right.REPORTS_VIEW)
    run = services.require_done(selectors.run_get(fetched_by=request.user, run_id=pk))
    found = selectors.drill_down(
        fetched_by=request.user,
        run=run,
        section=section,
        column=column,
        row=request.GET.get("row", ""),
        key=request.GET.get("key", ""),
    )
    return render(request, "reports/drill_down.html", {"found": found, "run": run})
