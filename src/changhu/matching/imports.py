"""Death lists and hospital admissions through the shared import pipeline: the columns, and what
a row means (``changhu.core.imports`` reads the file and runs preview → commit/discard → purge).

A row is checked (name, ID number with its check digit, dates) and then looked up in the register
by the blind index of the ID number, within the uploader's data scope:

- **matched**: a beneficiary holds the number; the row goes to the review queue, flagged when
  the listed name differs from the registered one;
- **unmatched**: a valid number nobody in the register (in scope) holds; kept for the report;
- **invalid**: a malformed number, name or date; refused into the batch's error log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from changhu.core import crypto, masking, scope
from changhu.core.errors import ValidationFailed
from changhu.core.identity import parse_id_number
from changhu.core.imports import lifecycle
from changhu.core.imports.cells import DATE, DIGITS, Column, Problem, parse_date
from changhu.core.imports.reader import RawRow
from changhu.core.imports.run import ImportKind, RowHandler
from changhu.insured.models import Person, PersonStatus
from changhu.insured.rules import check_name
from changhu.insured.services import ID_PURPOSE
from changhu.matching.models import ListKind, MatchBatch, MatchRecord, MatchStatus
from changhu.orgs.roles import Right

_ID_ALIASES = ("身份证号", "公民身份号码", "身份证", "证件号码", "id_number")
_NUMERIC_ID = "身份证号码被存成了数字，末几位可能已丢失；请把该列设为“文本”格式后重新填写"

NAME = Column("name", "姓名", aliases=("name",), required=True, hint="与身份证一致")
ID_NUMBER = Column(
    "id_number",
    "身份证号码",
    aliases=_ID_ALIASES,
    required=True,
    hint="18位居民身份证号码；Excel中请设为“文本”格式",
    cell=DIGITS,
)

DEATH_COLUMNS: tuple[Column, ...] = (
    NAME,
    ID_NUMBER,
    Column(
        "event_date",
        "死亡日期",
        aliases=("身故日期", "死亡时间", "date_of_death", "death_date"),
        required=True,
        hint="YYYY-MM-DD",
        cell=DATE,
    ),
)

HOSPITAL_COLUMNS: tuple[Column, ...] = (
    NAME,
    ID_NUMBER,
    Column(
        "event_date",
        "入院日期",
        aliases=("入院时间", "admission_date"),
        required=True,
        hint="YYYY-MM-DD",
        cell=DATE,
    ),
    Column(
        "end_date",
        "出院日期",
        aliases=("出院时间", "discharge_date"),
        hint="YYYY-MM-DD；尚未出院不填",
        cell=DATE,
    ),
    Column(
        "hospital",
        "医院名称",
        aliases=("医院", "定点医院", "医疗机构", "hospital"),
        hint="最长100字",
    ),
)

COLUMNS = {ListKind.DEATHS: DEATH_COLUMNS, ListKind.HOSPITAL: HOSPITAL_COLUMNS}
DATE_LABELS = {ListKind.DEATHS: "死亡日期", ListKind.HOSPITAL: "入院日期"}


@dataclass
class CheckedRow:
    """A row whose fields are all well formed."""

    number: int
    name: str
    id_masked: str
    index: str
    birth_date: dt.date
    event_date: dt.date
    end_date: dt.date | None
    hospital: str


@dataclass
class Tally:
    """Each row's verdict, for the command's report and the preview's note (ID numbers masked)."""

    matched: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    invalid: list[dict] = field(default_factory=list)


def check_row(
    kind: str, values: dict[str, str], numeric: frozenset | set, today: dt.date
) -> CheckedRow | list[tuple[str, str, str]]:
    """The row's clean fields, or its problems as ``(field, code, message)``."""
    problems: list[tuple[str, str, str]] = []
    name = check_name(values.get("name", ""))
    if isinstance(name, Problem):
        problems.append((name.field, name.code, name.message))
    facts = None
    try:
        facts = parse_id_number(values.get("id_number", ""), today=today)
    except ValidationFailed as exc:
        if "id_number" in numeric:
            problems.append(("id_number", "id_number_numeric", _NUMERIC_ID))
        else:
            problems.append(("id_number", exc.code, exc.message))
    label = DATE_LABELS[kind]
    start = parse_date(values.get("event_date", ""), "event_date", label)
    end = parse_date(values.get("end_date", ""), "end_date", "出院日期")
    for parsed in (start, end):
        if isinstance(parsed, Problem):
            problems.append((parsed.field, parsed.code, parsed.message))
    if start is None:
        problems.append(("event_date", "date_required", f"请填写{label}"))
    elif isinstance(start, dt.date):
        if start > today:
            problems.append(("event_date", "date_in_future", f"{label}不能晚于今天"))
        elif facts and start < facts.birth_date:
            problems.append(("event_date", "date_before_birth", f"{label}不能早于出生日期"))
        if isinstance(end, dt.date) and end < start:
            problems.append(("end_date", "date_order", "出院日期不能早于入院日期"))
    if isinstance(end, dt.date) and end > today:
        problems.append(("end_date", "date_in_future", "出院日期不能晚于今天"))
    hospital = (values.get("hospital") or "").strip()
    if len(hospital) > 100:
        problems.append(("hospital", "hospital_too_long", "医院名称不能超过100字"))
    if problems or facts is None:
        return problems
    assert isinstance(start, dt.date) and isinstance(name, str)
    return CheckedRow(
        number=0,
        name=name,
        id_masked=masking.mask_id_number(facts.number),
        index=crypto.blind_index(facts.number, purpose=ID_PURPOSE),
        birth_date=facts.birth_date,
        event_date=start,
        end_date=end if isinstance(end, dt.date) else None,
        hospital=hospital,
    )


