"""The publicity list as an Excel sheet (used by the API and the staff page)."""

from __future__ import annotations

from changhu.core.excel import Sheet

PUBLICITY_HEADERS = [
    "申请编号",
    "姓名",
    "身份证号码",
    "所属地区",
    "评估结果",
    "公示开始",
    "公示截止",
    "未处理异议",
]


def publicity_sheet(rows: list[dict]) -> Sheet:
    """Rows as built by the publicity list: ID numbers masked, as they are published."""
    return Sheet(
        title="评估结果公示",
        headers=PUBLICITY_HEADERS,
        rows=[
            [
                r["number"],
                r["person_name"],
                r["person_id_number_masked"],
                r["region"],
                r["grade_label"],
                r["publicity_from"],
                r["publicity_until"],
                r["open_objections"],
            ]
            for r in rows
        ],
    )
