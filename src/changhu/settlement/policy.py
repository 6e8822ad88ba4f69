"""Benefit policies as data, and the small interpreter that turns a person's month into lines.

Pure: no Django. A policy file (``presets/policies/<code>-<version>.json``) is one version of a
city's benefit rules::

    {"code": "chengdu", "kind": "benefit", "version": "2023.1", "name": "...",
     "region_code": "510100", "effective_from": "2023-01-01", "source": "...",
     "qualifying_grades": [3, 4, 5],
     "benefits": [
       {"code": "basic_care", "name": "基础照护待遇", "kind": "monthly_fixed",
        "care_modes": ["institutional", "home_visit", "individual", "family"],
        "payee": {"institutional": "institution", "individual": "person", ...},
        "rates": [{"grades": [3], "amount_fen": 107700}, ...]}]}

A benefit is one rule: its ``kind`` (a row of :data:`RULE_KINDS`), which care modes, grades
and institution classes it applies to, who is paid, which cost it pays from, and a rate table
read first-match (a row's ``grades`` / ``care_modes`` / ``institution_classes`` narrow it; a
row without them matches everything). The interpreter groups a person's eligible days by
(institution, payee, grade, care mode, institution class), looks up the rate, and asks the rule
kind for the amounts of that group: one line per group.

Arithmetic is exact integers: ratios are basis points (1/10000), monthly amounts and limits are
pro-rated by eligible days over the days of the month, and each line is rounded once, half-up,
to the fen. The SQL settlement (``settlement.compute``) does the same integer arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from changhu.core import checksums
from changhu.core.errors import ValidationFailed
from changhu.core.money import round_fen

CARE_MODES = {
    "institutional": "机构照护",
    "home_visit": "机构上门居家照护",
    "individual": "个体服务人员居家照护",
    "family": "亲情照护",
}
PAYEES = {"institution": "护理机构", "person": "参保人（个人账户）"}
INSTITUTION_CLASSES = {
    "": "未分类",
    "hospital_1": "一级医疗机构",
    "hospital_2": "二级医疗机构",
    "hospital_3": "三级医疗机构",
    "nursing": "护理服务机构",
    "elderly_home": "养老机构",
}
COST_KINDS = {
    "bed_days": "床日费用",
    "services": "护理服务项目费用",
    "social_support": "社会支持类上门服务费用",
}
CAP_MODES = {"after_ratio": "先按比例、再封顶", "before_ratio": "先封顶、再按比例"}
POLICY_KINDS = {"benefit": "长期护理保险待遇政策", "supplementary": "补充保障（惠民保长护责任）"}
RATIO_SCALE = 10_000  # ratios are held in basis points
MAX_FEN = 100_000_000  # one million yuan: far above any monthly benefit

# Why a person's month gives no line, as stable codes with the message shown to people.
REASONS = {
    "no_eligible_days": "本月无享受待遇的天数（未享受待遇、住院、暂停或身故后）",
    "grade_not_covered": "失能等级不在本政策的待遇范围内",
    "mode_not_covered": "本政策不支付该照护方式",
    "no_costs": "本月没有可结算的费用",
}


class PolicyInvalid(ValidationFailed):
    code = "policy_invalid"
    message = "待遇政策文件有误"


def round_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-up to a whole fen (non-negative amounts)."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("amounts here are never negative")
    return round_fen(Decimal(numerator) / Decimal(denominator))


def ratio_bp(value, where: str) -> int:
    """A ratio such as ``"0.75"`` as basis points; at most four decimals, between 0 and 1."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise _invalid(where, '比例应为0到1之间的小数，如"0.75"') from None
    scaled = number * RATIO_SCALE
    if not number.is_finite() or scaled != scaled.to_integral_value() or not 0 <= number <= 1:
        raise _invalid(where, '比例应为0到1之间、最多四位小数的数，如"0.75"')
    return int(scaled)


# --- the data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """One row of a benefit's rate table."""

    grades: frozenset[int] | None = None
    care_modes: frozenset[str] | None = None
    institution_classes: frozenset[str] | None = None
    amount_fen: int | None = None  # monthly_fixed (a month), daily_flat (a day)
    limit_fen: int | None = None  # monthly_limit, item_package (a month)
    cap_fen: int | None = None  # daily_ratio_cap (a day)
    ratio_bp: int = RATIO_SCALE

    def matches(self, grade: int, care_mode: str, institution_class: str) -> bool:
        return (
            (self.grades is None or grade in self.grades)
            and (self.care_modes is None or care_mode in self.care_modes)
            and (self.institution_classes is None or institution_class in self.institution_classes)
        )


