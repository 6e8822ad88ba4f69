"""Each module's error-code enum names exactly the codes its refusals carry, and the table in
docs/api.md is what ``changhu error-codes --write`` would write."""

from __future__ import annotations

import importlib
from pathlib import Path

import changhu
from changhu.core import error_catalogue
from tests.commands import assert_generated_file_current

ROOT = Path(changhu.__file__).parent


def test_every_module_lists_exactly_the_codes_it_raises():
    found = error_catalogue.by_app(error_catalogue.scan(ROOT))
    problems = {}
    for app, uses in found.items():
        enum = importlib.import_module(f"changhu.{app}.errors").ErrorCode
        listed = {member.value for member in enum}
        missing, unused = set(uses) - listed, listed - set(uses)
        if missing or unused:
            problems[app] = {
                "add to errors.py": sorted(missing),
                "no longer raised": sorted(unused),
            }
    assert not problems, problems
    assert sum(len(uses) for uses in found.values()) > 250  # the scan still sees the source


def test_the_scan_finds_each_way_of_raising():
    found = error_catalogue.by_app(error_catalogue.scan(ROOT))
    assert found["visits"]["visit_overlaps"].status == 409  # Conflict(..., code=…)
    assert found["visits"]["photo_required"].status == 422  # field_error(field, code, …)
    assert found["core"]["not_found"].status == 404  # an error class's own code
    assert found["web"]["picker_not_found"].message  # a helper's message is kept


def test_the_api_document_is_current():
    assert_generated_file_current("error_codes")
