"""Scales read straight from the shipped preset files, and answer sheets built to a target."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from changhu.assessment.scoring import Scale, load_scale

PRESETS = Path(__file__).resolve().parents[2] / "presets" / "scales"


def preset_definition(file_name: str) -> dict:
    return json.loads((PRESETS / file_name).read_text("utf-8"))


def answers_for(scale: Scale, **totals: int) -> dict[str, int]:
    """A complete answer sheet whose indicator totals are the given ones (best where not given).

    Each item takes the largest option that still fits the remaining total.
    """
    answers = {}
    for indicator in scale.indicators:
        remaining = totals.get(indicator.code, indicator.max_points)
        for item in indicator.items:
            points = max(p for p in item.points if p <= remaining)
            answers[item.name] = points
            remaining -= points
        assert remaining == 0, f"{indicator.code} total {totals[indicator.code]} not reachable"
    return answers


@pytest.fixture(scope="session")
def national_definition() -> dict:
    return preset_definition("national-2021.json")


@pytest.fixture(scope="session")
def national(national_definition) -> Scale:
    return load_scale(national_definition)


@pytest.fixture(scope="session")
def barthel() -> Scale:
    return load_scale(preset_definition("barthel.json"))


@pytest.fixture
def definition(national_definition) -> dict:
    """A private copy of the national definition for a test to change."""
    return copy.deepcopy(national_definition)
