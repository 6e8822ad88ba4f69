"""The matching report of a list as an Excel workbook: matched rows, rows not in the register and
malformed rows, each on its own sheet. Names and ID numbers appear masked only."""

from __future__ import annotations

from changhu.core import excel, masking
from changhu.matching import selectors
from changhu.matching.models import ListKind, MatchStatus

MATCHED_HEADER = [
    "行号",
    "名单姓名",
    "身份证号码",
    "日期",
    "出院日期",
    "医院名称",
    "参保人",
    "参保编号",
    "姓名不一致",
    "登记簿情况",
    "状态",
    "排除原因",
]
UNMATCHED_HEADER = ["行号", "名单姓名", "身份证号码", "日期"]
INVALID_HEADER = ["行号", "列", "错误原因", "错误代码"]


def batch_report(*, fetched_by, batch_id: int) -> tuple[bytes, str]:
    """The workbook and its file name; only the rows the reader may see."""
    batch = selectors.batch_get(fetched_by=fetched_by, batch_id=batch_id)
    records = list(selectors.record_list(fetched_by=fetched_by, batch_id=batch.pk))
    matched = [r for r in records if r.status != MatchStatus.UNMATCHED]
    unmatched = [r for r in records if r.status == MatchStatus.UNMATCHED]
    matched_rows = [
        [
            r.row_number,
            masking.mask_name(r.listed_name),
            r.id_number_masked,
            r.event_date,
            r.end_date,
            r.hospital,
            masking.mask_name(r.person.name),
            r.person.insured_no,
            "是" if r.name_mismatch else "",
            r.register_note,
            r.get_status_display(),
            r.reason,
        ]
        for r in sorted(matched, key=lambda r: r.row_number)
    ]
    unmatched_rows = [
        [r.row_number, masking.mask_name(r.listed_name), r.id_number_masked, r.event_date]
        for r in sorted(unmatched, key=lambda r: r.row_number)
    ]
    invalid_rows = [[e["row"], e["column"], e["message"], e["code"]] for e in batch.errors]
    omitted = batch.error_count - len(batch.errors)
    if omitted > 0:
        invalid_rows.append([None, None, f"另有{omitted}条错误未列出", None])
    content = excel.workbook_bytes(
        [
            excel.Sheet("匹配参保人", MATCHED_HEADER, matched_rows),
            excel.Sheet("未匹配", UNMATCHED_HEADER, unmatched_rows),
            excel.Sheet("格式错误", INVALID_HEADER, invalid_rows),
        ]
    )
    label = ListKind(batch.kind).label
    return content, f"{label}比对报告_{batch.pk}.xlsx"
