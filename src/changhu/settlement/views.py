"""Staff pages: the benefit calculator (待遇测算), periods, claims and lines through their four
steps, explanations, statements and payments."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core.errors import Conflict, DomainError
from changhu.core.money import format_yuan, yuan_to_fen
from changhu.core.scope import require, scope_of
from changhu.orgs.roles import Right
from changhu.settlement import (
    adjustments,
    calculator,
    calculator_form,
    explain,
    forms,
    labels,
    policies,
    selectors,
    services,
    statements,
)
from changhu.settlement.models import (
    ClaimStatus,
    LineStatus,
    PeriodStatus,
    PolicyKind,
)
from changhu.web.pages import FORM_ERRORS, paginate
from changhu.web.shortcuts import add_domain_error, is_htmx, staff_view

PAGE_SIZE = 50


# --- 待遇测算 ---------------------------------------------------------------------------------


def _calculator_form(request, setup: calculator_form.Setup):
    """The form to show and, when a calculation was asked for and went through, its answer."""
    post = request.POST
    fixed = {"policy": setup.option.code, "period": setup.period, "drawn": setup.drawn}
    if request.method != "POST" or post.get("action") == "redraw":
        initial = calculator_form.initial_from(post, setup, post.get("drawn", ""))
        return calculator_form.CalculatorForm(initial=initial, setup=setup), None, False
    posted = f"{post.get('policy', '')}|{post.get('period', '')}"
    if post.get("drawn") and post.get("drawn") != posted:
        # The policy or the month changed without the form being drawn again (no JavaScript):
        # draw it for them rather than calculate with another month's calendar.
        initial = calculator_form.initial_from(post, setup, post["drawn"])
        return calculator_form.CalculatorForm(initial=initial, setup=setup), None, True
    form = calculator_form.CalculatorForm(post, initial=fixed, setup=setup)
    if not form.is_valid():
        return form, None, False
    try:
        result = calculator.compute(
            form.calculator_input(),
            setup.policy,
            setup.period,
            supplementary=policies.policy_for_calculator,
        )
    except DomainError as exc:
        add_domain_error(form, exc, form.field_map())
        return form, None, False
    return form, calculator_form.answer(result), False


@staff_view
@require_http_methods(["GET", "POST"])
def calculator_page(request):
    require(request.user, Right.SETTLEMENT_CALCULATE)
    url = reverse("settlement:calculator")
    data = request.POST if request.method == "POST" else request.GET
    setup = calculator_form.setup_for(request.user, data, url=url)
    context: dict = {"setup": setup}
    status = 200
    if setup is not None:
        form, answer, redrawn = _calculator_form(request, setup)
        context.update(form=form, answer=answer, redrawn=redrawn, weekdays=calculator_form.WEEKDAYS)
        if form.is_bound and form.errors:
            status = 422
    template = "settlement/_calculator.html" if is_htmx(request) else "settlement/calculator.html"
    return render(request, template, context, status=status)


# --- periods -------------------------------------------------------------------------------


@staff_view
@require_http_methods(["GET", "POST"])
def period_list(request):
    require(request.user, Right.SETTLEMENT_VIEW)
    s = scope_of(request.user)
    if request.method == "POST":
        try:
            period = services.period_open(
                actor=request.user,
                month=request.POST.get("month", ""),
                region_code=request.POST.get("region_code", ""),
                policy_code=request.POST.get("policy_code", ""),
            )
        except FORM_ERRORS as exc:
            messages.error(request, exc.message)
            return redirect("settlement:period_list")
        messages.success(request, f"已开立{period.month}结算期")
        return redirect("settlement:period_detail", period.pk)
    page = paginate(request, selectors.period_list(fetched_by=request.user), PAGE_SIZE)
    # Each period's figures are those of the claims this reader sees, as on the period's page.
    totals = selectors.claim_totals_by_period(
        fetched_by=request.user, period_ids=[p.pk for p in page]
    )
    for p in page:
        p.shown = totals.get(p.pk, selectors.ClaimTotals())
    return render(
        request,
        "settlement/period_list.html",
        {
            "page": page,
            "can_run": s.can(Right.SETTLEMENT_RUN),
            "regions": selectors.regions_with_benefit_policy(fetched_by=request.user),
            "benefit_policies": selectors.policy_names(
                fetched_by=request.user, kind=PolicyKind.BENEFIT
            ),
            "policies": selectors.policy_list(fetched_by=request.user),
            "labels": labels.PolicyLabels(),
        },
    )


def _amount(summary: selectors.Payable) -> str:
    """``合计 ¥25,466.00``, with the fund's and the supplementary insurance's shares if both pay."""
    amount = f"合计 ¥{format_yuan(summary.total_fen)}"
    if summary.supplementary_fen:
        amount += (
            f"（基金 ¥{format_yuan(summary.fund_fen)}，"
            f"补充保障 ¥{format_yuan(summary.supplementary_fen)}）"
        )
    return amount


def _pay_question(period, summary: selectors.Payable, claims: int) -> str:
    return (
        f"确认拨付{period.month} {claims} 家机构的 {summary.lines} 条明细、{_amount(summary)}？"
        "拨付后该月锁定，不能再修改。"
    )


@staff_view
@require_GET
def period_detail(request, pk: int):
    require(request.user, Right.SETTLEMENT_VIEW)
    s = scope_of(request.user)
    period = selectors.period_get(fetched_by=request.user, period_id=pk)
    seen = selectors.claim_list(
        fetched_by=request.user, filters=selectors.ClaimFilters(period_id=period.pk)
    )
    status = request.GET.get("status", "")
    if status not in ClaimStatus.values:
        status = ""
    claims = selectors.claim_list(
        fetched_by=request.user,
        filters=selectors.ClaimFilters(period_id=period.pk, status=status),
    )
    run = selectors.latest_run(fetched_by=request.user, period_id=period.pk)
    can_pay = s.can(Right.SETTLEMENT_PAY) and period.status == PeriodStatus.CLAIMING
    page = paginate(request, claims.select_related("first_reviewer", "second_reviewer"), PAGE_SIZE)
    counts = selectors.claim_status_counts(seen)
    return render(
        request,
        "settlement/period_detail.html",
        {
            "period": period,
            "page": page,
            "run": run,
            "status": status,
            "status_label": dict(ClaimStatus.choices).get(status, ""),
            "statuses": ClaimStatus.choices,
            "counts": counts,
            "totals": selectors.claim_totals(claims),
            "returns": selectors.claim_returns(page),
            "labels": labels.PolicyLabels(),
            "can_run": s.can(Right.SETTLEMENT_RUN) and period.status != PeriodStatus.PAID,
            "can_pay": can_pay,
            "pay_question": (
                _pay_question(
                    period,
                    selectors.payable(fetched_by=request.user, period_id=period.pk),
                    sum(counts.values()),
                )
                if can_pay
                else ""
            ),
        },
    )


@staff_view
@require_POST
def period_run(request, pk: int):
    run = services.run_request(actor=request.user, period_id=pk, source="web")
    if is_htmx(request):
        return render(request, "settlement/_run.html", {"run": run, "period_id": pk})
    messages.success(request, "已发起结算计算，完成后申报将出现在下方")
    return redirect("settlement:period_detail", pk)


@staff_view
@require_GET
def run_progress(request, pk: int):
    run = selectors.run_get(fetched_by=request.user, run_id=pk)
    return render(request, "settlement/_run.html", {"run": run, "period_id": run.period_id})


@staff_view
@require_POST
def period_pay(request, pk: int):
    try:
        summary = services.period_pay(actor=request.user, period_id=pk)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已生成{summary.orders}张拨付单并记入基金账，结算期已锁定")
    return redirect("settlement:period_detail", pk)


@staff_view
@require_GET
def payment_list(request, pk: int):
    require(request.user, Right.SETTLEMENT_VIEW)
    period = selectors.period_get(fetched_by=request.user, period_id=pk)
    kind = request.GET.get("payee_kind", "")
    qs = selectors.payment_list(fetched_by=request.user, period_id=period.pk, payee_kind=kind)
    return render(
        request,
        "settlement/payment_list.html",
        {
            "period": period,
            "page": paginate(request, qs, PAGE_SIZE),
            "payee_kind": kind,
            "totals": selectors.payment_totals(qs),
            "labels": labels.PolicyLabels(),
        },
    )


# --- claims and lines ------------------------------------------------------------------------


@staff_view
@require_GET
def claim_list(request):
    require(request.user, Right.SETTLEMENT_VIEW)
    status = request.GET.get("status", "")
    if status in ClaimStatus.values:
        qs = selectors.claims_waiting(request.user, status)
    else:
        status = ""
        qs = selectors.claim_list(fetched_by=request.user)
    returned = bool(status) and request.GET.get("returned") == "1"
    if returned:
        qs = selectors.claims_sent_back(request.user, status)
    page = paginate(request, qs, PAGE_SIZE)
    return render(
        request,
        "settlement/claim_list.html",
        {
            "page": page,
            "status": status,
            "returned": returned,
            "statuses": ClaimStatus.choices,
            "totals": selectors.claim_totals(qs),
            "returns": selectors.claim_returns(page),
        },
    )


def _decision_question(verb: str, summary: selectors.Payable, after: str) -> str:
    """``确认复核通过 23 条、合计 ¥25,466.00？……``: the step, the lines and the money."""
    return f"确认{verb} {summary.lines} 条、{_amount(summary)}？{after}"


@staff_view
@require_GET
def claim_detail(request, pk: int):
    require(request.user, Right.SETTLEMENT_VIEW)
    s = scope_of(request.user)
    claim = selectors.claim_get(fetched_by=request.user, claim_id=pk)
    filters = selectors.LineFilters(
        claim_id=claim.pk,
        status=request.GET.get("status", ""),
        q=request.GET.get("q", ""),
        payer=request.GET.get("payer", ""),
    )
    lines = selectors.line_list(fetched_by=request.user, filters=filters).select_related("policy")
    draft = claim.status == ClaimStatus.DRAFT
    first = claim.status == ClaimStatus.SUBMITTED and s.can(Right.SETTLEMENT_FIRST_REVIEW)
    second = (
        claim.status == ClaimStatus.FIRST_REVIEWED
        and s.can(Right.SETTLEMENT_SECOND_REVIEW)
        and claim.first_reviewer_id != request.user.pk
    )
    payable = selectors.payable(fetched_by=request.user, claim_id=claim.pk)
    return render(
        request,
        "settlement/claim_detail.html",
        {
            "claim": claim,
            "period": claim.period,
            "page": paginate(request, lines, PAGE_SIZE),
            "filters": filters,
            "line_statuses": LineStatus.choices,
            "can_claim": draft and s.can(Right.SETTLEMENT_CLAIM),
            "can_first": first,
            "can_second": second,
            "can_review_lines": first or second,
            "payable": payable,
            "first_question": _decision_question("初审通过", payable, "通过后转复核。"),
            "second_question": _decision_question(
                "复核通过", payable, "通过后待医保局拨付，不能再修改。"
            ),
            "reject_form": forms.LineRejectForm(),
            "return_form": forms.ClaimReturnForm(),
            "returned": selectors.claim_returns([claim]).get(claim.pk),
            "labels": labels.PolicyLabels(),
            "exclusions": selectors.exclusion_list(fetched_by=request.user, claim_id=claim.pk)[
                :200
            ],
            "history": selectors.claim_history(claim),
            "locked": claim.period.locked,
        },
    )


@staff_view
@require_POST
def claim_action(request, pk: int, action: str):
    if action not in ("submit", "first_pass", "first_return", "second_approve", "second_return"):
        raise Http404()
    try:
        if action == "submit":
            services.claim_submit(actor=request.user, claim_id=pk)
            messages.success(request, "已申报，等待初审")
        elif action == "first_pass":
            services.claim_first_review(actor=request.user, claim_id=pk, approve=True)
            messages.success(request, "初审通过，已转复核")
        elif action == "second_approve":
            services.claim_second_review(actor=request.user, claim_id=pk, approve=True)
            messages.success(request, "复核通过，待拨付")
        else:
            reason = forms.ClaimReturnForm(request.POST).reason_text()
            if action == "first_return":
                services.claim_first_review(
                    actor=request.user, claim_id=pk, approve=False, reason=reason
                )
                messages.success(request, f"已退回机构：{reason}")
            else:
                services.claim_second_review(
                    actor=request.user, claim_id=pk, approve=False, reason=reason
                )
                messages.success(request, f"已退回初审：{reason}")
    except FORM_ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("settlement:claim_detail", pk)


@staff_view
@require_POST
def line_action(request, pk: int, action: str):
    line = selectors.line_get(fetched_by=request.user, line_id=pk)
    try:
        if action == "withdraw":
            services.line_withdraw(
                actor=request.user, line_id=pk, reason=request.POST.get("reason", "")
            )
        elif action == "reject":
            data = forms.LineRejectForm(request.POST).validated()
            services.line_reject(
                actor=request.user,
                line_id=pk,
                reason_code=data["reason_code"],
                reason=data["note"],
            )
        elif action == "restore":
            services.line_restore(actor=request.user, line_id=pk)
        else:
            raise Http404()
    except FORM_ERRORS as exc:
        messages.error(request, exc.message)
    back = request.POST.get("next") or reverse("settlement:claim_detail", args=[line.claim_id])
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("settlement:claim_detail", args=[line.claim_id])
    return redirect(back)


@staff_view
@require_http_methods(["GET", "POST"])
def line_detail(request, pk: int):
    require(request.user, Right.SETTLEMENT_VIEW)
    s = scope_of(request.user)
    data = explain.line_explanation(fetched_by=request.user, line_id=pk)
    line = data["line_obj"]
    can_adjust = (
        s.can(Right.SETTLEMENT_ADJUST)
        and line.claim.period.status == PeriodStatus.PAID
        and line.status == LineStatus.PAYABLE
    )
    targets = []
    if can_adjust:
        targets = selectors.periods_open_after(fetched_by=request.user, period=line.claim.period)
    if request.method == "POST" and can_adjust:
        try:
            amount = yuan_to_fen(Decimal(request.POST.get("amount_yuan", "").strip() or "x"))
        except (InvalidOperation, ValueError):
            messages.error(request, "金额应为数字（元），追回填负数")
        else:
            try:
                created = adjustments.adjustment_create(
                    actor=request.user,
                    line_id=line.pk,
                    period_id=int(request.POST.get("period_id") or 0),
                    amount_fen=amount,
                    reason=request.POST.get("reason", ""),
                )
            except FORM_ERRORS as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "已记入以后月份的结算")
                return redirect("settlement:line_detail", created.pk)
    return render(
        request,
        "settlement/line_detail.html",
        {
            **data,
            "line": line,
            "can_adjust": can_adjust,
            "targets": targets,
            "adjustments": line.adjustments.select_related("period").all(),
            "labels": labels.PolicyLabels(),
            "reject_reasons": services.REJECT_REASONS,
        },
    )


@staff_view
@require_GET
def claim_statement(request, pk: int, kind: str):
    require(request.user, Right.SETTLEMENT_VIEW)
    if kind == "xlsx":
        return statements.statement_xlsx(fetched_by=request.user, claim_id=pk)
    return statements.statement_pdf(fetched_by=request.user, claim_id=pk)
