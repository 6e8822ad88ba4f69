"""The benefit calculator: one person's month from a JSON description. Pure, no Django.

Used by ``changhu benefit``, the 待遇测算 page and the API. The input (see
``docs/benefit-calculator.md`` for an example per shipped policy)::

    {"grade": 4, "care_mode": "individual",
     "eligible_from": "2026-10-01", "eligible_to": null,
     "hospital_days": ["2026-10-12"], "died_on": null,
     "institution_class": "",
     "mode_changes": [{"from": "2026-10-16", "care_mode": "family"}],
     "actual_costs_fen": {"social_support": {"2026-10-03": 12000}, "bed_days": {...}},
     "items": [{"date": "2026-10-03", "code": "SH05", "price_fen": 3000, "quantity": 2,
                "kind": "services"}],
     "supplementary": {"plan": "lishui-hmb", "used_in_year_fen": 0}}

A day is eligible from ``eligible_from`` through ``eligible_to`` (open when null), up to and
including the day of death, and not on a hospital day. Malformed input is a
:class:`~changhu.core.errors.ValidationFailed` naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from changhu.core import months
from changhu.core.errors import ValidationFailed
from changhu.settlement.policy import (
    CARE_MODES,
    COST_KINDS,
    INSTITUTION_CLASSES,
    MAX_FEN,
    REASONS,
    RULE_KINDS,
    DayFact,
    Line,
    Outcome,
    PersonMonth,
    Policy,
    settle_person,
    supplement,
)

ONE_DAY = dt.timedelta(days=1)
MAX_ITEMS = 2000  # a month of services, several a day, with room to spare
_KNOWN = {
    "grade",
    "care_mode",
    "eligible_from",
    "eligible_to",
    "hospital_days",
    "died_on",
    "institution_class",
    "mode_changes",
    "actual_costs_fen",
    "items",
    "supplementary",
    "note",
}


class InputInvalid(ValidationFailed):
    code = "benefit_input_invalid"
    message = "测算数据有误，请检查标出的字段"


def _error(field: str, message: str) -> InputInvalid:
    return InputInvalid(f"{field}：{message}", fields={field: message})


def month_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY-MM``; an error naming ``period`` otherwise."""
    try:
        return months.bounds(period)
    except ValueError:
        raise _error("period", "结算月份应为YYYY-MM，如2026-10") from None


def _date(value, field: str, *, required: bool = True) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise _error(field, "必填，格式YYYY-MM-DD")
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _error(field, "应为日期，格式YYYY-MM-DD") from None


