"""Reading an import file: recognised by its content, never by its name.

XLSX is a ZIP package holding ``xl/workbook.xml`` (the first worksheet is read, with cached
formula values). Anything else is read as CSV in UTF-8 (with or without BOM), GB18030 (what
Chinese Excel saves as "CSV") or UTF-16 (Excel's "Unicode text"); the delimiter (``,`` Tab
``;``) is taken from the header line. The header is the first row that is not blank; row numbers
are those the person sees in Excel, blank rows keeping theirs.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from changhu.core.errors import ValidationFailed
from changhu.core.imports.cells import (
    DATE,
    DIGITS,
    Column,
    cell_text,
    excel_serial,
    held_a_number,
    normalise_header,
)

MAX_COLUMNS = 60
CHUNK_ROWS = 900  # rows per database round trip; below SQLite's 999 bound parameters
_MB = 1024 * 1024


class ImportRefused(ValidationFailed):
    """The file as a whole cannot be imported (format, encoding, headers, size)."""

    code = "import_refused"
    message = "文件无法导入"


class FileTooLarge(ImportRefused):
    status = 413
    code = "import_file_too_large"
    message = "文件超过大小上限，请拆分后分批上传"


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


def read_upload(upload, max_bytes: int) -> bytes:
    """The bytes of an uploaded file (or of ``bytes``), refused past ``max_bytes``."""
    too_large = FileTooLarge(f"文件超过{max_bytes // _MB}MB，请拆分后分批上传")
    if (getattr(upload, "size", None) or 0) > max_bytes:
        raise too_large
    data = upload.read(max_bytes + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > max_bytes:
        raise too_large
    return data


@dataclass
class Table:
    file_format: str  # "csv" or "xlsx"
    encoding: str
    columns: list[Column | None]  # one per position; None for an ignored column
    warnings: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number as the user sees it, cells)


@dataclass
class RawRow:
    number: int
    values: dict[str, str]
    numeric: frozenset[str] = field(default_factory=frozenset)  # DIGITS cells held as numbers


def read_table(data: bytes, columns: Iterable[Column]) -> Table:
    """Recognise the file by its bytes and return its header mapping and a row iterator."""
    if not data:
        raise ImportRefused("文件是空的", code="import_empty_file")
    for magic, code, message in _SIGNATURES:
        if data.startswith(magic):
            raise ImportRefused(message, code=code)
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, tuple(columns))
    return _read_csv(data, tuple(columns))


def _read_xlsx(data: bytes, columns: tuple[Column, ...]) -> Table:
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
    rows = book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(rows, start=1):
                yield number, list(values)
        finally:
            book.close()

    empty = ImportRefused("Excel文件的第一个工作表是空的", code="import_empty_file")
    return _with_header(Table("xlsx", "", [], [], numbered()), columns, empty)


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


def _read_csv(data: bytes, columns: tuple[Column, ...]) -> Table:
    encoding = _detect_encoding(data)
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    first_line = text.readline()
    if _CONTROL.search(first_line) or _CONTROL.search(text.read(65536)):
        raise ImportRefused(_UNSUPPORTED, code="import_unsupported_format")
    text.seek(0)
    delimiter = max(",\t;", key=first_line.count) if first_line.strip() else ","
    reader = csv.reader(text, delimiter=delimiter, strict=True)

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

    table = Table("csv", encoding.replace("-sig", ""), [], [], numbered())
    return _with_header(table, columns, ImportRefused("文件是空的", code="import_empty_file"))


def _with_header(table: Table, columns: tuple[Column, ...], empty: ImportRefused) -> Table:
    """Map the first non-blank row to the columns; the rows left are the data."""
    try:
        for number, cells in table.rows:
            if any(cell_text(cell) for cell in cells):
                table.columns, table.warnings = _map_header(number, cells, columns)
                return table
    except ImportRefused:
        table.rows.close()  # type: ignore[attr-defined]
        raise
    raise empty


def _map_header(
    number: int, cells: list[Any], columns: tuple[Column, ...]
) -> tuple[list[Column | None], list[str]]:
    lookup = {
        normalise_header(name): column
        for column in columns
        for name in (column.label, column.field, *column.aliases)
    }
    mapped: list[Column | None] = []
    seen: set[str] = set()
    ignored: list[str] = []
    for cell in cells:
        column = lookup.get(normalise_header(cell))
        if column is not None and column.field in seen:
            raise ImportRefused(
                f"表头中“{column.label}”列出现了两次", code="import_duplicate_column"
            )
        if column is None and str(cell or "").strip():
            ignored.append(str(cell).strip()[:20])
        if column is not None:
            seen.add(column.field)
        mapped.append(column)
    missing = [c.label for c in columns if c.required and c.field not in seen]
    if missing:
        raise ImportRefused(
            f"第{number}行应为表头，缺少必填列：{'、'.join(missing)}。请使用导入模板",
            code="import_missing_columns",
            fields={"file": "缺少必填列：" + "、".join(missing)},
        )
    warnings = ["已忽略未识别的列：" + "、".join(ignored)] if ignored else []
    return mapped, warnings


def raw_rows(table: Table, max_rows: int) -> Iterator[RawRow]:
    """Non-empty data rows as ``{field: text}``; refuses a file of more than ``max_rows``."""
    count = 0
    for number, cells in table.rows:
        values: dict[str, str] = {}
        numeric: set[str] = set()
        for column, cell in zip(table.columns, cells, strict=False):
            if column is None:
                continue
            if column.cell == DATE:
                cell = excel_serial(cell)
            text = cell_text(cell)
            if column.cell == DIGITS and held_a_number(cell, text):
                numeric.add(column.field)
            values[column.field] = text
        if not any(values.values()):
            continue
        count += 1
        if count > max_rows:
            raise ImportRefused(
                f"数据超过{max_rows}行，请拆分后分批上传", code="import_too_many_rows"
            )
        yield RawRow(number, values, frozenset(numeric))


def chunks(rows: Iterator[RawRow], size: int = CHUNK_ROWS) -> Iterator[list[RawRow]]:
    chunk: list[RawRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
