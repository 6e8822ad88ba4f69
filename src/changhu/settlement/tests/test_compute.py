"""The SQL settlement against the policy interpreter, re-runs, and restarts after a crash."""

from __future__ import annotations

import pytest

from changhu.settlement import compute, facts, services
from changhu.settlement import policy as rules
from changhu.settlement.models import (
    ClaimLine,
    Exclusion,
    RunStatus,
    SettlementRun,
    SupplementaryMember,
)
from changhu.settlement.tests.conftest import LINE_ORDER, MONTH, line_values

POLICY_CODES = ["chengdu", "tengzhou", "chengde", "lishui"]


def _open(world, code: str):
    return services.period_open(
        actor=world.users.bureau_admin, month=MONTH, region_code="510100", policy_code=code
    )


def _sql_lines(period, tier: int = 1) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for line in ClaimLine.objects.filter(period=period, tier=tier).order_by(*LINE_ORDER):
        out.setdefault(line.person_id, []).append(
            (
                line.benefit,
                line.payee_kind,
                line.institution_id,
                line.grade,
                line.care_mode,
                line.institution_class,
                line.eligible_days,
                line.days_mask,
                line.eligible_cost_fen,
                line.fund_fen,
                line.personal_fen,
                line.rule,
            )
        )
    return out


def _engine_lines(period, person_ids, *, supplementary=False) -> dict[int, list[tuple]]:
    from changhu.settlement import policies

    policy = policies.parsed(period.policy)
    months = facts.person_months(person_ids, MONTH)
    members = set(SupplementaryMember.objects.values_list("person_id", flat=True))
    out: dict[int, list[tuple]] = {}
    for pid, month in months.items():
        lines = rules.settle_person(policy, month).lines
        if supplementary:
            if pid not in members:
                continue
            lines = rules.supplement(lines, policies.parsed(period.supplementary))
        for x in sorted(lines, key=rules.Line.sort_key):
            out.setdefault(pid, []).append(
                (
                    x.benefit,
                    x.payee,
                    x.institution,
                    x.grade,
                    x.care_mode,
                    x.institution_class,
                    x.eligible_days,
                    sum(1 << (day.day - 1) for day in x.days),
                    x.eligible_cost_fen,
                    x.fund_fen,
                    x.personal_fen,
                    x.rule,
                )
            )
    return out


@pytest.mark.parametrize("code", POLICY_CODES)
def test_sql_gives_the_interpreters_lines(world, month, code):
    period = _open(world, code)
    run = services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    assert run.status == RunStatus.DONE
    people = [v.pk for v in vars(month).values() if hasattr(v, "enrolments")]
    sql = _sql_lines(period)
    assert sql, "the month pays something under every policy"
    assert sql == _engine_lines(period, people)
    if code == "lishui":
        assert _sql_lines(period, tier=2) == _engine_lines(period, people, supplementary=True)
        assert ClaimLine.objects.filter(period=period, tier=2).exists()


def test_chengdu_month_in_detail(world, month):
    period = _open(world, "chengdu")
    services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    by_person = {
        pid: [
            (b, p, days, fund, personal)
            for (b, p, _i, _g, _m, _c, days, _mk, _cost, fund, personal, _r) in rows
        ]
        for pid, rows in _sql_lines(period).items()
    }
    assert by_person[month.inst.pk] == [
        ("basic_care", "institution", 31, 107700, 0),
        ("professional_care", "institution", 31, 30000, 0),
    ]
    # In hospital 5th-9th (discharge day counts): 26 days; one visit fell on a hospital day.
    assert by_person[month.individual.pk] == [
        ("basic_care", "person", 26, 120523, 0),
        ("social_support", "institution", 26, 32000, 0),
    ]
    assert by_person[month.died.pk] == [("basic_care", "person", 10, 57935, 0)]
    assert month.mild.pk not in by_person
    assert by_person[month.paused.pk][0] == ("basic_care", "institution", 26, 120523, 0)
    assert by_person[month.lapsed.pk][0][2] == 15
    moved = ClaimLine.objects.filter(period=period, person=month.moved).order_by("seq", "pk")
    assert {(x.institution_id, x.benefit, x.eligible_days) for x in moved} == {
        (world.a.pk, "basic_care", 20),
        (world.b.pk, "basic_care", 11),
        (world.a.pk, "professional_care", 20),
        (world.b.pk, "social_support", 11),
    }
    support = moved.get(benefit="social_support")
    assert support.visit_count == 1 and support.eligible_cost_fen == 12000
    excluded = {(x.source_id, x.reason_code) for x in Exclusion.objects.filter(period=period)}
    assert (month.in_hospital_visit.pk, compute.NO_ELIGIBLE_DAY) in excluded
    assert (month.flagged_visit.pk, "duration_too_short") in excluded
    line = ClaimLine.objects.get(period=period, person=month.individual, benefit="basic_care")
    assert line.rule == "chengdu@2023.1/basic_care"
    assert rules.mask_ranges(line.days_mask) == "1-4,10-31"


