"""Disability assessment scales as data, and the pure scoring engine (no Django).

A scale definition is a JSON object (format described in ``docs/assessment-scales.md``).
``load_scale`` validates it into frozen dataclasses; ``score`` turns a complete set of answers
(item name -> points) into indicator totals, levels and a grade; ``partial_score`` is the live
score of a draft form. Every result carries the scale code and version it was scored with.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from changhu.core import checksums
from changhu.core.errors import DomainError

FORMAT = 1
"""The version of the definition format this engine reads (the ``format`` field)."""

_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_INTEGER = re.compile(r"^\s*-?\d+\s*$")


# --- errors -------------------------------------------------------------------------------


class ScoringError(DomainError):
    status = 422
    code = "scoring_invalid"
    message = "评估答卷有误"


class ScaleDefinitionError(ScoringError):
    """The scale definition itself is wrong: a preset or city file that must be fixed."""

    code = "scale_invalid"
    message = "量表定义有误"


class AnswerError(ScoringError):
    """A problem with the answer to one item; ``item`` is the first, ``items`` all of them."""

    def __init__(self, message: str, *, items: Iterable[str], fields: dict[str, str]) -> None:
        self.items = tuple(items)
        self.item = self.items[0]
        super().__init__(message, fields=fields)


class ItemMissing(AnswerError):
    code = "item_missing"


class ItemUnknown(AnswerError):
    code = "item_unknown"


class OptionInvalid(AnswerError):
    code = "option_invalid"


def _invalid(where: str, problem: str) -> ScaleDefinitionError:
    return ScaleDefinitionError(f"量表定义有误（{where}）：{problem}")


# --- the scale as data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    points: int
    text: str


@dataclass(frozen=True)
class Item:
    name: str
    indicator: str
    options: tuple[Option, ...]

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(option.points for option in self.options)


@dataclass(frozen=True)
class Level:
    """A level of an indicator (能力完好 …); ``rank`` 0 is the best, higher is worse."""

    code: str
    name: str
    rank: int


@dataclass(frozen=True)
class Band:
    """Indicator totals from ``low`` to ``high`` (both included) give ``level``."""

    level: str
    low: int
    high: int


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]

    @property
    def max_points(self) -> int:
        return sum(max(item.points) for item in self.items)

    def level_of(self, total: int) -> str:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.level
        raise _invalid(f"指标“{self.code}”", f"总分{total}不在任何分段内")


@dataclass(frozen=True)
class Grade:
    """A grade of the scale and its label. Whether it gives a right to benefits is not the
    scale's to say: that is the benefit policy's ``qualifying_grades`` (settlement)."""

    grade: int
    label: str
    severe: bool
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grading:
    """How indicator levels combine into a grade.

    ``rows`` (and, for a matrix, ``columns``) are groups of indicator codes; a group's level is
    the worst level among its indicators. ``cells`` maps the row level to a grade (lookup), or
    the row level and then the column level to a grade (matrix).
    """

    method: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class Scale:
    code: str
    version: str
    name: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    levels: tuple[Level, ...]
    indicators: tuple[Indicator, ...]
    grades: tuple[Grade, ...]
    grading: Grading
    notes: tuple[str, ...]
    definition: Mapping[str, Any] = field(repr=False)
    _items: dict[str, Item] = field(init=False, repr=False)
    _levels: dict[str, Level] = field(init=False, repr=False)
    _grades: dict[int, Grade] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items", {i.name: i for d in self.indicators for i in d.items})
        object.__setattr__(self, "_levels", {level.code: level for level in self.levels})
        object.__setattr__(self, "_grades", {grade.grade: grade for grade in self.grades})

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(self._items.values())

    @property
    def checksum(self) -> str:
        return definition_checksum(self.definition)

    def item(self, name: str) -> Item:
        return self._items[name]

    def level(self, code: str) -> Level:
        return self._levels[code]

    def grade(self, number: int) -> Grade:
        return self._grades[number]

    def indicator(self, code: str) -> Indicator:
        return next(d for d in self.indicators if d.code == code)

    def in_force(self, on_date: dt.date) -> bool:
        """In force from ``effective_from`` through ``effective_to``, both days included."""
        return self.effective_from <= on_date and (
            self.effective_to is None or on_date <= self.effective_to
        )

    def grade_from_label(self, text: str) -> int | None:
        """The grade number for a label, an alias (重度失能二级, 重度失能II级) or a digit."""
        wanted = str(text).strip()
        for grade in self.grades:
            if wanted in (grade.label, str(grade.grade), *grade.aliases):
                return grade.grade
        return None

    def group_level(self, group: Iterable[str], levels: Mapping[str, str]) -> str:
        """The worst level among the indicators of a group (以失能等级严重的为准)."""
        return max((levels[code] for code in group), key=lambda c: self._levels[c].rank)

    def grade_of(self, levels: Mapping[str, str]) -> int:
        """The grade for indicator levels (indicator code -> level code)."""
        cell = self.grading.cells[self.group_level(self.grading.rows, levels)]
        if self.grading.columns:
            cell = cell[self.group_level(self.grading.columns, levels)]
        return cell


# --- loading and validating a definition ----------------------------------------------------


canonical_json = checksums.canonical_json
definition_checksum = checksums.checksum


def _get(mapping: Any, key: str, kind: type | tuple[type, ...], where: str, *, optional=False):
    if not isinstance(mapping, Mapping):
        raise _invalid(where, "应为JSON对象")
    value = mapping.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _invalid(where, f"字段“{key}”缺失或类型不正确")
    if isinstance(value, str | list) and not value:
        raise _invalid(where, f"字段“{key}”不能为空")
    return value


def _date(value: Any, where: str, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _invalid(where, f"字段“{key}”应为YYYY-MM-DD格式的日期") from None


def _unique(names: list, where: str, what: str) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise _invalid(where, f"{what}“{name}”重复")
        seen.add(name)


def _load_item(data: Any, indicator: str, where: str) -> Item:
    name = _get(data, "name", str, where)
    where = f"{where}，项目“{name}”"
    options = tuple(
        Option(
            points=_get(option, "points", int, f"{where}第{n}个选项"),
            text=_get(option, "text", str, f"{where}第{n}个选项"),
        )
        for n, option in enumerate(_get(data, "options", list, where), start=1)
    )
    _unique([option.points for option in options], where, "分值")
    return Item(name=name, indicator=indicator, options=options)


def _reachable_totals(items: Iterable[Item]) -> set[int]:
    totals = {0}
    for item in items:
        totals = {total + points for total in totals for points in item.points}
    return totals


def _check_bands(bands: tuple[Band, ...], items, levels: dict[str, Level], where: str) -> None:
    """Bands never overlap, every reachable total falls in one, and more points never give a
    worse level."""
    for band in bands:
        if band.level not in levels:
            raise _invalid(where, f"分段使用了未定义的等级“{band.level}”")
        if band.low > band.high:
            raise _invalid(where, f"分段{band.low}–{band.high}的下限大于上限")
    ordered = sorted(bands, key=lambda band: band.low)
    for lower, upper in itertools.pairwise(ordered):
        if upper.low <= lower.high:
            raise _invalid(where, f"分段{lower.low}–{lower.high}与{upper.low}–{upper.high}重叠")
        if levels[upper.level].rank > levels[lower.level].rank:
            raise _invalid(where, f"分段{upper.low}–{upper.high}的等级比更低分的分段更差")
    totals = _reachable_totals(items)
    uncovered = sorted(t for t in totals if not any(b.low <= t <= b.high for b in bands))
    if uncovered:
        shown = "、".join(str(total) for total in uncovered[:5])
        raise _invalid(where, f"总分{shown}不在任何分段内")
    for band in bands:
        if not any(band.low <= total <= band.high for total in totals):
            raise _invalid(where, f"分段{band.low}–{band.high}内没有可能出现的总分")


def _load_indicator(data: Any, levels: dict[str, Level], where: str) -> Indicator:
    code = _get(data, "code", str, where)
    where = f"指标“{code}”"
    items = tuple(
        _load_item(item, code, f"{where}第{n}个项目")
        for n, item in enumerate(_get(data, "items", list, where), start=1)
    )
    bands = tuple(
        Band(
            level=_get(band, "level", str, f"{where}第{n}个分段"),
            low=_get(band, "min", int, f"{where}第{n}个分段"),
            high=_get(band, "max", int, f"{where}第{n}个分段"),
        )
        for n, band in enumerate(_get(data, "bands", list, where), start=1)
    )
    _check_bands(bands, items, levels, where)
    return Indicator(code=code, name=_get(data, "name", str, where), items=items, bands=bands)


def _load_grades(data: Any) -> tuple[Grade, ...]:
    grades = []
    for n, grade in enumerate(_get(data, "grades", list, "量表"), start=1):
        where = f"第{n}个失能等级"
        aliases = _get(grade, "aliases", list, where, optional=True) or []
        if not all(isinstance(alias, str) and alias for alias in aliases):
            raise _invalid(where, "别名应为非空字符串")
        grades.append(
            Grade(
                grade=_get(grade, "grade", int, where),
                label=_get(grade, "label", str, where),
                severe=_get(grade, "severe", bool, where),
                aliases=tuple(aliases),
            )
        )
    _unique([grade.grade for grade in grades], "失能等级", "等级")
    _unique([s for g in grades for s in (g.label, *g.aliases)], "失能等级", "名称")
    return tuple(grades)


def _group(data: Any, key: str, indicators: dict[str, Indicator]) -> tuple[str, ...]:
    codes = _get(data, key, list, "组合规则")
    for code in codes:
        if code not in indicators:
            raise _invalid("组合规则", f"“{key}”引用了未定义的指标“{code}”")
    return tuple(codes)


def _group_levels(group, indicators: dict[str, Indicator], levels: dict[str, Level]) -> list:
    used = {band.level for code in group for band in indicators[code].bands}
    return sorted(used, key=lambda code: levels[code].rank)


def _check_cells(cells: Any, keys: list[str], grades: dict[int, Grade], where: str) -> None:
    if not isinstance(cells, Mapping):
        raise _invalid(where, "应为以等级代码为键的对象")
    missing = [key for key in keys if key not in cells]
    extra = [key for key in cells if key not in keys]
    if missing or extra:
        raise _invalid(where, f"缺少等级{missing}或有多余的等级{extra}")
    values = [cells[key] for key in keys]
    if all(isinstance(value, int) and not isinstance(value, bool) for value in values):
        if any(value not in grades for value in values):
            raise _invalid(where, "引用了未定义的失能等级")
        if values != sorted(values):
            raise _invalid(where, "等级越差，失能等级不能越轻")


def _load_grading(data: Any, indicators, levels, grades: dict[int, Grade]) -> Grading:
    grading = _get(data, "grading", Mapping, "量表")
    method = _get(grading, "method", str, "组合规则")
    if method not in ("matrix", "lookup"):
        raise _invalid("组合规则", f"未知的组合方法“{method}”，应为matrix或lookup")
    rows = _group(grading, "rows", indicators)
    columns = _group(grading, "columns", indicators) if method == "matrix" else ()
    cells = _get(grading, "cells", Mapping, "组合规则")
    row_levels = _group_levels(rows, indicators, levels)
    if not columns:
        _check_cells(cells, row_levels, grades, "组合规则")
        return Grading(method=method, rows=rows, columns=(), cells=dict(cells))
    column_levels = _group_levels(columns, indicators, levels)
    _check_cells(cells, row_levels, {}, "组合矩阵")
    for row in row_levels:
        _check_cells(cells[row], column_levels, grades, f"组合矩阵第“{row}”行")
    for column in column_levels:
        _check_cells(
            {r: cells[r][column] for r in row_levels}, row_levels, grades, f"组合矩阵第“{column}”列"
        )
    return Grading(
        method=method, rows=rows, columns=columns, cells={r: dict(cells[r]) for r in row_levels}
    )


def load_scale(definition: Mapping[str, Any]) -> Scale:
    """Validate a scale definition (a dict read from JSON) and build the scale.

    Raises ``ScaleDefinitionError`` naming the first problem: a missing field, an item without
    options, bands with a gap or an overlap, a combination table with a missing cell, ...
    """
    if not isinstance(definition, Mapping):
        raise _invalid("量表", "应为JSON对象")
    if definition.get("format") != FORMAT:
        raise _invalid("量表", f"字段“format”应为{FORMAT}")
    code = _get(definition, "code", str, "量表")
    version = _get(definition, "version", str, "量表")
    if not _CODE.match(code):
        raise _invalid("量表", f"代码“{code}”只能包含小写字母、数字、点、下划线和连字符")
    if not _VERSION.match(version):
        raise _invalid("量表", f"版本号“{version}”只能包含字母、数字、点、下划线和连字符")
    effective_from = _date(definition.get("effective_from"), "量表", "effective_from")
    effective_to = None
    if definition.get("effective_to") is not None:
        effective_to = _date(definition["effective_to"], "量表", "effective_to")
        if effective_to < effective_from:
            raise _invalid("量表", "失效日期早于生效日期")
    levels_data = _get(definition, "levels", list, "量表")
    levels = {
        _get(level, "code", str, "等级"): Level(
            code=level["code"], name=_get(level, "name", str, "等级"), rank=rank
        )
        for rank, level in enumerate(levels_data)
    }
    _unique([level.get("code") for level in levels_data], "等级", "等级代码")
    indicators = {}
    for n, data in enumerate(_get(definition, "indicators", list, "量表"), start=1):
        indicator = _load_indicator(data, levels, f"第{n}个指标")
        if indicator.code in indicators:
            raise _invalid("量表", f"指标代码“{indicator.code}”重复")
        indicators[indicator.code] = indicator
    _unique([item.name for d in indicators.values() for item in d.items], "量表", "评估项目")
    grades = _load_grades(definition)
    notes = _get(definition, "notes", list, "量表", optional=True) or []
    return Scale(
        code=code,
        version=version,
        name=_get(definition, "name", str, "量表"),
        source=_get(definition, "source", str, "量表", optional=True) or "",
        effective_from=effective_from,
        effective_to=effective_to,
        levels=tuple(levels.values()),
        indicators=tuple(indicators.values()),
        grades=grades,
        grading=_load_grading(definition, indicators, levels, {g.grade: g for g in grades}),
        notes=tuple(str(note) for note in notes),
        definition=definition,
    )


def pick_in_force(scales: Iterable[Scale], on_date: dt.date) -> Scale | None:
    """The version in force on a day: of those whose dates cover it, the latest to start."""
    candidates = [scale for scale in scales if scale.in_force(on_date)]
    if not candidates:
        return None
    return max(candidates, key=lambda s: (s.effective_from, version_key(s.version)))


def version_key(version: str) -> tuple:
    """Orders ``2021.2`` before ``2021.10``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[._-]", version))