def _fen(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FEN:
        raise _error(field, f"应为0到{MAX_FEN}之间的整数（分）")
    return value


def _choice(value, field: str, choices: Mapping[str, str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _error(field, f"应为{'、'.join(k or '空' for k in choices)}之一")
    return value


@dataclass(frozen=True)
class BenefitInput:
    grade: int
    care_mode: str
    eligible_from: dt.date
    eligible_to: dt.date | None
    hospital_days: frozenset[dt.date]
    died_on: dt.date | None
    institution_class: str
    mode_changes: tuple[tuple[dt.date, str, str], ...]
    costs: Mapping[str, Mapping[dt.date, int]]
    totals: Mapping[str, int]  # costs given as a month's total
    supplementary_plan: str = ""
    supplementary_used_fen: int = 0


def parse_input(raw, first: dt.date, last: dt.date) -> BenefitInput:
    """Check the JSON description of a person's month; field errors name the field."""
    if not isinstance(raw, dict):
        raise _error("body", "应为JSON对象")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise _error(unknown[0], "不认识的字段")
    grade = raw.get("grade")
    if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 5:
        raise _error("grade", "失能等级应为0到5的整数")
    care_mode = _choice(raw.get("care_mode"), "care_mode", CARE_MODES)
    eligible_from = _date(raw.get("eligible_from"), "eligible_from")
    eligible_to = _date(raw.get("eligible_to"), "eligible_to", required=False)
    if eligible_to is not None and eligible_to < eligible_from:
        raise _error("eligible_to", "不能早于eligible_from")
    hospital = raw.get("hospital_days") or []
    if not isinstance(hospital, list):
        raise _error("hospital_days", "应为日期列表")
    month_days = (last - first).days + 1
    if len(hospital) > month_days:
        raise _error("hospital_days", f"住院日期不能多于当月天数（{month_days}天）")
    hospital_days = frozenset(_date(d, f"hospital_days[{i}]") for i, d in enumerate(hospital))
    outside = sorted(d for d in hospital_days if not first <= d <= last)
    if outside:
        raise _error("hospital_days", f"{outside[0].isoformat()}不在结算月份内")
    died_on = _date(raw.get("died_on"), "died_on", required=False)
    cls = raw.get("institution_class") or ""
    cls = _choice(cls, "institution_class", INSTITUTION_CLASSES)
    changes = raw.get("mode_changes") or []
    if not isinstance(changes, list):
        raise _error("mode_changes", "应为列表")
    if len(changes) > month_days:
        raise _error("mode_changes", f"照护方式变更不能多于当月天数（{month_days}次）")
    mode_changes = []
    for i, change in enumerate(changes):
        where = f"mode_changes[{i}]"
        if not isinstance(change, dict):
            raise _error(where, "应为对象")
        start = _date(change.get("from"), f"{where}.from")
        mode = _choice(change.get("care_mode"), f"{where}.care_mode", CARE_MODES)
        change_cls = _choice(
            change.get("institution_class", cls) or "",
            f"{where}.institution_class",
            INSTITUTION_CLASSES,
        )
        mode_changes.append((start, mode, change_cls))
    costs, totals = _costs(raw.get("actual_costs_fen") or {}, first, last)
    _items(raw.get("items") or [], costs, first, last)
    plan, used = "", 0
    supp = raw.get("supplementary")
    if supp is not None:
        if not isinstance(supp, dict) or not isinstance(supp.get("plan"), str):
            raise _error("supplementary", '应为{"plan": 补充保障代码, "used_in_year_fen": 整数}')
        plan = supp["plan"]
        used = _fen(supp.get("used_in_year_fen", 0), "supplementary.used_in_year_fen")
    return BenefitInput(
        grade=grade,
        care_mode=care_mode,
        eligible_from=eligible_from,
        eligible_to=eligible_to,
        hospital_days=hospital_days,
        died_on=died_on,
        institution_class=cls,
        mode_changes=tuple(sorted(mode_changes)),
        costs=costs,
        totals=totals,
        supplementary_plan=plan,
        supplementary_used_fen=used,
    )


def _costs(raw, first: dt.date, last: dt.date) -> tuple[dict, dict]:
    if not isinstance(raw, dict):
        raise _error("actual_costs_fen", "应为对象：费用类型 → 金额或按日期的金额")
    costs: dict[str, dict[dt.date, int]] = {}
    totals: dict[str, int] = {}
    for kind, value in raw.items():
        field = f"actual_costs_fen.{kind}"
        if kind not in COST_KINDS:
            raise _error(field, f"费用类型应为{'、'.join(COST_KINDS)}之一")
        if isinstance(value, dict):
            by_day = {}
            for day_text, amount in value.items():
                day = _date(day_text, f"{field}.{day_text}")
                if not first <= day <= last:
                    raise _error(f"{field}.{day_text}", "日期不在结算月份内")
                by_day[day] = _fen(amount, f"{field}.{day_text}")
            costs[kind] = by_day
        else:
            totals[kind] = _fen(value, field)
    return costs, totals


def _items(raw, costs: dict, first: dt.date, last: dt.date) -> None:
    if not isinstance(raw, list):
        raise _error("items", "应为列表")
    if len(raw) > MAX_ITEMS:
        raise _error("items", f"服务项目不能超过{MAX_ITEMS}条")
    for i, item in enumerate(raw):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            raise _error(where, "应为对象")
        day = _date(item.get("date"), f"{where}.date")
        if not first <= day <= last:
            raise _error(f"{where}.date", "日期不在结算月份内")
        price = _fen(item.get("price_fen"), f"{where}.price_fen")
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= 99:
            raise _error(f"{where}.quantity", "次数应为1到99的整数")
        kind = item.get("kind", "services")
        if kind not in ("services", "social_support"):
            raise _error(f"{where}.kind", "应为services或social_support")
        by_day = costs.setdefault(kind, {})
        by_day[day] = by_day.get(day, 0) + price * quantity


def person_month(data: BenefitInput, policy: Policy, first: dt.date, last: dt.date) -> PersonMonth:
    """The eligible days and costs the policy interpreter works on."""
    daily_costs = {b.cost for b in policy.benefits if not RULE_KINDS[b.kind].monthly and b.cost}
    for kind in sorted(daily_costs & set(data.totals)):
        raise _error(f"actual_costs_fen.{kind}", "该政策按日计算，请按日期填写每日费用")
    days: list[DayFact] = []
    day = first
    while day <= last:
        if _eligible(data, day):
            mode, cls = data.care_mode, data.institution_class
            for start, change_mode, change_cls in data.mode_changes:
                if start <= day:
                    mode, cls = change_mode, change_cls
            days.append(DayFact(day, data.grade, mode, None, cls))
        day += ONE_DAY
    costs: dict[str, dict] = {}
    eligible = {d.day for d in days}
    for kind, by_day in data.costs.items():
        costs[kind] = {(None, d): fen for d, fen in by_day.items() if d in eligible}
    for kind, total in data.totals.items():
        # A month's total is taken as incurred on the first eligible day.
        if days:
            slot = costs.setdefault(kind, {})
            key = (None, days[0].day)
            slot[key] = slot.get(key, 0) + total
    return PersonMonth(first, last, tuple(days), costs, grade=data.grade)


def _eligible(data: BenefitInput, day: dt.date) -> bool:
    if day < data.eligible_from:
        return False
    if data.eligible_to is not None and day > data.eligible_to:
        return False
    if data.died_on is not None and day > data.died_on:
        return False
    return day not in data.hospital_days


@dataclass(frozen=True)
class Calculation:
    """One calculated month: the parsed input, the eligible days and the lines."""

    policy: Policy
    plan: Policy | None  # the supplementary plan, when one was asked for
    data: BenefitInput
    month: PersonMonth
    outcome: Outcome  # tier-1 lines, then the plan's lines

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.outcome.lines


def compute(
    raw,
    policy: Policy,
    period: str,
    *,
    supplementary: Callable[[str, dt.date], Policy | None] | None = None,
) -> Calculation:
    """Check the input and calculate the month; field errors name the input's field."""
    first, last = month_bounds(period)
    data = parse_input(raw, first, last)
    month = person_month(data, policy, first, last)
    outcome = settle_person(policy, month)
    plan = None
    if data.supplementary_plan:
        plan = supplementary(data.supplementary_plan, first) if supplementary else None
        if plan is None or plan.supplementary is None:
            raise _error("supplementary.plan", "没有该补充保障，或其不在该月生效")
        if policy.code not in plan.supplementary.base_policies:
            raise _error("supplementary.plan", f"该补充保障不衔接{policy.code}政策")
        extra = supplement(outcome.lines, plan, used_in_year_fen=data.supplementary_used_fen)
        outcome = Outcome(outcome.lines + extra, outcome.reasons)
    return Calculation(policy, plan, data, month, outcome)


def calculate(
    raw,
    policy: Policy,
    period: str,
    *,
    supplementary: Callable[[str, dt.date], Policy | None] | None = None,
) -> dict:
    """The calculator's answer as JSON-ready data: lines, totals, and a reason when none."""
    result = compute(raw, policy, period, supplementary=supplementary)
    lines, outcome, month, data = result.lines, result.outcome, result.month, result.data
    answer = {
        "policy": policy.code,
        "version": policy.version,
        "period": f"{month.first:%Y-%m}",
        "grade": data.grade,
        "care_mode": data.care_mode,
        "days_in_month": month.month_days,
        "eligible_days": len(month.days),
        "lines": [line.as_dict() for line in lines],
        "eligible_cost_fen": outcome.eligible_cost_fen,
        "fund_fen": sum(x.fund_fen for x in lines if x.tier == 1),
        "supplementary_fen": sum(x.fund_fen for x in lines if x.tier > 1),
        "personal_fen": outcome.personal_fen,
        "notes": [{"code": r, "message": REASONS[r]} for r in outcome.reasons],
    }
    if not lines:
        reason = outcome.reasons[0] if outcome.reasons else "no_costs"
        answer["reason"] = reason
        answer["reason_message"] = REASONS[reason]
    return answer
