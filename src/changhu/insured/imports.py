"""Bulk import of the insured register and of life events from CSV or Excel files.

Upload → preview (the file is parsed and every row validated; nothing is written) → commit
(parsed and validated again against the database as it is now, then written in one
transaction) or discard. All-or-nothing refuses to write anything while a row has an error;
valid-only writes the rows that pass. Errors are reported per row and column in Chinese.

Speed matters (a city sends hundreds of thousands of rows): regions are loaded once, duplicate
checks run per chunk through the blind index, and rows are written with ``bulk_create``.
Life events are few by comparison and go through ``services.apply_life_event`` row by row,
the same path as a hand-entered event.
"""

from __future__ import annotations

import base64
import codecs
import csv
import datetime as dt
import io
import os
import re
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from changhu.core import audit, clock, crypto, masking, scope
from changhu.core.errors import (
    Conflict,
    DomainError,
    PermissionDenied,
    ValidationFailed,
)
from changhu.core.identity import normalize_phone, parse_id_number
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

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
ERROR_CAP = 10_000  # errors kept on the batch; the rest are only counted
SAMPLE_ROWS = 5
CHUNK_ROWS = 900  # rows per database round trip; below SQLite's 999 bound parameters
MAX_COLUMNS = 60

Kind = ImportBatch.Kind
Mode = ImportBatch.Mode
Status = ImportBatch.Status


class ImportRefused(ValidationFailed):
    """The file as a whole cannot be imported (format, encoding, headers, size)."""

    code = "import_refused"
    message = "文件无法导入"


class FileTooLarge(DomainError):
    status = 413
    code = "import_file_too_large"
    message = f"文件超过{MAX_FILE_BYTES // (1024 * 1024)}MB，请拆分后分批上传"


# ---------------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the Chinese header of the template, used in every error message
    aliases: tuple[str, ...] = ()
    required: bool = False
    hint: str = ""


PERSON_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("name",), True, "汉字或字母，最长40字"),
    Column(
        "id_number",
        "身份证号码",
        ("身份证号", "公民身份号码", "身份证", "id_number"),
        True,
        "18位居民身份证号码；Excel中请设为“文本”格式，以免末几位丢失",
    ),
    Column(
        "phone",
        "联系电话",
        ("电话", "手机号码", "手机号", "phone"),
        False,
        "11位手机号，或带区号的固定电话",
    ),
    Column("address", "居住地址", ("地址", "address"), False, "最长200字"),
    Column(
        "region_code",
        "所属街道/区县代码",
        ("所属街道/区县", "区划代码", "街道代码", "区县代码", "region_code"),
        True,
        "街道（12位）或区县（6位）行政区划代码",
    ),
    Column("latitude", "纬度", ("latitude",), False, "WGS-84，如30.657000；与经度同时填写"),
    Column("longitude", "经度", ("longitude",), False, "WGS-84，如104.066000"),
    Column("insurance_type", "参保类型", ("insurance_type",), True, "职工 或 居民"),
    Column(
        "enrolment_start",
        "参保起始日",
        ("参保日期", "参保开始日期", "enrolment_start"),
        False,
        "YYYY-MM-DD；不填为今天",
    ),
    Column(
        "special_groups",
        "特殊群体",
        ("special_groups",),
        False,
        "可多个，用逗号或顿号分隔：" + "、".join(SpecialGroup.labels),
    ),
)

LIFE_EVENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "id_number",
        "身份证号码",
        ("身份证号", "公民身份号码", "身份证", "id_number"),
        True,
        "18位居民身份证号码",
    ),
    Column("name", "姓名", ("name",), False, "可选；填写时须与登记的姓名一致"),
    Column("kind", "事件", ("事件类型", "kind"), True, "身故 或 住院"),
    Column(
        "start_date",
        "发生/入院日期",
        ("日期", "日期/入院日期", "入院日期", "身故日期", "死亡日期", "发生日期", "start_date"),
        True,
        "YYYY-MM-DD；身故填身故日期，住院填入院日期",
    ),
    Column("end_date", "出院日期", ("end_date",), False, "住院已出院时填写；身故不填"),
    Column(
        "institution",
        "医院/登记机关",
        ("医院", "登记机关", "医院名称", "institution"),
        False,
        "最长100字",
    ),
    Column("note", "备注", ("note",), False, "最长300字"),
)

