"""An assessment institution's fee statement (评估费用结算单) as PDF and Excel.

Each download goes through the scoped selectors (an institution gets only its own) and is
recorded in the audit trail.
"""

from __future__ import annotations

from changhu.assessment.models import Place
from changhu.assessment_fees import selectors
from changhu.assessment_fees.models import FeeStatement, Outcome
from changhu.assessment_fees.templatetags.assessment_fee_tags import line_result
from changhu.core import audit, excel
from changhu.core.money import format_yuan


def statement_data(*, fetched_by, statement_id: int) -> dict:
    statement = selectors.statement_get(fetched_by=fetched_by, statement_id=statement_id)
    lines = list(selectors.line_list(fetched_by=fetched_by, statement_id=statement.pk))
    summary: dict[tuple[str, str], dict] = {}
    for line in lines:
        row = summary.setdefault(
            (line.outcome, line.place), {"cases": 0, "fee": 0, "applicant": 0, "fund": 0}
        )
        row["cases"] += 1
        row["fee"] += line.fee_fen
        row["applicant"] += line.applicant_fen
        row["fund"] += line.fund_fen
    order = {code: i for i, code in enumerate(Outcome.values)}
    return {
        "statement": statement,
        "run": statement.run,
        "institution": statement.institution,
        "lines": lines,
        "summary": [
            {"outcome": Outcome(o).label, "place": Place(p).label, **row}
            for (o, p), row in sorted(summary.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))
        ],
    }


def _filename(statement: FeeStatement, suffix: str) -> str:
    return f"评估费用结算单_{statement.run.month}_{statement.institution.name}.{suffix}"


def statement_xlsx(*, fetched_by, statement_id: int) -> tuple[bytes, str]:
    data = statement_data(fetched_by=fetched_by, statement_id=statement_id)
    statement = data["statement"]
    summary = excel.Sheet(
        "汇总",
        ["评估结果", "评估地点", "案件数", "评估费（元）", "申请人承担（元）", "基金支付（元）"],
        [
            [
                r["outcome"],
                r["place"],
                r["cases"],
                excel.yuan(r["fee"]),
                excel.yuan(r["applicant"]),
                excel.yuan(r["fund"]),
            ]
            for r in data["summary"]
        ]
        + [
            [
                "合计",
                "",
                statement.case_count,
                excel.yuan(statement.fee_fen),
                excel.yuan(statement.applicant_fen),
                excel.yuan(statement.fund_fen),
            ]
        ],
    )
    detail = excel.Sheet(
        "案件明细",
        [
            "申请编号",
            "被评估人",
            "身份证号",
            "计费日期",
            "评估结果",
            "评估地点",
            "评估费（元）",
            "申请人承担（元）",
            "基金支付（元）",
            "费用标准版本",
            "评估经办规则版本",
        ],
        [
            [
                x.application.number,
                x.person.name,
                x.person.id_number_masked,
                x.day,
                line_result(x),
                Place(x.place).label,
                excel.yuan(x.fee_fen),
                excel.yuan(x.applicant_fen),
                excel.yuan(x.fund_fen),
                str(x.fee_table),
                str(x.rules) if x.rules_id else "",
            ]
            for x in data["lines"]
        ],
    )
    audit.record(
        action="export", obj=statement, user=fetched_by, note="导出评估费用结算单（Excel）"
    )
    return excel.workbook_bytes([summary, detail]), _filename(statement, "xlsx")


def statement_pdf(*, fetched_by, statement_id: int) -> tuple[bytes, str]:
    from changhu.core.pdf import render_pdf

    data = statement_data(fetched_by=fetched_by, statement_id=statement_id)
    statement = data["statement"]
    content = render_pdf(
        "assessment_fees/statement_pdf.html",
        {
            **data,
            "title": f"{statement.run.month}长期护理保险失能评估费用结算单",
            "totals": {
                "fee": format_yuan(statement.fee_fen),
                "applicant": format_yuan(statement.applicant_fen),
                "fund": format_yuan(statement.fund_fen),
            },
        },
    )
    audit.record(action="export", obj=statement, user=fetched_by, note="导出评估费用结算单（PDF）")
    return content, _filename(statement, "pdf")
