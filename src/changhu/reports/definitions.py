"""Report definitions as versioned data: ``presets/reports/*.json`` into :class:`ReportDefinition`.

A file is one version of one report: its period (``month`` or ``year``), its as-of rule, the
filters a person may set when running it, its sections (each a table whose ``rows`` is a
dimension, or ``total`` for one row, and whose ``columns`` are measures, optionally broken down
``by`` a dimension under a two-level header) and an optional ``summary`` (measures with the
breakdowns the command line prints). Every measure must be one of
:mod:`changhu.reports.measures` and support the dimensions it is broken down by. Loading goes
through :mod:`changhu.core.versions`: the same version with the same content changes nothing,
with other content it is refused.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from changhu.core import versions
from changhu.core.errors import ValidationFailed
from changhu.reports import dimensions, measures
from changhu.reports.models import PeriodKind, ReportDefinition

AS_OF_RULES = ("period_end",)
FILTERS = ("district",)


class DefinitionInvalid(ValidationFailed):
    code = "preset_invalid"
    message = "统计报表定义文件有误"


def definitions_dir() -> Path:
    return versions.presets_dir("reports")


def _invalid(path: Path, problem: str) -> DefinitionInvalid:
    return versions.file_refusal(DefinitionInvalid, f"统计报表定义文件{path.name}有误：{problem}")


def _check_dimension(path: Path, measure: measures.Measure, code: str, where: str) -> None:
    if not dimensions.is_known(code) or code == "total":
        raise _invalid(path, f"{where}的维度{code}不存在")
    if not measure.supports(code):
        raise _invalid(path, f"{where}的指标{measure.code}不能按{code}分组")


def _measure(path: Path, code, where: str) -> measures.Measure:
    measure = measures.get(str(code))
    if measure is None:
        raise _invalid(path, f"{where}的指标{code}不存在")
    return measure


def _check_section(path: Path, index: int, section: dict) -> None:
    where = f"第{index}个表"
    if not isinstance(section, dict):
        raise _invalid(path, f"{where}应为对象")
    for key in ("code", "title", "rows", "columns"):
        if section.get(key) in (None, "", []):
            raise _invalid(path, f"{where}缺少{key}")
    columns = section["columns"]
    if not isinstance(columns, list):
        raise _invalid(path, f"{where}的columns应为列表")
    for number, column in enumerate(columns, start=1):
        if not isinstance(column, dict):
            raise _invalid(path, f"{where}第{number}列应为对象")
        measure = _measure(path, column.get("measure"), f"{where}第{number}列")
        if section["rows"] != "total":
            _check_dimension(path, measure, section["rows"], where)
        if column.get("by"):
            _check_dimension(path, measure, column["by"], f"{where}第{number}列")


def read_definition(path: Path) -> dict:
    """Parse and check a report-definition file."""
    path = Path(path)
    raw = versions.read_json(path, lambda why: _invalid(path, f"无法读取JSON（{why}）"))
    if not isinstance(raw, dict):
        raise _invalid(path, "应为JSON对象")
    for key in ("code", "version", "name", "effective_from", "period", "as_of", "sections"):
        if raw.get(key) in (None, ""):
            raise _invalid(path, f"缺少字段{key}")
    try:
        dt.date.fromisoformat(str(raw["effective_from"]))
    except ValueError:
        raise _invalid(path, "effective_from应为YYYY-MM-DD格式的日期") from None
    if raw["period"] not in PeriodKind.values:
        raise _invalid(path, f"period应为{'/'.join(PeriodKind.values)}")
    if raw["as_of"] not in AS_OF_RULES:
        raise _invalid(path, f"as_of应为{'/'.join(AS_OF_RULES)}")
    unknown = [f for f in raw.get("filters", []) if f not in FILTERS]
    if unknown:
        raise _invalid(path, f"不支持的筛选条件{unknown[0]}")
    sections = raw["sections"]
    if not isinstance(sections, list) or not sections:
        raise _invalid(path, "sections应为非空列表")
    seen: set[str] = set()
    for index, section in enumerate(sections, start=1):
        _check_section(path, index, section)
        if section["code"] in seen:
            raise _invalid(path, f"表代码{section['code']}重复")
        seen.add(section["code"])
    for item in raw.get("summary", []):
        measure = _measure(path, item.get("measure"), "summary")
        for code in item.get("by", []):
            _check_dimension(path, measure, code, "summary")
    return raw


def load_file(path: Path) -> tuple[ReportDefinition, bool]:
    raw = read_definition(path)
    stored = versions.store_version(
        ReportDefinition,
        code=raw["code"],
        version=str(raw["version"]),
        digest=versions.checksum(raw),
        fields={
            "name": raw["name"],
            "period_kind": raw["period"],
            "as_of": raw["as_of"],
            "effective_from": dt.date.fromisoformat(raw["effective_from"]),
            "definition": raw,
        },
        noun="统计报表",
        changed_code="preset_version_changed",
        taken_code="preset_version_changed",
    )
    return stored.row, stored.created


def load_all(directory: Path | None = None) -> list[str]:
    """Load every shipped report definition; one line per file."""
    results = versions.load_files(versions.files_in(directory or definitions_dir()), load_file)
    return [f"{row}：{'已加载' if created else '未变化'}" for row, created in results]


def ensure_loaded() -> None:
    """Load the shipped definitions if none is stored (tests, a database before presets)."""
    if not ReportDefinition.objects.exists():
        load_all()


def in_force(code: str, day: dt.date) -> ReportDefinition | None:
    """The version of report ``code`` in force on ``day``."""
    return versions.in_force(ReportDefinition.objects.filter(code=code), day)


def codes() -> list[str]:
    return sorted(set(ReportDefinition.objects.values_list("code", flat=True)))
