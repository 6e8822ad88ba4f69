"""The figures: every measure against the rows behind it, every breakdown adding up to its
total, the payments against settlement and the fund ledger, and the command line."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from changhu.fund.models import LTCI_FUND, Posting
from changhu.reports import compute, measures, services
from changhu.settlement.models import PaymentOrder
from changhu.visits.models import BedDay, Finding, Visit

from .conftest import MONTH

pytestmark = pytest.mark.django_db

WINDOW = compute.window_for("month", MONTH)


def _direct(measure: measures.Measure) -> int | float:
    """The measure recomputed in Python from its rows."""
    rows = list(measure.rows(WINDOW))
    if measure.code in ("beneficiaries", "new_beneficiaries"):
        return len({row.person_id for row in rows})
    if measure.code == "visit_hours":
        minutes = sum(row.duration_minutes or 0 for row in rows)
        return measure.finish(minutes)
    fields = {
        "claims_fund": "fund_fen",
        "payments": "amount_fen",
        "institution_beds": "beds",
        "fund_income": "credit_fen",
        "fund_recovered": "credit_fen",
        "fund_benefit_expense": "debit_fen",
        "fund_fee": "debit_fen",
    }
    if measure.code == "recoveries":
        return -sum(row.amount_fen for row in rows)
    if measure.code in fields:
        return sum(getattr(row, fields[measure.code]) for row in rows)
    return len(rows)


@pytest.mark.parametrize("code", sorted(measures.REGISTRY))
def test_each_measure_equals_its_rows_and_every_breakdown_adds_up(paid, code):
    measure = measures.REGISTRY[code]
    total = measure.figures(WINDOW, None)[()]
    assert total == _direct(measure)
    for dimension in ["district", *measure.dimensions]:
        figures = measure.figures(WINDOW, None, (dimension,))
        assert round(sum(figures.values()), 1) == total, dimension


def test_the_months_figures_match_direct_counts(paid, month):
    figures = lambda code, *by: measures.REGISTRY[code].figures(WINDOW, None, by)  # noqa: E731
    october = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert (
        figures("visits")[()]
        == Visit.objects.filter(service_date__range=october, status="completed").count()
    )
    assert (
        figures("bed_days")[()] == BedDay.objects.filter(day__range=october, kind="in_bed").count()
    )
    assert figures("findings", "finding_status") == {("confirmed",): 1}
    assert Finding.objects.count() == 1
    # On 31 October: everyone but the one who died on the 10th (the lapsed person's
    # entitlement is still open), by grade and care mode.
    by_grade = figures("beneficiaries", "grade")
    assert sum(by_grade.values()) == figures("beneficiaries")[()] == 7
    assert by_grade[(4,)] == 3  # the individual, the one who moved, the paused one
    by_mode = figures("beneficiaries", "care_mode")
    assert by_mode[("individual",)] == 2  # the moved one is individual care since the 21st
    jinjiang = measures.REGISTRY["beneficiaries"].figures(WINDOW, ("510104",))[()]
    wuhou = measures.REGISTRY["beneficiaries"].figures(WINDOW, ("510107",))[()]
    assert (jinjiang, wuhou) == (6, 1)


def test_payments_reconcile_with_settlement_and_the_fund_ledger(paid):
    run = services.report_run_city(code="ltci-monthly", period=MONTH)
    section = next(s for s in run.result["sections"] if s["code"] == "claims")
    codes = [h["measure"] for h in section["columns"] if not h["by"]]
    cells = dict(zip(codes, [section["total"]["cells"][i] for i in (0, 1, 2)], strict=False))
    paid_orders = PaymentOrder.objects.filter(
        period=paid, payer="chengdu", status="issued", amount_fen__gt=0
    ).aggregate(s=Sum("amount_fen"))["s"]
    ledger = Posting.objects.filter(fund=LTCI_FUND, period=MONTH)
    expense = ledger.filter(account="benefit_expense").aggregate(s=Sum("debit_fen"))["s"]
    recovered = ledger.filter(account="recovery").aggregate(s=Sum("credit_fen"))["s"] or 0
    receivable = ledger.filter(account="receivable").aggregate(s=Sum("debit_fen"))["s"] or 0
    summary = run.result["summary"]["payments"]
    assert paid_orders > 0
    assert summary["total"] == cells["payments"] == paid_orders
    # expense − recovered = paid − receivable (the ledger's own balance of a payment)
    assert summary["total"] - receivable == expense - recovered
    if not recovered and not receivable:
        assert summary["total"] == expense
    assert sum(summary["by_payee_kind"].values()) == summary["total"]
    fund = services.report_run_city(code="fund-income-expenditure", period=MONTH)
    spent = next(s for s in fund.result["sections"] if s["code"] == "expenditure")
    assert spent["total"]["cells"][0] == expense
    assert fund.result["summary"]["payments"]["total"] == paid_orders
    assert cells["claims_fund"] == paid.fund_fen


def _command(*args) -> str:
    out = StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_monthly_report_as_json(paid):
    data = json.loads(_command("--name", "ltci-monthly", "--period", MONTH, "--format", "json"))
    assert data["report"] == "ltci-monthly" and data["period"] == MONTH
    beneficiaries = data["beneficiaries"]
    assert beneficiaries["total"] == 7
    for breakdown in ("by_grade", "by_care_mode", "by_district"):
        assert sum(beneficiaries[breakdown].values()) == beneficiaries["total"], breakdown
    assert beneficiaries["by_district"]["锦江区"] == 6
    assert beneficiaries["by_grade"]["重度失能Ⅱ级"] == 3
    assert beneficiaries["by_care_mode"]["个体服务人员居家照护"] == 2
    table = _command("--name", "ltci-monthly", "--period", MONTH, "--format", "table")
    assert "【享受待遇人员】" in table and "锦江区" in table


@pytest.mark.parametrize(
    ("name", "period", "reason"),
    [
        ("no-such-report", MONTH, "没有代码为no-such-report的统计报表"),
        ("ltci-monthly", "2026-13", "月报的报告期应为年月"),
        ("ltci-monthly", "2026", "月报的报告期应为年月"),
        ("ltci-annual", MONTH, "年报的报告期应为四位年份"),
    ],
)
def test_the_command_exits_2_for_an_unknown_report_or_period(shipped, name, period, reason):
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("report", "--name", name, "--period", period, stdout=out)
    assert refused.value.returncode == 2
    assert reason in str(refused.value)
    assert out.getvalue() == ""


def test_the_annual_report_counts_the_year(paid):
    run = services.report_run_city(code="ltci-annual", period="2026")
    assert run.status == "done"
    assert timezone.localtime(run.as_of).date() == dt.date(2027, 1, 1)
    services_section = next(s for s in run.result["sections"] if s["code"] == "services")
    assert (
        services_section["total"]["cells"][2]
        == BedDay.objects.filter(day__year=2026, kind="in_bed").count()
    )


def test_the_monthly_report_costs_a_fixed_number_of_queries(paid):
    """One query per column and breakdown, whatever the number of rows or districts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.report_run_city(code="ltci-monthly", period=MONTH)  # definitions cached
    with CaptureQueriesContext(connection) as queries:
        run = services.report_run_city(code="ltci-monthly", period=MONTH)
    assert run.status == "done"
    assert len(queries) <= 90, len(queries)