# --- scoring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """A complete score. ``scores`` and ``levels`` are keyed by indicator code."""

    scale_code: str
    scale_version: str
    scores: Mapping[str, int]
    levels: Mapping[str, str]
    level_names: Mapping[str, str]
    grade: int
    grade_label: str
    severe: bool

    @property
    def adl_score(self) -> int | None:
        return self.scores.get("adl")

    @property
    def cognition_score(self) -> int | None:
        return self.scores.get("cognition")

    @property
    def perception_score(self) -> int | None:
        return self.scores.get("perception")

    def as_dict(self) -> dict[str, Any]:
        """Flat keys ``<indicator>_score`` and ``<indicator>_level`` (the level's name)."""
        data: dict[str, Any] = {"scale": self.scale_code, "version": self.scale_version}
        for code, total in self.scores.items():
            data[f"{code}_score"] = total
            data[f"{code}_level"] = self.level_names[code]
        data.update(
            grade=self.grade,
            grade_label=self.grade_label,
            severe=self.severe,
            levels=dict(self.levels),
        )
        return data


@dataclass(frozen=True)
class PartialResult:
    """The live score of a draft: totals so far, what is missing, the grade once complete.

    ``grade_range`` is the best and worst grade still possible given the missing items.
    """

    scale_code: str
    scale_version: str
    answers: Mapping[str, int]
    scores: Mapping[str, int]
    levels: Mapping[str, str]
    missing: tuple[str, ...]
    grade_range: tuple[int, int]
    result: Result | None

    @property
    def complete(self) -> bool:
        return self.result is not None

    @property
    def grade(self) -> int | None:
        return self.result.grade if self.result else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "scale": self.scale_code,
            "version": self.scale_version,
            "complete": self.complete,
            "scores": dict(self.scores),
            "levels": dict(self.levels),
            "missing": list(self.missing),
            "grade_range": list(self.grade_range),
            "result": self.result.as_dict() if self.result else None,
        }


