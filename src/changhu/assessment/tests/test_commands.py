"""``changhu score`` and ``changhu load-scales``, in process and as real processes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from changhu.assessment import presets
from changhu.assessment.models import ScaleVersion
from changhu.assessment.scoring import load_scale
from changhu.assessment.tests.conftest import answers_for, preset_definition

NATIONAL = load_scale(preset_definition("national-2021.json"))
SEVERE_II = answers_for(NATIONAL, adl=35, cognition=8, perception=9)


def write(tmp_path: Path, content) -> Path:
    path = tmp_path / "answers.json"
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, "utf-8")
    return path


def changhu(*args: str, tmp_path: Path, stdin: str | None = None):
    """Run the real console command; the database directory does not exist (nothing loaded)."""
    env = {
        **os.environ,
        "CHANGHU_PROFILE": "test",
        "DJANGO_SETTINGS_MODULE": "changhu.settings_test",
        "CHANGHU_VAR_DIR": str(tmp_path / "no-database-here"),
    }
    return subprocess.run(
        [sys.executable, "-m", "changhu", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )


def run_score(*args, **options) -> dict:
    out = io.StringIO()
    call_command("score", *args, stdout=out, **options)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_score_prints_the_result_from_the_presets_when_nothing_is_loaded(tmp_path):
    result = run_score(str(write(tmp_path, SEVERE_II)))
    assert result["source"] == "preset"
    assert {k: result[k] for k in ("scale", "version", "grade", "grade_label")} == {
        "scale": "national-2021",
        "version": "2021.1",
        "grade": 4,
        "grade_label": "重度失能Ⅱ级",
    }
    assert (result["adl_score"], result["cognition_score"], result["perception_score"]) == (
        35,
        8,
        9,
    )
    assert (result["adl_level"], result["cognition_level"], result["perception_level"]) == (
        "重度受损",
        "中度受损",
        "轻度受损",
    )


@pytest.mark.django_db
def test_score_uses_the_loaded_version_and_the_version_option(tmp_path, definition):
    presets.load_scale_presets()
    definition.update(version="2021.2", effective_from="2024-01-01")
    definition["grading"]["cells"]["severe"]["moderate"] = 5
    presets.scale_version_load(definition)
    path = str(write(tmp_path, SEVERE_II))
    latest = run_score(path)
    assert (latest["source"], latest["version"], latest["grade"]) == ("database", "2021.2", 5)
    pinned = run_score(path, scale_version="2021.1")
    assert (pinned["version"], pinned["grade"]) == ("2021.1", 4)
    dated = run_score(path, "--date", "2023-12-31")
    assert (dated["version"], dated["grade"]) == ("2021.1", 4)


@pytest.mark.django_db
def test_score_reads_stdin_in_process():
    answers = answers_for(NATIONAL, adl=100, cognition=16, perception=12)
    result = run_score("-", stdin=io.StringIO(json.dumps(answers)))
    assert (result["grade"], result["grade_label"]) == (0, "基本正常")


@pytest.mark.django_db
def test_score_errors_raise_command_error_with_code_2(tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("score", str(write(tmp_path, {"进食": 10})), stdout=out)
    assert caught.value.returncode == 2
    assert "item_missing" in str(caught.value) and "穿衣" in str(caught.value)
    assert out.getvalue() == ""


def test_real_command_prints_json(tmp_path):
    done = changhu("score", str(write(tmp_path, SEVERE_II)), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["grade_label"] == "重度失能Ⅱ级" and result["source"] == "preset"
    assert "重度失能Ⅱ级" in done.stdout  # not \u escapes


def test_real_command_reads_stdin(tmp_path):
    barthel = answers_for(load_scale(preset_definition("barthel.json")), adl=40)
    done = changhu("score", "-", "--scale", "barthel", stdin=json.dumps(barthel), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["scale"], result["adl_score"], result["grade_label"]) == (
        "barthel",
        40,
        "重度失能",
    )


ERRORS = {
    "missing item": (
        {k: v for k, v in SEVERE_II.items() if k != "洗澡"},
        [],
        "item_missing",
        "洗澡",
    ),
    "unknown item": ({**SEVERE_II, "修饰": 5}, [], "item_unknown", "修饰"),
    "points not an option": ({**SEVERE_II, "平地行走": 12}, [], "option_invalid", "平地行走"),
    "malformed JSON": ('{"进食": 10,', [], "answers_invalid_json", "JSON"),
    "not an object": ("[10, 5]", [], "answers_invalid", "JSON对象"),
    "duplicate item": ('{"进食": 10, "进食": 5}', [], "item_duplicate", "进食"),
    "unknown scale": (SEVERE_II, ["--scale", "shanghai"], "scale_not_found", "shanghai"),
    "unknown version": (SEVERE_II, ["--version", "1999"], "scale_not_found", "1999"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_real_command_errors_exit_2_with_nothing_on_stdout(tmp_path, case):
    content, extra, code, named = ERRORS[case]
    done = changhu("score", str(write(tmp_path, content)), *extra, tmp_path=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert code in done.stderr and named in done.stderr
    assert "Traceback" not in done.stderr


def test_real_command_missing_file_and_stdin_errors(tmp_path):
    done = changhu("score", str(tmp_path / "nope.json"), tmp_path=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert "file_not_found" in done.stderr
    done = changhu("score", "-", stdin='{"视力": 9}', tmp_path=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert "option_invalid" in done.stderr and "视力" in done.stderr


@pytest.mark.django_db
def test_load_scales_command_is_idempotent():
    out = io.StringIO()
    call_command("load_scales", stdout=out)
    assert "national-2021 2021.1" in out.getvalue() and "新加载2个" in out.getvalue()
    out = io.StringIO()
    call_command("load_scales", stdout=out)
    assert "新加载0个" in out.getvalue()
    assert ScaleVersion.objects.count() == 2


@pytest.mark.django_db
def test_load_scales_command_refuses_changed_content(tmp_path, definition):
    call_command("load_scales", stdout=io.StringIO())
    definition["notes"].append("悄悄改了内容")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(definition, ensure_ascii=False), "utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("load_scales", str(changed), stdout=io.StringIO())
    assert caught.value.returncode == 2
    assert "scale_version_changed" in str(caught.value)


@pytest.mark.django_db
def test_run_deadlines_reports_and_refuses_a_bad_date(loaded):
    out = io.StringIO()
    call_command("run_deadlines", "--today", "2026-11-23", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "run-deadlines 2026-11-23"
    assert "publicity periods closed: 0" in lines
    with pytest.raises(CommandError, match="date_invalid"):
        call_command("run_deadlines", "--today", "23/11/2026")
