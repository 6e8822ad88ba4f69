"""Excel exports: written in write-only mode, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from changhu.core.excel import (
    XLSX_CONTENT_TYPE,
    Sheet,
    Yuan,
    workbook_bytes,
    xlsx_response,
    yuan,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def read(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_values_keep_their_types_and_formats():
    rows = [
        (
            "张建国",
            dt.date(2026, 3, 2),
            dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC),
            yuan(123456),
            3,
            True,
            None,
        ),
        ('=HYPERLINK("http://x")', dt.date(2026, 1, 1), None, yuan(-5), 0.5, False, "备注"),
    ]
    headers = ["姓名", "申请日期", "提交时间", "金额（元）", "次数", "特殊群体", "备注"]
    ws = read(workbook_bytes([Sheet("申请", headers, rows)]))["申请"]
    assert [c.value for c in ws[1]] == headers
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G3"
    name, day, at, money, count, flag, empty = ws[2]
    assert name.value == "张建国"
    assert day.value == dt.datetime(2026, 3, 2) and day.number_format == "yyyy-mm-dd"
    assert day.is_date
    assert at.value == dt.datetime(2026, 3, 2, 9, 30)  # shown in Asia/Shanghai
    assert at.number_format == "yyyy-mm-dd hh:mm"
    assert money.value == pytest.approx(1234.56) and money.number_format == "#,##0.00"
    assert (count.value, flag.value, empty.value) == (3, "是", None)
    formula = ws["A3"]
    assert formula.data_type == "s" and formula.value == '\'=HYPERLINK("http://x")'
    assert ws["D3"].value == pytest.approx(-0.05) and ws["F3"].value == "否"


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\n=1"),  # the sheet's XML reads a carriage return back as a line break
        ("锦江区=1", "锦江区=1"),
        ("13912345678", "13912345678"),
    ],
)
def test_text_that_could_start_a_formula_is_neutralised(typed, stored):
    ws = read(workbook_bytes([Sheet("地址", ["地址"], [(typed,)])]))["地址"]
    assert ws["A2"].data_type == "s"
    assert ws["A2"].value == stored


def test_yuan_from_fen():
    assert yuan(123456) == Decimal("1234.56") and isinstance(yuan(1), Yuan)
    assert str(yuan(5)) == "0.05" and str(yuan(-100)) == "-1.00" and yuan(None) is None


def test_widths_measured_from_header_and_rows_or_given():
    rows = [("成都市锦江区督院街街道某某社区居民委员会", "a", 1)]
    ws = read(workbook_bytes([Sheet("宽度", ["地址", "代码", "n"], rows)]))["宽度"]
    widths = [ws.column_dimensions[c].width for c in "ABC"]
    assert widths[0] == 2 * 20 + 2  # CJK characters count double
    assert widths[1] == widths[2] == 8  # the minimum
    long = [("x" * 200,)]
    ws = read(workbook_bytes([Sheet("长", ["文本"], long)]))["长"]
    assert ws.column_dimensions["A"].width == 50  # the maximum
    ws = read(workbook_bytes([Sheet("给定", ["甲", "乙"], [], widths=[12, 30])]))["给定"]
    assert [ws.column_dimensions[c].width for c in "AB"] == [12, 30]


def test_many_sheets_big_streamed_rows_and_odd_titles():
    big = ((i, f"第{i}行", dt.date(2026, 1, 1) + dt.timedelta(days=i % 365)) for i in range(5000))
    content = workbook_bytes(
        [
            Sheet("明细", ["序号", "名称", "日期"], big),
            Sheet("汇总/2026:一季度[草稿]", ["项目"], [("合计",)]),
            Sheet("空", ["甲"], []),
        ]
    )
    workbook = read(content)
    assert workbook.sheetnames == ["明细", "汇总_2026_一季度_草稿_", "空"]
    detail = workbook["明细"]
    assert detail.max_row == 5001
    assert [c.value for c in detail[5001]] == [4999, "第4999行", dt.datetime(2026, 9, 12)]
    assert workbook["空"].max_row == 1


def test_control_characters_are_dropped():
    ws = read(workbook_bytes([Sheet("s", ["a"], [("张\x00三\x07",)])]))["s"]
    assert ws["A2"].value == "张三"


def test_no_sheets_is_an_error():
    with pytest.raises(ValueError):
        workbook_bytes([])


def test_xlsx_response_with_chinese_file_name():
    response = xlsx_response("2026年3月评估结论", [Sheet("结论", ["姓名"], [("李秀英",)])])
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"2026_3.xlsx\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "2026年3月评估结论.xlsx"
    assert disposition.isascii()
    assert read(response.content)["结论"]["A2"].value == "李秀英"


@pytest.mark.parametrize(
    ("filename", "fallback", "real"),
    [
        ("export.xlsx", "export.xlsx", "export.xlsx"),
        ("评估结论.xlsx", "export.xlsx", "评估结论.xlsx"),
        ('../a"b\r\nc', "a_b__c.xlsx", '.._a"b__c.xlsx'),
    ],
)
def test_file_names_are_made_safe(filename, fallback, real):
    disposition = xlsx_response(filename, [Sheet("s", ["a"], [])])["Content-Disposition"]
    assert f'filename="{fallback}"' in disposition
    assert unquote(disposition.split("''", 1)[1]) == real
