"""Bulk import of the insured register and of life events: the register's columns and rows.

The reading, the batch lifecycle (preview → commit or discard → purge) and the error log are
``changhu.core.imports``; this module says what a row means and writes it.

Speed matters (a city sends hundreds of thousands of rows): regions are loaded once, duplicate
checks run per chunk through the blind index, and rows are written with ``bulk_create``.
Life events are few by comparison and go through ``services.apply_life_event`` row by row,
the same path as a hand-entered event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import Q, QuerySet

from changhu.core import crypto, excel, masking, scope
from changhu.core.db import filter_given
from changhu.core.errors import DomainError, PermissionDenied, ValidationFailed
from changhu.core.identity import normalize_phone, parse_id_number
from changhu.core.imports import lifecycle
from changhu.core.imports.cells import DATE, DIGITS, Column, cell_text
from changhu.core.imports.reader import FileTooLarge as FileTooLarge
from changhu.core.imports.reader import ImportRefused as ImportRefused
from changhu.core.imports.reader import RawRow
from changhu.core.imports.run import SAMPLE_ROWS, ImportKind, RowHandler, RowProblems
from changhu.core.imports.workbooks import error_report as _error_report
from changhu.insured import rules, services
from changhu.insured.models import (
    EnrolmentPeriod,
    ImportBatch,
    ImportedRow,
    InsuranceType,
    LifeEvent,
    LifeEventKind,
    Person,
    PersonStatus,
    SpecialGroup,
    SpecialGroupMembership,
)
from changhu.orgs.models import Region, RegionLevel
from changhu.orgs.roles import Right

Kind = ImportBatch.Kind
XLSX_TYPE = excel.XLSX_CONTENT_TYPE

# ---------------------------------------------------------------------------------------------
# Columns

_ID_ALIASES = ("身份证号", "公民身份号码", "身份证", "id_number")

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", aliases=("name",), required=True, hint="汉字或字母，最长40字"),
    Column(
        "id_number",
        "身份证号码",
        aliases=_ID_ALIASES,
        required=True,
        hint="18位居民身份证号码；Excel中请设为“文本”格式，以免末几位丢失",
        cell=DIGITS,
    ),
    Column(
        "phone",
        "联系电话",
        aliases=("电话", "手机号码", "手机号", "phone"),
        hint="11位手机号，或带区号的固定电话",
        cell=DIGITS,
    ),
    Column("address", "居住地址", aliases=("地址", "address"), hint="最长200字"),
    Column(
        "region_code",
        "所属街道/区县代码",
        aliases=("所属街道/区县", "区划代码", "街道代码", "区县代码", "region_code"),
        required=True,
        hint="街道（12位）或区县（6位）行政区划代码",
        cell=DIGITS,
    ),
    Column("latitude", "纬度", aliases=("latitude",), hint="WGS-84，如30.657000；与经度同时填写"),
    Column("longitude", "经度", aliases=("longitude",), hint="WGS-84，如104.066000"),
    Column(
        "insurance_type",
        "参保类型",
        aliases=("insurance_type",),
        required=True,
        hint="职工 或 居民",
    ),
    Column(
        "enrolment_start",
        "参保起始日",
        aliases=("参保日期", "参保开始日期", "enrolment_start"),
        hint="YYYY-MM-DD；不填为今天",
        cell=DATE,
    ),
    Column(
        "special_groups",
        "特殊群体",
        aliases=("special_groups",),
        hint="可多个，用逗号或顿号分隔：" + "、".join(SpecialGroup.labels),
    ),
)

LIFE_EVENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "id_number",
        "身份证号码",
        aliases=_ID_ALIASES,
        required=True,
        hint="18位居民身份证号码",
        cell=DIGITS,
    ),
    Column("name", "姓名", aliases=("name",), hint="可选；填写时须与登记的姓名一致"),
    Column("kind", "事件", aliases=("事件类型", "kind"), required=True, hint="身故 或 住院"),
    Column(
        "start_date",
        "发生/入院日期",
        aliases=(
            "日期",
            "日期/入院日期",
            "入院日期",
            "身故日期",
            "死亡日期",
            "发生日期",
            "start_date",
        ),
        required=True,
        hint="YYYY-MM-DD；身故填身故日期，住院填入院日期",
        cell=DATE,
    ),
    Column(
        "end_date",
        "出院日期",
        aliases=("end_date",),
        hint="住院已出院时填写；身故不填",
        cell=DATE,
    ),
    Column(
        "institution",
        "医院/登记机关",
        aliases=("医院", "登记机关", "医院名称", "institution"),
        hint="最长100字",
    ),
    Column("note", "备注", aliases=("note",), hint="最长300字"),
)

_GROUP_WORDS = {
    **{label: code for code, label in SpecialGroup.choices},
    **{code: code for code in SpecialGroup.values},
    "特困": SpecialGroup.TEKUN,
    "特困供养人员": SpecialGroup.TEKUN,
    "低保": SpecialGroup.DIBAO,
    "低保户": SpecialGroup.DIBAO,
    "重残": SpecialGroup.ZHONGCAN,
    "重度残疾": SpecialGroup.ZHONGCAN,
    "残疾军人": SpecialGroup.DISABLED_VETERAN,
    "低收入": SpecialGroup.LOW_INCOME,
    "低收入户": SpecialGroup.LOW_INCOME,
    "失独": SpecialGroup.ORPHAN_ELDERLY,
    "失独家庭": SpecialGroup.ORPHAN_ELDERLY,
}
_GROUP_SPLIT = re.compile(r"[,，、;；/\s]+")
_KIND_WORDS = {
    "身故": LifeEventKind.DEATH,
    "死亡": LifeEventKind.DEATH,
    "death": LifeEventKind.DEATH,
    "住院": LifeEventKind.HOSPITAL_STAY,
    "入院": LifeEventKind.HOSPITAL_STAY,
    "hospital_stay": LifeEventKind.HOSPITAL_STAY,
}
_NUMERIC_ID = "身份证号码被存成了数字，末几位可能已丢失；请把该列设为“文本”格式后重新填写"


# ---------------------------------------------------------------------------------------------
# Row errors


def _probe_person_code(field_name: str, data: services.PersonInput, today: dt.date) -> str:
    """The code of one field's failure when ``clean_person`` reported several at once."""
    if field_name == "name":
        problem = rules.check_name(data.name)
        return problem.code if isinstance(problem, rules.Problem) else "name_format"
    if field_name == "id_number":
        try:
            parse_id_number(data.id_number, today=today)
        except ValidationFailed as exc:
            return exc.code
    if field_name == "phone":
        try:
            normalize_phone(data.phone)
        except ValidationFailed as exc:
            return exc.code
    if field_name in ("latitude", "longitude"):
        low, high = (-90, 90) if field_name == "latitude" else (-180, 180)
        problem = rules.parse_coordinate(getattr(data, field_name), field_name, low, high, "")
        return problem.code if isinstance(problem, rules.Problem) else "coordinate_pair"
    if field_name == "enrolment_start":
        parsed = rules.parse_date(data.enrolment_start, field_name, "")
        if isinstance(parsed, rules.Problem):
            return parsed.code
        return "date_in_future" if parsed and parsed > today else "enrolment_before_birth"
    if field_name == "region_code":
        return "region_unknown" if (data.region_code or "").strip() else "region_required"
    if field_name == "insurance_type" and not (data.insurance_type or "").strip():
        return "insurance_type_required"
    return {
        "address": "address_too_long",
        "insurance_type": "insurance_type_invalid",
        "special_groups": "special_group_unknown",
    }.get(field_name, f"{field_name}_invalid")


