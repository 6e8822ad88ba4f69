"""Settlement statements (结算单) per institution: Excel and PDF.

A statement lists the claim's totals per benefit and payee, every line with its days and rule,
and the visits and bed-days that were not paid with their reason codes. The reader sees it
only for a claim in their scope; an export is recorded in the audit trail.
"""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpResponse

from changhu.core import audit, excel
from changhu.core.money import format_yuan
from changhu.settlement import labels, selectors
from changhu.settlement.models import Claim, LineStatus, Payee

# Shown in the person column of a line that is the institution's own (a deduction).
INSTITUTION_LEVEL = "（机构扣款）"


def _summary(claim: Claim, lines, names: labels.PolicyLabels) -> list[dict]:
    rows: dict[tuple, dict] = defaultdict(
        lambda: {"lines": 0, "persons": set(), "cost": 0, "fund": 0, "personal": 0}
    )
    for line in lines:
        if line.status != LineStatus.PAYABLE:
            continue
        key = (line.tier, line.payer, line.benefit_name, line.payee_kind)
        row = rows[key]
        row["lines"] += 1
        if line.person_id:
            row["persons"].add(line.person_id)
        row["cost"] += line.eligible_cost_fen
        row["fund"] += line.fund_fen
        row["personal"] += line.personal_fen
    return [
        {
            "tier": tier,
            "payer": names.payer(payer),
            "benefit": benefit,
            "payee": Payee(payee).label,
            "lines": row["lines"],
            "persons": len(row["persons"]),
            "cost": row["cost"],
            "fund": row["fund"],
            "personal": row["personal"],
        }
        for (tier, payer, benefit, payee), row in sorted(rows.items())
    ]


def statement_data(*, fetched_by, claim_id: int) -> dict:
    claim = selectors.claim_get(fetched_by=fetched_by, claim_id=claim_id)
    lines = list(
        selectors.line_list(
            fetched_by=fetched_by, filters=selectors.LineFilters(claim_id=claim.pk)
        ).select_related("policy")
    )
    exclusions = list(selectors.exclusion_list(fetched_by=fetched_by, claim_id=claim.pk))
    names = labels.PolicyLabels()
    return {
        "claim": claim,
        "period": claim.period,
        "institution": claim.institution,
        "labels": names,
        "summary": _summary(claim, lines, names),
        "lines": lines,
        "exclusions": exclusions,
    }


def _filename(claim: Claim, suffix: str) -> str:
    return f"结算单_{claim.period.month}_{claim.institution.name}.{suffix}"


def statement_xlsx(*, fetched_by, claim_id: int) -> HttpResponse:
    data = statement_data(fetched_by=fetched_by, claim_id=claim_id)
    claim, names = data["claim"], data["labels"]
    summary = excel.Sheet(
        "汇总",
        [
            "保障层次",
            "支付方",
            "待遇",
            "收款方",
            "明细数",
            "人数",
            "符合规定费用（元）",
            "支付金额（元）",
            "个人负担（元）",
        ],
        [
            [
                r["tier"],
                r["payer"],
                r["benefit"],
                r["payee"],
                r["lines"],
                r["persons"],
                excel.yuan(r["cost"]),
                excel.yuan(r["fund"]),
                excel.yuan(r["personal"]),
            ]
            for r in data["summary"]
        ],
    )
    detail = excel.Sheet(
        "明细",
        [
            "明细号",
            "参保人",
            "身份证号",
            "待遇",
            "支付方",
            "收款方",
            "失能等级",
            "照护方式",
            "计费天数",
            "计费日期",
            "符合规定费用（元）",
            "支付金额（元）",
            "个人负担（元）",
            "服务记录数",
            "规则及版本",
            "状态",
            "原因",
        ],
        (
            [
                x.pk,
                x.person.name if x.person_id else INSTITUTION_LEVEL,
                x.person.id_number_masked if x.person_id else "",
                x.benefit_name,
                names.payer(x.payer),
                x.get_payee_kind_display(),
                x.grade,
                labels.care_mode_label(x.care_mode),
                x.eligible_days,
                selectors.line_days(x),
                excel.yuan(x.eligible_cost_fen),
                excel.yuan(x.fund_fen),
                excel.yuan(x.personal_fen),
                x.visit_count,
                names.rule(x),
                x.get_status_display(),
                x.reason,
            ]
            for x in data["lines"]
        ),
    )
    excluded = excel.Sheet(
        "剔除记录",
        ["类别", "记录编号", "参保人", "日期", "原因代码", "原因", "涉及费用（元）"],
        (
            [
                "上门服务" if x.source == "visit" else "床日",
                x.source_id,
                x.person.name,
                x.day,
                x.reason_code,
                x.reason,
                excel.yuan(x.amount_fen),
            ]
            for x in data["exclusions"]
        ),
    )
    audit.record(action="export", obj=claim, user=fetched_by, note="导出结算单（Excel）")
    return excel.xlsx_response(_filename(claim, "xlsx"), [summary, detail, excluded])


def statement_pdf(*, fetched_by, claim_id: int) -> HttpResponse:
    from urllib.parse import quote

    from changhu.core.pdf import render_pdf

    data = statement_data(fetched_by=fetched_by, claim_id=claim_id)
    claim = data["claim"]
    content = render_pdf(
        "settlement/statement_pdf.html",
        {
            **data,
            "title": f"{claim.period.month}长期护理保险结算单",
            "totals": {
                "fund": format_yuan(claim.fund_fen),
                "supplementary": format_yuan(claim.supplementary_fen),
                "personal": format_yuan(claim.personal_fen),
            },
        },
    )
    audit.record(action="export", obj=claim, user=fetched_by, note="导出结算单（PDF）")
    response = HttpResponse(content, content_type="application/pdf")
    name = _filename(claim, "pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"statement-{claim.pk}.pdf\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "no-store"
    return response
