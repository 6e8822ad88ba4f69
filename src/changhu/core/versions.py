"""Versioned rule files, written once for every kind: scales, assessment rules, the service
catalogue, screening rules and benefit policies.

Each kind is a JSON file under ``presets/<kind>/`` with a ``code``, a ``version`` and an
``effective_from``, stored as one immutable row per (code, version). The habits they share
live here:

- **checksum**: SHA-256 over one canonical spelling of the definition (sorted keys, no spaces,
  UTF-8), so key order and formatting do not matter;
- **immutability**: loading the same version again changes nothing; the same code and version
  with other content is refused (a change is a new version with its own effective date), also
  when two processes load at once;
- **effective dates**: optionally, two versions of one code cannot take effect on the same day;
- **in force**: the version of a code in force on a day is the latest whose ``effective_from``
  is on or before it (and whose ``effective_to``, if the kind has one, is not before it).

The kinds keep their own parsing, their own model and their own Chinese refusals (passed in as
error factories). Regions and the holiday calendars are reference data with their own shape
(a tree, a year of days) and use :func:`read_json` and :func:`load_files` only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q

from changhu.core.checksums import canonical_json, checksum
from changhu.core.errors import Conflict, DomainError

__all__ = [
    "Stored",
    "Version",
    "canonical_json",
    "checksum",
    "file_refusal",
    "files_in",
    "in_force",
    "load_files",
    "presets_dir",
    "read_json",
    "store_version",
]

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")
E = TypeVar("E", bound=DomainError)


class Version(models.Model):
    """The columns every stored version of a rule file has; the kind adds its code, name and
    content. ``__str__`` is "<name>（<version>）"."""

    version = models.CharField("版本号", max_length=32)
    effective_from = models.DateField("生效日期")
    checksum = models.CharField("内容校验值(SHA-256)", max_length=64)
    loaded_at = models.DateTimeField("加载时间", auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"


def presets_dir(kind: str) -> Path:
    """The directory of a kind of shipped preset file (``presets/<kind>``)."""
    return Path(settings.CHANGHU_PRESETS_DIR) / kind


def file_refusal(error: type[E], message: str) -> E:
    """A refusal of a preset file; the message also stands against the ``file`` field."""
    return error(message, fields={"file": message})


def read_json(path: Path, unreadable: Callable[[str], DomainError]) -> dict:
    """A definition file as a dict; an unreadable one raises ``unreadable(reason)``."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise unreadable(str(exc)) from None


def files_in(directory: Path) -> list[Path]:
    """The definition files of a directory, in file-name order (the order they load in)."""
    return sorted(Path(directory).glob("*.json"))


def load_files(paths: Iterable[Path], load_one: Callable[[Path], T]) -> list[T]:
    """Load several files all or nothing (one transaction)."""
    with transaction.atomic():
        return [load_one(Path(path)) for path in paths]


@dataclass(frozen=True)
class Stored(Generic[M]):
    row: M
    created: bool


def store_version(
    model: type[M],
    *,
    code: str,
    version: str,
    digest: str,
    fields: Mapping[str, Any],
    noun: str,
    changed_code: str,
    taken_code: str | None = None,
    earlier_digests: Iterable[str] = (),
) -> Stored[M]:
    """Store one immutable version of ``code``, or find exactly this one already stored.

    ``fields`` are the row's other columns (``effective_from`` among them). ``noun`` names the
    kind in the refusals (量表, 政策, 检查表…). The same code and version with another
    ``digest`` is refused with ``changed_code``; with ``taken_code``, so is another version of
    the code taking effect on the same day. ``earlier_digests`` are checksums the same content
    had under an earlier spelling: such a row is brought up to ``digest``. Two processes loading
    at once: the loser compares with the winner's row.
    """

    def changed() -> Conflict:
        return Conflict(
            f"{noun}{code}的{version}版本已加载且内容不同；已加载的版本不可修改，请使用新的版本号",
            code=changed_code,
        )

    def taken() -> Conflict:
        day = fields["effective_from"]
        return Conflict(f"{noun}{code}已有{day}生效的其他版本，请使用其他生效日期", code=taken_code)

    existing = model.objects.filter(code=code, version=version).first()
    if existing is None:
        if (
            taken_code is not None
            and model.objects.filter(code=code, effective_from=fields["effective_from"]).exists()
        ):
            raise taken()
        try:
            with transaction.atomic():
                row = model.objects.create(code=code, version=version, checksum=digest, **fields)
            return Stored(row, True)
        except IntegrityError:  # loaded concurrently by someone else: compare with theirs
            existing = model.objects.filter(code=code, version=version).first()
            if existing is None:
                raise
    if existing.checksum != digest:
        if existing.checksum not in set(earlier_digests):
            raise changed()
        model.objects.filter(pk=existing.pk).update(checksum=digest)
        existing.checksum = digest
    return Stored(existing, False)


def in_force(queryset: models.QuerySet[M], day: dt.date, *, ends: str | None = None) -> M | None:
    """The row of ``queryset`` in force on ``day``: the latest to take effect on or before it
    (then the latest stored), skipping rows whose ``ends`` field is before ``day``."""
    rows = queryset.filter(effective_from__lte=day)
    if ends:
        rows = rows.filter(Q(**{f"{ends}__isnull": True}) | Q(**{f"{ends}__gte": day}))
    return rows.order_by("-effective_from", "-id").first()