def _probe_life_event_code(field_name: str, data: services.LifeEventInput) -> str:
    if field_name == "kind":
        return "life_event_kind"
    parsed = rules.parse_date(getattr(data, field_name), field_name, "")
    if isinstance(parsed, rules.Problem):
        return parsed.code
    if field_name == "end_date":
        return "death_end_date" if data.kind == LifeEventKind.DEATH else "date_order"
    return f"{field_name}_invalid"


def _problems(exc: ValidationFailed, probe) -> list[tuple[str, str, str]]:
    if len(exc.fields) <= 1:
        return [(f, exc.code, m) for f, m in (exc.fields or {"": exc.message}).items()]
    return [(f, probe(f), m) for f, m in exc.fields.items()]


# ---------------------------------------------------------------------------------------------
# Persons and life events


class _PersonRows(RowHandler):
    """Register rows: checked a chunk at a time, written with ``bulk_create``."""

    def __init__(self, run) -> None:
        super().__init__(run)
        self.seen: dict[str, int] = {}  # blind index -> first row number
        self.regions = {
            r.code: r
            for r in Region.objects.filter(
                active=True, level__in=[RegionLevel.DISTRICT, RegionLevel.STREET]
            ).only("id", "code", "name", "level")
        }
        self.insured_numbers: set[str] = set()

    def handle(self, chunk: list[RawRow]) -> None:
        valid = self._validate(chunk)
        self.run.accept(len(valid))
        for number, clean, _ in valid[:SAMPLE_ROWS]:
            self.run.add_sample(lambda n=number, c=clean: _person_sample(n, c))
        if self.run.writing and valid:
            self._write(valid)

    def _input(self, row: RawRow) -> services.PersonInput:
        v = row.values
        groups = [
            str(_GROUP_WORDS.get(word, word))
            for word in _GROUP_SPLIT.split(v.get("special_groups", ""))
            if word
        ]
        return services.PersonInput(
            name=v.get("name", ""),
            id_number=v.get("id_number", ""),
            phone=v.get("phone", ""),
            address=v.get("address", ""),
            region_code=v.get("region_code", ""),
            latitude=v.get("latitude") or None,
            longitude=v.get("longitude") or None,
            insurance_type=v.get("insurance_type", ""),
            enrolment_start=v.get("enrolment_start") or None,
            special_groups=groups,
        )

    def _validate(self, chunk: list[RawRow]) -> list[tuple[int, services.CleanPerson, str]]:
        run = self.run
        candidates: list[tuple[int, services.CleanPerson, str]] = []
        for row in chunk:
            data = self._input(row)
            try:
                clean = services.clean_person(data, regions=self.regions, today=run.today)
            except ValidationFailed as exc:
                problems = _problems(exc, lambda f, d=data: _probe_person_code(f, d, run.today))
                if "id_number" in row.numeric:
                    problems = [
                        (f, "id_number_numeric", _NUMERIC_ID) if f == "id_number" else (f, c, m)
                        for f, c, m in problems
                    ]
                run.reject(row.number, problems)
                continue
            if not run.scope.covers_region(clean.region.code):
                run.reject(
                    row.number,
                    [
                        (
                            "region_code",
                            "region_out_of_scope",
                            f"区划代码{clean.region.code}不在您的数据范围内",
                        )
                    ],
                )
                continue
            index = crypto.blind_index(clean.id_number, purpose=services.ID_PURPOSE)
            first = self.seen.get(index)
            if first is not None:
                run.reject(
                    row.number,
                    [("id_number", "duplicate_in_file", f"与第{first}行的身份证号码重复")],
                )
                continue
            self.seen[index] = row.number
            candidates.append((row.number, clean, index))
        registered = (
            set(
                Person.objects.filter(id_number_index__in=[c[2] for c in candidates]).values_list(
                    "id_number_index", flat=True
                )
            )
            if candidates
            else set()
        )
        valid = []
        for number, clean, index in candidates:
            if index in registered:
                duplicate = ("id_number", "person_duplicate_id", "该身份证号码已登记参保")
                run.reject(number, [duplicate])
            else:
                valid.append((number, clean, index))
        return valid

    def _write(self, valid: list[tuple[int, services.CleanPerson, str]]) -> None:
        persons = [services.build_person(clean) for _, clean, _ in valid]
        for person, number in zip(persons, self._new_insured_numbers(len(persons)), strict=True):
            person.insured_no = number
        Person.objects.bulk_create(persons)
        EnrolmentPeriod.objects.bulk_create(
            EnrolmentPeriod(
                person=person, insurance_type=clean.insurance_type, start_date=clean.enrolment_start
            )
            for person, (_, clean, _) in zip(persons, valid, strict=True)
        )
        SpecialGroupMembership.objects.bulk_create(
            SpecialGroupMembership(person=person, group=group, start_date=clean.enrolment_start)
            for person, (_, clean, _) in zip(persons, valid, strict=True)
            for group in clean.special_groups
        )
        ImportedRow.objects.bulk_create(
            ImportedRow(batch=self.run.batch, row_number=number, person=person)
            for person, (number, _, _) in zip(persons, valid, strict=True)
        )
        self.run.wrote(len(persons))

    def _new_insured_numbers(self, count: int) -> list[str]:
        """Fresh insured numbers, unique in this batch and in the register.

        ``new_insured_no`` draws 40 random bits; across a register of millions a 100,000-row
        batch would almost surely hit one that is taken, so check and redraw.
        """
        numbers: list[str] = []
        while len(numbers) < count:
            drawn = set()
            while len(drawn) < count - len(numbers):
                candidate = services.new_insured_no()
                if candidate not in self.insured_numbers:
                    drawn.add(candidate)
            taken = set(
                Person.objects.filter(insured_no__in=drawn).values_list("insured_no", flat=True)
            )
            fresh = drawn - taken
            self.insured_numbers |= drawn
            numbers.extend(fresh)
        return numbers