@dataclass(frozen=True)
class Benefit:
    code: str
    name: str
    kind: str
    care_modes: tuple[str, ...]
    payee: Mapping[str, str]  # care mode -> payee
    rates: tuple[Rate, ...]
    grades: frozenset[int] | None = None
    institution_classes: frozenset[str] | None = None
    cost: str | None = None
    cap_applies: str = "after_ratio"
    day_basis: str = "eligible"  # daily_flat: every eligible day, or "cost_days" (bed days)
    note: str = ""

    def rate_for(self, grade: int, care_mode: str, institution_class: str) -> Rate | None:
        """The rate row for a day, or None when the benefit does not apply to it."""
        if care_mode not in self.care_modes:
            return None
        if self.grades is not None and grade not in self.grades:
            return None
        if (
            self.institution_classes is not None
            and institution_class not in self.institution_classes
        ):
            return None
        return next((r for r in self.rates if r.matches(grade, care_mode, institution_class)), None)


@dataclass(frozen=True)
class SupplementaryTerms:
    """A supplementary payer's share of the personal part left after the policy fund."""

    share_bp: int
    monthly_limit_fen: int
    annual_limit_fen: int
    base_policies: tuple[str, ...]
    premium_fen: int
    family_discount_bp: int = RATIO_SCALE
    family_min_size: int = 0


@dataclass(frozen=True)
class Policy:
    code: str
    version: str
    kind: str
    name: str
    region_code: str
    effective_from: dt.date
    source: str
    qualifying_grades: frozenset[int]
    benefits: tuple[Benefit, ...] = ()
    supplementary: SupplementaryTerms | None = None
    checksum: str = ""
    raw: Mapping = field(default_factory=dict, compare=False, repr=False)

    @property
    def ref(self) -> str:
        return f"{self.code}@{self.version}"

    def rule(self, benefit_code: str) -> str:
        """How a line names the rule it was computed by: ``chengdu@2023.1/basic_care``."""
        return f"{self.ref}/{benefit_code}"

    def benefit(self, code: str) -> Benefit:
        return next(b for b in self.benefits if b.code == code)


# --- rule kinds: the table and its small functions ------------------------------------------


@dataclass(frozen=True)
class Segment:
    """The eligible days of one line (same institution, payee, grade, mode, class)."""

    days: tuple[dt.date, ...]
    costs: Mapping[dt.date, int]  # the rule's cost on those days that have one
    rate: Rate
    month_days: int
    cap_applies: str
    day_basis: str


@dataclass(frozen=True)
class Amount:
    days: tuple[dt.date, ...]  # the days that counted
    eligible_cost_fen: int
    fund_fen: int

    @property
    def personal_fen(self) -> int:
        return self.eligible_cost_fen - self.fund_fen


def _monthly_fixed(s: Segment) -> Amount:
    fund = round_div(s.rate.amount_fen * len(s.days), s.month_days)
    return Amount(s.days, fund, fund)


def _monthly_limit(s: Segment) -> Amount:
    cost = sum(s.costs.values())
    n, md, bp = len(s.days), s.month_days, s.rate.ratio_bp
    # Exact amounts in 1/(10000 * days of the month) fen: the limit is pro-rated by n/md.
    if s.cap_applies == "after_ratio":
        exact = min(cost * bp * md, s.rate.limit_fen * n * RATIO_SCALE)
    else:
        exact = min(cost * md, s.rate.limit_fen * n) * bp
    return Amount(s.days, cost, round_div(exact, RATIO_SCALE * md))


def _daily_ratio_cap(s: Segment) -> Amount:
    counted = tuple(d for d in s.days if d in s.costs)
    bp, cap = s.rate.ratio_bp, s.rate.cap_fen
    if s.cap_applies == "after_ratio":
        exact = sum(min(s.costs[d] * bp, cap * RATIO_SCALE) for d in counted)
    else:
        exact = sum(min(s.costs[d], cap) * bp for d in counted)
    return Amount(counted, sum(s.costs[d] for d in counted), round_div(exact, RATIO_SCALE))


def _daily_flat(s: Segment) -> Amount:
    counted = s.days if s.day_basis == "eligible" else tuple(d for d in s.days if d in s.costs)
    fund = s.rate.amount_fen * len(counted)
    return Amount(counted, fund, fund)


