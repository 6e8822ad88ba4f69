"""The one loader of versioned rule files: checksum, immutability, effective dates, in force.
Exercised through two real kinds (benefit policies, screening rules) and the shared helpers."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from changhu.core import versions
from changhu.core.errors import Conflict
from changhu.settlement.models import PolicyVersion
from changhu.settlement.policies import policies_dir, policy_load
from changhu.visits import rulesets
from changhu.visits.models import RuleSet

pytestmark = pytest.mark.django_db


def shipped_policy() -> dict:
    return json.loads((policies_dir() / "chengdu-2023.1.json").read_text("utf-8"))


def test_the_checksum_ignores_key_order_and_spacing():
    a = {"code": "x", "version": "1", "rules": {"b": 1, "a": [1, 2]}}
    b = json.loads('{"rules": {"a": [1,2], "b": 1},  "version": "1", "code": "x"}')
    assert versions.checksum(a) == versions.checksum(b)
    assert versions.checksum(a) != versions.checksum({**a, "version": "2"})
    assert versions.canonical_json({"名": 1, "a": 2}) == '{"a":2,"名":1}'


def test_a_version_is_stored_once_and_never_edited():
    raw = shipped_policy()
    first = policy_load(raw)
    again = policy_load(json.loads(json.dumps(raw, indent=4)))  # reformatted, same content
    assert (first.status, again.status) == ("loaded", "unchanged")
    assert again.policy_id == first.policy_id and PolicyVersion.objects.count() == 1
    edited = json.loads(json.dumps(raw))
    edited["name"] = edited["name"] + "（改）"
    with pytest.raises(Conflict) as caught:
        policy_load(edited)
    assert caught.value.code == "policy_version_conflict"
    same_day = {**raw, "version": "2023.9"}
    with pytest.raises(Conflict) as caught:
        policy_load(same_day)
    assert caught.value.code == "policy_effective_taken"
    assert PolicyVersion.objects.count() == 1


def test_in_force_is_the_latest_to_take_effect_on_or_before_the_day():
    raw = shipped_policy()
    policy_load(raw)
    start = dt.date.fromisoformat(raw["effective_from"])
    later = {**raw, "version": "2030.1", "effective_from": "2030-01-01"}
    policy_load(later)
    rows = PolicyVersion.objects.filter(code=raw["code"])
    assert versions.in_force(rows, start - dt.timedelta(days=1)) is None
    assert versions.in_force(rows, start).version == raw["version"]
    assert versions.in_force(rows, dt.date(2029, 12, 31)).version == raw["version"]
    assert versions.in_force(rows, dt.date(2030, 1, 1)).version == "2030.1"


def test_in_force_skips_versions_that_have_ended():
    from changhu.assessment.models import ScaleVersion
    from changhu.assessment.presets import load_scale_presets

    load_scale_presets()
    row = ScaleVersion.objects.get(code="national-2021")
    ScaleVersion.objects.filter(pk=row.pk).update(effective_to=dt.date(2030, 12, 31))
    rows = ScaleVersion.objects.filter(code="national-2021")
    assert versions.in_force(rows, dt.date(2030, 12, 31), ends="effective_to") == row
    assert versions.in_force(rows, dt.date(2031, 1, 1), ends="effective_to") is None


def test_rule_sets_stored_under_the_earlier_checksum_are_brought_up_to_date():
    path = sorted(rulesets.screening_dir().glob("*.json"))[0]
    raw = json.loads(path.read_text("utf-8"))
    rulesets.load_rule_file(path)
    earlier = rulesets._earlier_checksum(raw)
    assert earlier != versions.checksum(raw)
    RuleSet.objects.update(checksum=earlier)  # as stored before the shared loader
    assert rulesets.load_rule_file(path).status == "unchanged"
    assert RuleSet.objects.get().checksum == versions.checksum(raw)
    RuleSet.objects.update(checksum="0" * 64)  # really other content
    with pytest.raises(Conflict) as caught:
        rulesets.load_rule_file(path)
    assert caught.value.code == "preset_version_changed"


def test_unreadable_files_raise_the_kinds_own_error(tmp_path):
    from changhu.care.catalogue import load_catalogue_file

    bad = tmp_path / "broken.json"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(Exception) as caught:
        load_catalogue_file(bad)
    assert "broken.json" in str(caught.value.message) and "无法读取JSON" in caught.value.message
    assert versions.files_in(tmp_path) == [bad]