def _person_sample(number: int, clean: services.CleanPerson) -> dict:
    return {
        "row": number,
        "name": masking.mask_name(clean.name),
        "id_number": masking.mask_id_number(clean.id_number),
        "region": f"{clean.region.name}（{clean.region.code}）",
        "insurance_type": InsuranceType(clean.insurance_type).label,
        "enrolment_start": clean.enrolment_start.isoformat(),
        "special_groups": "、".join(SpecialGroup(g).label for g in clean.special_groups),
    }


@dataclass
class _EventRow:
    number: int
    data: services.LifeEventInput
    index: str
    name: str
    birth_date: dt.date


class _LifeEventRows(RowHandler):
    """Life events in file order; state carried between rows mirrors what the writes do."""

    def __init__(self, run) -> None:
        super().__init__(run)
        self.deaths: dict[int, tuple[int, dt.date]] = {}  # person id -> (row, date) in file
        self.stays: dict[int, list[tuple[int, dt.date, dt.date | None]]] = {}

    def _first_pass(self, chunk: list[RawRow]) -> list[_EventRow]:
        out = []
        for row in chunk:
            v = row.values
            kind_text = v.get("kind", "")
            data = services.LifeEventInput(
                kind=str(_KIND_WORDS.get(kind_text, kind_text)),
                start_date=v.get("start_date") or None,
                end_date=v.get("end_date") or None,
                institution=v.get("institution", ""),
                note=v.get("note", ""),
            )
            try:
                facts = parse_id_number(v.get("id_number", ""), today=self.run.today)
            except ValidationFailed as exc:
                code, message = exc.code, exc.message
                if "id_number" in row.numeric:
                    code, message = "id_number_numeric", _NUMERIC_ID
                self.run.reject(row.number, [("id_number", code, message)])
                continue
            index = crypto.blind_index(facts.number, purpose=services.ID_PURPOSE)
            out.append(_EventRow(row.number, data, index, v.get("name", ""), facts.birth_date))
        return out

    def _persons(self, rows: list[_EventRow]) -> dict[str, Person]:
        qs = scope.scoped(Person.objects.all(), self.run.actor).filter(
            id_number_index__in={r.index for r in rows}
        )
        if self.run.write:
            qs = qs.select_for_update(of=("self",))
        return {p.id_number_index: p for p in qs}

    def _known_stays(self, persons: Iterable[Person]) -> None:
        ids = [p.pk for p in persons if p.pk not in self.stays]
        for pid in ids:
            self.stays[pid] = []
        for pid, start, end in LifeEvent.objects.filter(
            person_id__in=ids, kind=LifeEventKind.HOSPITAL_STAY
        ).values_list("person_id", "start_date", "end_date"):
            self.stays[pid].append((0, start, end))

    def handle(self, chunk: list[RawRow]) -> None:
        rows = self._first_pass(chunk)
        if not rows:
            return
        persons = self._persons(rows)
        self._known_stays(persons.values())
        links: list[ImportedRow] = []
        for row in rows:
            person = persons.get(row.index)
            checked = self.run.check_and_write(
                row.number,
                lambda r=row, p=person: self._check(r, p),
                lambda p, r=row: links.append(self._write(r, p)),
            )
            if checked is not None:
                self.run.add_sample(lambda r=row, p=checked: _event_sample(r, p))
        ImportedRow.objects.bulk_create(links)

    def _check(self, row: _EventRow, person: Person | None) -> Person:
        """The row's person, if the event may be recorded for them; else ``RowProblems``."""
        problems = self._problems(row, person)
        if problems:
            raise RowProblems(problems)
        assert person is not None
        return person

    def _problems(self, row: _EventRow, person: Person | None) -> list[tuple[str, str, str]]:
        problems: list[tuple[str, str, str]] = []
        if person is None:
            problems.append(
                (
                    "id_number",
                    "person_not_found",
                    "未找到该身份证号码的参保人，或该参保人不在您的数据范围内",
                )
            )
        elif row.name and row.name != person.name:
            problems.append(("name", "name_mismatch", "姓名与该身份证号码登记的姓名不一致"))
        try:
            # Without a person, the birth date in the ID number stands in for theirs.
            start, end = services.clean_life_event(
                row.data,
                person=person or SimpleNamespace(birth_date=row.birth_date),
                today=self.run.today,
            )
        except ValidationFailed as exc:
            problems += _problems(exc, lambda f, d=row.data: _probe_life_event_code(f, d))
        if problems or person is None:
            return problems
        death = self.deaths.get(person.pk)
        if row.data.kind == LifeEventKind.DEATH:
            if death:
                return [("kind", "duplicate_in_file", f"与第{death[0]}行重复登记身故")]
            if person.status == PersonStatus.DECEASED:
                return [("kind", "person_already_deceased", "该参保人已登记身故")]
            self.deaths[person.pk] = (row.number, start)
            return []
        died_on = death[1] if death else person.died_on
        if died_on and start > died_on:
            return [("start_date", "date_after_death", "住院日期晚于身故日期")]
        for other_row, other_start, other_end in self.stays[person.pk]:
            if other_start <= (end or dt.date.max) and (other_end is None or other_end >= start):
                where = f"与第{other_row}行的" if other_row else "与已登记的"
                return [("start_date", "hospital_stay_overlap", where + "住院期间重叠")]
        self.stays[person.pk].append((row.number, start, end))
        return []

    def _write(self, row: _EventRow, person: Person) -> ImportedRow:
        try:
            services.apply_life_event(
                actor=self.run.actor, person=person, data=row.data, source=LifeEvent.Source.IMPORT
            )
        except DomainError as exc:  # only if the register changed under us since the checks
            raise RowProblems([(next(iter(exc.fields), "kind"), exc.code, exc.message)]) from None
        return ImportedRow(batch=self.run.batch, row_number=row.number, person=person)


