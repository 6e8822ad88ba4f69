"""The assessment fee table as data, and the fee of one case computed with it (no Django).

A fee table (``presets/assessment-fees/*.json``) says what the fund pays an assessment
institution per case, by outcome and by where the assessment took place (the places the
assessment records: at home, in an institution). The fee of an appeal's re-assessment is not
in the table: it stays where it already is, the assessment rules' ``appeal_fee`` (amount per
place, and who bears it), so there is one source for it; the table only says so
(``"appeal": "assessment_rules"``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from changhu.assessment.rules import PLACES
from changhu.core.errors import ValidationFailed

FORMAT = 1
MAX_FEE_FEN = 10_000_000  # 100,000 yuan: a typo, not a fee

_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")

INITIAL, REASSESSMENT, APPEAL, TERMINATED = "initial", "reassessment", "appeal", "terminated"
# Outcomes priced by the table itself; an appeal is priced by the assessment rules.
TABLE_OUTCOMES = (INITIAL, REASSESSMENT, TERMINATED)
OUTCOMES = (INITIAL, REASSESSMENT, APPEAL, TERMINATED)
APPEAL_SOURCES = ("assessment_rules",)

# The kind of a concluded case (assessment.Kind) -> its outcome for the fee.
KIND_OUTCOME = {
    "initial": INITIAL,
    "periodic": REASSESSMENT,
    "condition_change": REASSESSMENT,
    "spot_check": REASSESSMENT,
    "appeal": APPEAL,
}


class FeeTableInvalid(ValidationFailed):
    code = "fee_table_invalid"
    message = "评估费用标准有误"


def _invalid(problem: str) -> FeeTableInvalid:
    return FeeTableInvalid(f"评估费用标准有误：{problem}")


@dataclass(frozen=True)
class FeeTable:
    code: str
    version: str
    name: str
    effective_from: dt.date
    effective_to: dt.date | None
    fees_fen: Mapping[str, Mapping[str, int]]
    appeal: str

    def fee(self, outcome: str, place: str) -> int:
        return self.fees_fen[outcome][place]


@dataclass(frozen=True)
class CaseFee:
    """What one case earns its institution (fen), and the part the applicant bears."""

    outcome: str
    fee_fen: int
    applicant_fen: int = 0

    @property
    def fund_fen(self) -> int:
        return self.fee_fen - self.applicant_fen


def _text(data: Mapping, key: str, pattern: re.Pattern | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"缺少“{key}”")
    if pattern is not None and not pattern.match(value):
        raise _invalid(f"“{key}”的值“{value}”格式不正确")
    return value.strip()


def _date(value: Any, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _invalid(f"“{key}”应为YYYY-MM-DD格式的日期") from None


def _fees(raw: Any) -> dict[str, dict[str, int]]:
    if not isinstance(raw, Mapping):
        raise _invalid("“fees_fen”应为对象：结果 → 评估地点 → 金额（分）")
    unknown = [key for key in raw if key not in TABLE_OUTCOMES]
    if unknown:
        hint = "（对结论有异议的复评费用见评估经办规则）" if unknown[0] == APPEAL else ""
        raise _invalid(f"“fees_fen”中有未知的结果“{unknown[0]}”{hint}")
    fees = {}
    for outcome in TABLE_OUTCOMES:
        by_place = raw.get(outcome)
        if not isinstance(by_place, Mapping) or set(by_place) != set(PLACES):
            raise _invalid(f"“fees_fen.{outcome}”应含home和institution两项（单位：分）")
        fees[outcome] = {}
        for place in PLACES:
            value = by_place[place]
            if isinstance(value, bool) or not isinstance(value, int):
                raise _invalid(f"“fees_fen.{outcome}.{place}”应为整数（分）")
            if not 0 <= value <= MAX_FEE_FEN:
                raise _invalid(f"“fees_fen.{outcome}.{place}”应在0到{MAX_FEE_FEN}分之间")
            fees[outcome][place] = value
    return fees


def load_table(definition: Mapping[str, Any]) -> FeeTable:
    """Validate a fee table definition (a dict read from JSON); raise naming the first problem."""
    if not isinstance(definition, Mapping):
        raise _invalid("应为JSON对象")
    if definition.get("format") != FORMAT:
        raise _invalid(f"“format”应为{FORMAT}")
    code = _text(definition, "code", _CODE)
    version = _text(definition, "version", _VERSION)
    name = _text(definition, "name")
    effective_from = _date(definition.get("effective_from"), "effective_from")
    effective_to = None
    if definition.get("effective_to") is not None:
        effective_to = _date(definition["effective_to"], "effective_to")
        if effective_to < effective_from:
            raise _invalid("失效日期早于生效日期")
    appeal = definition.get("appeal")
    if appeal not in APPEAL_SOURCES:
        raise _invalid("“appeal”应为“assessment_rules”：异议复评费用按评估经办规则计算")
    return FeeTable(
        code=code,
        version=version,
        name=name,
        effective_from=effective_from,
        effective_to=effective_to,
        fees_fen=_fees(definition.get("fees_fen")),
        appeal=appeal,
    )


def case_fee(
    table: FeeTable,
    *,
    outcome: str,
    place: str,
    appeal_fee_fen: int | None = None,
    applicant_fen: int = 0,
) -> CaseFee:
    """The fee of one case.

    For an appeal, ``appeal_fee_fen`` is the assessment rules' fee for the place and
    ``applicant_fen`` what the conclusion said the applicant bears (the rules' own decision:
    nothing when the grade changed); the institution earns the fee either way and the fund pays
    the rest. Every other outcome is the table's amount for the place, all paid by the fund.
    """
    if place not in PLACES:
        raise _invalid(f"未知的评估地点“{place}”")
    if outcome == APPEAL:
        if appeal_fee_fen is None:
            raise _invalid("对结论有异议的复评缺少评估经办规则中的复评费用")
        applicant = min(max(applicant_fen, 0), appeal_fee_fen)
        return CaseFee(APPEAL, appeal_fee_fen, applicant)
    if outcome not in TABLE_OUTCOMES:
        raise _invalid(f"未知的评估结果“{outcome}”")
    return CaseFee(outcome, table.fee(outcome, place))


def in_force(table: FeeTable, day: dt.date) -> bool:
    return table.effective_from <= day and (table.effective_to is None or day <= table.effective_to)
