"""Screening thresholds as versioned data: ``presets/screening/*.json`` into :class:`RuleSet`.

A file is one version of a rule set (the geofence radius and accuracy allowance, clock limits,
each screening rule's severity and thresholds, the patrol checklist). Loading is idempotent: a
version already loaded with the same content changes nothing; the same version with other
content is refused (a change needs a new version number). The version in force on a day is the
latest whose ``effective_from`` is on or before it; every finding and every visit's place
judgement records the version it used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from changhu.core import versions
from changhu.core.errors import Conflict, ValidationFailed
from changhu.visits.models import RuleSet, Severity

RULE_SET_CODE = "visit-screening"
RULE_CODES = (
    "too_short",
    "outside_geofence",
    "overlapping_visits",
    "too_fast",
    "person_deceased",
    "person_in_hospital",
    "not_entitled",
    "item_not_in_plan",
    "item_over_frequency",
    "caregiver_no_certificate",
    "duplicate_photo",
    "identical_durations",
)
_REQUIRED_NUMBERS = {
    "geofence": ("radius_m", "accuracy_allowance_max_m", "warning_margin_m", "max_accuracy_m"),
    "clock": ("max_future_skew_minutes", "max_offline_age_hours", "max_visit_hours"),
}
_RULE_NUMBERS = {
    "too_short": ("min_ratio",),
    "too_fast": ("max_speed_kmh", "min_distance_m"),
    "identical_durations": ("min_visits", "tolerance_minutes", "min_share"),
}


class RuleFileInvalid(ValidationFailed):
    code = "preset_invalid"
    message = "稽核规则文件有误"


def screening_dir() -> Path:
    return versions.presets_dir("screening")


@dataclass(frozen=True)
class Rules:
    """The parameters of one loaded version, with convenient accessors."""

    version: str
    params: dict

    @property
    def geofence(self) -> dict:
        return self.params["geofence"]

    @property
    def clock(self) -> dict:
        return self.params["clock"]

    def rule(self, code: str) -> dict:
        return self.params["rules"][code]

    def enabled(self, code: str) -> bool:
        return bool(self.params["rules"].get(code, {}).get("enabled", True))

    @property
    def checklist(self) -> list[dict]:
        return self.params.get("patrol_checklist", [])


def _invalid(path: Path, problem: str) -> RuleFileInvalid:
    return versions.file_refusal(RuleFileInvalid, f"稽核规则文件{path.name}有误：{problem}")


def read_rule_file(path: Path) -> dict:
    """Parse and check a rule file: shape, every rule present, numbers positive."""
    path = Path(path)
    raw = versions.read_json(path, lambda why: _invalid(path, f"无法读取JSON（{why}）"))
    for key in ("code", "version", "name", "effective_from", "geofence", "clock", "rules"):
        if key not in raw:
            raise _invalid(path, f"缺少字段{key}")
    try:
        dt.date.fromisoformat(str(raw["effective_from"]))
    except ValueError:
        raise _invalid(path, "effective_from应为YYYY-MM-DD格式的日期") from None
    for section, names in _REQUIRED_NUMBERS.items():
        for name in names:
            value = raw[section].get(name)
            if not isinstance(value, int | float) or value < 0:
                raise _invalid(path, f"{section}.{name}应为非负数")
    for code in RULE_CODES:
        rule = raw["rules"].get(code)
        if not isinstance(rule, dict):
            raise _invalid(path, f"缺少规则{code}")
        if rule.get("severity") not in Severity.values:
            raise _invalid(path, f"规则{code}的severity应为{'/'.join(Severity.values)}")
        for name in _RULE_NUMBERS.get(code, ()):
            value = rule.get(name)
            if not isinstance(value, int | float) or value <= 0:
                raise _invalid(path, f"规则{code}的{name}应为正数")
    unknown = set(raw["rules"]) - set(RULE_CODES)
    if unknown:
        raise _invalid(path, f"未知的规则：{'、'.join(sorted(unknown))}")
    return raw


@dataclass(frozen=True)
class RuleSetLoadResult:
    code: str
    version: str
    status: str  # "loaded" or "unchanged"

    def __str__(self) -> str:
        if self.status == "unchanged":
            return f"screening rules {self.code} {self.version}: already loaded, nothing changed"
        return f"screening rules {self.code} {self.version}: loaded"


def _earlier_checksum(raw: dict) -> str:
    """The checksum rule sets were stored with before versioned files shared one spelling
    (default JSON separators); a stored row with it is brought up to the shared checksum."""
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def load_rule_file(path: Path) -> RuleSetLoadResult:
    raw = read_rule_file(path)
    params = {k: raw[k] for k in ("geofence", "clock", "rules", "patrol_checklist") if k in raw}
    stored = versions.store_version(
        RuleSet,
        code=raw["code"],
        version=raw["version"],
        digest=versions.checksum(raw),
        earlier_digests=[_earlier_checksum(raw)],
        fields={
            "name": raw["name"],
            "effective_from": dt.date.fromisoformat(raw["effective_from"]),
            "params": params,
            "source": raw.get("source", "")[:300],
        },
        noun="稽核规则",
        changed_code="preset_version_changed",
    )
    if not stored.created:
        return RuleSetLoadResult(raw["code"], raw["version"], "unchanged")
    clear_cache()
    return RuleSetLoadResult(raw["code"], raw["version"], "loaded")


def load_all_rule_sets(directory: Path | None = None) -> list[RuleSetLoadResult]:
    return [load_rule_file(path) for path in versions.files_in(directory or screening_dir())]


# The check-in path asks for the rules on every request; versions change a few times a year.
_CACHE_SECONDS = 60.0
_cache: dict[dt.date, tuple[float, RuleSet]] = {}


def clear_cache() -> None:
    _cache.clear()


def rule_set_on(day: dt.date) -> RuleSet:
    """The version in force on ``day``; loads the shipped files the first time if none is."""
    hit = _cache.get(day)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    row = versions.in_force(RuleSet.objects.filter(code=RULE_SET_CODE), day)
    if row is None:
        if not RuleSet.objects.filter(code=RULE_SET_CODE).exists():
            load_all_rule_sets()
            return rule_set_on(day)
        raise Conflict(f"{day}没有生效的稽核规则版本", code="no_rule_set")
    if len(_cache) > 400:
        _cache.clear()
    _cache[day] = (now, row)
    return row


def rules_on(day: dt.date) -> Rules:
    row = rule_set_on(day)
    return Rules(version=row.version, params=row.params)