def _event_sample(row: _EventRow, person: Person) -> dict:
    return {
        "row": row.number,
        "name": masking.mask_name(person.name),
        "id_number": person.id_number_masked,
        "kind": LifeEventKind(row.data.kind).label,
        "start_date": cell_text(rules.parse_date(row.data.start_date, "start_date", "")),
        "end_date": cell_text(rules.parse_date(row.data.end_date, "end_date", "")),
        "institution": row.data.institution[:100],
    }


# ---------------------------------------------------------------------------------------------
# The register's batches: kinds, rights, scope; the lifecycle is core's

PIPELINE = lifecycle.register(
    ImportBatch,
    kinds=[
        ImportKind(
            Kind.PERSONS, PERSON_COLUMNS, _PersonRows, (Right.INSURED_IMPORT,), "参保人导入模板"
        ),
        ImportKind(
            Kind.LIFE_EVENTS,
            LIFE_EVENT_COLUMNS,
            _LifeEventRows,
            (Right.INSURED_IMPORT, Right.INSURED_LIFE_EVENT),
            "生命事件导入模板",
        ),
    ],
)
import_preview = PIPELINE.preview
import_upload = PIPELINE.upload
import_commit = PIPELINE.commit
import_discard = PIPELINE.discard
batch_can_decide = PIPELINE.can_decide
template_file = PIPELINE.template
purge_stale = PIPELINE.purge_stale