def _as_points(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value):
        return int(value)
    return None


def _checked_answers(scale: Scale, answers: Mapping[str, Any]) -> dict[str, int]:
    """The answers given (None counts as not given), validated, in the scale's item order."""
    if not isinstance(answers, Mapping):
        raise ScoringError("答卷应为“评估项目名称: 分值”形式的JSON对象", code="answers_invalid")
    unknown = [str(name) for name in answers if name not in scale._items]
    if unknown:
        message = f"量表“{scale.name}”中没有评估项目“{unknown[0]}”"
        if len(unknown) > 1:
            message += f"（共{len(unknown)}项不属于本量表：{'、'.join(unknown)}）"
        raise ItemUnknown(
            message,
            items=unknown,
            fields={name: "没有这个评估项目" for name in unknown},
        )
    checked, invalid = {}, {}
    for item in scale.items:
        value = answers.get(item.name)
        if value is None:
            continue
        points = _as_points(value)
        if points in item.points:
            checked[item.name] = points
        else:
            allowed = "、".join(str(p) for p in item.points)
            invalid[item.name] = f"评估项目“{item.name}”的分值“{value}”无效，可选分值为{allowed}"
    if invalid:
        raise OptionInvalid(next(iter(invalid.values())), items=invalid, fields=invalid)
    return checked