COLUMNS = {Kind.PERSONS: PERSON_COLUMNS, Kind.LIFE_EVENTS: LIFE_EVENT_COLUMNS}

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
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_NUMERIC_ID = "身份证号码被存成了数字，末几位可能已丢失；请把该列设为“文本”格式后重新填写"
_DATE_FIELDS = {"enrolment_start", "start_date", "end_date"}


def _normalise_header(value: Any) -> str:
    text = str(value or "").strip().lstrip("*＊").strip()
    text = text.replace("（", "(").replace("）", ")").replace("／", "/")
    return re.sub(r"\s+", "", text).lower()


def _header_lookup(columns: Iterable[Column]) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in (column.label, column.field, *column.aliases):
            lookup[_normalise_header(name)] = column
    return lookup


# ---------------------------------------------------------------------------------------------
# Reading a file: detected by content, never by its name


@dataclass
class Table:
    file_format: str  # "csv" or "xlsx"
    encoding: str
    columns: list[Column | None]  # one per position; None for an ignored column
    warnings: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number as the user sees it, cells)


_SIGNATURES = [
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "import_legacy_excel",
        "不支持旧版Excel（.xls）文件，请在Excel中另存为 .xlsx 或 CSV（UTF-8）后上传",
    ),
    (b"%PDF", "import_unsupported_format", "PDF文件无法导入，请上传 .xlsx 或 CSV 文件"),
    (b"\x89PNG", "import_unsupported_format", "图片文件无法导入，请上传 .xlsx 或 CSV 文件"),
    (b"\xff\xd8\xff", "import_unsupported_format", "图片文件无法导入，请上传 .xlsx 或 CSV 文件"),
    (b"GIF8", "import_unsupported_format", "图片文件无法导入，请上传 .xlsx 或 CSV 文件"),
    (b"\x1f\x8b", "import_unsupported_format", "压缩文件无法导入，请上传 .xlsx 或 CSV 文件"),
    (b"Rar!", "import_unsupported_format", "压缩文件无法导入，请上传 .xlsx 或 CSV 文件"),
    (b"7z\xbc\xaf", "import_unsupported_format", "压缩文件无法导入，请上传 .xlsx 或 CSV 文件"),
]
_UNSUPPORTED = "只能导入 Excel（.xlsx）或 CSV 文件"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_table(data: bytes, kind: str) -> Table:
    """Recognise the file by its bytes and return its header mapping and a row iterator."""
    if not data:
        raise ImportRefused("文件是空的", code="import_empty_file")
    for magic, code, message in _SIGNATURES:
        if data.startswith(magic):
            raise ImportRefused(message, code=code)
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, kind)
    return _read_csv(data, kind)


def _read_xlsx(data: bytes, kind: str) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise ImportRefused("Excel文件已损坏，无法读取", code="import_unreadable") from None
    if "xl/workbook.xml" not in names:
        raise ImportRefused(
            _UNSUPPORTED + "（该文件是压缩包或其他Office文档）", code="import_unsupported_format"
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken package
        raise ImportRefused("Excel文件已损坏，无法读取", code="import_unreadable") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(rows, start=1):
                yield number, list(values)
        finally:
            book.close()

    iterator = numbered()
    header = next(iterator, None)
    if header is None:
        raise ImportRefused("Excel文件的第一个工作表是空的", code="import_empty_file")
    try:
        columns, warnings = _map_header(header[1], kind)
    except ImportRefused:
        iterator.close()
        raise
    return Table("xlsx", "", columns, warnings, iterator)


def _detect_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # Excel's "Unicode text" export
    elif b"\x00" in data[:65536]:
        raise ImportRefused(_UNSUPPORTED, code="import_unsupported_format")
    else:
        candidates = ["utf-8", "gb18030"]  # GB18030 is what Chinese Excel saves as "CSV"
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), 1 << 20):
                decoder.decode(data[start : start + (1 << 20)])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportRefused(
        "无法识别文件的文字编码，请保存为 UTF-8 或 GB18030 编码的CSV文件", code="import_encoding"
    )


