"""Loading policy files into versions, and finding the version in force.

``changhu load-policies`` (and ``changhu load-presets``) load every file under
``presets/policies/``. Loading the same version again changes nothing; the same version with
other content is refused: a loaded version is never edited, a change is a new version with its
own effective date. Lookups return the parsed :class:`~changhu.settlement.policy.Policy`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db import transaction

from changhu.core import audit, versions
from changhu.core.errors import NotFound
from changhu.settlement import policy as rules
from changhu.settlement.models import PolicyKind, PolicyVersion


def policies_dir() -> Path:
    return versions.presets_dir("policies")


def read_policy_file(path: Path) -> dict:
    return versions.read_json(
        path, lambda why: rules._invalid(Path(path).name, f"无法读取JSON（{why}）")
    )


@dataclass
class PolicyLoadResult:
    code: str
    version: str
    status: str  # "loaded" or "unchanged"
    policy_id: int | None = None

    def __str__(self) -> str:
        if self.status == "unchanged":
            return f"policy {self.code} {self.version}: already loaded, nothing changed"
        return f"policy {self.code} {self.version}: loaded"


@transaction.atomic
def policy_load(raw: dict, *, where: str = "") -> PolicyLoadResult:
    """Store one policy version, or nothing if exactly this version is already stored."""
    parsed = rules.parse_policy(raw, where)
    result = PolicyLoadResult(parsed.code, parsed.version, "loaded")
    stored = versions.store_version(
        PolicyVersion,
        code=parsed.code,
        version=parsed.version,
        digest=parsed.checksum,
        fields={
            "kind": parsed.kind,
            "name": parsed.name,
            "region_code": parsed.region_code,
            "effective_from": parsed.effective_from,
            "source": parsed.source,
            "data": raw,
        },
        noun="政策",
        changed_code="policy_version_conflict",
        taken_code="policy_effective_taken",
    )
    row = stored.row
    if not stored.created:
        result.status = "unchanged"
        result.policy_id = row.pk
        return result
    result.policy_id = row.pk
    audit.record(
        action="import",
        obj=row,
        note=f"加载待遇政策{parsed.code} {parsed.version}（{parsed.effective_from}起）",
    )
    return result


def load_policy_file(path: Path) -> PolicyLoadResult:
    return policy_load(read_policy_file(path), where=Path(path).name)


def load_all_policies(directory: Path | None = None) -> list[PolicyLoadResult]:
    """Load every ``*.json`` under the policies directory, in file-name order."""
    return [load_policy_file(path) for path in versions.files_in(directory or policies_dir())]


@lru_cache(maxsize=64)
def _parsed(policy_id: int, checksum: str) -> rules.Policy:
    row = PolicyVersion.objects.get(pk=policy_id)
    return rules.parse_policy(row.data, row.ref)


def parsed(row: PolicyVersion) -> rules.Policy:
    """The interpreter's view of a stored version (cached: versions never change)."""
    return _parsed(row.pk, row.checksum)


def version_in_force(code: str, day: dt.date) -> PolicyVersion | None:
    return versions.in_force(PolicyVersion.objects.filter(code=code), day)


def benefit_policy_for_region(region_code: str, day: dt.date) -> PolicyVersion | None:
    """The benefit policy in force on ``day`` whose region contains ``region_code``."""
    candidates = PolicyVersion.objects.filter(
        kind=PolicyKind.BENEFIT, effective_from__lte=day
    ).order_by("-effective_from", "-id")
    for row in candidates:
        if _contains(row.region_code, region_code):
            return row
    return None


def supplementary_for(policy: PolicyVersion, day: dt.date) -> PolicyVersion | None:
    """The supplementary plan in force on ``day`` that builds on ``policy`` (latest version)."""
    seen: set[str] = set()
    for row in PolicyVersion.objects.filter(
        kind=PolicyKind.SUPPLEMENTARY, effective_from__lte=day
    ).order_by("-effective_from", "-id"):
        if row.code in seen:
            continue
        seen.add(row.code)
        terms = parsed(row).supplementary
        if terms and policy.code in terms.base_policies:
            return row
    return None


def _contains(policy_region: str, region_code: str) -> bool:
    """A city code such as 510100 contains 510104…; a county code 370481 only itself."""
    prefix = policy_region.rstrip("0") or policy_region
    if len(prefix) % 2:
        prefix += "0"
    return region_code.startswith(prefix)


def policy_for_calculator(code: str, day: dt.date) -> rules.Policy:
    """The version of ``code`` in force on ``day``: from the database, or, when nothing is
    loaded yet, straight from the shipped files (the same parser, the same result)."""
    row = version_in_force(code, day)
    if row is not None:
        return parsed(row)
    if not PolicyVersion.objects.filter(code=code).exists():
        best = None
        for path in versions.files_in(policies_dir()):
            candidate = rules.parse_policy(read_policy_file(path), path.name)
            if candidate.code == code and candidate.effective_from <= day:
                if best is None or candidate.effective_from > best.effective_from:
                    best = candidate
        if best is not None:
            return best
    raise NotFound(f"没有{day:%Y-%m}生效的待遇政策{code}", code="policy_not_found")
