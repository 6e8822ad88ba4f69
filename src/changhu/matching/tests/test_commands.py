"""``changhu match-deaths`` and ``match-hospital``: in-process for the report, once as a process
for the exit status."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from changhu.core import clock
from changhu.insured.models import LifeEvent
from changhu.matching.models import MatchBatch, MatchRecord, MatchStatus
from changhu.matching.tests.helpers import (
    DEATH_HEADER,
    HOSPITAL_HEADER,
    bad_checksum,
    csv_bytes,
    xlsx_bytes,
)
from tests.factories import valid_id_number

pytestmark = pytest.mark.django_db


def _run(name: str, path: Path, *args: str) -> dict:
    out = StringIO()
    call_command(name, str(path), "--as", "worker_a", *args, stdout=out)
    return json.loads(out.getvalue())


def _death_rows(people) -> list[list[str]]:
    day = (clock.today() - dt.timedelta(days=20)).isoformat()
    return [
        [people.jinjiang.name, people.jinjiang.id_number, day],  # matched
        ["李秀兰", people.qingyang.id_number, day],  # matched, name differs
        ["赵无名", valid_id_number("510104", dt.date(1940, 3, 1)), day],  # not registered
        ["钱错号", bad_checksum(valid_id_number("510104", dt.date(1941, 3, 1))), day],  # checksum
        ["孙日期", valid_id_number("510104", dt.date(1942, 3, 1)), "2024-13-40"],  # bad date
        ["", valid_id_number("510104", dt.date(1943, 3, 1)), day],  # no name
    ]


def _counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_dry_run_reports_every_row_and_writes_nothing(users, people, tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_bytes(csv_bytes(DEATH_HEADER, _death_rows(people), "gb18030"))
    before = _counts()
    report = _run("match_deaths", path, "--dry-run")
    assert _counts() == before
    assert (report["rows"], report["matched"], report["unmatched"], report["invalid"]) == (
        6,
        2,
        1,
        3,
    )
    assert report["name_mismatch"] == 1 and report["batch_id"] is None
    assert {d["row"] for d in report["details"]["matched"]} == {2, 3}
    assert [d["row"] for d in report["details"]["unmatched"]] == [4]
    codes = {d["row"]: d["problems"][0]["code"] for d in report["details"]["invalid"]}
    assert codes == {5: "id_number_checksum", 6: "date_format", 7: "name_required"}
    text = json.dumps(report, ensure_ascii=False)
    assert people.jinjiang.id_number not in text and people.jinjiang.name not in text
    assert people.jinjiang.id_number_masked in text


def test_without_dry_run_matches_go_to_the_review_queue(users, people, tmp_path):
    path = tmp_path / "deaths.xlsx"
    path.write_bytes(xlsx_bytes(DEATH_HEADER, _death_rows(people)))
    report = _run("match_deaths", path)
    batch = MatchBatch.objects.get(pk=report["batch_id"])
    assert batch.status == "committed" and batch.stored_file.name == ""
    assert (batch.matched_rows, batch.unmatched_rows, batch.error_rows) == (2, 1, 3)
    pending = MatchRecord.objects.filter(batch=batch, status=MatchStatus.PENDING)
    assert {r.person_id for r in pending} == {people.jinjiang.pk, people.qingyang.pk}
    assert pending.get(person=people.qingyang).name_mismatch
    assert not pending.get(person=people.jinjiang).name_mismatch
    assert MatchRecord.objects.filter(batch=batch, status=MatchStatus.UNMATCHED).count() == 1
    assert report["matched"] == 2 and report["unmatched"] == 1 and report["invalid"] == 3
    assert LifeEvent.objects.count() == 0  # nothing is recorded before review


def test_hospital_list(users, people, tmp_path):
    start = clock.today() - dt.timedelta(days=10)
    rows = [
        [people.jinjiang.name, people.jinjiang.id_number, start.isoformat(), "", "四川省人民医院"],
        [
            people.qingyang.name,
            people.qingyang.id_number,
            start.isoformat(),
            (start - dt.timedelta(days=1)).isoformat(),
            "",
        ],
    ]
    path = tmp_path / "admissions.csv"
    path.write_bytes(csv_bytes(HOSPITAL_HEADER, rows, "utf-16"))
    report = _run("match_hospital", path)
    assert (report["matched"], report["invalid"]) == (1, 1)
    assert report["details"]["invalid"][0]["problems"][0]["code"] == "date_order"
    record = MatchRecord.objects.get(batch_id=report["batch_id"])
    assert record.hospital == "四川省人民医院" and record.end_date is None


def test_missing_column_is_exit_status_2(users, people, tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_bytes(csv_bytes(["姓名", "身份证号码"], [["张三", "1"]]))
    with pytest.raises(CommandError) as refused:
        _run("match_deaths", path)
    assert refused.value.returncode == 2
    assert "死亡日期" in str(refused.value)
    with pytest.raises(CommandError) as missing:
        _run("match_deaths", tmp_path / "none.csv")
    assert missing.value.returncode == 2


def test_exit_status_as_a_process(tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_bytes(csv_bytes(["姓名", "身份证号码"], [["张三", "110101194003010013"]]))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    done = subprocess.run(
        [sys.executable, "-m", "changhu", "match-deaths", str(path), "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "死亡日期" in done.stderr
