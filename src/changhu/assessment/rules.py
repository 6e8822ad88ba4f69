"""Assessment procedure rules as data, and the pure calculations made with them (no Django).

A rules file (``presets/assessment-rules/*.json``) holds every number of the procedure that a
city may set differently: deadlines, how many assessors and confirming experts, which grades'
conclusions last how long, what a re-assessment excludes and who pays for it. ``load_rules``
validates a definition into a frozen :class:`Rules`; the functions below compute with it. Every
case records the rules version it was opened under and keeps using it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from changhu.core.errors import DomainError

FORMAT = 1

_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")

# Kinds of re-assessment, and the redispatch after an upheld objection, each say what of the
# previous assessment a new dispatch must avoid.
EXCLUSION_KINDS = ("appeal", "periodic", "condition_change", "spot_check", "objection")
PLACES = ("home", "institution")


class RulesDefinitionError(DomainError):
    status = 422
    code = "rules_invalid"
    message = "评估经办规则定义有误"


def _invalid(problem: str) -> RulesDefinitionError:
    return RulesDefinitionError(f"评估经办规则定义有误：{problem}")


@dataclass(frozen=True)
class Exclusion:
    institution: bool
    people: bool


@dataclass(frozen=True)
class Fee:
    """Who pays for an assessment, and how much (fen)."""

    payer: str  # "fund" or "applicant"
    fen: int

    @property
    def payer_label(self) -> str:
        return {"fund": "长护险基金承担", "applicant": "申请人承担"}[self.payer]


@dataclass(frozen=True)
class Rules:
    code: str
    version: str
    name: str
    region_code: str
    effective_from: dt.date
    effective_to: dt.date | None
    scale: str
    materials_working_days: int
    assessment_working_days: int
    publicity_working_days: int
    appeal_days: int
    minimum_assessors: int
    minimum_experts: int
    confirming_experts: int
    onsite_experts_may_confirm: bool
    validity_months: Mapping[int, int]
    reassessment_lead_days: int
    exclusions: Mapping[str, Exclusion]
    free_if_grade_changes: bool
    fee_fen: Mapping[str, int]
    auto_dispatch: bool

    def in_force(self, on_date: dt.date) -> bool:
        return self.effective_from <= on_date and (
            self.effective_to is None or on_date <= self.effective_to
        )

    def exclusion(self, kind: str) -> Exclusion:
        return self.exclusions.get(kind, Exclusion(institution=False, people=False))


def _section(data: Mapping, key: str) -> Mapping:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise _invalid(f"缺少“{key}”部分或其不是对象")
    return value


def _int(data: Mapping, key: str, where: str, *, low: int = 0, high: int = 10_000) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _invalid(f"{where}“{key}”应为{low}到{high}之间的整数")
    return value


def _bool(data: Mapping, key: str, where: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise _invalid(f"{where}“{key}”应为true或false")
    return value


def _date(value: Any, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _invalid(f"“{key}”应为YYYY-MM-DD格式的日期") from None


def _text(data: Mapping, key: str, *, pattern: re.Pattern | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"缺少“{key}”")
    if pattern is not None and not pattern.match(value):
        raise _invalid(f"“{key}”的值“{value}”格式不正确")
    return value.strip()


def load_rules(definition: Mapping[str, Any]) -> Rules:
    """Validate a rules definition (a dict read from JSON); raise naming the first problem."""
    if not isinstance(definition, Mapping):
        raise _invalid("应为JSON对象")
    if definition.get("format") != FORMAT:
        raise _invalid(f"“format”应为{FORMAT}")
    region_code = definition.get("region_code", "")
    if not isinstance(region_code, str) or (region_code and not region_code.isdigit()):
        raise _invalid("“region_code”应为区划代码前缀（数字）或空字符串")
    effective_from = _date(definition.get("effective_from"), "effective_from")
    effective_to = None
    if definition.get("effective_to") is not None:
        effective_to = _date(definition["effective_to"], "effective_to")
        if effective_to < effective_from:
            raise _invalid("失效日期早于生效日期")
    deadlines = _section(definition, "deadlines")
    assessors = _section(definition, "assessors")
    confirmation = _section(definition, "confirmation")
    reassessment = _section(definition, "reassessment")
    fee = _section(definition, "appeal_fee")
    minimum = _int(assessors, "minimum", "现场评估人数", low=1, high=10)
    experts = _int(assessors, "minimum_experts", "现场评估专家人数", low=0, high=10)
    if experts > minimum:
        raise _invalid("现场评估专家人数不能多于现场评估人数")
    return Rules(
        code=_text(definition, "code", pattern=_CODE),
        version=_text(definition, "version", pattern=_VERSION),
        name=_text(definition, "name"),
        region_code=region_code,
        effective_from=effective_from,
        effective_to=effective_to,
        scale=_text(definition, "scale"),
        materials_working_days=_int(deadlines, "materials_working_days", "期限", low=1),
        assessment_working_days=_int(deadlines, "assessment_working_days", "期限", low=1),
        publicity_working_days=_int(deadlines, "publicity_working_days", "期限", low=1),
        appeal_days=_int(deadlines, "appeal_days", "期限", low=1),
        minimum_assessors=minimum,
        minimum_experts=experts,
        confirming_experts=_int(confirmation, "experts", "确认专家人数", low=1, high=10),
        onsite_experts_may_confirm=_bool(confirmation, "onsite_experts_may_confirm", "专家确认"),
        validity_months=_validity(definition.get("validity_months")),
        reassessment_lead_days=_int(reassessment, "lead_days", "到期复评", low=0, high=366),
        exclusions=_exclusions(reassessment.get("exclude_previous")),
        free_if_grade_changes=_bool(fee, "free_if_grade_changes", "复评费用"),
        fee_fen=_fees(fee.get("fee_fen")),
        auto_dispatch=_bool(definition, "auto_dispatch", ""),
    )


def _validity(raw: Any) -> dict[int, int]:
    if not isinstance(raw, Mapping) or not raw:
        raise _invalid("“validity_months”应为“失能等级: 月数”形式的对象")
    months = {}
    for grade in raw:
        if not str(grade).isdigit():
            raise _invalid(f"“validity_months”的键“{grade}”应为失能等级数字")
        months[int(grade)] = _int(raw, grade, "结论有效期", low=1, high=120)
    return months


def _exclusions(raw: Any) -> dict[str, Exclusion]:
    if not isinstance(raw, Mapping):
        raise _invalid("“exclude_previous”应为对象")
    unknown = [kind for kind in raw if kind not in EXCLUSION_KINDS]
    if unknown:
        raise _invalid(f"“exclude_previous”中有未知的复评类型“{unknown[0]}”")
    out = {}
    for kind, value in raw.items():
        if not isinstance(value, Mapping):
            raise _invalid(f"“exclude_previous.{kind}”应为对象")
        out[kind] = Exclusion(
            institution=_bool(value, "institution", f"回避规则{kind}"),
            people=_bool(value, "people", f"回避规则{kind}"),
        )
    return out


def _fees(raw: Any) -> dict[str, int]:
    if not isinstance(raw, Mapping) or set(raw) != set(PLACES):
        raise _invalid("“fee_fen”应为含home和institution两项的对象（单位：分）")
    return {place: _int(raw, place, "复评费用", high=10_000_000) for place in PLACES}


def pick_in_force(candidates: list[Rules], *, region_code: str, on_date: dt.date) -> Rules | None:
    """The rules for a place and day: the most specific region first, then the latest start."""

    def version_key(version: str) -> tuple:
        return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[._-]", version))

    fitting = [
        r for r in candidates if r.in_force(on_date) and region_code.startswith(r.region_code)
    ]
    if not fitting:
        return None
    return max(
        fitting, key=lambda r: (len(r.region_code), r.effective_from, version_key(r.version))
    )


# --- calculations ---------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_end(rules: Rules, grade: int, valid_from: dt.date) -> dt.date:
    """The last day a conclusion of ``grade`` is valid (both ends included)."""
    months = rules.validity_months.get(grade)
    if months is None:
        raise _invalid(f"没有为失能等级{grade}规定结论有效期")
    return add_months(valid_from, months) - dt.timedelta(days=1)


def appeal_deadline(rules: Rules, issued_on: dt.date) -> dt.date:
    """The last day the applicant may ask for a re-assessment (calendar days after delivery)."""
    return issued_on + dt.timedelta(days=rules.appeal_days)


def reassessment_fee(rules: Rules, *, previous_grade: int, new_grade: int, place: str) -> Fee:
    """Who pays for an appeal's re-assessment: free when the grade changed (if the rules say
    so), otherwise the applicant pays the fee for the place it was done."""
    if place not in PLACES:
        raise _invalid(f"未知的评估地点“{place}”")
    if rules.free_if_grade_changes and previous_grade != new_grade:
        return Fee(payer="fund", fen=0)
    return Fee(payer="applicant", fen=rules.fee_fen[place])


def team_problems(rules: Rules, *, people: int, experts: int) -> list[str]:
    """What is missing from an on-site team for these rules (empty when it is enough)."""
    problems = []
    if people < rules.minimum_assessors:
        problems.append(f"现场评估至少需要{rules.minimum_assessors}名评估人员，当前{people}名")
    if experts < rules.minimum_experts:
        problems.append(f"现场评估人员中至少需要{rules.minimum_experts}名评估专家，当前{experts}名")
    return problems
