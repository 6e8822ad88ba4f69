"""Loading the holiday calendars (``presets/calendars/*.json``) into :class:`CalendarDay` rows.

A calendar file is one year's State Council notice (国务院办公厅关于部分节假日安排的通知)::

    {"calendar": "cn", "year": 2026, "version": "2026.1", "published": "2025-11-04",
     "source": "...",
     "holidays": [{"name": "春节", "from": "2026-02-15", "to": "2026-02-23", "days": 9}],
     "workdays": [{"name": "春节", "date": "2026-02-14"}]}

``days`` repeats the count the notice prints ("共9天") so a mistyped date is caught on load.
Loading is idempotent: a year already loaded at the same version changes nothing; a new version
of a year replaces that year's rows. The same version with different content is refused: a
corrected notice needs a new version number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from changhu.core import versions, workdays
from changhu.core.errors import Conflict, ValidationFailed
from changhu.core.models import CalendarDay

HOLIDAY = CalendarDay.Kind.HOLIDAY
WORKDAY = CalendarDay.Kind.WORKDAY


class CalendarFileInvalid(ValidationFailed):
    code = "preset_invalid"
    message = "节假日安排文件有误"


def calendars_dir() -> Path:
    return versions.presets_dir("calendars")


@dataclass(frozen=True)
class CalendarEntry:
    date: dt.date
    kind: str
    name: str


@dataclass(frozen=True)
class CalendarFile:
    calendar: str
    year: int
    version: str
    published: dt.date
    source: str
    days: tuple[CalendarEntry, ...]

    @property
    def dataset_version(self) -> str:
        return f"{self.calendar} {self.version}"


@dataclass(frozen=True)
class CalendarLoadResult:
    year: int
    dataset_version: str
    status: str  # "loaded", "replaced" (another version was loaded) or "unchanged"
    holidays: int = 0
    workdays: int = 0

    def __str__(self) -> str:
        head = f"calendar {self.dataset_version} ({self.year})"
        if self.status == "unchanged":
            return f"{head}: already loaded, nothing changed"
        return f"{head}: {self.status}, {self.holidays} holidays, {self.workdays} working weekends"


def _invalid(path: Path, problem: str) -> CalendarFileInvalid:
    return versions.file_refusal(CalendarFileInvalid, f"节假日安排文件{path.name}有误：{problem}")


def _date(path: Path, value, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _invalid(path, f"{what}“{value}”应为YYYY-MM-DD格式的日期") from None


def _name(path: Path, item, index: int, what: str) -> str:
    if not isinstance(item, dict):
        raise _invalid(path, f"{what}第{index}条不是对象")
    name = str(item.get("name") or "").strip()
    if not name or len(name) > 32:
        raise _invalid(path, f"{what}第{index}条的名称为空或超过32字")
    return name


def _holidays(path: Path, items) -> list[CalendarEntry]:
    entries = []
    for index, item in enumerate(items, start=1):
        name = _name(path, item, index, "放假安排")
        first = _date(path, item.get("from"), f"{name}的开始日期")
        last = _date(path, item.get("to"), f"{name}的结束日期")
        span = (last - first).days + 1
        if span < 1:
            raise _invalid(path, f"{name}的结束日期早于开始日期")
        if item.get("days") != span:
            raise _invalid(path, f"{name}从{first}至{last}共{span}天，与文件所写天数不符")
        entries += [CalendarEntry(first + dt.timedelta(i), HOLIDAY, name) for i in range(span)]
    return entries


def _workdays(path: Path, items) -> list[CalendarEntry]:
    entries = []
    for index, item in enumerate(items, start=1):
        name = _name(path, item, index, "调休上班")
        day = _date(path, item.get("date"), f"{name}的调休上班日期")
        if day.weekday() < 5:
            raise _invalid(path, f"调休上班日{day}不是周六或周日")
        entries.append(CalendarEntry(day, WORKDAY, name))
    return entries


def read_calendar_file(path: Path) -> CalendarFile:
    """Parse and check one calendar file: shape, dates, stated day counts, no date twice."""
    path = Path(path)
    raw = versions.read_json(path, lambda why: _invalid(path, f"无法读取JSON（{why}）"))
    if not isinstance(raw, dict):
        raise _invalid(path, "内容应为JSON对象")
    for key in ("calendar", "year", "version", "published", "holidays"):
        if not raw.get(key):
            raise _invalid(path, f"缺少字段{key}")
    year = raw["year"]
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise _invalid(path, f"年度{year}无效")
    days = _holidays(path, raw["holidays"]) + _workdays(path, raw.get("workdays") or [])
    seen: set[dt.date] = set()
    for entry in days:
        if entry.date in seen:
            raise _invalid(path, f"日期{entry.date}出现了不止一次")
        if abs(entry.date.year - year) > 1:
            raise _invalid(path, f"日期{entry.date}不在{year}年前后")
        seen.add(entry.date)
    return CalendarFile(
        calendar=str(raw["calendar"]).strip(),
        year=year,
        version=str(raw["version"]).strip(),
        published=_date(path, raw["published"], "发布日期"),
        source=str(raw.get("source", "")).strip(),
        days=tuple(sorted(days, key=lambda e: e.date)),
    )


def load_calendar_file(path: Path) -> CalendarLoadResult:
    """Store one year's calendar (see the module docstring for what changes)."""
    data = read_calendar_file(path)
    wanted = {(e.date, e.kind, e.name) for e in data.days}
    counts = {
        "holidays": sum(e.kind == HOLIDAY for e in data.days),
        "workdays": sum(e.kind == WORKDAY for e in data.days),
    }
    with transaction.atomic():
        stored = list(CalendarDay.objects.select_for_update().filter(year=data.year))
        versions = {row.dataset_version for row in stored}
        if versions == {data.dataset_version}:
            if {(r.date, r.kind, r.name) for r in stored} != wanted:
                raise Conflict(
                    f"{data.year}年节假日安排{data.dataset_version}已加载且内容不同，"
                    "请使用新版本号",
                    code="calendar_version_changed",
                )
            return CalendarLoadResult(data.year, data.dataset_version, "unchanged", **counts)
        clash = (
            CalendarDay.objects.filter(date__in=[e.date for e in data.days])
            .exclude(year=data.year)
            .first()
        )
        if clash is not None:
            raise _invalid(Path(path), f"日期{clash.date}已由{clash.year}年的安排给出")
        CalendarDay.objects.filter(year=data.year).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(
                date=e.date,
                kind=e.kind,
                name=e.name,
                year=data.year,
                dataset_version=data.dataset_version,
            )
            for e in data.days
        )
        transaction.on_commit(workdays.clear_cache)
    workdays.clear_cache()
    status = "replaced" if stored else "loaded"
    return CalendarLoadResult(data.year, data.dataset_version, status, **counts)


def load_calendars(
    directory: Path | None = None, *, paths: list[Path] | None = None
) -> list[CalendarLoadResult]:
    """Load every calendar file (or the given ones), in file-name order; all or nothing."""
    if paths is None:
        paths = versions.files_in(directory or calendars_dir())
    return versions.load_files(paths, load_calendar_file)