def _snapshot(period):
    return line_values(
        period,
        "line_key claim__institution_id fund_fen personal_fen "
        "status eligible_days days_mask visit_count",
    )


def test_rerunning_an_unpaid_period_changes_nothing(world, month):
    period = _open(world, "lishui")
    services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    first = _snapshot(period)
    exclusions = sorted(
        Exclusion.objects.filter(period=period).values_list("source_id", "reason_code")
    )
    services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    assert _snapshot(period) == first
    assert (
        sorted(Exclusion.objects.filter(period=period).values_list("source_id", "reason_code"))
        == exclusions
    )
    assert SettlementRun.objects.filter(period=period, status=RunStatus.DONE).count() == 2


def test_a_run_killed_halfway_resumes_with_the_same_totals(world, month):
    period = _open(world, "chengdu")
    services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    period.refresh_from_db()
    clean = (period.fund_fen, period.personal_fen, period.line_count, _snapshot(period))

    def crash(done, total):
        if done == 1:
            raise compute.SimulatedCrash("killed")

    ClaimLine.objects.filter(period=period).update(fund_fen=1, personal_fen=0)  # stale rows
    with pytest.raises(compute.SimulatedCrash):
        services.period_compute(actor=world.users.bureau_admin, period_id=period.pk, progress=crash)
    run = SettlementRun.objects.filter(period=period).latest("created_at")
    assert run.status == RunStatus.FAILED and run.done_chunks == 1 < run.total_chunks
    resumed = services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    assert resumed.pk == run.pk and resumed.status == RunStatus.DONE
    period.refresh_from_db()
    assert (period.fund_fen, period.personal_fen, period.line_count, _snapshot(period)) == clean


def test_withdrawals_survive_a_recomputation(world, month):
    period = _open(world, "chengdu")
    services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    line = ClaimLine.objects.get(period=period, person=month.inst, benefit="professional_care")
    services.line_withdraw(actor=world.users.care_admin, line_id=line.pk, reason="重复申报")
    services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    again = ClaimLine.objects.get(period=period, line_key=line.line_key)
    assert (again.status, again.reason) == ("withdrawn", "重复申报")


def test_a_line_explains_its_days_rule_and_visits(world, month):
    from changhu.settlement import explain

    period = _open(world, "chengdu")
    services.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    support = ClaimLine.objects.get(period=period, person=month.moved, benefit="social_support")
    data = explain.line_explanation(fetched_by=world.users.bureau_admin, line_id=support.pk)
    assert data["policy"] == "chengdu@2023.1" and data["days_in_month"] == 31
    assert [v["day"] for v in data["visits"]] == ["2026-10-25"]  # the flagged one is excluded
    assert data["visits"][0]["items"][0]["code"] == "SZ03"
    assert [x["reason_code"] for x in data["exclusions"]] == ["duration_too_short"]
    assert "月限额" in data["steps"][1]
    # Nursing visits are no part of a social-support line.
    own = ClaimLine.objects.get(period=period, person=month.individual, benefit="social_support")
    days = [
        v["day"]
        for v in explain.line_explanation(fetched_by=world.users.bureau_admin, line_id=own.pk)[
            "visits"
        ]
    ]
    assert days == ["2026-10-02", "2026-10-20"]


def test_settle_command_shows_progress_and_refuses_a_paid_month(world, month):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from changhu.settlement.models import Claim, SettlementPeriod

    out = StringIO()
    call_command(
        "settle", "--period", MONTH, "--region", "510100", "--policy", "chengdu", stdout=out
    )
    text = out.getvalue()
    assert "3/3" in text and "chengdu@2023.1" in text
    period = SettlementPeriod.objects.get(month=MONTH)
    assert f"{period.line_count} lines" in text
    Claim.objects.filter(period=period).update(status="approved")
    services.period_pay(actor=world.users.bureau_admin, period_id=period.pk)
    with pytest.raises(CommandError) as caught:
        call_command("settle", "--period", MONTH, "--region", "510100", stdout=StringIO())
    assert "period_locked" in str(caught.value)
