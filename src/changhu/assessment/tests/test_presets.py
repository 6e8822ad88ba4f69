"""Scale versions in the database: idempotent loading, immutability, the version in force."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from changhu.assessment import presets
from changhu.assessment.models import ScaleVersion
from changhu.assessment.scoring import definition_checksum, score
from changhu.assessment.tests.conftest import PRESETS, answers_for
from changhu.core.errors import Conflict, NotFound

pytestmark = pytest.mark.django_db

# ADL intact, cognition mild: 0 under 2021.1, made 1 in the test's version 2021.2.
CHANGED_CELL_ANSWERS = {"adl": 100, "cognition": 13}


def _next_version(definition: dict) -> dict:
    definition.update(version="2021.2", effective_from="2024-01-01")
    definition["grading"]["cells"]["intact"]["mild"] = 1
    return definition


def test_load_presets_is_idempotent():
    first = presets.load_scale_presets()
    assert [(o.scale_version.code, o.created) for o in first] == [
        ("barthel", True),
        ("national-2021", True),
    ]
    again = presets.load_scale_presets()
    assert [o.created for o in again] == [False, False]
    assert str(again[1]) == "scale national-2021 2021.1: already loaded, nothing changed"
    assert ScaleVersion.objects.count() == 2
    row = ScaleVersion.objects.get(code="national-2021")
    shipped = json.loads((PRESETS / "national-2021.json").read_text("utf-8"))
    assert row.version == "2021.1" and row.effective_from == dt.date(2021, 8, 3)
    assert row.checksum == definition_checksum(shipped) and len(row.checksum) == 64
    assert row.definition == shipped


def test_same_version_with_changed_content_is_refused(definition):
    presets.load_scale_presets()
    definition["grading"]["cells"]["intact"]["mild"] = 1
    with pytest.raises(Conflict) as caught:
        presets.scale_version_load(definition)
    assert caught.value.code == "scale_version_changed"
    assert "版本已加载且内容不同" in caught.value.message
    row = ScaleVersion.objects.get(code="national-2021")
    assert row.definition["grading"]["cells"]["intact"]["mild"] == 0


def test_a_refused_file_loads_nothing_from_the_batch(definition, tmp_path):
    presets.load_scale_presets()
    good = tmp_path / "a-next.json"
    good.write_text(json.dumps(_next_version(json.loads(json.dumps(definition)))), "utf-8")
    definition["name"] = "改过的名称"
    changed = tmp_path / "b-changed.json"
    changed.write_text(json.dumps(definition, ensure_ascii=False), "utf-8")
    with pytest.raises(Conflict):
        presets.load_scale_presets(tmp_path)
    assert not ScaleVersion.objects.filter(version="2021.2").exists()


def test_a_stored_version_is_never_edited():
    presets.load_scale_presets()
    row = ScaleVersion.objects.get(code="national-2021")
    row.name = "改名"
    with pytest.raises(Conflict) as caught:
        row.save()
    assert caught.value.code == "scale_version_immutable"
    assert ScaleVersion.objects.get(pk=row.pk).name != "改名"


def test_a_tampered_definition_is_detected():
    presets.load_scale_presets()
    ScaleVersion.objects.filter(code="barthel").update(definition={"tampered": True})
    with pytest.raises(Conflict) as caught:
        ScaleVersion.objects.get(code="barthel").scale  # noqa: B018
    assert caught.value.code == "scale_checksum_mismatch"


def test_rescoring_with_its_own_version_after_a_new_version_is_loaded(definition):
    presets.load_scale_presets()
    answers = answers_for(presets.scale_for("national-2021").scale, **CHANGED_CELL_ANSWERS)
    assessed_on = dt.date(2023, 5, 1)
    stored = score(presets.scale_for("national-2021", assessed_on).scale, answers)
    assert (stored.scale_version, stored.grade) == ("2021.1", 0)

    row, created = presets.scale_version_load(_next_version(definition))
    assert created and row.version == "2021.2"

    today = presets.scale_for("national-2021", dt.date(2024, 6, 1))
    assert today.version == "2021.2"
    assert score(today.scale, answers).grade == 1
    # The old assessment, re-scored with the version it recorded, is unchanged.
    again = presets.scale_version_get("national-2021", stored.scale_version).scale
    assert score(again, answers) == stored
    assert presets.scale_for("national-2021", assessed_on).version == "2021.1"


def test_scale_for_respects_effective_to(definition):
    definition.update(version="2021.0", effective_to="2023-12-31")
    presets.scale_version_load(definition)
    assert presets.scale_for("national-2021", dt.date(2023, 12, 31)).version == "2021.0"
    with pytest.raises(NotFound) as caught:
        presets.scale_for("national-2021", dt.date(2024, 1, 1))
    assert caught.value.code == "scale_not_found"
    with pytest.raises(NotFound):
        presets.scale_for("national-2021", dt.date(2021, 8, 2))


def test_resolve_falls_back_to_presets_only_for_unknown_codes(definition):
    scale, source = presets.resolve_scale("national-2021")
    assert (scale.version, source) == ("2021.1", "preset")
    presets.scale_version_load(_next_version(definition))
    scale, source = presets.resolve_scale("national-2021", on_date=dt.date(2025, 1, 1))
    assert (scale.version, source) == ("2021.2", "database")
    # Once the database knows the code, it is authoritative.
    with pytest.raises(NotFound):
        presets.resolve_scale("national-2021", on_date=dt.date(2022, 1, 1))
    assert presets.resolve_scale("barthel")[1] == "preset"
    with pytest.raises(NotFound) as caught:
        presets.resolve_scale("shanghai")
    assert "shanghai" in caught.value.message