def _complete(scale: Scale, points: Mapping[str, int]) -> Result:
    scores = {d.code: sum(points[item.name] for item in d.items) for d in scale.indicators}
    levels = {d.code: d.level_of(scores[d.code]) for d in scale.indicators}
    grade = scale.grade(scale.grade_of(levels))
    return Result(
        scale_code=scale.code,
        scale_version=scale.version,
        scores=scores,
        levels=levels,
        level_names={code: scale.level(level).name for code, level in levels.items()},
        grade=grade.grade,
        grade_label=grade.label,
        severe=grade.severe,
    )


def score(scale: Scale, answers: Mapping[str, Any]) -> Result:
    """Score a complete form: every item of the scale answered with one of its options' points.

    Raises ``ItemUnknown``, ``OptionInvalid`` or ``ItemMissing`` (in that order of checking),
    each naming the item.
    """
    points = _checked_answers(scale, answers)
    missing = [item.name for item in scale.items if item.name not in points]
    if missing:
        message = f"缺少评估项目“{missing[0]}”的评分"
        if len(missing) > 1:
            message += f"（共缺少{len(missing)}项：{'、'.join(missing)}）"
        raise ItemMissing(message, items=missing, fields={n: "请选择评分" for n in missing})
    return _complete(scale, points)


def partial_score(scale: Scale, answers: Mapping[str, Any]) -> PartialResult:
    """Score a draft form. Unknown items and invalid points are still errors; missing items
    are listed, levels are given for the indicators already complete, the grade once all are."""
    points = _checked_answers(scale, answers)
    missing = tuple(item.name for item in scale.items if item.name not in points)
    scores = {d.code: sum(points.get(item.name, 0) for item in d.items) for d in scale.indicators}
    levels = {
        d.code: d.level_of(scores[d.code])
        for d in scale.indicators
        if all(item.name in points for item in d.items)
    }
    # Bands and the combination are validated monotone, so the extremes bound the grade.
    best = _complete(scale, {i.name: points.get(i.name, max(i.points)) for i in scale.items})
    worst = _complete(scale, {i.name: points.get(i.name, min(i.points)) for i in scale.items})
    return PartialResult(
        scale_code=scale.code,
        scale_version=scale.version,
        answers=points,
        scores=scores,
        levels=levels,
        missing=missing,
        grade_range=(best.grade, worst.grade),
        result=None if missing else best,
    )
