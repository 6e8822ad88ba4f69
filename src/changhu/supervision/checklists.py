"""Inspection checklists as versioned data: ``presets/inspection/*.json`` into :class:`Checklist`.

A file is one version of one checklist: what it inspects (an institution or a home-care
beneficiary), the items (the item, the method, the points, the evidence required, the legal
basis and the severity of a failure) and the rectification deadline in working days per
severity. Loading goes through :mod:`changhu.core.versions`: the same version with the same
content changes nothing, with other content it is refused.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from changhu.core import versions
from changhu.core.errors import ValidationFailed
from changhu.supervision.models import Checklist, ChecklistTarget, Severity

ITEM_FIELDS = ("code", "group", "item", "method", "points", "evidence", "legal_basis", "severity")
DEFAULT_CODES = {
    ChecklistTarget.INSTITUTION: "institution-routine",
    ChecklistTarget.BENEFICIARY: "home-care-routine",
}


class ChecklistFileInvalid(ValidationFailed):
    code = "preset_invalid"
    message = "检查表文件有误"


def checklist_dir() -> Path:
    return versions.presets_dir("inspection")


def _invalid(path: Path, problem: str) -> ChecklistFileInvalid:
    return versions.file_refusal(ChecklistFileInvalid, f"检查表文件{path.name}有误：{problem}")


def read_checklist_file(path: Path) -> dict:
    """Parse and check a checklist file: its shape, each item complete, points positive."""
    path = Path(path)
    raw = versions.read_json(path, lambda why: _invalid(path, f"无法读取JSON（{why}）"))
    for key in ("code", "version", "name", "target", "effective_from", "items"):
        if key not in raw:
            raise _invalid(path, f"缺少字段{key}")
    try:
        dt.date.fromisoformat(str(raw["effective_from"]))
    except ValueError:
        raise _invalid(path, "effective_from应为YYYY-MM-DD格式的日期") from None
    if raw["target"] not in ChecklistTarget.values:
        raise _invalid(path, f"target应为{'/'.join(ChecklistTarget.values)}")
    items = raw["items"]
    if not isinstance(items, list) or not items:
        raise _invalid(path, "items应为非空列表")
    seen = set()
    for index, item in enumerate(items, start=1):
        missing = [name for name in ITEM_FIELDS if not item.get(name)]
        if missing:
            raise _invalid(path, f"第{index}项缺少{missing[0]}")
        if item["code"] in seen:
            raise _invalid(path, f"检查项代码{item['code']}重复")
        seen.add(item["code"])
        if not isinstance(item["points"], int) or item["points"] <= 0:
            raise _invalid(path, f"检查项{item['code']}的points应为正整数")
        if item["severity"] not in Severity.values:
            raise _invalid(path, f"检查项{item['code']}的severity应为{'/'.join(Severity.values)}")
    days = raw.get("rectify_working_days", {})
    for severity in Severity.values:
        value = days.get(severity)
        if not isinstance(value, int) or value <= 0:
            raise _invalid(path, f"rectify_working_days.{severity}应为正整数")
    return raw


def load_checklist_file(path: Path) -> tuple[Checklist, bool]:
    raw = read_checklist_file(path)
    stored = versions.store_version(
        Checklist,
        code=raw["code"],
        version=str(raw["version"]),
        digest=versions.checksum(raw),
        fields={
            "name": raw["name"],
            "target": raw["target"],
            "effective_from": dt.date.fromisoformat(raw["effective_from"]),
            "items": raw["items"],
            "rectify_working_days": raw["rectify_working_days"],
            "source": raw.get("source", "")[:300],
        },
        noun="检查表",
        changed_code="preset_version_changed",
        taken_code="preset_version_changed",
    )
    return stored.row, stored.created


def load_all_checklists(directory: Path | None = None) -> list[str]:
    """Load every shipped checklist file; one line per file."""
    results = versions.load_files(
        versions.files_in(directory or checklist_dir()), load_checklist_file
    )
    return [f"{row}：{'已加载' if created else '未变化'}" for row, created in results]


def checklist_on(code: str, day: dt.date) -> Checklist | None:
    """The version of checklist ``code`` in force on ``day``."""
    return versions.in_force(Checklist.objects.filter(code=code), day)


def ensure_loaded() -> None:
    """Load the shipped checklists if none is stored (tests and a database before presets)."""
    if not Checklist.objects.exists():
        load_all_checklists()
