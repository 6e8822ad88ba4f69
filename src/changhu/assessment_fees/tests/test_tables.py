"""Loading fee tables as immutable versions (``changhu load-presets``), a bad file refused with a
clear error and a code, and the version in force on a day."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from changhu.assessment_fees import rules, tables
from changhu.assessment_fees.models import FeeTableVersion
from changhu.core.errors import Conflict
from changhu.core.preset_registry import run_preset_loaders

pytestmark = pytest.mark.django_db
SHIPPED = tables.tables_dir() / "default.json"


def write(tmp_path, name: str, data) -> object:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def shipped() -> dict:
    return json.loads(SHIPPED.read_text("utf-8"))


def test_load_presets_loads_the_table_once():
    report = dict(run_preset_loaders(only=["assessment-fees"]))
    assert report["assessment-fees"] == ["assessment fees default 2021.1: loaded"]
    again = dict(run_preset_loaders(only=["assessment-fees"]))
    assert again["assessment-fees"] == [
        "assessment fees default 2021.1: already loaded, nothing changed"
    ]
    row = FeeTableVersion.objects.get()
    assert row.table.fee("initial", "home") == 30000
    assert str(row) == "失能评估费用标准（默认）（2021.1）"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "无法读取JSON"),
        ({"format": 1}, "缺少“code”"),
        ({**shipped(), "fees_fen": {"initial": {"home": 1}}}, "fees_fen"),
    ],
)
def test_a_bad_file_is_refused_with_its_name_and_a_code(tmp_path, content, says):
    path = write(tmp_path, "broken.json", content)
    with pytest.raises(rules.FeeTableInvalid) as caught:
        tables.load_fee_tables(paths=[path])
    error = caught.value
    assert error.code == "fee_table_invalid"
    assert "评估费用标准文件broken.json有误" in error.message and says in error.message
    assert error.fields == {"file": error.message}
    assert not FeeTableVersion.objects.exists()


def test_a_bad_file_among_good_ones_loads_nothing(tmp_path):
    good = write(tmp_path, "a.json", shipped())
    bad = write(tmp_path, "b.json", {**shipped(), "version": "2022.1", "appeal": "x"})
    with pytest.raises(rules.FeeTableInvalid):
        tables.load_fee_tables(paths=[good, bad])
    assert not FeeTableVersion.objects.exists()


def test_changed_content_needs_a_new_version(tmp_path):
    tables.load_fee_tables()
    changed = shipped()
    changed["fees_fen"]["initial"]["home"] = 35000
    with pytest.raises(Conflict) as caught:
        tables.load_fee_tables(paths=[write(tmp_path, "x.json", changed)])
    assert caught.value.code == "fee_table_version_changed"
    same_day = {**changed, "version": "2021.2"}
    with pytest.raises(Conflict) as caught:
        tables.load_fee_tables(paths=[write(tmp_path, "y.json", same_day)])
    assert caught.value.code == "fee_table_date_taken"


def test_the_version_in_force_on_a_day(tmp_path):
    tables.load_fee_tables()
    later = {**shipped(), "version": "2027.1", "effective_from": "2027-01-01"}
    later["fees_fen"]["initial"]["home"] = 32000
    tables.load_fee_tables(paths=[write(tmp_path, "later.json", later)])
    assert tables.table_on(dt.date(2021, 8, 2)) is None
    assert tables.table_on(dt.date(2026, 12, 31)).version == "2021.1"
    assert tables.table_on(dt.date(2027, 1, 1)).version == "2027.1"


def test_the_load_presets_command_reports_a_bad_file_by_its_code(tmp_path, settings):
    (tmp_path / "assessment-fees").mkdir()
    write(tmp_path / "assessment-fees", "bad.json", {**shipped(), "format": 9})
    settings.CHANGHU_PRESETS_DIR = str(tmp_path)
    with pytest.raises(CommandError, match="fee_table_invalid"):
        call_command("load_presets", "--only", "assessment-fees")
