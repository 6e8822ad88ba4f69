"""Checking a care plan against the catalogue and its package; pure, no Django.

Frequencies are compared as the most a plan line can add up to in one month: a line of
``times`` per ``period`` counts ``ceil(times × 31 ÷ days in period)`` a month (day: ×31, week:
×31/7 rounded up, month: as is). Using the longest month means a plan that fits its package fits
it in every month. A plan's monthly totals are, over its lines:

- services (服务人次): the monthly count;
- minutes: monthly count × minutes per service;
- amount (fen): monthly count × the item's unit price;
- visits (上门次数): the plan's visit frequency, counted the same way.

Each is checked against the package's monthly limit when the package sets one; each item must
be in the package, within the catalogue's allowed frequency, and within the package's own
monthly cap for that item if it has one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PERIOD_DAYS = {"day": 1, "week": 7, "month": 31}
PERIOD_LABELS = {"day": "每日", "week": "每周", "month": "每月"}
MAX_MINUTES_PER_SERVICE = 480
MAX_TIMES = 31


def monthly_count(times: int, period: str) -> int:
    """The most a frequency can add up to in the longest month."""
    return math.ceil(times * 31 / PERIOD_DAYS[period])


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


@dataclass(frozen=True)
class ItemRule:
    code: str
    name: str
    reference_minutes: int
    times: int  # allowed frequency: at most ``times`` per ``period``
    period: str
    qualification: str
    unit_price_fen: int
    fund_covered: bool = True


@dataclass(frozen=True)
class PackageRule:
    code: str
    name: str
    items: Mapping[str, int | None]  # item code -> the package's monthly cap for it (or None)
    max_services: int | None = None
    max_minutes: int | None = None
    max_amount_fen: int | None = None
    max_visits: int | None = None


@dataclass(frozen=True)
class PlanLine:
    item_code: str
    times: int
    period: str
    minutes: int | None = None  # None: the item's reference minutes


@dataclass(frozen=True)
class PlanProblem:
    code: str
    message: str
    field: str = "items"


@dataclass(frozen=True)
class CheckedLine:
    item_code: str
    times: int
    period: str
    minutes: int
    monthly_count: int
    monthly_minutes: int
    monthly_amount_fen: int


@dataclass
class PlanCheck:
    lines: list[CheckedLine] = field(default_factory=list)
    services: int = 0
    minutes: int = 0
    amount_fen: int = 0
    visits: int = 0
    problems: list[PlanProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _line_problems(line: PlanLine, item: ItemRule | None, package: PackageRule, index: int):
    where = f"items.{index}"
    if item is None:
        return [PlanProblem("plan_item_unknown", f"服务项目{line.item_code}不在目录中", where)]
    label = f"“{item.name}”（{item.code}）"
    if line.item_code not in package.items:
        return [
            PlanProblem("plan_item_not_in_package", f"{label}不在服务包“{package.name}”中", where)
        ]
    if line.period not in PERIOD_DAYS or not (1 <= line.times <= MAX_TIMES):
        return [PlanProblem("plan_frequency_invalid", f"{label}的频次无效", where)]
    minutes = item.reference_minutes if line.minutes is None else line.minutes
    if not (1 <= minutes <= MAX_MINUTES_PER_SERVICE):
        return [
            PlanProblem(
                "plan_minutes_invalid",
                f"{label}每次时长应在1到{MAX_MINUTES_PER_SERVICE}分钟之间",
                where,
            )
        ]
    count = monthly_count(line.times, line.period)
    allowed = monthly_count(item.times, item.period)
    if count > allowed:
        return [
            PlanProblem(
                "plan_item_frequency_exceeds",
                f"{label}计划{PERIOD_LABELS[line.period]}{line.times}次（每月最多{count}次），"
                f"超过目录允许的{PERIOD_LABELS[item.period]}{item.times}次（每月{allowed}次）",
                where,
            )
        ]
    cap = package.items[line.item_code]
    if cap is not None and count > cap:
        return [
            PlanProblem(
                "plan_item_package_limit",
                f"{label}计划每月最多{count}次，超过服务包“{package.name}”对该项目每月{cap}次的上限",
                where,
            )
        ]
    return []


def check_plan(
    lines: Iterable[PlanLine],
    items: Mapping[str, ItemRule],
    package: PackageRule,
    *,
    visits: tuple[int, str] | None = None,
) -> PlanCheck:
    """The plan's monthly totals and every problem found, in the order of the lines."""
    result = PlanCheck()
    seen: set[str] = set()
    lines = list(lines)
    if not lines:
        result.problems.append(PlanProblem("plan_empty", "护理计划至少应包含一个服务项目"))
        return result
    for index, line in enumerate(lines):
        if line.item_code in seen:
            result.problems.append(
                PlanProblem(
                    "plan_item_duplicate",
                    f"服务项目{line.item_code}重复，请合并为一行",
                    f"items.{index}",
                )
            )
            continue
        seen.add(line.item_code)
        item = items.get(line.item_code)
        problems = _line_problems(line, item, package, index)
        if problems:
            result.problems.extend(problems)
            continue
        minutes = item.reference_minutes if line.minutes is None else line.minutes
        count = monthly_count(line.times, line.period)
        checked = CheckedLine(
            item_code=line.item_code,
            times=line.times,
            period=line.period,
            minutes=minutes,
            monthly_count=count,
            monthly_minutes=count * minutes,
            monthly_amount_fen=count * item.unit_price_fen,
        )
        result.lines.append(checked)
        result.services += checked.monthly_count
        result.minutes += checked.monthly_minutes
        result.amount_fen += checked.monthly_amount_fen
    if visits is not None:
        times, period = visits
        if period not in PERIOD_DAYS or not (1 <= times <= MAX_TIMES):
            result.problems.append(PlanProblem("plan_visits_invalid", "上门频次无效", "visits"))
        else:
            result.visits = monthly_count(times, period)
    if result.problems:
        return result
    result.problems.extend(_limit_problems(result, package))
    return result


def _limit_problems(result: PlanCheck, package: PackageRule) -> list[PlanProblem]:
    name = f"服务包“{package.name}”"
    checks = [
        (
            package.max_services,
            result.services,
            "plan_exceeds_package_services",
            lambda v: f"{v:,}人次",
            "服务人次",
        ),
        (
            package.max_minutes,
            result.minutes,
            "plan_exceeds_package_minutes",
            lambda v: f"{v:,}分钟",
            "服务时长",
        ),
        (
            package.max_amount_fen,
            result.amount_fen,
            "plan_exceeds_package_amount",
            lambda v: f"{yuan(v)}元",
            "服务费用",
        ),
        (
            package.max_visits,
            result.visits,
            "plan_exceeds_package_visits",
            lambda v: f"{v:,}次",
            "上门次数",
        ),
    ]
    problems = []
    for limit, value, code, fmt, label in checks:
        if limit is not None and value > limit:
            problems.append(
                PlanProblem(
                    code,
                    f"计划每月{label}最多为{fmt(value)}，超过{name}每月上限{fmt(limit)}",
                    "visits" if code == "plan_exceeds_package_visits" else "items",
                )
            )
    return problems