@dataclass(frozen=True)
class RuleKind:
    label: str
    rate_fields: tuple[str, ...]  # each rate row must give these
    cost: str  # "none", "required" (the benefit names a cost kind) or a fixed cost kind
    compute: Callable[[Segment], Amount]
    monthly: bool  # pro-rated by eligible days over the days of the month


RULE_KINDS: dict[str, RuleKind] = {
    "monthly_fixed": RuleKind(
        "按月定额（按享受天数折算）", ("amount_fen",), "none", _monthly_fixed, True
    ),
    "monthly_limit": RuleKind(
        "按实际费用限额支付（月限额按天数折算）", ("limit_fen",), "required", _monthly_limit, True
    ),
    "daily_ratio_cap": RuleKind(
        "按床日/服务日比例支付并设日封顶", ("cap_fen",), "required", _daily_ratio_cap, False
    ),
    "daily_flat": RuleKind("按日定额", ("amount_fen",), "none", _daily_flat, False),
    "item_package": RuleKind(
        "按项目单价×数量，服务包月限额内支付", ("limit_fen",), "services", _monthly_limit, True
    ),
}


# --- one person's month ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayFact:
    """One eligible day: the grade, care mode and institution of that day."""

    day: dt.date
    grade: int
    care_mode: str
    institution: int | None = None
    institution_class: str = ""


