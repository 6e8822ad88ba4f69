"""Loading the fee tables (``presets/assessment-fees/*.json``) as immutable versions, and the
version in force on a day. ``changhu load-presets`` runs :func:`load_fee_tables`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from changhu.assessment_fees import rules
from changhu.assessment_fees.models import FeeTableVersion
from changhu.core import versions


def tables_dir() -> Path:
    return versions.presets_dir("assessment-fees")


def _file_invalid(path: Path, problem: str) -> rules.FeeTableInvalid:
    return versions.file_refusal(
        rules.FeeTableInvalid, f"评估费用标准文件{Path(path).name}有误：{problem}"
    )


def read_table_file(path: Path) -> tuple[dict, rules.FeeTable]:
    """A fee table file, read and validated; any problem names the file."""
    raw = versions.read_json(path, lambda why: _file_invalid(path, f"无法读取JSON（{why}）"))
    try:
        return raw, rules.load_table(raw)
    except rules.FeeTableInvalid as exc:
        problem = exc.message.removeprefix("评估费用标准有误：")
        raise _file_invalid(path, problem) from None


def load_table_file(path: Path) -> tuple[FeeTableVersion, bool]:
    """Store one version; the same content again changes nothing, other content under a stored
    code and version is refused (``fee_table_version_changed``), as is a second version of a
    code taking effect on the same day (``fee_table_date_taken``)."""
    raw, table = read_table_file(path)
    stored = versions.store_version(
        FeeTableVersion,
        code=table.code,
        version=table.version,
        digest=versions.checksum(raw),
        fields={
            "name": table.name,
            "effective_from": table.effective_from,
            "effective_to": table.effective_to,
            "definition": raw,
        },
        noun="评估费用标准",
        changed_code="fee_table_version_changed",
        taken_code="fee_table_date_taken",
    )
    return stored.row, stored.created


def load_fee_tables(directory: Path | None = None, *, paths: list[Path] | None = None) -> list[str]:
    """Load every fee table file (or the given ones); all or nothing; one line per file."""
    if paths is None:
        paths = versions.files_in(directory or tables_dir())
    results = versions.load_files(paths, load_table_file)
    return [
        f"assessment fees {row.code} {row.version}: "
        + ("loaded" if created else "already loaded, nothing changed")
        for row, created in results
    ]


def table_on(day: dt.date, code: str = "default") -> FeeTableVersion | None:
    """The version of a fee table in force on ``day`` (None before the first one)."""
    return versions.in_force(FeeTableVersion.objects.filter(code=code), day, ends="effective_to")