def _register_note(kind: str, person: Person, row: CheckedRow, pending: set) -> str:
    if kind == ListKind.DEATHS and person.status == PersonStatus.DECEASED:
        return f"登记簿已登记身故（{person.died_on:%Y-%m-%d}）"
    if (person.pk, row.event_date) in pending:
        return "同一事件已有待核实的比对结果"
    return ""


class _ListRows(RowHandler):
    """One list's rows: checked, looked up a chunk at a time, written as match records."""

    kind: str = ""

    def __init__(self, run) -> None:
        super().__init__(run)
        self.seen: dict[tuple[str, dt.date | None], int] = {}
        self.tally = Tally()
        run.outcome.tally = self.tally  # read by the command's dry run
        self.note_at: int | None = None

    def handle(self, chunk: list[RawRow]) -> None:
        run = self.run
        rows: list[CheckedRow] = []
        for raw in chunk:
            checked = check_row(self.kind, raw.values, raw.numeric, run.today)
            if isinstance(checked, list):
                run.reject(raw.number, checked)
                self.tally.invalid.append(_invalid_detail(raw, checked))
                continue
            checked.number = raw.number
            # A death is listed once; an admission once per admission day.
            key = (checked.index, checked.event_date if self.kind == ListKind.HOSPITAL else None)
            first = self.seen.get(key)
            if first is not None:
                problem = ("id_number", "duplicate_in_file", f"与第{first}行重复")
                run.reject(raw.number, [problem])
                self.tally.invalid.append(_invalid_detail(raw, [problem]))
                continue
            self.seen[key] = raw.number
            rows.append(checked)
        if not rows:
            return
        persons = {
            p.id_number_index: p
            for p in scope.scoped(Person.objects.all(), run.actor).filter(
                id_number_index__in={r.index for r in rows}
            )
        }
        pending = set(
            MatchRecord.objects.filter(
                kind=self.kind,
                status=MatchStatus.PENDING,
                person__in=[p.pk for p in persons.values()],
            ).values_list("person_id", "event_date")
        )
        records = []
        for row in rows:
            person = persons.get(row.index)
            record = MatchRecord(
                batch=run.batch,
                row_number=row.number,
                kind=self.kind,
                listed_name=row.name,
                id_number_index=row.index,
                id_number_masked=row.id_masked,
                event_date=row.event_date,
                end_date=row.end_date,
                hospital=row.hospital,
            )
            detail = {
                "row": row.number,
                "name": masking.mask_name(row.name),
                "id_number": row.id_masked,
                "date": row.event_date.isoformat(),
            }
            if person is None:
                record.status = MatchStatus.UNMATCHED
                self.tally.unmatched.append(detail)
            else:
                record.status = MatchStatus.PENDING
                record.person = person
                record.region_code = person.region_code
                record.name_mismatch = person.name != row.name
                record.register_note = _register_note(self.kind, person, row, pending)
                detail["person_id"] = person.pk
                detail["name_mismatch"] = record.name_mismatch
                self.tally.matched.append(detail)
            records.append(record)
            run.add_sample(lambda d=detail, r=record: _sample(d, r))
        run.accept(len(records))
        if run.writing:
            MatchRecord.objects.bulk_create(records)
            run.wrote(len(records))
        self._note()

    def _note(self) -> None:
        """The preview's counts, as a note on the batch (kept current after every chunk)."""
        text = (
            f"比对结果：匹配到参保人{len(self.tally.matched)}行"
            f"（其中姓名不一致{sum(d['name_mismatch'] for d in self.tally.matched)}行），"
            f"未匹配{len(self.tally.unmatched)}行"
        )
        warnings = self.run.outcome.warnings
        if self.note_at is None:
            self.note_at = len(warnings)
            warnings.append(text)
        else:
            warnings[self.note_at] = text


class _DeathRows(_ListRows):
    kind = ListKind.DEATHS


class _HospitalRows(_ListRows):
    kind = ListKind.HOSPITAL


def _invalid_detail(raw: RawRow, problems: list[tuple[str, str, str]]) -> dict:
    number = (raw.values.get("id_number") or "").strip()
    return {
        "row": raw.number,
        "id_number": masking.mask_id_number(number) if len(number) >= 8 else "*" * len(number),
        "problems": [{"field": f, "code": c, "message": m} for f, c, m in problems],
    }


def _sample(detail: dict, record: MatchRecord) -> dict:
    if record.status == MatchStatus.UNMATCHED:
        verdict = "未匹配"
    else:
        verdict = "姓名不一致" if record.name_mismatch else "匹配"
    return {
        "row": detail["row"],
        "name": detail["name"],
        "id_number": detail["id_number"],
        "date": detail["date"],
        "verdict": verdict,
    }


_RIGHTS = (Right.MATCH_IMPORT, Right.INSURED_VIEW)

PIPELINE = lifecycle.register(
    MatchBatch,
    kinds=[
        ImportKind(ListKind.DEATHS, DEATH_COLUMNS, _DeathRows, _RIGHTS, "死亡名单比对模板"),
        ImportKind(ListKind.HOSPITAL, HOSPITAL_COLUMNS, _HospitalRows, _RIGHTS, "住院名单比对模板"),
    ],
)


@scope.register(MatchBatch)
def batch_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The uploading organization (and its parent insurer); the bureau over its regions."""
    if not s.can(Right.MATCH_VIEW):
        return queryset.none()
    visible = Q(pk__in=[])
    if s.organization_id:
        visible |= Q(organization_id=s.organization_id)
        visible |= Q(organization__parent_id=s.organization_id)
    if s.organization_kind == "bureau":
        visible |= s.region_q("organization__region__code")
    return queryset.filter(visible)