@dataclass(frozen=True)
class PersonMonth:
    first: dt.date
    last: dt.date
    days: tuple[DayFact, ...]  # eligible days only
    # cost kind -> (institution, day) -> fen; a key present means the day has that cost
    costs: Mapping[str, Mapping[tuple[int | None, dt.date], int]] = field(default_factory=dict)
    grade: int | None = None  # as declared, for the reason when no day is eligible

    @property
    def month_days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Line:
    benefit: str
    benefit_name: str
    seq: int  # the benefit's place in the policy; lines are ordered by it
    kind: str
    payer: str  # the policy code of the tier that pays
    tier: int
    payee: str
    institution: int | None
    grade: int
    care_mode: str
    institution_class: str
    days: tuple[dt.date, ...]
    eligible_cost_fen: int
    fund_fen: int
    personal_fen: int
    rule: str

    @property
    def eligible_days(self) -> int:
        return len(self.days)

    def sort_key(self) -> tuple:
        return (
            self.seq,
            self.institution or 0,
            self.care_mode,
            self.grade,
            self.institution_class,
            self.payee,
        )

    def as_dict(self) -> dict:
        return {
            "benefit": self.benefit,
            "benefit_name": self.benefit_name,
            "payer": self.payer,
            "payee": self.payee,
            "grade": self.grade,
            "care_mode": self.care_mode,
            "institution_class": self.institution_class,
            "eligible_days": self.eligible_days,
            "days": day_ranges(self.days),
            "eligible_cost_fen": self.eligible_cost_fen,
            "fund_fen": self.fund_fen,
            "personal_fen": self.personal_fen,
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Outcome:
    lines: tuple[Line, ...]
    reasons: tuple[str, ...] = ()

    @property
    def fund_fen(self) -> int:
        return sum(line.fund_fen for line in self.lines)

    @property
    def personal_fen(self) -> int:
        """What the person still pays: the last tier's personal part of each cost."""
        covered = {_base_key(x) for x in self.lines if x.tier > 1}
        return sum(x.personal_fen for x in self.lines if x.tier > 1 or _base_key(x) not in covered)

    @property
    def eligible_cost_fen(self) -> int:
        return sum(x.eligible_cost_fen for x in self.lines if x.tier == 1)


def _base_key(line: Line) -> tuple:
    return (line.benefit, *line.sort_key()[1:])


def settle_person(policy: Policy, month: PersonMonth) -> Outcome:
    """The lines of one person's month under ``policy``; reasons when there are none."""
    reasons: list[str] = []
    if not month.days:
        grade = month.grade
        if grade is not None and grade not in policy.qualifying_grades:
            return Outcome((), ("grade_not_covered",))
        return Outcome((), ("no_eligible_days",))
    qualifying = [d for d in month.days if d.grade in policy.qualifying_grades]
    if len(qualifying) < len(month.days):
        reasons.append("grade_not_covered")
    covered_days: set[dt.date] = set()
    lines: list[Line] = []
    for seq, benefit in enumerate(policy.benefits):
        groups: dict[tuple, list[dt.date]] = {}
        rates: dict[tuple, Rate] = {}
        for d in qualifying:
            rate = benefit.rate_for(d.grade, d.care_mode, d.institution_class)
            if rate is None:
                continue
            covered_days.add(d.day)
            key = (
                d.institution,
                benefit.payee[d.care_mode],
                d.grade,
                d.care_mode,
                d.institution_class,
            )
            groups.setdefault(key, []).append(d.day)
            rates[key] = rate
        kind = RULE_KINDS[benefit.kind]
        cost_kind = benefit.cost
        for key, days in groups.items():
            institution, payee, grade, mode, cls = key
            by_day = month.costs.get(cost_kind, {}) if cost_kind else {}
            costs = {
                day: by_day[(institution, day)] for day in days if (institution, day) in by_day
            }
            amount = kind.compute(
                Segment(
                    tuple(sorted(days)),
                    costs,
                    rates[key],
                    month.month_days,
                    benefit.cap_applies,
                    benefit.day_basis,
                )
            )
            if amount.fund_fen == 0 and amount.eligible_cost_fen == 0:
                continue
            lines.append(
                Line(
                    benefit.code,
                    benefit.name,
                    seq,
                    benefit.kind,
                    policy.code,
                    1,
                    payee,
                    institution,
                    grade,
                    mode,
                    cls,
                    amount.days,
                    amount.eligible_cost_fen,
                    amount.fund_fen,
                    amount.personal_fen,
                    policy.rule(benefit.code),
                )
            )
    if qualifying and len(covered_days) < len({d.day for d in qualifying}):
        reasons.append("mode_not_covered")
    if not lines and covered_days:
        reasons.append("no_costs")
    lines.sort(key=Line.sort_key)
    return Outcome(tuple(lines), tuple(reasons))


def supplement(
    lines: Iterable[Line], plan: Policy, *, used_in_year_fen: int = 0
) -> tuple[Line, ...]:
    """Tier-2 lines: the plan's share of each tier-1 line's personal part, within its limits.

    Lines are taken in order (:meth:`Line.sort_key`); once the monthly limit, or what is left
    of the annual limit, is used up, later lines get nothing.
    """
    terms = plan.supplementary
    if terms is None:
        raise ValueError(f"{plan.ref} is not a supplementary plan")
    remaining = max(0, min(terms.monthly_limit_fen, terms.annual_limit_fen - used_in_year_fen))
    out: list[Line] = []
    for line in sorted(lines, key=Line.sort_key):
        if line.tier != 1 or line.personal_fen <= 0:
            continue
        pay = min(round_div(line.personal_fen * terms.share_bp, RATIO_SCALE), remaining)
        remaining -= pay
        out.append(
            Line(
                line.benefit,
                f"{line.benefit_name}（{plan.name}）",
                line.seq,
                "supplementary",
                plan.code,
                2,
                line.payee,
                line.institution,
                line.grade,
                line.care_mode,
                line.institution_class,
                line.days,
                line.personal_fen,
                pay,
                line.personal_fen - pay,
                plan.rule("supplement"),
            )
        )
    return tuple(out)


def day_ranges(days: Iterable[dt.date]) -> str:
    """``1-4,6,8-31``: the days of the month, as runs."""
    numbers = sorted({d.day for d in days})
    return mask_ranges(sum(1 << (n - 1) for n in numbers))


def mask_ranges(mask: int) -> str:
    """The same from a bit mask (bit 0 is the 1st of the month), as the SQL stores it."""
    runs: list[str] = []
    n = 1
    while mask >> (n - 1):
        if mask >> (n - 1) & 1:
            start = n
            while mask >> n & 1:
                n += 1
            runs.append(str(start) if start == n else f"{start}-{n}")
        n += 1
    return ",".join(runs)


# --- reading a policy file --------------------------------------------------------------------


def _invalid(where: str, problem: str) -> PolicyInvalid:
    message = f"{where}：{problem}" if where else problem
    return PolicyInvalid(message, fields={"file": message})


def checksum(raw: Mapping) -> str:
    return checksums.checksum(raw)


def _fen(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FEN:
        raise _invalid(where, f"金额应为0到{MAX_FEN}之间的整数（分）")
    return value


def _set(raw, allowed: Iterable, where: str, *, cast=str) -> frozenset | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise _invalid(where, "应为非空列表")
    values = set()
    allowed = set(allowed)
    for item in raw:
        try:
            value = cast(item)
        except (TypeError, ValueError):
            raise _invalid(where, f"取值{item!r}无效") from None
        if isinstance(item, bool) or value not in allowed:
            raise _invalid(where, f"取值{item!r}无效，应为{sorted(allowed)}之一")
        values.add(value)
    return frozenset(values)


def _rate(raw, kind: RuleKind, where: str) -> Rate:
    if not isinstance(raw, dict):
        raise _invalid(where, "应为对象")
    known = {
        "grades",
        "care_modes",
        "institution_classes",
        "amount_fen",
        "limit_fen",
        "cap_fen",
        "ratio",
        "note",
    }
    unknown = set(raw) - known
    if unknown:
        raise _invalid(where, f"不认识的字段{sorted(unknown)}")
    for name in kind.rate_fields:
        if name not in raw:
            raise _invalid(where, f"缺少{name}")
    return Rate(
        grades=_set(raw.get("grades"), range(6), f"{where}.grades", cast=int),
        care_modes=_set(raw.get("care_modes"), CARE_MODES, f"{where}.care_modes"),
        institution_classes=_set(
            raw.get("institution_classes"), INSTITUTION_CLASSES, f"{where}.institution_classes"
        ),
        amount_fen=_fen(raw["amount_fen"], f"{where}.amount_fen") if "amount_fen" in raw else None,
        limit_fen=_fen(raw["limit_fen"], f"{where}.limit_fen") if "limit_fen" in raw else None,
        cap_fen=_fen(raw["cap_fen"], f"{where}.cap_fen") if "cap_fen" in raw else None,
        ratio_bp=ratio_bp(raw["ratio"], f"{where}.ratio") if "ratio" in raw else RATIO_SCALE,
    )


def _benefit(raw, where: str, seen: set[str]) -> Benefit:
    if not isinstance(raw, dict):
        raise _invalid(where, "应为对象")
    code = str(raw.get("code") or "").strip()
    if not code or not code.replace("_", "").isalnum() or len(code) > 40 or code in seen:
        raise _invalid(where, f"待遇代码{code!r}为空、重复或含非法字符")
    where = f"{where}（{code}）"
    kind_name = raw.get("kind")
    if kind_name not in RULE_KINDS:
        raise _invalid(where, f"规则类型{kind_name!r}无效，应为{sorted(RULE_KINDS)}之一")
    kind = RULE_KINDS[kind_name]
    modes = _set(raw.get("care_modes"), CARE_MODES, f"{where}.care_modes")
    if modes is None:
        raise _invalid(where, "缺少care_modes")
    payee_raw = raw.get("payee", "institution")
    if isinstance(payee_raw, str):
        payee_raw = {mode: payee_raw for mode in modes}
    if not isinstance(payee_raw, dict) or set(payee_raw) != set(modes):
        raise _invalid(where, "payee应为一个收款方，或为每种照护方式各指定一个")
    if any(p not in PAYEES for p in payee_raw.values()):
        raise _invalid(where, f"收款方应为{sorted(PAYEES)}之一")
    cost = raw.get("cost")
    if kind.cost == "required" and cost not in COST_KINDS:
        raise _invalid(where, f"{kind_name}须指定费用类型cost（{sorted(COST_KINDS)}）")
    if kind.cost == "none" and cost is not None and kind_name != "daily_flat":
        raise _invalid(where, f"{kind_name}不按费用支付，不应有cost")
    if kind.cost in COST_KINDS:
        cost = cost or kind.cost
        if cost != kind.cost:
            raise _invalid(where, f"{kind_name}的费用类型只能是{kind.cost}")
    day_basis = raw.get("day_basis", "eligible")
    if day_basis not in {"eligible", "cost_days"}:
        raise _invalid(
            where, "day_basis应为eligible（每个享受日）或cost_days（有费用的日子，如床日）"
        )
    if day_basis == "cost_days" and cost not in COST_KINDS:
        raise _invalid(where, "按有费用的日子计算时须指定cost")
    cap_applies = raw.get("cap_applies", "after_ratio")
    if cap_applies not in CAP_MODES:
        raise _invalid(where, "cap_applies应为after_ratio或before_ratio")
    rates_raw = raw.get("rates")
    if not isinstance(rates_raw, list) or not rates_raw:
        raise _invalid(where, "缺少rates（费率表）")
    rates = tuple(_rate(r, kind, f"{where}.rates[{i}]") for i, r in enumerate(rates_raw))
    return Benefit(
        code=code,
        name=str(raw.get("name") or code)[:60],
        kind=kind_name,
        care_modes=tuple(sorted(modes)),
        payee=dict(payee_raw),
        rates=rates,
        grades=_set(raw.get("grades"), range(6), f"{where}.grades", cast=int),
        institution_classes=_set(
            raw.get("institution_classes"), INSTITUTION_CLASSES, f"{where}.institution_classes"
        ),
        cost=cost,
        cap_applies=cap_applies,
        day_basis=day_basis,
        note=str(raw.get("note") or ""),
    )


def _supplementary(raw, where: str) -> SupplementaryTerms:
    if not isinstance(raw, dict):
        raise _invalid(where, "缺少supplementary（补充保障条款）")
    bases = raw.get("base_policies")
    if not isinstance(bases, list) or not bases or not all(isinstance(b, str) for b in bases):
        raise _invalid(where, "base_policies应为基本政策代码的列表")
    size = raw.get("family_min_size", 0)
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= 20:
        raise _invalid(where, "family_min_size应为0到20的整数")
    return SupplementaryTerms(
        share_bp=ratio_bp(raw.get("share"), f"{where}.share"),
        monthly_limit_fen=_fen(raw.get("monthly_limit_fen"), f"{where}.monthly_limit_fen"),
        annual_limit_fen=_fen(raw.get("annual_limit_fen"), f"{where}.annual_limit_fen"),
        base_policies=tuple(bases),
        premium_fen=_fen(raw.get("premium_fen"), f"{where}.premium_fen"),
        family_discount_bp=ratio_bp(raw.get("family_discount", "1"), f"{where}.family_discount"),
        family_min_size=size,
    )


def parse_policy(raw: Mapping, where: str = "") -> Policy:
    """Check a policy file's content and return it as a :class:`Policy`."""
    if not isinstance(raw, dict):
        raise _invalid(where, "文件内容应为JSON对象")
    for key in ("code", "version", "name", "effective_from", "region_code"):
        if not str(raw.get(key) or "").strip():
            raise _invalid(where, f"缺少字段{key}")
    code = str(raw["code"]).strip()
    if not code.replace("-", "").replace("_", "").isalnum() or len(code) > 40:
        raise _invalid(where, "政策代码只能含字母、数字、-和_")
    try:
        effective_from = dt.date.fromisoformat(str(raw["effective_from"]))
    except ValueError:
        raise _invalid(where, "effective_from应为YYYY-MM-DD格式的日期") from None
    region_code = str(raw["region_code"]).strip()
    if not region_code.isdigit() or len(region_code) != 6:
        raise _invalid(where, "region_code应为6位行政区划代码")
    kind = raw.get("kind", "benefit")
    if kind not in POLICY_KINDS:
        raise _invalid(where, "kind应为benefit或supplementary")
    common = {
        "code": code,
        "version": str(raw["version"]).strip()[:32],
        "kind": kind,
        "name": str(raw["name"]).strip()[:100],
        "region_code": region_code,
        "effective_from": effective_from,
        "source": str(raw.get("source") or "").strip()[:500],
        "checksum": checksum(raw),
        "raw": raw,
    }
    if kind == "supplementary":
        return Policy(
            **common,
            qualifying_grades=_set(
                raw.get("qualifying_grades", [3, 4, 5]), range(6), "qualifying_grades", cast=int
            ),
            supplementary=_supplementary(raw.get("supplementary"), f"{where} supplementary"),
        )
    grades = _set(raw.get("qualifying_grades"), range(6), f"{where} qualifying_grades", cast=int)
    if grades is None:
        raise _invalid(where, "缺少qualifying_grades（享受待遇的失能等级）")
    benefits_raw = raw.get("benefits")
    if not isinstance(benefits_raw, list) or not benefits_raw:
        raise _invalid(where, "缺少benefits（待遇规则）")
    seen: set[str] = set()
    benefits = []
    for i, item in enumerate(benefits_raw):
        benefit = _benefit(item, f"{where} benefits[{i}]", seen)
        seen.add(benefit.code)
        benefits.append(benefit)
    return Policy(**common, qualifying_grades=grades, benefits=tuple(benefits))


def covered_modes(policy: Policy) -> set[str]:
    return {mode for b in policy.benefits for mode in b.care_modes}