def _read_csv(data: bytes, kind: str) -> Table:
    encoding = _detect_encoding(data)
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    first_line = text.readline()
    if _CONTROL.search(first_line) or _CONTROL.search(text.read(65536)):
        raise ImportRefused(_UNSUPPORTED, code="import_unsupported_format")
    text.seek(0)
    delimiter = max(",\t;", key=first_line.count) if first_line.strip() else ","
    reader = csv.reader(text, delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        number = 0
        try:
            for number, values in enumerate(reader, start=1):
                yield number, values[:MAX_COLUMNS]
        except csv.Error:
            raise ImportRefused(
                f"第{number + 1}行附近的CSV格式有误（多半是引号不成对），请检查后重新上传",
                code="import_csv_malformed",
            ) from None

    iterator = numbered()
    header = next(iterator, None)
    if header is None:
        raise ImportRefused("文件是空的", code="import_empty_file")
    columns, warnings = _map_header(header[1], kind)
    return Table("csv", encoding.replace("-sig", ""), columns, warnings, iterator)


def _map_header(cells: list[Any], kind: str) -> tuple[list[Column | None], list[str]]:
    lookup = _header_lookup(COLUMNS[kind])
    columns: list[Column | None] = []
    seen: set[str] = set()
    ignored: list[str] = []
    for cell in cells:
        column = lookup.get(_normalise_header(cell))
        if column is not None and column.field in seen:
            raise ImportRefused(
                f"表头中“{column.label}”列出现了两次", code="import_duplicate_column"
            )
        if column is None and str(cell or "").strip():
            ignored.append(str(cell).strip()[:20])
        if column is not None:
            seen.add(column.field)
        columns.append(column)
    missing = [c.label for c in COLUMNS[kind] if c.required and c.field not in seen]
    if missing:
        raise ImportRefused(
            "第1行应为表头，缺少必填列：" + "、".join(missing) + "。请使用导入模板",
            code="import_missing_columns",
            fields={"file": "缺少必填列：" + "、".join(missing)},
        )
    warnings = ["已忽略未识别的列：" + "、".join(ignored)] if ignored else []
    return columns, warnings


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _excel_serial(value: Any) -> Any:
    """A date cell that lost its date format arrives as a day count; turn it back into a date."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value < 80000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    return value


@dataclass
class RawRow:
    number: int
    values: dict[str, str]
    numeric_id: bool = False  # the ID number cell held a number, not text


def _raw_rows(table: Table) -> Iterator[RawRow]:
    """Non-empty data rows as {field: text}; enforces the row limit."""
    count = 0
    for number, cells in table.rows:
        values: dict[str, str] = {}
        numeric_id = False
        for column, cell in zip(table.columns, cells, strict=False):
            if column is None:
                continue
            if column.field in _DATE_FIELDS:
                cell = _excel_serial(cell)
            elif column.field == "id_number" and isinstance(cell, float):
                numeric_id = True
            text = _text(cell)
            if column.field == "id_number" and _SCIENTIFIC.match(text):
                numeric_id = True
            values[column.field] = text
        if not any(values.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportRefused(
                f"数据超过{MAX_ROWS}行，请拆分后分批上传", code="import_too_many_rows"
            )
        yield RawRow(number, values, numeric_id)


def _chunks(rows: Iterator[RawRow], size: int = CHUNK_ROWS) -> Iterator[list[RawRow]]:
    chunk: list[RawRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------------------------
# Errors


@dataclass
class ErrorLog:
    labels: dict[str, str]
    cap: int = ERROR_CAP
    items: list[dict] = field(default_factory=list)
    count: int = 0
    rows: int = 0

    def add_row(self, number: int, problems: list[tuple[str, str, str]]) -> None:
        """All errors of one row: (field, code, message)."""
        self.rows += 1
        for field_name, code, message in problems:
            self.count += 1
            if len(self.items) < self.cap:
                self.items.append(
                    {
                        "row": number,
                        "column": self.labels.get(field_name, field_name),
                        "field": field_name,
                        "code": code,
                        "message": message,
                    }
                )

    def sorted_items(self) -> list[dict]:
        order = {name: i for i, name in enumerate(self.labels)}
        return sorted(self.items, key=lambda e: (e["row"], order.get(e["field"], 99)))


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
        return [(f, exc.code, m) for f, m in (exc.fields or {"file": exc.message}).items()]
    return [(f, probe(f), m) for f, m in exc.fields.items()]


# ---------------------------------------------------------------------------------------------
# One pass over a file: validate, and write when asked


@dataclass
class Outcome:
    kind: str
    file_format: str
    encoding: str
    total: int = 0
    valid: int = 0
    written: int = 0
    log: ErrorLog | None = None
    warnings: list[str] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)


@dataclass
class _Pass:
    actor: Any
    scope: scope.Scope
    outcome: Outcome
    today: dt.date
    write: bool = False
    stop_writing_on_error: bool = False
    batch: ImportBatch | None = None
    seen: dict[str, int] = field(default_factory=dict)  # blind index -> first row number

    @property
    def log(self) -> ErrorLog:
        assert self.outcome.log is not None
        return self.outcome.log

    @property
    def writing(self) -> bool:
        return self.write and not (self.stop_writing_on_error and self.log.count)


def _run(
    kind: str,
    table: Table,
    *,
    actor,
    scope_: scope.Scope,
    write: bool = False,
    stop_writing_on_error: bool = False,
    batch: ImportBatch | None = None,
) -> Outcome:
    labels = {c.field: c.label for c in COLUMNS[kind]}
    outcome = Outcome(
        kind=kind,
        file_format=table.file_format,
        encoding=table.encoding,
        log=ErrorLog(labels=labels),
        warnings=list(table.warnings),
    )
    state = _Pass(
        actor=actor,
        scope=scope_,
        outcome=outcome,
        today=clock.today(),
        write=write,
        stop_writing_on_error=stop_writing_on_error,
        batch=batch,
    )
    if kind == Kind.PERSONS:
        _PersonImporter(state).run(table)
    else:
        _LifeEventImporter(state).run(table)
    assert outcome.log is not None
    outcome.log.items = outcome.log.sorted_items()
    return outcome


class _PersonImporter:
    def __init__(self, state: _Pass) -> None:
        self.state = state
        self.regions = {
            r.code: r
            for r in Region.objects.filter(
                active=True, level__in=[RegionLevel.DISTRICT, RegionLevel.STREET]
            ).only("id", "code", "name", "level")
        }
        self.insured_numbers: set[str] = set()

    def run(self, table: Table) -> None:
        for chunk in _chunks(_raw_rows(table)):
            self.state.outcome.total += len(chunk)
            valid = self._validate(chunk)
            self.state.outcome.valid += len(valid)
            if len(self.state.outcome.sample) < SAMPLE_ROWS:
                for number, clean, _ in valid[: SAMPLE_ROWS - len(self.state.outcome.sample)]:
                    self.state.outcome.sample.append(_person_sample(number, clean))
            if self.state.writing and valid:
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
        state, log = self.state, self.state.log
        candidates: list[tuple[int, services.CleanPerson, str]] = []
        for row in chunk:
            data = self._input(row)
            try:
                clean = services.clean_person(data, regions=self.regions, today=state.today)
            except ValidationFailed as exc:
                problems = _problems(exc, lambda f, d=data: _probe_person_code(f, d, state.today))
                if row.numeric_id:
                    problems = [
                        (f, "id_number_numeric", _NUMERIC_ID) if f == "id_number" else (f, c, m)
                        for f, c, m in problems
                    ]
                log.add_row(row.number, problems)
                continue
            if not state.scope.covers_region(clean.region.code):
                log.add_row(
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
            first = state.seen.get(index)
            if first is not None:
                log.add_row(
                    row.number,
                    [("id_number", "duplicate_in_file", f"与第{first}行的身份证号码重复")],
                )
                continue
            state.seen[index] = row.number
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
                log.add_row(number, [duplicate])
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
            ImportedRow(batch=self.state.batch, row_number=number, person=person)
            for person, (number, _, _) in zip(persons, valid, strict=True)
        )
        self.state.outcome.written += len(persons)

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


class _LifeEventImporter:
    """Life events in file order; state carried between rows mirrors what the writes do."""

    def __init__(self, state: _Pass) -> None:
        self.state = state
        self.deaths: dict[int, tuple[int, dt.date]] = {}  # person id -> (row, date) in file
        self.stays: dict[int, list[tuple[int, dt.date, dt.date | None]]] = {}

    def run(self, table: Table) -> None:
        for chunk in _chunks(_raw_rows(table)):
            self.state.outcome.total += len(chunk)
            self._process(chunk)

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
                facts = parse_id_number(v.get("id_number", ""), today=self.state.today)
            except ValidationFailed as exc:
                code, message = exc.code, exc.message
                if row.numeric_id:
                    code, message = "id_number_numeric", _NUMERIC_ID
                self.state.log.add_row(row.number, [("id_number", code, message)])
                continue
            index = crypto.blind_index(facts.number, purpose=services.ID_PURPOSE)
            out.append(_EventRow(row.number, data, index, v.get("name", ""), facts.birth_date))
        return out

    def _persons(self, rows: list[_EventRow]) -> dict[str, Person]:
        qs = scope.scoped(Person.objects.all(), self.state.actor).filter(
            id_number_index__in={r.index for r in rows}
        )
        if self.state.write:
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

    def _process(self, chunk: list[RawRow]) -> None:
        rows = self._first_pass(chunk)
        if not rows:
            return
        persons = self._persons(rows)
        self._known_stays(persons.values())
        links: list[ImportedRow | None] = []
        for row in rows:
            person = persons.get(row.index)
            problems = self._check(row, person)
            if problems:
                self.state.log.add_row(row.number, problems)
                continue
            assert person is not None
            self.state.outcome.valid += 1
            if len(self.state.outcome.sample) < SAMPLE_ROWS:
                self.state.outcome.sample.append(_event_sample(row, person))
            if self.state.writing:
                links.append(self._write(row, person))
        ImportedRow.objects.bulk_create(link for link in links if link is not None)

    def _check(self, row: _EventRow, person: Person | None) -> list[tuple[str, str, str]]:
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
                today=self.state.today,
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

    def _write(self, row: _EventRow, person: Person) -> ImportedRow | None:
        # Valid-only keeps going after a failed row, so each row gets a savepoint;
        # all-or-nothing rolls everything back on the first error and needs none.
        savepoint = transaction.atomic() if not self.state.stop_writing_on_error else nullcontext()
        try:
            with savepoint:
                services.apply_life_event(
                    actor=self.state.actor,
                    person=person,
                    data=row.data,
                    source=LifeEvent.Source.IMPORT,
                )
        except DomainError as exc:  # only if the register changed under us since the checks
            self.state.outcome.valid -= 1
            field_name = next(iter(exc.fields), "kind")
            self.state.log.add_row(row.number, [(field_name, exc.code, exc.message)])
            return None
        self.state.outcome.written += 1
        return ImportedRow(batch=self.state.batch, row_number=row.number, person=person)


def _event_sample(row: _EventRow, person: Person) -> dict:
    return {
        "row": row.number,
        "name": masking.mask_name(person.name),
        "id_number": person.id_number_masked,
        "kind": LifeEventKind(row.data.kind).label,
        "start_date": _text(rules.parse_date(row.data.start_date, "start_date", "")),
        "end_date": _text(rules.parse_date(row.data.end_date, "end_date", "")),
        "institution": row.data.institution[:100],
    }


# ---------------------------------------------------------------------------------------------
# The stored upload: encrypted at rest, since it holds ID numbers in clear

_SEAL_MAGIC = b"CHIMP1"
_SEAL_CONTEXT = b"changhu.insured.import"


def _aead() -> AESGCM:
    return AESGCM(base64.b64decode(settings.FIELD_ENCRYPTION_KEY))


def _seal(data: bytes) -> bytes:
    nonce = os.urandom(12)
    return _SEAL_MAGIC + nonce + _aead().encrypt(nonce, data, _SEAL_CONTEXT)


def _unseal(sealed: bytes) -> bytes:
    if not sealed.startswith(_SEAL_MAGIC):
        raise ValueError("not a sealed upload")
    body = sealed[len(_SEAL_MAGIC) :]
    return _aead().decrypt(body[:12], body[12:], _SEAL_CONTEXT)


class _StoredFileGone(Exception):
    pass


def _load_stored(batch: ImportBatch) -> bytes:
    if not batch.stored_file:
        raise _StoredFileGone()
    try:
        with batch.stored_file.open("rb") as handle:
            return _unseal(handle.read())
    except (OSError, ValueError, InvalidTag):
        raise _StoredFileGone() from None


def _delete_stored(name: str) -> None:
    from django.core.files.storage import default_storage

    if name:
        default_storage.delete(name)


# ---------------------------------------------------------------------------------------------
# Services


def _require(actor, kind: str) -> scope.Scope:
    if kind not in Kind.values:
        raise ValidationFailed(
            "导入内容应为参保人登记或生命事件",
            code="import_kind",
            fields={"kind": "可选：persons、life_events"},
        )
    s = scope.require(actor, Right.INSURED_IMPORT)
    if kind == Kind.LIFE_EVENTS:
        scope.require(actor, Right.INSURED_LIFE_EVENT)
    return s


def _read_upload(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise FileTooLarge()
    data = upload.read(MAX_FILE_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge()
    return data


def import_preview(*, actor, kind: str, upload) -> Outcome:
    """Parse and validate a file without storing or writing anything (``--dry-run``)."""
    s = _require(actor, kind)
    data = _read_upload(upload)
    return _checked_run(kind, data, actor=actor, scope_=s)


def _checked_run(kind: str, data: bytes, *, actor, scope_: scope.Scope) -> Outcome:
    outcome = _run(kind, read_table(data, kind), actor=actor, scope_=scope_)
    if outcome.total == 0:
        raise ImportRefused("文件中只有表头，没有数据行", code="import_no_rows")
    return outcome


def import_upload(*, actor, kind: str, upload, file_name: str = "") -> ImportBatch:
    """Check a file and keep it as a batch awaiting a decision, with totals and row errors.

    A file that cannot be read at all (wrong format, encoding, headers, size) is refused and
    nothing is stored.
    """
    s = _require(actor, kind)
    data = _read_upload(upload)
    outcome = _checked_run(kind, data, actor=actor, scope_=s)
    name = file_name or getattr(upload, "name", "") or "upload"
    batch = ImportBatch(
        kind=kind,
        file_name=os.path.basename(str(name))[:200],
        file_size=len(data),
        file_format=outcome.file_format,
        encoding=outcome.encoding,
        organization_id=s.organization_id,
        uploaded_by=actor,
        validated_at=clock.now(),
    )
    _apply_outcome(batch, outcome)
    batch.stored_file.save(f"{uuid.uuid4().hex}.sealed", ContentFile(_seal(data)), save=False)
    try:
        batch.save()
    except Exception:
        _delete_stored(batch.stored_file.name)
        raise
    return batch


def _apply_outcome(batch: ImportBatch, outcome: Outcome) -> None:
    assert outcome.log is not None
    batch.total_rows = outcome.total
    batch.valid_rows = outcome.valid
    batch.error_rows = outcome.log.rows
    batch.error_count = outcome.log.count
    batch.errors = outcome.log.items
    batch.warnings = outcome.warnings
    batch.sample = outcome.sample


class _Refused(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def _owned(s: scope.Scope, batch: ImportBatch) -> None:
    if s.unrestricted or (s.organization_id and batch.organization_id == s.organization_id):
        return
    raise PermissionDenied("只有上传该文件的机构可以确认或放弃导入", code="import_not_owner")


def _pending(actor, batch_id: int) -> tuple[ImportBatch, scope.Scope]:
    # ``of``: the scope policy joins the (nullable) organization, which cannot be locked.
    locked = ImportBatch.objects.select_for_update(of=("self",))
    batch = scope.get_scoped(locked, actor, pk=batch_id)
    s = _require(actor, batch.kind)
    _owned(s, batch)
    if batch.status != Status.PREVIEWED:
        raise Conflict(f"该批次{batch.get_status_display()}，不能再操作", code="import_not_pending")
    return batch, s


def import_commit(*, actor, batch_id: int, mode: str) -> ImportBatch:
    """Validate the stored file again and write it in one transaction; audited once.

    ``all_or_nothing`` writes nothing if any row has an error (409 ``import_has_errors``);
    ``valid_only`` writes the rows that pass and leaves the rest in the error report.
    """
    scope.require(actor, Right.INSURED_IMPORT)
    if mode not in Mode.values:
        raise ValidationFailed(
            "请选择导入方式",
            code="import_mode",
            fields={"mode": "可选：all_or_nothing、valid_only"},
        )
    try:
        with transaction.atomic():
            batch, s = _pending(actor, batch_id)
            if mode == Mode.ALL_OR_NOTHING and batch.error_count:
                raise Conflict(_has_errors_message(batch.error_rows), code="import_has_errors")
            table = read_table(_load_stored(batch), batch.kind)
            outcome = _run(
                batch.kind,
                table,
                actor=actor,
                scope_=s,
                write=True,
                stop_writing_on_error=mode == Mode.ALL_OR_NOTHING,
                batch=batch,
            )
            assert outcome.log is not None
            if outcome.log.count and mode == Mode.ALL_OR_NOTHING:
                raise _Refused(outcome)
            if outcome.written == 0:
                raise _Refused(outcome)
            stored = batch.stored_file.name
            _apply_outcome(batch, outcome)
            batch.status, batch.mode = Status.COMMITTED, mode
            batch.imported_rows = outcome.written
            batch.committed_at = batch.validated_at = clock.now()
            batch.committed_by = actor
            batch.stored_file = ""
            batch.save()
            audit.record(
                action="import",
                obj=batch,
                user=actor,
                changes=_audit_counts(batch),
                note=f"{batch.get_kind_display()}：导入{batch.imported_rows}行"
                f"（{batch.get_mode_display()}）",
            )
            transaction.on_commit(lambda: _delete_stored(stored))
    except _Refused as refused:
        _record_refusal(batch_id, refused.outcome)
        if refused.outcome.log and refused.outcome.log.count and mode == Mode.ALL_OR_NOTHING:
            raise Conflict(
                _has_errors_message(refused.outcome.log.rows), code="import_has_errors"
            ) from None
        raise Conflict("没有可以导入的正确行", code="import_no_valid_rows") from None
    except _StoredFileGone:
        ImportBatch.objects.filter(pk=batch_id, status=Status.PREVIEWED).update(
            status=Status.FAILED, stored_file="", failure="上传的文件已不存在或无法读取，请重新上传"
        )
        raise Conflict(
            "上传的文件已不存在或无法读取，请重新上传", code="import_file_missing"
        ) from None
    except IntegrityError:
        raise Conflict(
            "导入期间登记簿发生了变化（如他人登记了相同的身份证号码），请重新预览",
            code="import_conflict",
        ) from None
    return batch


def _has_errors_message(error_rows: int) -> str:
    return (
        f"文件中有{error_rows}行存在错误，未导入任何数据。请修改后重新上传，或选择“仅导入正确的行”"
    )


def _record_refusal(batch_id: int, outcome: Outcome) -> None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        _apply_outcome(batch, outcome)
        batch.validated_at = clock.now()
        batch.save()


_AUDIT_LABELS = {
    "kind": "导入内容",
    "mode": "导入方式",
    "file_name": "文件名",
    "total_rows": "数据行数",
    "valid_rows": "正确行数",
    "error_rows": "错误行数",
    "imported_rows": "已导入行数",
}


def _audit_counts(batch: ImportBatch) -> dict:
    after = {
        "kind": batch.get_kind_display(),
        "mode": batch.get_mode_display(),
        "file_name": batch.file_name,
        "total_rows": batch.total_rows,
        "valid_rows": batch.valid_rows,
        "error_rows": batch.error_rows,
        "imported_rows": batch.imported_rows,
    }
    return audit.diff({}, after, labels=_AUDIT_LABELS)


def import_discard(*, actor, batch_id: int) -> ImportBatch:
    """Drop a previewed batch and delete its stored file."""
    scope.require(actor, Right.INSURED_IMPORT)
    with transaction.atomic():
        batch, _ = _pending(actor, batch_id)
        stored = batch.stored_file.name
        batch.status = Status.DISCARDED
        batch.discarded_at = clock.now()
        batch.stored_file = ""
        batch.save(update_fields=["status", "discarded_at", "stored_file"])
        transaction.on_commit(lambda: _delete_stored(stored))
    return batch


def purge_stale(before: dt.datetime, dry_run: bool = False) -> int:
    """Give up batches still in preview that were uploaded before ``before``: their stored
    upload (every row's personal data, encrypted) is deleted, the totals and errors stay. Also
    deletes sealed uploads no batch refers to (a crash between storing and saving), once they
    are as old. Registered with ``core.retention``; returns how many batches and files."""
    from django.core.files.storage import default_storage

    stale = ImportBatch.objects.filter(status=Status.PREVIEWED, created_at__lt=before)
    count = 0
    given_up: set[str] = set()  # their files go on commit: not orphans to count again
    for batch_id in list(stale.values_list("pk", flat=True)):
        if dry_run:
            count += 1
            continue
        with transaction.atomic():
            batch = stale.select_for_update().filter(pk=batch_id).first()
            if batch is None:  # decided meanwhile
                continue
            stored = batch.stored_file.name
            given_up.add(stored)
            batch.status = Status.DISCARDED
            batch.discarded_at = clock.now()
            batch.stored_file = ""
            batch.save(update_fields=["status", "discarded_at", "stored_file"])
            audit.record(
                action="delete",
                obj=batch,
                note=f"超过{settings.IMPORT_RETENTION_DAYS}天未确认，系统自动放弃并删除上传文件",
            )
            transaction.on_commit(lambda name=stored: _delete_stored(name))
        count += 1
    try:
        _, names = default_storage.listdir("imports")
    except FileNotFoundError:
        names = []
    referenced = set(
        ImportBatch.objects.exclude(stored_file="").values_list("stored_file", flat=True)
    )
    for name in names:
        path = f"imports/{name}"
        if not name.endswith(".sealed") or path in referenced or path in given_up:
            continue
        if default_storage.get_modified_time(path) >= before:
            continue
        if not dry_run:
            default_storage.delete(path)
        count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Selectors and the scope policy


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
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def batch_get(*, fetched_by, batch_id: int) -> ImportBatch:
    qs = ImportBatch.objects.select_related("uploaded_by", "committed_by", "organization")
    return scope.get_scoped(qs, fetched_by, pk=batch_id)


def batch_can_decide(*, user, batch: ImportBatch) -> bool:
    """Whether the user may commit or discard this batch (for showing the buttons)."""
    s = scope.scope_of(user)
    if batch.status != Status.PREVIEWED or not s.can(Right.INSURED_IMPORT):
        return False
    if batch.kind == Kind.LIFE_EVENTS and not s.can(Right.INSURED_LIFE_EVENT):
        return False
    return s.unrestricted or batch.organization_id == s.organization_id


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def error_report(*, fetched_by, batch_id: int) -> tuple[bytes, str]:
    """The batch's errors as an Excel workbook: row, column, reason, code."""
    from openpyxl import Workbook

    batch = batch_get(fetched_by=fetched_by, batch_id=batch_id)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("错误明细")
    sheet.append(["行号", "列", "错误原因", "错误代码"])
    for entry in batch.errors:
        sheet.append([entry["row"], entry["column"], entry["message"], entry["code"]])
    omitted = batch.error_count - len(batch.errors)
    if omitted > 0:
        sheet.append([None, None, f"另有{omitted}条错误未列出，请修改以上错误后重新上传预览", None])
    if not batch.errors:
        sheet.append([None, None, "没有错误", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), f"导入错误明细_{batch.pk}.xlsx"


def template_file(*, kind: str, file_format: str) -> tuple[bytes, str, str]:
    """An empty import template with the Chinese headers: (content, file name, media type)."""
    if kind not in Kind.values or file_format not in ("csv", "xlsx"):
        raise ValidationFailed(
            "没有这种模板",
            code="import_template",
            fields={"kind": "persons 或 life_events，格式 csv 或 xlsx"},
        )
    columns = COLUMNS[kind]
    title = "参保人导入模板" if kind == Kind.PERSONS else "生命事件导入模板"
    if file_format == "csv":
        body = io.StringIO()
        csv.writer(body).writerow([c.label for c in columns])
        return body.getvalue().encode("utf-8-sig"), f"{title}.csv", "text/csv; charset=utf-8"
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet.append([c.label for c in columns])
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = max(12, len(column.label) * 2 + 4)
        sheet[f"{letter}1"].font = Font(bold=True, color="C00000" if column.required else None)
        if column.field in ("id_number", "phone", "region_code"):
            # Text format, so Excel keeps all 18 digits and leading zeros.
            for row in range(2, 2002):
                sheet[f"{letter}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列", "是否必填", "说明"])
    for column in columns:
        notes.append([column.label, "必填" if column.required else "选填", column.hint])
    notes.append([])
    notes.append(
        [
            "说明",
            "",
            "数据从“数据”工作表第2行开始填写；表头（第1行）请勿修改。"
            "也可上传UTF-8或GB18030编码的CSV文件。",
        ]
    )
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), f"{title}.xlsx", XLSX_TYPE
