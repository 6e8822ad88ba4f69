"""The fund's pages for the bureau: balances and indicators with warnings, budget execution,
income and fees, and the ledger."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from changhu.core import clock
from changhu.core.errors import Conflict, ValidationFailed
from changhu.core.money import yuan_to_fen
from changhu.core.scope import require, scope_of
from changhu.fund import indicators, selectors, services
from changhu.fund.forms import EntryFilterForm
from changhu.fund.models import LTCI_FUND, BudgetLine, ContributionSource
from changhu.orgs.roles import Right
from changhu.web.pages import paginate
from changhu.web.shortcuts import staff_view

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _fund_names(codes) -> dict[str, str]:
    """Chinese names of funds: the LTCI fund, and each supplementary plan's fund by the plan's
    name (the plans are settlement policies)."""
    from changhu.settlement.labels import PolicyLabels

    names = PolicyLabels()
    return {code: names.fund(code) for code in codes}


def _threshold_value(indicator: str, text: str) -> Decimal:
    """A threshold as typed: months for coverage, a percentage (``95`` or ``95%``) for ratios,
    which are stored as fractions."""
    text = (text or "").strip().rstrip("%％").strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationFailed("阈值应为数字", code="value_invalid") from None
    spec = indicators.INDICATORS.get(indicator)
    if spec is not None and spec.is_ratio and value.is_finite():
        value = value / 100
    return value


def _fen(value: str) -> int:
    try:
        return yuan_to_fen(Decimal((value or "").strip()))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("金额应为数字（元）", code="amount_invalid") from None


@staff_view
@require_GET
def overview(request):
    require(request.user, Right.FUND_VIEW)
    fund = request.GET.get("fund") or LTCI_FUND
    months = selectors.monthly(fetched_by=request.user, fund=fund)
    month = request.GET.get("month", "")
    if not _MONTH.match(month):
        month = months[-1].month if months else f"{clock.today():%Y-%m}"
    year = int(month[:4])
    upto = [m for m in months if m.month <= month]
    ytd = [m for m in upto if m.month.startswith(f"{year}-")]
    chart = {
        "months": [m.month for m in months],
        "income": [m.income_fen / 100 for m in months],
        "expenditure": [m.expenditure_fen / 100 for m in months],
        "balance": [m.balance_fen / 100 for m in months],
    }
    codes = selectors.funds(fetched_by=request.user)
    names = _fund_names(set(codes) | {fund})
    return render(
        request,
        "fund/overview.html",
        {
            "fund": fund,
            "fund_label": names[fund],
            "funds": [(code, names[code]) for code in codes],
            "month": month,
            "year": year,
            "balance_fen": upto[-1].balance_fen if upto else 0,
            "income_fen": sum(m.income_fen for m in ytd),
            "expenditure_fen": sum(m.expenditure_fen for m in ytd),
            "readings": selectors.indicator_readings(
                fetched_by=request.user, month=month, fund=fund
            ),
            "budget": selectors.budget_execution(fetched_by=request.user, year=year, fund=fund),
            "rows": list(reversed(months))[:24],
            "chart": chart,
            "can_manage": scope_of(request.user).can(Right.FUND_MANAGE),
            "sources": ContributionSource.choices,
            "budget_lines": BudgetLine.choices,
            "indicators": indicators.INDICATORS,
            "levels": indicators.LEVELS,
        },
    )


# The money forms of the page: the service, the fields posted beside the amount, what is said.
RECORDS = {
    "contribution": (
        services.contribution_record,
        ("period", "source", "payer_count", "note"),
        "已记账",
    ),
    "fee": (services.fee_record, ("period", "memo"), "已记账"),
    "recovery": (services.recovery_receipt, ("period", "memo"), "已记账"),
    "budget": (services.budget_set, ("year", "line", "note"), "已保存"),
}
WHOLE_NUMBERS = {"payer_count", "year"}


@staff_view
@require_POST
def record(request, what: str):
    require(request.user, Right.FUND_MANAGE)
    fund = request.POST.get("fund") or LTCI_FUND
    p = request.POST
    if what not in RECORDS and what != "threshold":
        raise Http404()
    try:
        if what == "threshold":
            services.threshold_set(
                actor=request.user,
                fund=fund,
                indicator=p.get("indicator", ""),
                level=p.get("level", ""),
                value=_threshold_value(p.get("indicator", ""), p.get("value", "")),
            )
            done = "已保存"
        else:
            service, names, done = RECORDS[what]
            amount = _fen(p.get("amount_yuan"))
            values = {n: int(p.get(n) or 0) if n in WHOLE_NUMBERS else p.get(n, "") for n in names}
            service(actor=request.user, fund=fund, amount_fen=amount, **values)
    except (ValidationFailed, Conflict, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "提交的数据有误"))
    else:
        messages.success(request, done)
    return redirect(f"{reverse('fund:overview')}?fund={fund}")


@staff_view
@require_GET
def entry_list(request):
    require(request.user, Right.FUND_VIEW)
    form = EntryFilterForm(request.GET)
    form.is_valid()
    chosen = form.cleaned_data
    fund = chosen.get("fund") or LTCI_FUND
    qs = selectors.entry_list(
        fetched_by=request.user,
        fund=fund,
        period=chosen.get("period", ""),
        kind=chosen.get("kind", ""),
    )
    return render(
        request,
        "fund/entry_list.html",
        {
            "form": form,
            "page": paginate(request, qs, 50),
            "fund": fund,
            "fund_label": _fund_names([fund])[fund],
        },
    )
