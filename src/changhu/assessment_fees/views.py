"""Assessment fee pages: the fee table, the months computed, computing a month after a
preview and a confirmation, a run's statements, and one statement with its cases, approval,
payment and downloads."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from changhu.assessment_fees import exports, rules, selectors, services
from changhu.assessment_fees.models import Outcome, StatementStatus
from changhu.core import clock, months
from changhu.core.downloads import XLSX, file_response
from changhu.core.errors import Conflict, ValidationFailed
from changhu.core.money import format_yuan
from changhu.core.scope import require, scope_of
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.web.pages import act, paginate
from changhu.web.shortcuts import staff_view


@staff_view
@require_GET
def overview(request):
    """The months computed (the offices that settle) and the statements the user may see."""
    require(request.user, Right.ASSESSMENT_FEES_VIEW)
    s = scope_of(request.user)
    status = request.GET.get("status", "")
    if status not in StatementStatus.values:
        status = ""
    statements = paginate(request, selectors.statement_list(fetched_by=request.user, status=status))
    return render(
        request,
        "assessment_fees/overview.html",
        {
            "runs": selectors.run_list(fetched_by=request.user)[:12],
            "page": statements,
            "status": status,
            "statuses": StatementStatus.choices,
            "is_institution": s.organization_kind == OrgKind.ASSESSMENT,
            "can_run": s.can(Right.ASSESSMENT_FEES_RUN),
        },
    )


@staff_view
@require_GET
def fee_table(request):
    """Every version of the fee table, and the appeal fee of the assessment rules beside it."""
    require(request.user, Right.ASSESSMENT_FEES_VIEW)
    versions = []
    for row in selectors.table_list(fetched_by=request.user):
        table = row.table
        versions.append(
            {
                "row": row,
                "rows": [
                    {
                        "outcome": Outcome(o).label,
                        "home": format_yuan(table.fee(o, "home")),
                        "institution": format_yuan(table.fee(o, "institution")),
                    }
                    for o in rules.TABLE_OUTCOMES
                ],
            }
        )
    appeal = [
        {
            "name": str(r),
            "effective_from": r.effective_from,
            "home": format_yuan(r.rules.fee_fen["home"]),
            "institution": format_yuan(r.rules.fee_fen["institution"]),
            "free_if_grade_changes": r.rules.free_if_grade_changes,
        }
        for r in selectors.appeal_fee_rules()
    ]
    return render(
        request, "assessment_fees/fee_table.html", {"versions": versions, "appeal": appeal}
    )


def _default_month() -> str:
    return months.key(clock.previous_month_start())


@staff_view
def run_new(request):
    """GET: the month to compute and what computing it would settle; POST: compute it."""
    require(request.user, Right.ASSESSMENT_FEES_RUN)
    if request.method == "POST":
        month, city = request.POST.get("month", ""), request.POST.get("city", "")
        try:
            run = services.run_compute(actor=request.user, month=month, city=city)
        except (ValidationFailed, Conflict) as exc:
            messages.error(request, exc.message)
            return redirect(f"{request.path}?month={month.strip()[:7]}")
        messages.success(
            request,
            f"{run.month}评估费用已计算：{run.case_count}件，基金支付{format_yuan(run.fund_fen)}元",
        )
        return redirect("assessment_fees:run_detail", pk=run.pk)
    month = request.GET.get("month", "").strip() or _default_month()
    city = request.GET.get("city", "").strip()
    preview, problem = None, ""
    try:
        preview = services.run_preview(actor=request.user, month=month, city=city)
    except (ValidationFailed, Conflict) as exc:
        problem = exc.message
    return render(
        request,
        "assessment_fees/run_new.html",
        {
            "month": month[:7],
            "preview": preview,
            "problem": problem,
            "city_name": selectors.city_name(preview.city) if preview else "",
        },
        status=200 if preview or request.GET.get("month") is None else 422,
    )


@staff_view
@require_GET
def run_detail(request, pk: int):
    require(request.user, Right.ASSESSMENT_FEES_VIEW)
    run = selectors.run_get(fetched_by=request.user, run_id=pk)
    statements = list(selectors.statement_list(fetched_by=request.user, run_id=run.pk))
    return render(
        request,
        "assessment_fees/run_detail.html",
        {
            "run": run,
            "city_name": selectors.city_name(run.city_code),
            "statements": statements,
            "can_discard": scope_of(request.user).can(Right.ASSESSMENT_FEES_RUN)
            and all(s.status == StatementStatus.DRAFT for s in statements),
        },
    )


@staff_view
@require_POST
def run_discard(request, pk: int):
    require(request.user, Right.ASSESSMENT_FEES_RUN)
    run = selectors.run_get(fetched_by=request.user, run_id=pk)
    try:
        month = services.run_discard(
            actor=request.user, run_id=run.pk, reason=request.POST.get("reason", "")
        )
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        return redirect("assessment_fees:run_detail", pk=run.pk)
    messages.success(request, f"{month}评估费用已作废，可重新计算")
    return redirect("assessment_fees:overview")


def _statement_page(request, pk: int):
    statement = selectors.statement_get(fetched_by=request.user, statement_id=pk)
    s = scope_of(request.user)
    return render(
        request,
        "assessment_fees/statement_detail.html",
        {
            "statement": statement,
            "run": statement.run,
            "lines": selectors.line_list(fetched_by=request.user, statement_id=statement.pk),
            "can_approve": s.can(Right.ASSESSMENT_FEES_REVIEW)
            and statement.status == StatementStatus.DRAFT,
            "can_pay": s.can(Right.FUND_MANAGE) and statement.status == StatementStatus.APPROVED,
            "sees_runs": s.organization_kind != OrgKind.ASSESSMENT,
        },
    )


@staff_view
@require_GET
def statement_detail(request, pk: int):
    require(request.user, Right.ASSESSMENT_FEES_VIEW)
    return _statement_page(request, pk)


@staff_view
@require_POST
def statement_approve(request, pk: int):
    require(request.user, Right.ASSESSMENT_FEES_REVIEW)
    statement = selectors.statement_get(fetched_by=request.user, statement_id=pk)
    return act(
        request,
        lambda: services.statement_approve(
            actor=request.user, statement_id=statement.pk, note=request.POST.get("note", "")
        ),
        f"结算单{statement.number}已审核通过",
        redirect("assessment_fees:statement_detail", pk=statement.pk),
    )


@staff_view
@require_POST
def statement_pay(request, pk: int):
    require(request.user, Right.FUND_MANAGE)
    statement = selectors.statement_get(fetched_by=request.user, statement_id=pk)
    return act(
        request,
        lambda: services.statement_pay(
            actor=request.user,
            statement_id=statement.pk,
            reference=request.POST.get("reference", ""),
        ),
        lambda s: f"已登记支付{format_yuan(s.fund_fen)}元，已记入基金经办服务费支出",
        redirect("assessment_fees:statement_detail", pk=statement.pk),
    )


@staff_view
@require_GET
def statement_pdf(request, pk: int):
    require(request.user, Right.ASSESSMENT_FEES_VIEW)
    content, name = exports.statement_pdf(fetched_by=request.user, statement_id=pk)
    return file_response(content, name, "application/pdf")


@staff_view
@require_GET
def statement_xlsx(request, pk: int):
    require(request.user, Right.ASSESSMENT_FEES_VIEW)
    content, name = exports.statement_xlsx(fetched_by=request.user, statement_id=pk)
    return file_response(content, name, XLSX)
