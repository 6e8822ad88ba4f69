"""The files an import hands out: empty templates and the error report of a batch.

The error report has one layout for every kind: 行号, 列, 错误原因, 错误代码, one line per error.
It names the column and the reason but repeats no cell of the file, so it holds no personal data
and can be kept and downloaded after the upload itself is deleted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from changhu.core import excel
from changhu.core.imports.cells import DIGITS, Column

REPORT_HEADER = ["行号", "列", "错误原因", "错误代码"]
_TEXT_ROWS = 2000  # rows of the template's data sheet pre-formatted as text in DIGITS columns
_GENERAL_NOTE = (
    "数据从“数据”工作表第2行开始填写；表头（第1行）请勿修改。也可上传UTF-8或GB18030编码的CSV文件。"
)


def error_report(batch) -> tuple[bytes, str]:
    """The batch's errors as an Excel workbook, and its file name."""
    rows: list[Sequence] = [[e["row"], e["column"], e["message"], e["code"]] for e in batch.errors]
    omitted = batch.error_count - len(batch.errors)
    if omitted > 0:
        rows.append([None, None, f"另有{omitted}条错误未列出，请修改以上错误后重新上传预览", None])
    if not batch.errors:
        rows.append([None, None, "没有错误", None])
    content = excel.workbook_bytes([excel.Sheet("错误明细", REPORT_HEADER, rows)])
    return content, f"导入错误明细_{batch.pk}.xlsx"


def template(columns: Sequence[Column], title: str, file_format: str) -> tuple[bytes, str, str]:
    """An empty import file with the Chinese headers: (content, file name, media type).

    The Excel template marks required columns in red, keeps ID numbers, phones and codes as
    text (so Excel neither drops leading zeros nor rounds 18 digits) and explains every column
    on a second sheet, 填写说明.
    """
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
        if column.cell == DIGITS:
            for row in range(2, _TEXT_ROWS + 2):
                sheet[f"{letter}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列", "是否必填", "说明"])
    for column in columns:
        notes.append([column.label, "必填" if column.required else "选填", column.hint])
    notes.append([])
    notes.append(["说明", "", _GENERAL_NOTE])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), f"{title}.xlsx", excel.XLSX_CONTENT_TYPE
