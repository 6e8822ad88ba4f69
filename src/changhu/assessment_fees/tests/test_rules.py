"""The fee table as data: validation with a clear refusal, and the fee of a case per outcome
and place (table-driven), the appeal's fee coming from the assessment rules."""

from __future__ import annotations

import copy
import json

import pytest

from changhu.assessment_fees import rules
from changhu.core import versions

SHIPPED = json.loads((versions.presets_dir("assessment-fees") / "default.json").read_text("utf-8"))


@pytest.fixture
def table() -> rules.FeeTable:
    return rules.load_table(SHIPPED)


def test_the_shipped_table_loads():
    table = rules.load_table(SHIPPED)
    assert table.code == "default" and table.appeal == "assessment_rules"
    assert set(table.fees_fen) == set(rules.TABLE_OUTCOMES)
    assert rules.APPEAL not in table.fees_fen  # one source: the assessment rules


def _broken(change):
    data = copy.deepcopy(SHIPPED)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d.update(format=2), "format"),
        (lambda d: d.pop("code"), "code"),
        (lambda d: d.update(code="Not A Code"), "code"),
        (lambda d: d.update(effective_from="2021-13-01"), "effective_from"),
        (lambda d: d.update(effective_to="2020-01-01"), "失效日期早于生效日期"),
        (lambda d: d.update(appeal="table"), "assessment_rules"),
        (lambda d: d["fees_fen"].pop("terminated"), "fees_fen.terminated"),
        (lambda d: d["fees_fen"]["initial"].pop("home"), "fees_fen.initial"),
        (lambda d: d["fees_fen"]["initial"].update(home="300"), "整数"),
        (lambda d: d["fees_fen"]["initial"].update(home=-1), "0到"),
        (lambda d: d["fees_fen"]["initial"].update(home=True), "整数"),
        (lambda d: d["fees_fen"].update(appeal={"home": 1, "institution": 1}), "评估经办规则"),
        (lambda d: d["fees_fen"].update(hospital={"home": 1, "institution": 1}), "hospital"),
    ],
)
def test_a_bad_table_is_refused_naming_the_problem(change, says):
    with pytest.raises(rules.FeeTableInvalid) as caught:
        rules.load_table(_broken(change))
    assert caught.value.code == "fee_table_invalid"
    assert caught.value.status == 422
    assert says in caught.value.message


@pytest.mark.parametrize(
    ("outcome", "place", "fee"),
    [
        ("initial", "home", 30000),
        ("initial", "institution", 25000),
        ("reassessment", "home", 30000),
        ("reassessment", "institution", 25000),
        ("terminated", "home", 10000),
        ("terminated", "institution", 8000),
    ],
)
def test_fee_per_outcome_and_place(table, outcome, place, fee):
    result = rules.case_fee(table, outcome=outcome, place=place)
    assert (result.fee_fen, result.applicant_fen, result.fund_fen) == (fee, 0, fee)


@pytest.mark.parametrize(
    ("applicant", "fund"),
    [(0, 20000), (20000, 0)],  # grade changed: the fund pays; unchanged: the applicant does
)
def test_an_appeal_is_priced_by_the_assessment_rules(table, applicant, fund):
    result = rules.case_fee(
        table, outcome="appeal", place="home", appeal_fee_fen=20000, applicant_fen=applicant
    )
    assert (result.fee_fen, result.applicant_fen, result.fund_fen) == (20000, applicant, fund)


def test_an_appeal_without_the_rules_fee_or_an_unknown_place_is_refused(table):
    with pytest.raises(rules.FeeTableInvalid):
        rules.case_fee(table, outcome="appeal", place="home")
    with pytest.raises(rules.FeeTableInvalid):
        rules.case_fee(table, outcome="initial", place="hospital")
    with pytest.raises(rules.FeeTableInvalid):
        rules.case_fee(table, outcome="no_show", place="home")


def test_every_kind_of_case_has_an_outcome():
    from changhu.assessment.models import Kind

    assert set(rules.KIND_OUTCOME) == set(Kind.values)
