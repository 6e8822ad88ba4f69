"""The service catalogue as versioned data: reading a preset file, loading a version once, and
finding the version in force on a day.

A file (``presets/catalogues/<name>.json``) is one version::

    {"code": "demo-city", "version": "2026.1", "name": "...", "region_code": "510100",
     "effective_from": "2026-01-01", "source": "...",
     "categories": [{"code": "SH", "name": "基本生活照料", "kind": "life_care", "items": [
         {"code": "SH01", "name": "头面部清洁、梳理", "minutes": 10, "frequency": "1/day",
          "qualification": "care_worker", "price_fen": 1000, "fund_covered": true,
          "description": "..."}]}],
     "packages": [{"code": "G3-HOME", "name": "...", "grade": 3, "care_mode": "home_visit",
         "limits": {"services": 40, "minutes": 720, "amount_fen": 60000, "visits": 8},
         "items": ["SH01", {"code": "YL06", "max_per_month": 8}]}]}

Loading the same version again changes nothing; the same version with different content is
refused (a change is a new version with its own effective date); loaded rows are immutable.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from changhu.care import plans
from changhu.care.models import (
    Catalogue,
    CatalogueCategory,
    CatalogueItem,
    CategoryKind,
    Package,
    PackageItem,
)
from changhu.core import audit, versions
from changhu.core.errors import ValidationFailed
from changhu.providers.models import CareMode, Qualification

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_FREQUENCY = re.compile(r"^(\d{1,2})/(day|week|month)$")
_LIMIT_KEYS = {"services", "minutes", "amount_fen", "visits"}
MAX_PRICE_FEN = 10_000_000


class CatalogueInvalid(ValidationFailed):
    code = "catalogue_invalid"
    message = "服务项目目录文件有误"


def catalogues_dir() -> Path:
    return versions.presets_dir("catalogues")


@dataclass(frozen=True)
class ItemDef:
    code: str
    name: str
    minutes: int
    times: int
    period: str
    qualification: str
    price_fen: int
    fund_covered: bool
    description: str


@dataclass(frozen=True)
class CategoryDef:
    code: str
    name: str
    kind: str
    items: tuple[ItemDef, ...]


@dataclass(frozen=True)
class PackageDef:
    code: str
    name: str
    grade: int
    care_mode: str
    limits: dict
    items: tuple[tuple[str, int | None], ...]
    description: str = ""


@dataclass(frozen=True)
class CatalogueDef:
    code: str
    version: str
    name: str
    region_code: str
    effective_from: dt.date
    source: str
    categories: tuple[CategoryDef, ...]
    packages: tuple[PackageDef, ...]

    @property
    def item_count(self) -> int:
        return sum(len(c.items) for c in self.categories)


def _invalid(where: str, problem: str) -> CatalogueInvalid:
    return versions.file_refusal(CatalogueInvalid, f"服务项目目录{where}有误：{problem}")


def _int(value, where: str, label: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high):
        raise _invalid(where, f"{label}应为{low}到{high}之间的整数")
    return value


def _item(raw, where: str) -> ItemDef:
    if not isinstance(raw, dict):
        raise _invalid(where, "服务项目应为对象")
    code = str(raw.get("code") or "").strip()
    name = str(raw.get("name") or "").strip()
    if not _CODE.match(code) or len(code) > 20:
        raise _invalid(where, f"项目编码“{code}”无效")
    if not name or len(name) > 100:
        raise _invalid(where, f"项目{code}的名称为空或超过100字")
    frequency = _FREQUENCY.match(str(raw.get("frequency") or "").strip())
    if not frequency or int(frequency.group(1)) < 1:
        raise _invalid(where, f"项目{code}的频次应写作“次数/day|week|month”，如“3/week”")
    qualification = str(raw.get("qualification") or "")
    if qualification not in Qualification.values:
        raise _invalid(where, f"项目{code}的资质要求应为care_worker或nurse")
    fund_covered = raw.get("fund_covered", True)
    if not isinstance(fund_covered, bool):
        raise _invalid(where, f"项目{code}的fund_covered应为true或false")
    return ItemDef(
        code=code,
        name=name,
        minutes=_int(raw.get("minutes"), where, f"项目{code}的参考时长", 1, 480),
        times=int(frequency.group(1)),
        period=frequency.group(2),
        qualification=qualification,
        price_fen=_int(raw.get("price_fen"), where, f"项目{code}的单价（分）", 0, MAX_PRICE_FEN),
        fund_covered=fund_covered,
        description=str(raw.get("description") or "").strip()[:300],
    )


def _package(raw, where: str, item_codes: set[str]) -> PackageDef:
    if not isinstance(raw, dict):
        raise _invalid(where, "服务包应为对象")
    code = str(raw.get("code") or "").strip()
    if not _CODE.match(code) or len(code) > 30:
        raise _invalid(where, f"服务包编码“{code}”无效")
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 100:
        raise _invalid(where, f"服务包{code}的名称为空或超过100字")
    care_mode = str(raw.get("care_mode") or "")
    if care_mode not in CareMode.values:
        raise _invalid(where, f"服务包{code}的照护方式{care_mode}无效")
    limits = raw.get("limits") or {}
    if not isinstance(limits, dict) or set(limits) - _LIMIT_KEYS:
        raise _invalid(where, f"服务包{code}的limits只能包含{'、'.join(sorted(_LIMIT_KEYS))}")
    for key, value in limits.items():
        if value is not None:
            _int(value, where, f"服务包{code}的{key}上限", 0, 100_000_000)
    entries: list[tuple[str, int | None]] = []
    for entry in raw.get("items") or []:
        cap = None
        if isinstance(entry, dict):
            item_code = str(entry.get("code") or "")
            if entry.get("max_per_month") is not None:
                cap = _int(entry["max_per_month"], where, f"服务包{code}的项目上限", 1, 10_000)
        else:
            item_code = str(entry)
        if item_code not in item_codes:
            raise _invalid(where, f"服务包{code}引用了目录中没有的项目{item_code}")
        entries.append((item_code, cap))
    if not entries:
        raise _invalid(where, f"服务包{code}没有服务项目")
    if len({c for c, _ in entries}) != len(entries):
        raise _invalid(where, f"服务包{code}的项目重复")
    return PackageDef(
        code=code,
        name=name,
        grade=_int(raw.get("grade"), where, f"服务包{code}的失能等级", 0, 5),
        care_mode=care_mode,
        limits={k: v for k, v in limits.items() if v is not None},
        items=tuple(entries),
        description=str(raw.get("description") or "").strip()[:300],
    )


def parse_catalogue(raw: dict, where: str = "") -> CatalogueDef:
    """Check a catalogue definition; every problem is a :class:`CatalogueInvalid`."""
    if not isinstance(raw, dict):
        raise _invalid(where, "内容应为JSON对象")
    for key in ("code", "version", "name", "effective_from", "categories"):
        if not raw.get(key):
            raise _invalid(where, f"缺少字段{key}")
    code = str(raw["code"]).strip()
    if not _CODE.match(code):
        raise _invalid(where, f"目录代码“{code}”无效")
    version = str(raw["version"]).strip()
    if len(version) > 32:
        raise _invalid(where, "版本号不超过32字")
    try:
        effective_from = dt.date.fromisoformat(str(raw["effective_from"]))
    except ValueError:
        raise _invalid(where, "effective_from应为YYYY-MM-DD格式的日期") from None
    categories: list[CategoryDef] = []
    item_codes: set[str] = set()
    for cat in raw["categories"]:
        cat_code = str(cat.get("code") or "").strip() if isinstance(cat, dict) else ""
        if not _CODE.match(cat_code) or len(cat_code) > 20:
            raise _invalid(where, f"类别代码“{cat_code}”无效")
        if cat.get("kind") not in CategoryKind.values:
            raise _invalid(where, f"类别{cat_code}的kind应为{'、'.join(CategoryKind.values)}")
        items = tuple(_item(item, where) for item in cat.get("items") or [])
        if not items:
            raise _invalid(where, f"类别{cat_code}没有服务项目")
        for item in items:
            if item.code in item_codes:
                raise _invalid(where, f"项目编码{item.code}重复")
            item_codes.add(item.code)
        categories.append(
            CategoryDef(
                code=cat_code,
                name=str(cat.get("name") or cat_code).strip()[:60],
                kind=cat["kind"],
                items=items,
            )
        )
    if len({c.code for c in categories}) != len(categories):
        raise _invalid(where, "类别代码重复")
    packages = tuple(_package(p, where, item_codes) for p in raw.get("packages") or [])
    if len({p.code for p in packages}) != len(packages):
        raise _invalid(where, "服务包编码重复")
    if len({(p.grade, p.care_mode) for p in packages}) != len(packages):
        raise _invalid(where, "同一失能等级和照护方式只能有一个服务包")
    return CatalogueDef(
        code=code,
        version=version,
        name=str(raw["name"]).strip()[:200],
        region_code=str(raw.get("region_code") or "").strip()[:12],
        effective_from=effective_from,
        source=str(raw.get("source") or "").strip()[:300],
        categories=tuple(categories),
        packages=packages,
    )


def checksum(raw: dict) -> str:
    """SHA-256 of the definition in a canonical form (key order and spacing do not matter)."""
    return versions.checksum(raw)


def read_catalogue_file(path: Path) -> dict:
    return versions.read_json(path, lambda why: _invalid(Path(path).name, f"无法读取JSON（{why}）"))


@dataclass
class CatalogueLoadResult:
    code: str
    version: str
    status: str  # "loaded" or "unchanged"
    items: int = 0
    packages: int = 0
    catalogue_id: int | None = None
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.status == "unchanged":
            return f"catalogue {self.code} {self.version}: already loaded, nothing changed"
        return (
            f"catalogue {self.code} {self.version}: loaded {self.items} items, "
            f"{self.packages} packages"
        )


@transaction.atomic
def catalogue_load(raw: dict, *, where: str = "") -> CatalogueLoadResult:
    """Store one catalogue version, or nothing if exactly this version is already stored."""
    definition = parse_catalogue(raw, where)
    result = CatalogueLoadResult(code=definition.code, version=definition.version, status="loaded")
    stored = versions.store_version(
        Catalogue,
        code=definition.code,
        version=definition.version,
        digest=checksum(raw),
        fields={
            "name": definition.name,
            "region_code": definition.region_code,
            "effective_from": definition.effective_from,
            "source": definition.source,
        },
        noun="目录",
        changed_code="catalogue_version_conflict",
        taken_code="catalogue_effective_taken",
    )
    catalogue = stored.row
    result.catalogue_id = catalogue.pk
    if not stored.created:
        result.status = "unchanged"
        return result
    CatalogueCategory.objects.bulk_create(
        CatalogueCategory(catalogue=catalogue, code=c.code, name=c.name, kind=c.kind, position=i)
        for i, c in enumerate(definition.categories)
    )
    categories = {c.code: c for c in catalogue.categories.all()}
    position = 0
    rows = []
    for cat in definition.categories:
        for item in cat.items:
            position += 1
            rows.append(
                CatalogueItem(
                    catalogue=catalogue,
                    category=categories[cat.code],
                    code=item.code,
                    name=item.name,
                    reference_minutes=item.minutes,
                    frequency_times=item.times,
                    frequency_period=item.period,
                    qualification=item.qualification,
                    unit_price_fen=item.price_fen,
                    fund_covered=item.fund_covered,
                    description=item.description,
                    position=position,
                )
            )
    CatalogueItem.objects.bulk_create(rows)
    items = {i.code: i for i in catalogue.items.all()}
    Package.objects.bulk_create(
        Package(
            catalogue=catalogue,
            code=p.code,
            name=p.name,
            grade=p.grade,
            care_mode=p.care_mode,
            max_services_per_month=p.limits.get("services"),
            max_minutes_per_month=p.limits.get("minutes"),
            max_amount_fen_per_month=p.limits.get("amount_fen"),
            max_visits_per_month=p.limits.get("visits"),
            description=p.description,
        )
        for p in definition.packages
    )
    packages = {p.code: p for p in catalogue.packages.all()}
    PackageItem.objects.bulk_create(
        PackageItem(package=packages[p.code], item=items[code], max_per_month=cap)
        for p in definition.packages
        for code, cap in p.items
    )
    result.items = definition.item_count
    result.packages = len(definition.packages)
    audit.record(
        action="import",
        obj=catalogue,
        note=f"加载服务项目目录{definition.code} {definition.version}"
        f"（{definition.effective_from}起）：{result.items}个项目，{result.packages}个服务包",
    )
    return result


def load_catalogue_file(path: Path) -> CatalogueLoadResult:
    return catalogue_load(read_catalogue_file(path), where=Path(path).name)


def load_all_catalogues(directory: Path | None = None) -> list[CatalogueLoadResult]:
    """Load every ``*.json`` under the catalogues directory, in file-name order."""
    return [load_catalogue_file(path) for path in versions.files_in(directory or catalogues_dir())]


# --- the version in force, as rules for the pure plan check ----------------------------------


def catalogue_in_force(day: dt.date, *, code: str = "") -> Catalogue | None:
    """The catalogue version in force on ``day``: the latest to take effect on or before it."""
    return versions.in_force(
        Catalogue.objects.filter(code=code) if code else Catalogue.objects.all(), day
    )


def package_for(catalogue: Catalogue, *, grade: int, care_mode: str) -> Package | None:
    return Package.objects.filter(catalogue=catalogue, grade=grade, care_mode=care_mode).first()


def item_rules(catalogue: Catalogue) -> dict[str, plans.ItemRule]:
    return {
        i.code: plans.ItemRule(
            code=i.code,
            name=i.name,
            reference_minutes=i.reference_minutes,
            times=i.frequency_times,
            period=i.frequency_period,
            qualification=i.qualification,
            unit_price_fen=i.unit_price_fen,
            fund_covered=i.fund_covered,
        )
        for i in catalogue.items.all()
    }


def package_rule(package: Package) -> plans.PackageRule:
    caps = {
        code: cap
        for code, cap in PackageItem.objects.filter(package=package).values_list(
            "item__code", "max_per_month"
        )
    }
    return plans.PackageRule(
        code=package.code,
        name=package.name,
        items=caps,
        max_services=package.max_services_per_month,
        max_minutes=package.max_minutes_per_month,
        max_amount_fen=package.max_amount_fen_per_month,
        max_visits=package.max_visits_per_month,
    )
