"""Loading shipped preset data: region files now, other apps' presets through the registry.

A region file (``presets/regions/<name>.json``) is one version of a set of divisions::

    {"name": "chengdu", "version": "2023", "effective_from": "2023-06-30", "source": "...",
     "regions": [{"code": "510104", "name": "锦江区", "level": "district", "parent": "510100"}]}

Loading is idempotent: a version already recorded as a :class:`RegionDataset` changes nothing.
A newer version renames, re-parents and adds codes, and marks codes of earlier versions of the
same dataset that it no longer lists ``active=False``; rows are never deleted, because persons
and organizations reference them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from changhu.core import audit, versions
from changhu.orgs.models import Region, RegionDataset, RegionLevel

# Digits of a code at each level; streets use the 12-digit statistical code.
CODE_LENGTH = {
    RegionLevel.PROVINCE: 6,
    RegionLevel.CITY: 6,
    RegionLevel.DISTRICT: 6,
    RegionLevel.STREET: 12,
}
# Leading digits a child shares with its parent, by the child's level.
PARENT_PREFIX = {
    RegionLevel.CITY: 2,
    RegionLevel.DISTRICT: 4,
    RegionLevel.STREET: 6,
}
LEVEL_ORDER = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.STREET]
_PARENT_LEVEL = {
    RegionLevel.CITY: RegionLevel.PROVINCE,
    RegionLevel.DISTRICT: RegionLevel.CITY,
    RegionLevel.STREET: RegionLevel.DISTRICT,
}
_UPDATED_FIELDS = ["name", "level", "parent", "full_name", "active", "dataset"]


from changhu.core.preset_registry import (  # noqa: E402
    PresetInvalid,
    PresetLoader,
    preset_loaders,
    register_preset_loader,
    run_preset_loaders,
)


def regions_dir() -> Path:
    return versions.presets_dir("regions")


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent: str | None


@dataclass(frozen=True)
class RegionFile:
    name: str
    version: str
    effective_from: dt.date
    source: str
    regions: tuple[RegionRow, ...]


@dataclass
class RegionLoadResult:
    name: str
    version: str
    status: str  # "loaded", "unchanged" (this version is already loaded) or "older"
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.status == "unchanged":
            return f"regions {self.name} {self.version}: already loaded, nothing changed"
        if self.status == "older":
            return f"regions {self.name} {self.version}: older than the loaded version, skipped"
        return (
            f"regions {self.name} {self.version}: {self.created} created, {self.updated} updated, "
            f"{self.deactivated} deactivated, {self.unchanged} unchanged"
        )


def _invalid(path: Path, problem: str) -> PresetInvalid:
    return versions.file_refusal(PresetInvalid, f"区划文件{path.name}有误：{problem}")


def read_region_file(path: Path) -> RegionFile:
    """Parse and check a region file: shape, code lengths, levels and parent codes."""
    path = Path(path)
    raw = versions.read_json(path, lambda why: _invalid(path, f"无法读取JSON（{why}）"))
    for key in ("name", "version", "effective_from", "regions"):
        if not raw.get(key):
            raise _invalid(path, f"缺少字段{key}")
    try:
        effective_from = dt.date.fromisoformat(str(raw["effective_from"]))
    except ValueError:
        raise _invalid(path, "effective_from应为YYYY-MM-DD格式的日期") from None
    rows: list[RegionRow] = []
    seen: dict[str, RegionRow] = {}
    for index, item in enumerate(raw["regions"], start=1):
        row = _check_row(path, index, item)
        if row.code in seen:
            raise _invalid(path, f"区划代码{row.code}重复")
        seen[row.code] = row
        rows.append(row)
    for row in rows:
        _check_parent(path, row, seen)
    return RegionFile(
        name=str(raw["name"]).strip(),
        version=str(raw["version"]).strip(),
        effective_from=effective_from,
        source=str(raw.get("source", "")).strip(),
        regions=tuple(rows),
    )


def _check_row(path: Path, index: int, item) -> RegionRow:
    if not isinstance(item, dict):
        raise _invalid(path, f"第{index}条不是对象")
    code = str(item.get("code") or "").strip()
    name = str(item.get("name") or "").strip()
    level = str(item.get("level") or "").strip()
    parent = item.get("parent")
    parent = str(parent).strip() if parent else None
    if level not in CODE_LENGTH:
        raise _invalid(path, f"第{index}条（{code}）的层级{level}无效")
    if not code.isdigit() or len(code) != CODE_LENGTH[level]:
        raise _invalid(path, f"第{index}条的区划代码{code}应为{CODE_LENGTH[level]}位数字")
    if not name or len(name) > 64:
        raise _invalid(path, f"第{index}条（{code}）的名称为空或超过64字")
    if level == RegionLevel.PROVINCE and parent:
        raise _invalid(path, f"省级区划{code}不应有上级")
    if level != RegionLevel.PROVINCE and not parent:
        raise _invalid(path, f"区划{code}缺少上级代码")
    return RegionRow(code=code, name=name, level=level, parent=parent)


def _check_parent(path: Path, row: RegionRow, rows: dict[str, RegionRow]) -> None:
    if row.parent is None:
        return
    parent = rows.get(row.parent)
    parent_level = parent.level if parent else None
    if parent is None:
        stored = Region.objects.filter(code=row.parent).values_list("level", flat=True).first()
        if stored is None:
            raise _invalid(path, f"区划{row.code}的上级{row.parent}不存在")
        parent_level = stored
    if parent_level != _PARENT_LEVEL[row.level]:
        raise _invalid(path, f"区划{row.code}的上级{row.parent}层级不符")
    digits = PARENT_PREFIX[row.level]
    if row.code[:digits] != row.parent[:digits]:
        raise _invalid(path, f"区划{row.code}与上级{row.parent}的代码前缀不一致")


def _full_names(rows: Iterable[RegionRow], existing: dict[str, Region]) -> dict[str, str]:
    """Full names built from the parent chain, using stored parents the file does not list."""
    by_code = {r.code: r for r in rows}
    out: dict[str, str] = {}

    def full(code: str) -> str:
        if code in out:
            return out[code]
        row = by_code.get(code)
        if row is None:
            stored = existing.get(code) or Region.objects.filter(code=code).first()
            return stored.full_name or stored.name if stored else ""
        value = (full(row.parent) if row.parent else "") + row.name
        out[code] = value
        return value

    for code in by_code:
        full(code)
    return out


@transaction.atomic
def load_region_file(path: Path) -> RegionLoadResult:
    """Load one region file version; see the module docstring for what changes."""
    data = read_region_file(path)
    result = RegionLoadResult(name=data.name, version=data.version, status="loaded")
    if RegionDataset.objects.filter(name=data.name, version=data.version).exists():
        result.status = "unchanged"
        return result
    latest = RegionDataset.objects.filter(name=data.name).order_by("-effective_from").first()
    if latest is not None and latest.effective_from > data.effective_from:
        result.status = "older"
        return result
    dataset = RegionDataset.objects.create(
        name=data.name,
        version=data.version,
        effective_from=data.effective_from,
        source=data.source[:300],
    )
    codes = [r.code for r in data.regions]
    parent_codes = {r.parent for r in data.regions if r.parent}
    existing = {r.code: r for r in Region.objects.filter(code__in=set(codes) | parent_codes)}
    full_names = _full_names(data.regions, existing)
    for level in LEVEL_ORDER:
        _load_level(data, level, dataset, existing, full_names, result)
    result.deactivated = (
        Region.objects.filter(dataset__name=data.name, active=True)
        .exclude(dataset=dataset)
        .update(active=False)
    )
    audit.record(
        action="import",
        obj=dataset,
        object_type="orgs.regiondataset",
        note=f"加载区划数据{data.name} {data.version}：新增{result.created}，"
        f"更新{result.updated}，停用{result.deactivated}",
    )
    return result


def _load_level(data, level, dataset, existing, full_names, result) -> None:
    rows = [r for r in data.regions if r.level == level]
    if not rows:
        return
    to_create: list[Region] = []
    to_update: list[Region] = []
    for row in rows:
        parent = existing.get(row.parent) if row.parent else None
        wanted = {
            "name": row.name,
            "level": row.level,
            "parent_id": parent.pk if parent else None,
            "full_name": full_names[row.code],
            "active": True,
        }
        region = existing.get(row.code)
        if region is None:
            to_create.append(Region(code=row.code, dataset=dataset, **wanted))
            continue
        if any(getattr(region, key) != value for key, value in wanted.items()):
            result.updated += 1
        else:
            result.unchanged += 1
        for key, value in wanted.items():
            setattr(region, key, value)
        region.dataset = dataset
        to_update.append(region)
    if to_create:
        Region.objects.bulk_create(to_create, batch_size=500)
        result.created += len(to_create)
        # Re-read rather than rely on the backend returning primary keys from a bulk insert.
        for region in Region.objects.filter(code__in=[r.code for r in to_create]):
            existing[region.code] = region
    if to_update:
        Region.objects.bulk_update(to_update, _UPDATED_FIELDS, batch_size=500)


def load_all_regions(directory: Path | None = None) -> list[RegionLoadResult]:
    """Load every ``*.json`` under the regions directory, in file-name order."""
    return [load_region_file(path) for path in versions.files_in(directory or regions_dir())]


# The registry lives in ``core`` (``changhu.core.preset_registry``); these names stay importable
# from here. Regions register first in ``OrgsConfig.ready()``.
__all__ = [
    "PresetInvalid",
    "PresetLoader",
    "load_all_regions",
    "preset_loaders",
    "register_preset_loader",
    "run_preset_loaders",
]
