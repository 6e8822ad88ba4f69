"""Periods, bands and the indicator-set files (no database for the pure parts)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from changhu.core.errors import Conflict, ValidationFailed
from changhu.scorecards import indicators, periods
from changhu.scorecards.bands import points_for


@pytest.mark.parametrize(
    ("text", "key", "first", "last", "count"),
    [
        ("2026-02", "2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28), 1),
        ("2024-Q1", "2024-Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31), 3),
        ("2026-Q4", "2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), 3),
        ("2025", "2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31), 12),
    ],
)
def test_periods_parse(text, key, first, last, count):
    period = periods.parse(text)
    assert (period.key, period.first, period.last, len(period.months)) == (key, first, last, count)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "2026-Q0", "26", "2026-1", "", "Q1-2026"])
def test_bad_periods_are_refused(text):
    with pytest.raises(ValueError):
        periods.parse(text)


def test_period_steps_and_the_last_complete_quarter():
    assert periods.parse("2026-Q1").shift(-1).key == "2025-Q4"
    assert periods.parse("2026-01").shift(-2).key == "2025-11"
    assert periods.parse("2026").shift(-1).key == "2025"
    assert periods.last_complete_quarter(dt.date(2026, 4, 1)).key == "2026-Q1"
    assert periods.last_complete_quarter(dt.date(2026, 3, 31)).key == "2025-Q4"


LOWER = {
    "formula": "rate",
    "weight": 10,
    "direction": "lower",
    "no_data": "full",
    "bands": [{"at_most": 2, "points": 10}, {"at_most": 5, "points": 6}],
}
HIGHER = {
    "formula": "rate",
    "weight": 15,
    "direction": "higher",
    "no_data": "zero",
    "bands": [{"at_least": 95, "points": 15}, {"at_least": 80, "points": 7.5}],
}


@pytest.mark.parametrize(
    ("indicator", "value", "points"),
    [
        (LOWER, Decimal("0"), "10.00"),
        (LOWER, Decimal("2"), "10.00"),
        (LOWER, Decimal("2.01"), "6.00"),
        (LOWER, Decimal("5.01"), "0.00"),
        (LOWER, None, "10.00"),
        (HIGHER, Decimal("100"), "15.00"),
        (HIGHER, Decimal("94.99"), "7.50"),
        (HIGHER, Decimal("79"), "0.00"),
        (HIGHER, None, "0.00"),
        ({"formula": "manual", "weight": 15}, Decimal("12.5"), "12.50"),
        ({"formula": "manual", "weight": 15}, Decimal("99"), "15.00"),
        ({"formula": "manual", "weight": 15}, None, "0.00"),
    ],
)
def test_bands(indicator, value, points):
    assert points_for(indicator, value) == Decimal(points)


def _shipped(kind: str) -> dict:
    path = next(indicators.sets_dir().glob(f"{kind}-*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", ["care-institution", "assessment-institution", "insurer"])
def test_shipped_sets_are_valid_and_weigh_100(kind):
    raw = _shipped(kind)
    indicators.read_set_file(next(indicators.sets_dir().glob(f"{kind}-*.json")))
    assert sum(Decimal(str(i["weight"])) for i in raw["indicators"]) == 100


def test_care_set_has_at_least_the_issues_indicators():
    codes = {i["code"] for i in _shipped("care-institution")["indicators"]}
    assert codes >= {
        "screening_finding_rate",
        "confirmed_finding_rate",
        "complaint_rate",
        "return_visit_discrepancy_rate",
        "satisfaction",
        "rectification_on_time",
        "certified_caregivers",
        "claim_lines_rejected",
        "inspection_points",
    }


def _write(tmp_path, raw, name="care-institution-9.json"):
    path = tmp_path / name
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


def test_weights_not_totalling_100_are_refused(tmp_path):
    raw = _shipped("care-institution")
    raw["indicators"][0]["weight"] = 11
    with pytest.raises(ValidationFailed) as caught:
        indicators.read_set_file(_write(tmp_path, raw))
    assert "合计应为100，实为101" in caught.value.message


def test_a_band_above_its_weight_is_refused(tmp_path):
    raw = _shipped("care-institution")
    raw["indicators"][0]["bands"][0]["points"] = 11
    with pytest.raises(ValidationFailed, match="之间"):
        indicators.read_set_file(_write(tmp_path, raw))


def test_an_indicator_nothing_computes_must_be_manual(tmp_path):
    raw = _shipped("care-institution")
    raw["indicators"][0]["code"] = "made_up"
    with pytest.raises(ValidationFailed) as caught:
        indicators.read_set_file(_write(tmp_path, raw))
    assert "made_up" in caught.value.message


@pytest.mark.django_db
def test_loading_is_immutable_per_version(tmp_path):
    from changhu.scorecards.models import IndicatorSet

    lines = indicators.load_all_sets()
    assert len(lines) == 3 and IndicatorSet.objects.count() == 3
    assert all("已加载" in line for line in lines)
    assert all("未变化" in line for line in indicators.load_all_sets())
    raw = _shipped("care-institution")
    raw["name"] = "改过的名称"
    with pytest.raises(Conflict):
        indicators.load_set_file(_write(tmp_path, raw))
    stored = IndicatorSet.objects.get(code="care-institution")
    assert stored.name == "定点护理机构考核指标" and len(stored.checksum) == 64
    assert indicators.set_on("care-institution", dt.date(2024, 12, 31)) is None
    assert indicators.set_on("care-institution", dt.date(2026, 1, 1)) == stored