@scope.register(ImportBatch)
def _batch_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The uploading organization (and its parent insurer); the bureau over its regions."""
    visible = Q(pk__in=[])
    if s.organization_id and s.can(Right.INSURED_IMPORT):
        visible |= Q(organization_id=s.organization_id)
        visible |= Q(organization__parent_id=s.organization_id)
    if s.organization_kind == "bureau" and s.can(Right.INSURED_VIEW):
        visible |= s.region_q("organization__region__code")
    return queryset.filter(visible)


def batch_list(*, fetched_by, kind: str = "", status: str = "") -> QuerySet:
    """Batches the reader may see, newest first."""
    s = scope.scope_of(fetched_by)
    if not (s.can(Right.INSURED_IMPORT) or s.can(Right.INSURED_VIEW)):
        raise PermissionDenied()
    qs = scope.scoped(ImportBatch.objects.all(), fetched_by).select_related(
        "uploaded_by", "committed_by", "organization"
    )
    qs = filter_given(qs, kind=kind, status=status)
    return qs.order_by("-created_at", "-id")


def batch_get(*, fetched_by, batch_id: int) -> ImportBatch:
    qs = ImportBatch.objects.select_related("uploaded_by", "committed_by", "organization")
    return scope.get_scoped(qs, fetched_by, pk=batch_id)


def error_report(*, fetched_by, batch_id: int) -> tuple[bytes, str]:
    """The batch's errors as an Excel workbook (行号, 列, 错误原因, 错误代码) and its name."""
    return _error_report(batch_get(fetched_by=fetched_by, batch_id=batch_id))
