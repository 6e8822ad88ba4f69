"""The import pipeline shared by every app: reading by content, columns, the error log, the sealed
upload, the error report, and the registry the apps plug into. The apps' own tests cover what
their rows mean (insured/tests/test_imports.py, providers/tests/test_imports.py)."""

import base64
import datetime as dt
import io
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from openpyxl import Workbook, load_workbook

from changhu.core import retention
from changhu.core.imports import lifecycle, workbooks
from changhu.core.imports.cells import DATE, DIGITS, Column, Problem, parse_date
from changhu.core.imports.reader import ImportRefused, raw_rows, read_table
from changhu.core.imports.run import ErrorLog
from changhu.insured.models import ImportBatch as RegisterBatch
from changhu.providers.models import ImportBatch as ProviderBatch

COLUMNS = (
    Column("name", "姓名", aliases=("name",), required=True),
    Column("id_number", "身份证号码", required=True, cell=DIGITS),
    Column("day", "日期", cell=DATE),
)


def rows_of(data: bytes):
    return [(r.number, r.values, r.numeric) for r in raw_rows(read_table(data, COLUMNS), 10)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_in_any_encoding_excel_writes(encoding):
    data = "姓名,身份证号码,日期\n欧阳娜娜,0012,2024/3/1\n".encode(encoding)
    table = read_table(data, COLUMNS)
    assert (table.file_format, table.encoding) == ("csv", encoding.replace("-sig", ""))
    assert rows_of(data) == [
        (2, {"name": "欧阳娜娜", "id_number": "0012", "day": "2024/3/1"}, set())
    ]


def test_the_header_is_the_first_row_that_is_not_blank():
    book = Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append(["*姓名", "＊身份证 号码", "日期", "备用"])
    sheet.append(["王五", 5.10104199001011e17, 45383])
    sheet.append([])
    sheet.append(["赵六", "510104", dt.datetime(2024, 3, 1, 8, 0)])
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue(), COLUMNS)
    assert table.warnings == ["已忽略未识别的列：备用"]
    assert [(r.number, r.values, r.numeric) for r in raw_rows(table, 10)] == [
        (
            3,
            {"name": "王五", "id_number": "5.10104199001011e+17", "day": "2024-04-01"},
            {"id_number"},
        ),
        (5, {"name": "赵六", "id_number": "510104", "day": "2024-03-01"}, set()),
    ]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "import_empty_file"),
        (b"\n\n", "import_empty_file"),
        ("姓名,姓名,身份证号码\n".encode(), "import_duplicate_column"),
        ("姓名,日期\n张三,2024-01-01\n".encode(), "import_missing_columns"),
        (b"%PDF-1.4", "import_unsupported_format"),
        (b"PK\x03\x04broken", "import_unreadable"),
        # An unterminated quote swallows the rest of the file: refused, not previewed.
        ('姓名,身份证号码\n张三,"0012\n李四,0013\n'.encode(), "import_csv_malformed"),
        ('姓名,身份证号码\n"张三"x,0012\n'.encode(), "import_csv_malformed"),
    ],
)
def test_files_refused_as_a_whole(content, code):
    with pytest.raises(ImportRefused) as refused:
        rows_of(content)
    assert refused.value.code == code


def test_too_many_rows():
    data = "姓名,身份证号码\n" + "张三,1\n" * 11
    with pytest.raises(ImportRefused) as refused:
        rows_of(data.encode())
    assert refused.value.code == "import_too_many_rows"


def test_parse_date_takes_the_spellings_people_type():
    for text in ("2024-03-01", "2024/03/01", "20240301", "2024.03.01"):
        assert parse_date(text, "day", "日期") == dt.date(2024, 3, 1)
    assert parse_date("", "day", "日期") is None
    assert parse_date("2024-02-30", "day", "日期") == Problem(
        "day", "date_format", "日期“2024-02-30”不是有效日期，应为YYYY-MM-DD"
    )


def test_the_error_log_keeps_a_capped_list_in_column_order():
    log = ErrorLog(labels={"name": "姓名", "id_number": "身份证号码"}, cap=2)
    log.add_row(3, [("id_number", "a", "x"), ("name", "b", "y")])
    log.add_row(2, [("", "c", "z")])
    assert (log.rows, log.count, len(log.items)) == (2, 3, 2)
    assert [(e["row"], e["column"]) for e in log.sorted_items()] == [(3, "姓名"), (3, "身份证号码")]
    log = ErrorLog(labels={}, cap=5)
    log.add_row(2, [("", "c", "z")])
    assert log.items[0]["column"] == "整行"


def test_an_upload_sealed_before_the_pipeline_moved_to_core_still_opens():
    # As the register's import sealed files: magic, nonce, AES-GCM under its own context.
    nonce = os.urandom(12)
    key = AESGCM(base64.b64decode(settings.FIELD_ENCRYPTION_KEY))
    sealed = b"CHIMP1" + nonce + key.encrypt(nonce, b"data", b"changhu.insured.import")
    assert lifecycle.open_upload(sealed) == b"data"
    assert lifecycle.open_upload(lifecycle.seal_upload(b"more")) == b"more"
    with pytest.raises(ValueError):
        lifecycle.open_upload(b"data")


@pytest.mark.parametrize("model", [RegisterBatch, ProviderBatch])
def test_every_app_hands_out_the_same_error_report(model):
    batch = model(pk=7, error_count=3)
    batch.errors = [
        {"row": 3, "column": "身份证号码", "field": "id_number", "code": "c", "message": "错"}
    ]
    content, name = workbooks.error_report(batch)
    assert name == "导入错误明细_7.xlsx"
    lines = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert lines[0] == ("行号", "列", "错误原因", "错误代码")
    assert lines[1] == (3, "身份证号码", "错", "c")
    assert "另有2条错误未列出" in lines[2][2]


def test_apps_register_their_batches_and_the_purge_that_goes_with_them():
    pipelines = lifecycle.registered()
    assert set(pipelines["insured.importbatch"].kinds) == {"persons", "life_events"}
    assert set(pipelines["providers.importbatch"].kinds) == {"institutions", "caregivers"}
    assert set(pipelines["orgs.userimportbatch"].kinds) == {"users"}
    assert {
        "insured.import_batches",
        "providers.import_batches",
        "orgs.import_batches",
    } <= set(retention._purgers)
    # Rights every kind needs are asked first; the register's life events need one more.
    assert pipelines["insured.importbatch"].common_rights == ("insured.import",)
    assert pipelines["providers.importbatch"].common_rights == ()
