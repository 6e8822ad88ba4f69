"""Indicator sets as versioned data: ``presets/scorecards/*.json`` into :class:`IndicatorSet`.

A file is one version of one kind's indicator set: each indicator's code, Chinese name, weight,
formula kind (``rate``, ``count`` against a target, ``timeliness``, ``manual`` on-site points),
its data source, its direction and its scoring bands. The weights of a set total 100; a band
never gives more than its indicator's weight; every computed indicator must be one the
computation knows (:mod:`changhu.scorecards.compute`). Loading goes through
:mod:`changhu.core.versions`: the same version with the same content changes nothing, with other
content it is refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

from changhu.core import versions
from changhu.core.errors import ValidationFailed
from changhu.scorecards.models import IndicatorSet, ScorecardKind

FORMULAS = ("rate", "count", "timeliness", "manual")
DIRECTIONS = ("higher", "lower")
INDICATOR_FIELDS = ("code", "name", "weight", "formula", "source", "direction")
TOTAL_WEIGHT = Decimal(100)


class IndicatorSetInvalid(ValidationFailed):
    code = "preset_invalid"
    message = "考核指标文件有误"


def sets_dir() -> Path:
    return versions.presets_dir("scorecards")


def _invalid(path: Path, problem: str) -> IndicatorSetInvalid:
    return versions.file_refusal(IndicatorSetInvalid, f"考核指标文件{path.name}有误：{problem}")


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _check_bands(path: Path, item: dict, weight: Decimal) -> None:
    code = item["code"]
    if item["formula"] == "manual":
        return
    bands = item.get("bands")
    if not isinstance(bands, list) or not bands:
        raise _invalid(path, f"指标{code}缺少评分档次bands")
    bound = "at_least" if item["direction"] == "higher" else "at_most"
    for band in bands:
        points, limit = _number(band.get("points")), _number(band.get(bound))
        if limit is None:
            raise _invalid(path, f"指标{code}的每个评分档次应有数值{bound}")
        if points is None or not 0 <= points <= weight:
            raise _invalid(path, f"指标{code}的评分档次得分应在0到权重{weight}之间")
    if item.get("no_data", "full") not in ("full", "zero"):
        raise _invalid(path, f"指标{code}的no_data应为full或zero")


def read_set_file(path: Path) -> dict:
    """Parse and check an indicator-set file: its shape, each indicator complete and computable,
    the bands within the weights, and the weights totalling 100."""
    from changhu.scorecards.compute import COMPUTED

    path = Path(path)
    raw = versions.read_json(path, lambda why: _invalid(path, f"无法读取JSON（{why}）"))
    for key in ("code", "version", "name", "kind", "effective_from", "indicators"):
        if key not in raw:
            raise _invalid(path, f"缺少字段{key}")
    try:
        dt.date.fromisoformat(str(raw["effective_from"]))
    except ValueError:
        raise _invalid(path, "effective_from应为YYYY-MM-DD格式的日期") from None
    if raw["kind"] not in ScorecardKind.values:
        raise _invalid(path, f"kind应为{'/'.join(ScorecardKind.values)}")
    items = raw["indicators"]
    if not isinstance(items, list) or not items:
        raise _invalid(path, "indicators应为非空列表")
    seen: set[str] = set()
    total = Decimal(0)
    for index, item in enumerate(items, start=1):
        missing = [name for name in INDICATOR_FIELDS if item.get(name) in (None, "")]
        if missing:
            raise _invalid(path, f"第{index}项指标缺少{missing[0]}")
        code = item["code"]
        if code in seen:
            raise _invalid(path, f"指标代码{code}重复")
        seen.add(code)
        if item["formula"] not in FORMULAS:
            raise _invalid(path, f"指标{code}的formula应为{'/'.join(FORMULAS)}")
        if item["direction"] not in DIRECTIONS:
            raise _invalid(path, f"指标{code}的direction应为higher或lower")
        weight = _number(item["weight"])
        if weight is None or weight <= 0:
            raise _invalid(path, f"指标{code}的weight应为正数")
        if item["formula"] != "manual" and code not in COMPUTED.get(raw["kind"], {}):
            raise _invalid(path, f"指标{code}没有对应的计算方法，只能作为现场评分（manual）指标")
        _check_bands(path, item, weight)
        total += weight
    if total != TOTAL_WEIGHT:
        raise _invalid(path, f"各指标权重合计应为100，实为{total.normalize():f}")
    return raw


def load_set_file(path: Path) -> tuple[IndicatorSet, bool]:
    raw = read_set_file(path)
    stored = versions.store_version(
        IndicatorSet,
        code=raw["code"],
        version=str(raw["version"]),
        digest=versions.checksum(raw),
        fields={
            "name": raw["name"],
            "kind": raw["kind"],
            "effective_from": dt.date.fromisoformat(raw["effective_from"]),
            "indicators": raw["indicators"],
            "source": raw.get("source", "")[:500],
        },
        noun="考核指标",
        changed_code="preset_version_changed",
        taken_code="preset_version_changed",
    )
    return stored.row, stored.created


def load_all_sets(directory: Path | None = None) -> list[str]:
    """Load every shipped indicator-set file; one line per file."""
    results = versions.load_files(versions.files_in(directory or sets_dir()), load_set_file)
    return [f"{row}：{'已加载' if created else '未变化'}" for row, created in results]


def set_on(kind: str, day: dt.date) -> IndicatorSet | None:
    """The indicator set of ``kind`` in force on ``day``."""
    return versions.in_force(IndicatorSet.objects.filter(kind=kind), day)


def ensure_loaded() -> None:
    """Load the shipped sets if none is stored (tests and a database before presets)."""
    if not IndicatorSet.objects.exists():
        load_all_sets()
