"""Procedure rules as versioned data: validation, the version in force, the calculations."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from changhu.assessment import presets
from changhu.assessment import rules as engine
from changhu.assessment.models import RuleVersion
from changhu.core.errors import Conflict

DEFAULT = json.loads(
    (
        Path(__file__).resolve().parents[2] / "presets" / "assessment-rules" / "default.json"
    ).read_text("utf-8")
)


@pytest.fixture
def definition() -> dict:
    return copy.deepcopy(DEFAULT)


def test_the_shipped_defaults():
    rules = engine.load_rules(DEFAULT)
    assert (rules.publicity_working_days, rules.appeal_days, rules.confirming_experts) == (5, 15, 2)
    assert (rules.minimum_assessors, rules.minimum_experts) == (2, 1)
    assert rules.validity_months[4] == 24 and rules.scale == "national-2021"
    assert rules.exclusion("appeal") == engine.Exclusion(institution=True, people=True)
    assert rules.exclusion("objection") == engine.Exclusion(institution=False, people=True)
    assert rules.fee_fen == {"home": 20000, "institution": 15000}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format=2), "format"),
        (lambda d: d["deadlines"].update(appeal_days=0), "appeal_days"),
        (lambda d: d["deadlines"].pop("publicity_working_days"), "publicity_working_days"),
        (lambda d: d["assessors"].update(minimum_experts=3), "专家人数不能多于"),
        (lambda d: d["confirmation"].update(onsite_experts_may_confirm="yes"), "true或false"),
        (lambda d: d.update(validity_months={"三": 24}), "validity_months"),
        (lambda d: d["reassessment"]["exclude_previous"].update(yearly={}), "yearly"),
        (lambda d: d["appeal_fee"].update(fee_fen={"home": 20000}), "fee_fen"),
        (lambda d: d.update(region_code="成都"), "region_code"),
        (lambda d: d.update(effective_to="2020-01-01"), "失效日期"),
        (lambda d: d.update(version="2021 1"), "version"),
    ],
)
def test_a_wrong_definition_names_its_problem(definition, change, message):
    change(definition)
    with pytest.raises(engine.RulesDefinitionError) as exc:
        engine.load_rules(definition)
    assert message in exc.value.message and exc.value.code == "rules_invalid"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 11, 23), 24, dt.date(2028, 11, 23)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    ],
)
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert engine.add_months(start, months) == expected


def test_validity_deadline_fee_and_team():
    rules = engine.load_rules(DEFAULT)
    assert engine.validity_end(rules, 5, dt.date(2026, 3, 1)) == dt.date(2028, 2, 29)
    assert engine.validity_end(rules, 1, dt.date(2026, 3, 1)) == dt.date(2027, 2, 28)
    assert engine.appeal_deadline(rules, dt.date(2026, 12, 20)) == dt.date(2027, 1, 4)
    fee = engine.reassessment_fee
    assert fee(rules, previous_grade=4, new_grade=3, place="home") == engine.Fee("fund", 0)
    assert fee(rules, previous_grade=4, new_grade=4, place="home") == engine.Fee("applicant", 20000)
    assert fee(rules, previous_grade=4, new_grade=4, place="institution").fen == 15000
    assert engine.team_problems(rules, people=2, experts=1) == []
    assert len(engine.team_problems(rules, people=1, experts=0)) == 2


def test_a_city_can_always_charge(definition):
    definition["appeal_fee"]["free_if_grade_changes"] = False
    rules = engine.load_rules(definition)
    assert engine.reassessment_fee(rules, previous_grade=4, new_grade=2, place="home").fen == 20000


def test_the_most_specific_region_then_the_latest_version_wins(definition):
    national = engine.load_rules(DEFAULT)
    city = engine.load_rules({**definition, "code": "chengdu", "region_code": "5101"})
    later = engine.load_rules({**DEFAULT, "version": "2026.1", "effective_from": "2026-01-01"})
    pick = engine.pick_in_force
    day = dt.date(2026, 6, 1)
    assert pick([national, city, later], region_code="510104001000", on_date=day) is city
    assert pick([national, city, later], region_code="320102", on_date=day) is later
    assert pick([national, later], region_code="320102", on_date=dt.date(2025, 6, 1)) is national
    assert pick([national], region_code="1101", on_date=dt.date(2020, 1, 1)) is None


@pytest.mark.django_db
def test_loading_is_idempotent_immutable_and_refuses_changed_content(tmp_path, definition):
    outcomes = presets.load_rule_presets()
    assert [str(o) for o in outcomes] == ["assessment rules default 2021.1: loaded"]
    again = presets.load_rule_presets()
    assert not again[0].created and RuleVersion.objects.count() == 1
    row = RuleVersion.objects.get()
    with pytest.raises(Conflict) as exc:
        row.save()
    assert exc.value.code == "rules_version_immutable"
    definition["deadlines"]["publicity_working_days"] = 7
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(definition, ensure_ascii=False), "utf-8")
    with pytest.raises(Conflict) as exc:
        presets.load_rule_presets(paths=[path])
    assert exc.value.code == "rules_version_changed"
    assert presets.rules_for("510104001000").rules.publicity_working_days == 5
    with pytest.raises(Conflict) as exc:
        presets.rules_for("510104", dt.date(2020, 1, 1))
    assert exc.value.code == "rules_not_found"


@pytest.mark.django_db
def test_the_preset_registry_runs_the_rules_loader():
    from changhu.orgs.presets import preset_loaders, run_preset_loaders

    assert "assessment-rules" in [name for name, _ in preset_loaders()]
    report = dict(run_preset_loaders(["assessment-rules"]))
    assert report["assessment-rules"] == ["assessment rules default 2021.1: loaded"]
