"""Computing a quarter's care-institution scorecards against hand-counted rows, the command,
and who sees which card."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

import changhu
from changhu.core.errors import ValidationFailed
from changhu.scorecards import compute, selectors
from changhu.scorecards.models import IndicatorScore, Scorecard, ScorecardRun
from changhu.scorecards.selectors import RankingFilters


def _indicators(card) -> dict[str, IndicatorScore]:
    return {i.code: i for i in card.indicators.all()}


def test_a_quarter_is_computed_from_the_rows(scored, orgs):
    run = compute.compute_run(kind="care-institution", period=scored.quarter.key)
    card = run.cards.get(organization=orgs.care)
    got = _indicators(card)
    # 3 findings in the quarter's months; no visits or bed-days: nothing to measure them by.
    assert (got["screening_finding_rate"].numerator, got["screening_finding_rate"].denominator) == (
        3,
        0,
    )
    assert got["screening_finding_rate"].value is None
    # ... which is not a clean record: no points, not the full weight of "no data"
    assert got["screening_finding_rate"].points == 0
    # 1 confirmed of 2 resolved in the quarter (the confirmed one of the month before is out).
    resolved = got["confirmed_finding_rate"]
    assert (resolved.numerator, resolved.denominator, resolved.value) == (1, 2, Decimal("50.00"))
    assert resolved.points == Decimal("4.00")  # the 50 % band
    # 2 complaints per 4 beneficiaries → 50 per hundred, beyond every band.
    rate = got["complaint_rate"]
    assert (rate.numerator, rate.denominator, rate.value, rate.points) == (
        2,
        4,
        Decimal("50.00"),
        Decimal("0.00"),
    )
    certified = got["certified_caregivers"]
    assert (certified.numerator, certified.denominator) == (2, 3)
    assert certified.value == Decimal("66.67") and certified.points == Decimal("2.00")
    # The on-site points are manual and not entered yet.
    assert got["inspection_points"].value is None and got["inspection_points"].points == 0
    assert card.score == sum(i.points for i in got.values())
    assert sum(i.weight for i in got.values()) == 100


def test_every_organization_in_scope_gets_a_card_and_recomputing_replaces_it(scored, orgs):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    run = compute.compute_run(kind="care-institution", period=scored.quarter.key)
    assert ScorecardRun.objects.count() == 1
    names = set(run.cards.values_list("organization__name", flat=True))
    assert names == {orgs.care.name, scored.other.organization.name}
    assert IndicatorScore.objects.filter(card__run=run).count() == 2 * 9
    # The other institution has no rows: full points where nothing was measured, none for the
    # caregivers it does not have and the manual points not entered.
    other = run.cards.get(organization=scored.other.organization)
    assert other.score == Decimal("75.00")
    assert other.rank == 1


def test_the_computation_is_set_based(scored, orgs, city):
    from tests.factories import OrganizationFactory, make_institution

    for _n in range(3):
        make_institution(
            OrganizationFactory(kind="care", care_kind="nursing_home", region=city.qingyang)
        )
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    with CaptureQueriesContext(connection) as five:
        compute.compute_run(kind="care-institution", period=scored.quarter.key)
    for _n in range(5):
        make_institution(
            OrganizationFactory(kind="care", care_kind="nursing_home", region=city.wuhou)
        )
    with CaptureQueriesContext(connection) as ten:
        compute.compute_run(kind="care-institution", period=scored.quarter.key)
    assert len(ten) == len(five)


@pytest.mark.parametrize(
    ("kind", "period", "code"),
    [
        ("hospital", "2025-Q1", "kind_invalid"),
        ("care-institution", "2025-Q5", "period_invalid"),
        ("care-institution", "2099", "period_invalid"),
    ],
)
def test_bad_kind_or_period_is_refused(db, kind, period, code):
    with pytest.raises(ValidationFailed) as caught:
        compute.compute_run(kind=kind, period=period)
    assert caught.value.code == code
    assert not ScorecardRun.objects.exists()


def test_the_command_prints_json(scored, orgs):
    out = StringIO()
    call_command(
        "scorecard",
        kind="care-institution",
        period=scored.quarter.key,
        format="json",
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    assert [entry["org_id"] for entry in payload] == [scored.other.organization.pk, orgs.care.pk]
    ours = payload[1]
    assert ours["name"] == orgs.care.name
    assert ours["score"] == pytest.approx(sum(i["points"] for i in ours["indicators"]))
    assert 0 <= ours["score"] <= 100
    first = ours["indicators"][0]
    assert set(first) == {"code", "name", "weight", "value", "points"}
    assert sum(i["weight"] for i in ours["indicators"]) == 100
    rate = next(i for i in ours["indicators"] if i["code"] == "complaint_rate")
    assert (rate["name"], rate["value"], rate["points"]) == ("每百名服务对象投诉率", 50.0, 0.0)


def test_the_command_prints_a_table(scored, orgs):
    out = StringIO()
    call_command(
        "scorecard", kind="care-institution", period=scored.quarter.key, format="table", stdout=out
    )
    text = out.getvalue()
    assert "2家机构" in text and orgs.care.name in text and "护理员持证上岗率（权重10）" in text


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--kind", "hospital", "--period", "2025-Q1"], "kind_invalid"),
        (["--kind", "insurer", "--period", "2025-13"], "period_invalid"),
    ],
)
def test_the_command_exits_2_for_a_bad_kind_or_period(db, args, reason):
    with pytest.raises(CommandError) as caught:
        call_command("scorecard", *args)
    assert caught.value.returncode == 2
    assert reason in str(caught.value)


def test_the_command_line_exits_2_with_the_reason_on_stderr(tmp_path):
    source = str(Path(changhu.__file__).resolve().parents[1])  # this checkout's code
    done = subprocess.run(
        [sys.executable, "-m", "changhu", "scorecard", "--kind", "x", "--period", "2025"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={
            **os.environ,
            "PYTHONPATH": source,
            "CHANGHU_PROFILE": "test",
            "DJANGO_SETTINGS_MODULE": "changhu.settings_test",
            "CHANGHU_VAR_DIR": str(tmp_path / "no-database-here"),
        },
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "kind_invalid" in done.stderr and done.stdout == ""


def test_scope_of_the_cards(scored, orgs, users):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    filters = RankingFilters(kind="care-institution", period=scored.quarter.key)

    def names(user):
        return {c.organization.name for c in selectors.card_list(fetched_by=user, filters=filters)}

    both = {orgs.care.name, scored.other.organization.name}
    assert names(users.bureau_admin) == both
    assert names(users.regulator) == both
    assert names(users.worker_a) == {orgs.care.name}  # Jinjiang and Qingyang only
    assert names(users.worker_b) == {scored.other.organization.name}
    assert names(users.care_admin) == {orgs.care.name}
    assert names(scored.other.admin) == {scored.other.organization.name}
    for outsider in (users.applicant, users.assessor, users.caregiver):
        assert names(outsider) == set()
    theirs = Scorecard.objects.get(organization=scored.other.organization)
    from changhu.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.card_get(fetched_by=users.care_admin, card_id=theirs.pk)
