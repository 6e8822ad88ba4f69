"""Scale and rules presets: the shipped definition files, loading them as immutable versions,
and finding the version in force.

The database is authoritative for a scale code once any version of it is loaded; the preset
files stand in only for codes the database does not know yet (or when it is not migrated), so
``changhu score`` works on a fresh checkout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError
from django.db.models import Q

from changhu.assessment import rules as rules_engine
from changhu.assessment import scoring
from changhu.assessment.models import RuleVersion, ScaleVersion
from changhu.core import clock, versions
from changhu.core.errors import Conflict, NotFound


def scales_dir() -> Path:
    return versions.presets_dir("scales")


def read_definition(path: Path) -> dict:
    """A definition file as a dict; an unreadable file is a ``ScaleDefinitionError``."""
    return versions.read_json(
        path,
        lambda why: scoring.ScaleDefinitionError(
            f"无法读取量表文件{Path(path).name}：{why}", code="scale_file_unreadable"
        ),
    )


def preset_scales(directory: Path | None = None) -> list[tuple[Path, scoring.Scale]]:
    """Every ``*.json`` definition in the presets directory, validated, in file-name order."""
    paths = versions.files_in(directory or scales_dir())
    return [(path, scoring.load_scale(read_definition(path))) for path in paths]


def _not_found(code: str, version: str | None, on_date: dt.date) -> NotFound:
    if version:
        return NotFound(f"量表{code}没有版本{version}", code="scale_not_found")
    return NotFound(f"量表{code}在{on_date:%Y-%m-%d}没有有效版本", code="scale_not_found")


def preset_scale(
    code: str,
    *,
    version: str | None = None,
    on_date: dt.date | None = None,
    directory: Path | None = None,
) -> scoring.Scale:
    """A scale from the preset files: the given version, or the one in force on ``on_date``."""
    on_date = on_date or clock.today()
    everything = [scale for _, scale in preset_scales(directory)]
    scales = [scale for scale in everything if scale.code == code]
    if not scales:
        known = "、".join(sorted({scale.code for scale in everything}))
        raise NotFound(f"没有量表“{code}”，可用的量表：{known}", code="scale_not_found")
    if version:
        found = next((scale for scale in scales if scale.version == version), None)
    else:
        found = scoring.pick_in_force(scales, on_date)
    if found is None:
        raise _not_found(code, version, on_date)
    return found


@dataclass(frozen=True)
class LoadOutcome:
    scale_version: ScaleVersion
    created: bool
    path: Path | None = None

    def __str__(self) -> str:
        row = self.scale_version
        state = "loaded" if self.created else "already loaded, nothing changed"
        return f"scale {row.code} {row.version}: {state}"


def scale_version_load(definition: dict) -> tuple[ScaleVersion, bool]:
    """Store one scale version; loading identical content again changes nothing.

    Refuses (``scale_version_changed``) a definition whose code and version are already stored
    with different content: a changed scale needs a new version number.
    """
    scale = scoring.load_scale(definition)
    stored = versions.store_version(
        ScaleVersion,
        code=scale.code,
        version=scale.version,
        digest=versions.checksum(definition),
        fields={
            "name": scale.name,
            "effective_from": scale.effective_from,
            "effective_to": scale.effective_to,
            "definition": definition,
        },
        noun="量表",
        changed_code="scale_version_changed",
    )
    return stored.row, stored.created


def load_scale_presets(
    directory: Path | None = None, *, paths: list[Path] | None = None
) -> list[LoadOutcome]:
    """Load every scale preset file (or the given files); all or nothing, idempotent.

    Fits the general preset registry as is: each outcome prints as one report line.
    """
    if paths is None:
        paths = versions.files_in(directory or scales_dir())

    def load_one(path: Path) -> LoadOutcome:
        row, created = scale_version_load(read_definition(path))
        return LoadOutcome(scale_version=row, created=created, path=path)

    return versions.load_files(paths, load_one)


def scale_version_get(code: str, version: str) -> ScaleVersion:
    row = ScaleVersion.objects.filter(code=code, version=version).first()
    if row is None:
        raise _not_found(code, version, clock.today())
    return row


def scale_for(code: str, on_date: dt.date | None = None) -> ScaleVersion:
    """The stored version of a scale in force on a day (today by default).

    When several cover the day, the one that started latest wins (then the higher version).
    """
    on_date = on_date or clock.today()
    rows = ScaleVersion.objects.filter(code=code, effective_from__lte=on_date).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on_date)
    )
    row = max(rows, key=lambda r: (r.effective_from, scoring.version_key(r.version)), default=None)
    if row is None:
        raise _not_found(code, None, on_date)
    return row


def resolve_scale(
    code: str, *, version: str | None = None, on_date: dt.date | None = None
) -> tuple[scoring.Scale, str]:
    """The scale to score with and where it came from (``database`` or ``preset``)."""
    try:
        known = ScaleVersion.objects.filter(code=code).exists()
    except DatabaseError:  # no database or not migrated yet: the presets stand in
        known = False
    if not known:
        return preset_scale(code, version=version, on_date=on_date), "preset"
    row = scale_version_get(code, version) if version else scale_for(code, on_date)
    return row.scale, "database"


# --- procedure rules (presets/assessment-rules) -----------------------------------------------


def rules_dir() -> Path:
    return versions.presets_dir("assessment-rules")


def read_rules_file(path: Path) -> dict:
    return versions.read_json(
        path,
        lambda why: rules_engine.RulesDefinitionError(
            f"无法读取经办规则文件{Path(path).name}：{why}", code="rules_file_unreadable"
        ),
    )


@dataclass(frozen=True)
class RulesLoadOutcome:
    rule_version: RuleVersion
    created: bool

    def __str__(self) -> str:
        row = self.rule_version
        state = "loaded" if self.created else "already loaded, nothing changed"
        return f"assessment rules {row.code} {row.version}: {state}"


def rule_version_load(definition: dict) -> tuple[RuleVersion, bool]:
    """Store one rules version; the same content again changes nothing, different content
    under a stored code and version is refused (``rules_version_changed``)."""
    parsed = rules_engine.load_rules(definition)
    stored = versions.store_version(
        RuleVersion,
        code=parsed.code,
        version=parsed.version,
        digest=versions.checksum(definition),
        fields={
            "name": parsed.name,
            "region_code": parsed.region_code,
            "effective_from": parsed.effective_from,
            "effective_to": parsed.effective_to,
            "definition": definition,
        },
        noun="经办规则",
        changed_code="rules_version_changed",
    )
    return stored.row, stored.created


def load_rule_presets(
    directory: Path | None = None, *, paths: list[Path] | None = None
) -> list[RulesLoadOutcome]:
    """Load every rules file (or the given ones); all or nothing, idempotent."""
    if paths is None:
        paths = versions.files_in(directory or rules_dir())
    return versions.load_files(
        paths, lambda path: RulesLoadOutcome(*rule_version_load(read_rules_file(path)))
    )


def rules_for(region_code: str, on_date: dt.date | None = None) -> RuleVersion:
    """The stored rules in force for a place on a day: the most specific region, then the
    latest to start (``changhu load-presets`` stores the shipped files)."""
    on_date = on_date or clock.today()
    rows = list(RuleVersion.objects.all())
    chosen = rules_engine.pick_in_force(
        [row.rules for row in rows], region_code=region_code, on_date=on_date
    )
    if chosen is None:
        # A deployment problem, not a missing record: the caller did nothing wrong.
        raise Conflict(
            f"{on_date:%Y-%m-%d}没有适用于该地区的评估经办规则，请先运行 changhu load-presets",
            code="rules_not_found",
        )
    return next(r for r in rows if r.code == chosen.code and r.version == chosen.version)
