"""Report definitions: the shipped files load once; a bad file is refused with its reason."""

from __future__ import annotations

import json
import shutil

import pytest

from changhu.core.errors import Conflict
from changhu.reports import definitions
from changhu.reports.definitions import DefinitionInvalid
from changhu.reports.models import ReportDefinition

pytestmark = pytest.mark.django_db

SHIPPED = ("ltci-monthly", "ltci-annual", "fund-income-expenditure", "institutions-caregivers")


def test_the_shipped_definitions_load_once():
    lines = definitions.load_all()
    assert len(lines) == 4 and all(line.endswith("已加载") for line in lines)
    assert set(ReportDefinition.objects.values_list("code", flat=True)) == set(SHIPPED)
    again = definitions.load_all()
    assert all(line.endswith("未变化") for line in again)
    assert ReportDefinition.objects.count() == 4
    monthly = ReportDefinition.objects.get(code="ltci-monthly")
    assert monthly.period_kind == "month" and monthly.as_of == "period_end"


def _write(tmp_path, name: str, body) -> None:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    (tmp_path / name).write_text(text, encoding="utf-8")


def _monthly() -> dict:
    return json.loads(
        (definitions.definitions_dir() / "ltci-monthly-2026.1.json").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.pop("sections"), "缺少字段sections"),
        (lambda d: d.update(period="week"), "period应为"),
        (lambda d: d.update(as_of="whenever"), "as_of应为"),
        (lambda d: d["sections"][0]["columns"].append({"measure": "nope"}), "指标nope不存在"),
        (lambda d: d["sections"][0].update(rows="payee_kind"), "不能按payee_kind分组"),
        (lambda d: d["sections"][1].update(code="enrolment"), "表代码enrolment重复"),
        (lambda d: d.update(filters=["institution"]), "不支持的筛选条件"),
    ],
)
def test_a_bad_definition_is_refused_with_the_file_and_reason(tmp_path, change, reason):
    body = _monthly()
    change(body)
    _write(tmp_path, "bad.json", body)
    with pytest.raises(DefinitionInvalid) as refused:
        definitions.load_all(tmp_path)
    assert refused.value.code == "preset_invalid"
    assert "bad.json" in refused.value.message and reason in refused.value.message
    assert not ReportDefinition.objects.exists()


def test_unreadable_json_is_refused(tmp_path):
    _write(tmp_path, "broken.json", "{not json")
    with pytest.raises(DefinitionInvalid, match="无法读取JSON"):
        definitions.load_all(tmp_path)


def test_the_same_version_with_other_content_is_refused(tmp_path):
    shutil.copy(definitions.definitions_dir() / "ltci-monthly-2026.1.json", tmp_path / "m.json")
    definitions.load_all(tmp_path)
    body = _monthly()
    body["name"] = "改过的名称"
    _write(tmp_path, "m.json", body)
    with pytest.raises(Conflict) as refused:
        definitions.load_all(tmp_path)
    assert refused.value.code == "preset_version_changed"


def test_the_worker_serves_report_runs():
    from changhu.core import jobs

    jobs.discover()
    assert "reports.runs" in [queue.name for queue in jobs.queues()]
