"""The 待遇测算 page: which policy and month, a form drawn from that policy (a calendar of the
month with the per-day costs in yuan and the hospital days to tick), and the calculator's
answer in words.

The form is turned into the calculator's JSON input (:mod:`changhu.settlement.calculator`), so
the page, ``changhu benefit`` and the API compute the same thing; nobody on the page sees that
input. What the calendar asks depends on the policy version in force in the month:

- a cost kind that some benefit pays by the day (a daily ratio and cap) gets an amount per day;
- a cost kind only paid as a flat rate per bed day gets a tick per day (床日), sent as 0 fen;
- a cost kind only paid within a monthly limit gets one total for the month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms

from changhu.care.conf import grade_label
from changhu.core import clock, months
from changhu.core.money import format_yuan, yuan_to_fen
from changhu.core.scope import scope_of
from changhu.settlement import explain, labels, policies, selectors
from changhu.settlement import policy as rules
from changhu.settlement.calculator import Calculation
from changhu.settlement.models import PolicyKind
from changhu.web.forms import StaffForm

MAX_YUAN = Decimal(rules.MAX_FEN) / 100
MONTHS_AHEAD = 12  # a policy may be tried on months up to a year ahead
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# The short names of the cost kinds inside a calendar cell (the full name is in COST_KINDS).
CELL_LABELS = {"bed_days": "床日费用", "services": "护理服务费用", "social_support": "社会支持费用"}
BED_DAY_LABEL = "床日"


def month_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def day_label(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def days_in_words(days) -> str:
    """``10月1日至4日、10日至31日``: days of one month as runs."""
    ordered = sorted(set(days))
    runs: list[list[dt.date]] = []
    for day in ordered:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    parts = []
    for index, (start, end) in enumerate(runs):
        head = day_label(start) if index == 0 else f"{start.day}日"
        parts.append(head if start == end else f"{head}至{end.day}日")
    return "、".join(parts)


# --- policies to choose from -----------------------------------------------------------------


@dataclass(frozen=True)
class PolicyOption:
    code: str
    label: str  # the name, with the region where the name does not say it
    first_month: dt.date  # the month its first version takes effect


def policy_options(user) -> list[PolicyOption]:
    """The benefit policies the user may try, by their Chinese names, in the order of those
    names (by character)."""
    latest: dict[str, object] = {}
    first: dict[str, dt.date] = {}
    for row in selectors.policy_list(fetched_by=user).filter(kind=PolicyKind.BENEFIT):
        latest.setdefault(row.code, row)  # newest version first
        first[row.code] = min(first.get(row.code, row.effective_from), row.effective_from)
    names = labels.PolicyLabels()
    found = []
    for code, row in latest.items():
        region = names.region_name(row.region_code)
        label = row.name
        if region and region.rstrip("市县区") not in label:
            label = f"{label}（{region}）"
        found.append((label, code, region))
    taken = [label for label, _, _ in found]
    options = []
    for label, code, region in found:
        if taken.count(label) > 1 and region:
            label = f"{label}（{region}）"
        options.append(PolicyOption(code, label, first[code].replace(day=1)))
    return sorted(options, key=lambda o: (o.label, o.code))


def default_policy(user, options: list[PolicyOption], day: dt.date) -> PolicyOption | None:
    """The policy in force on ``day`` for the user's region (their data scope: their own region
    scope within their organization's coverage); else the first by name, e.g. for a platform
    administrator, who has no region."""
    by_code = {o.code: o for o in options}
    for prefix in scope_of(user).region_prefixes:
        row = policies.benefit_policy_for_region(prefix, day)
        if row is not None and row.code in by_code:
            return by_code[row.code]
    return options[0] if options else None


def plan_options(user, policy_code: str, day: dt.date) -> list[tuple[str, str]]:
    """Supplementary plans in force on ``day`` that build on the policy: (code, name)."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    for row in selectors.policy_list(fetched_by=user).filter(kind=PolicyKind.SUPPLEMENTARY):
        if row.code in seen:
            continue
        seen.add(row.code)
        current = policies.version_in_force(row.code, day)
        terms = policies.parsed(current).supplementary if current else None
        if terms and policy_code in terms.base_policies:
            found[row.code] = current.name
    return sorted(found.items(), key=lambda item: item[1])


# --- what the chosen policy asks for ---------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """The inputs a policy version needs."""

    daily: tuple[str, ...]  # cost kinds with an amount per day
    bed_days: tuple[str, ...]  # cost kinds ticked per day (paid a flat rate per bed day)
    monthly: tuple[str, ...]  # cost kinds given as the month's total
    uses_classes: bool  # its rates differ by institution class
    modes: frozenset[str]  # care modes it pays
    kind_modes: dict[str, frozenset[str]] = field(default_factory=dict)  # who pays each cost

    def shown(self, kind: str, chosen: set[str]) -> bool:
        """Whether a cost kind concerns the chosen care modes (all, before one is chosen)."""
        return not chosen or bool(self.kind_modes.get(kind, frozenset()) & chosen)

    @classmethod
    def of(cls, policy: rules.Policy) -> Terms:
        amounts, ticks, totals = set(), set(), set()
        uses_classes = False
        kind_modes: dict[str, frozenset[str]] = {}
        for b in policy.benefits:
            uses_classes |= b.institution_classes is not None or any(
                r.institution_classes is not None for r in b.rates
            )
            if not b.cost:
                continue
            kind_modes[b.cost] = kind_modes.get(b.cost, frozenset()) | frozenset(b.care_modes)
            if rules.RULE_KINDS[b.kind].monthly:
                totals.add(b.cost)
            elif b.kind == "daily_flat" and b.day_basis == "cost_days":
                ticks.add(b.cost)
            else:
                amounts.add(b.cost)
        # A kind also paid from its amount (a monthly limit) needs the amount, not a tick.
        amounts |= ticks & totals
        ticks -= amounts
        totals -= amounts | ticks
        order = list(rules.COST_KINDS)
        return cls(
            daily=tuple(sorted(amounts, key=order.index)),
            bed_days=tuple(sorted(ticks, key=order.index)),
            monthly=tuple(sorted(totals, key=order.index)),
            uses_classes=uses_classes,
            modes=frozenset(rules.covered_modes(policy)),
            kind_modes=kind_modes,
        )


@dataclass
class Setup:
    """The chosen policy and month, and what the form asks for them."""

    options: list[PolicyOption]
    option: PolicyOption
    month: dt.date  # first day
    months: list[dt.date]
    policy: rules.Policy  # the version in force on the month's first day
    terms: Terms
    plans: list[tuple[str, str]]
    url: str = ""

    @property
    def period(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def drawn(self) -> str:
        return f"{self.option.code}|{self.period}"

    @property
    def days(self) -> list[dt.date]:
        return months.days(self.month)

    @property
    def title(self) -> str:
        return f"{self.policy.name}（{labels.version_label(self.policy.version)}）"


def _months(option: PolicyOption, today: dt.date) -> list[dt.date]:
    """Months from the policy's first to a year ahead of today, newest first."""
    last = max(months.shift(today, MONTHS_AHEAD), option.first_month)
    out, month = [], option.first_month
    while month <= last:
        out.append(month)
        month = months.shift(month, 1)
    return out[::-1]


def setup_for(user, data, *, url: str = "") -> Setup | None:
    """The policy and month asked for in ``data`` (a form post or the query string) when they
    are valid, else the user's region's policy and this month. None when no policy is loaded."""
    options = policy_options(user)
    if not options:
        return None
    today = clock.today()
    by_code = {o.code: o for o in options}
    option = by_code.get(data.get("policy", "")) or default_policy(user, options, today)
    choices = _months(option, today)
    period = data.get("period", "")
    month = months.parse(period) if months.is_strict(period) else None
    if month not in choices:
        this_month = clock.month_start(today)
        month = this_month if this_month in choices else choices[-1]
    row = policies.version_in_force(option.code, month)
    policy = policies.parsed(row)
    return Setup(
        options=options,
        option=option,
        month=month,
        months=choices,
        policy=policy,
        terms=Terms.of(policy),
        plans=plan_options(user, option.code, month),
        url=url,
    )


# --- the form ----------------------------------------------------------------------------------


class YuanField(forms.DecimalField):
    """An amount in yuan as people type it (``1,200``, ``85.5元``); never negative."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid": "金额应为数字（元），如 120 或 85.50",
        "min_value": "金额不能为负数",
        "max_value": f"金额不能超过{format_yuan(rules.MAX_FEN)}元",
        "max_digits": f"金额不能超过{format_yuan(rules.MAX_FEN)}元",
        "max_whole_digits": f"金额不能超过{format_yuan(rules.MAX_FEN)}元",
        "max_decimal_places": "金额最多两位小数（到分）",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=Decimal(0), max_value=MAX_YUAN, decimal_places=2, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            for mark in (",", "，", " ", "元", "¥", "￥"):
                value = value.replace(mark, "")
            value = value.replace("．", ".")
        return super().to_python(value)


def _date(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": f"请填写{label}",
            "invalid": f"{label}不是有效的日期，请重新选择",
        },
    )


def cost_field_name(kind: str, day: dt.date) -> str:
    return f"{kind}_{day.isoformat()}"


def total_field_name(kind: str) -> str:
    return f"total_{kind}"


class CalculatorForm(StaffForm):
    """One person's month as a case worker describes it."""

    policy = forms.ChoiceField(label="待遇政策")
    period = forms.ChoiceField(label="测算月份")
    grade = forms.TypedChoiceField(label="失能等级", coerce=int)
    care_mode = forms.ChoiceField(label="照护方式")
    institution_class = forms.ChoiceField(
        label="机构结算类别", required=False, help_text="机构照护时按机构类别支付"
    )
    eligible_from = _date("待遇起始日", required=True, help_text="本月以前开始的，填本月1日")
    eligible_to = _date("待遇截止日", help_text="无截止日的不填")
    died_on = _date("死亡日期", help_text="当天照常支付，次日起不再支付")
    change_from = _date("照护方式变更日", help_text="本月内改变照护方式的，填新方式的第一天")
    change_mode = forms.ChoiceField(label="变更后的照护方式", required=False)
    change_class = forms.ChoiceField(label="变更后的机构结算类别", required=False)
    hospital_days = forms.MultipleChoiceField(
        label="住院日", required=False, widget=forms.CheckboxSelectMultiple
    )
    supplementary = forms.ChoiceField(label="补充保障", required=False)
    supplementary_used = YuanField(
        label="本年度已由补充保障支付（元）", help_text="用于计算年度限额的剩余部分"
    )
    drawn = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, setup: Setup, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup = setup
        terms, policy = setup.terms, setup.policy
        f = self.fields
        f["policy"].choices = [(o.code, o.label) for o in setup.options]
        f["period"].choices = [(f"{m:%Y-%m}", month_label(m)) for m in setup.months]
        f["period"].error_messages["invalid_choice"] = (
            f"请选择{month_label(setup.months[-1])}至{month_label(setup.months[0])}之间的月份"
        )
        for name in ("policy", "period"):
            f[name].widget.attrs.update(self._redraw_attrs())
        f["grade"].choices = [
            (str(g), grade_label(g) + ("" if g in policy.qualifying_grades else "（本政策不支付）"))
            for g in range(6)
        ]
        modes = [
            (code, label + ("" if code in terms.modes else "（本政策不支付）"))
            for code, label in rules.CARE_MODES.items()
        ]
        f["care_mode"].choices = modes
        f["change_mode"].choices = [("", "请选择…"), *modes]
        classes = list(rules.INSTITUTION_CLASSES.items())
        f["institution_class"].choices = classes
        f["change_class"].choices = classes
        if not terms.uses_classes:
            del f["institution_class"], f["change_class"]
        f["hospital_days"].choices = [(d.isoformat(), day_label(d)) for d in setup.days]
        if setup.plans:
            f["supplementary"].choices = [("", "未参加"), *setup.plans]
        else:
            del f["supplementary"], f["supplementary_used"]
        for day in setup.days:
            for kind in terms.daily:
                cell = YuanField(label=f"{day_label(day)}{rules.COST_KINDS[kind]}")
                self._add_cell(cost_field_name(kind, day), day, cell)
            for kind in terms.bed_days:
                cell = forms.BooleanField(label=f"{day_label(day)}{BED_DAY_LABEL}", required=False)
                self._add_cell(cost_field_name(kind, day), day, cell)
        for kind in terms.monthly:
            f[total_field_name(kind)] = YuanField(label=f"{rules.COST_KINDS[kind]}（本月合计，元）")

    def _redraw_attrs(self) -> dict:
        """Changing the policy or the month draws the form again (htmx); without JavaScript
        the 生成日历 button does the same."""
        return {
            "hx-post": self.setup.url,
            "hx-trigger": "change",
            "hx-target": "#calculator",
            "hx-swap": "outerHTML",
            "hx-vals": '{"action": "redraw"}',
        }

    def _add_cell(self, name: str, day: dt.date, cell: forms.Field) -> None:
        """A calendar cell's input, named for screen readers by its date and its kind."""
        labelled = f"cal-{day.isoformat()} id_{name}-label"
        if isinstance(cell, forms.BooleanField):
            cell.widget.attrs.update({"class": "form-check-input", "aria-labelledby": labelled})
        else:
            cell.widget.attrs.update(
                {
                    "class": "form-control form-control-sm",
                    "inputmode": "decimal",
                    "autocomplete": "off",
                    "aria-labelledby": labelled,
                }
            )
        self.fields[name] = cell

    # -- checks across fields --

    def clean(self):
        data = super().clean()
        start, end, died = data.get("eligible_from"), data.get("eligible_to"), data.get("died_on")
        if start and end and end < start:
            self.add_error("eligible_to", "待遇截止日不能早于待遇起始日")
        if start and died and died < start:
            self.add_error("died_on", "死亡日期不能早于待遇起始日")
        change, mode = data.get("change_from"), data.get("change_mode")
        first, last = self.setup.month, months.last_day(self.setup.month)
        if change and not first < change <= last:
            self.add_error(
                "change_from",
                f"变更日应在{day_label(first + dt.timedelta(days=1))}至{day_label(last)}之间"
                "（从月初起就是新方式的，直接选择照护方式）",
            )
        if change and not mode:
            self.add_error("change_mode", "请选择变更后的照护方式")
        if mode and not change:
            self.add_error("change_from", "请填写照护方式变更日")
        if (
            change
            and mode
            and mode == data.get("care_mode")
            and data.get("change_class", "") == data.get("institution_class", "")
        ):
            self.add_error("change_mode", "变更后的照护方式与变更前相同")
        return data

    # -- the calculator's input --

    def calculator_input(self) -> dict:
        """The calculator's JSON input from the cleaned form (see ``calculator`` for it)."""
        data = self.cleaned_data
        terms = self.setup.terms
        raw: dict = {
            "grade": data["grade"],
            "care_mode": data["care_mode"],
            "eligible_from": data["eligible_from"].isoformat(),
            "eligible_to": _iso(data.get("eligible_to")),
            "died_on": _iso(data.get("died_on")),
            "institution_class": data.get("institution_class") or "",
            "hospital_days": sorted(data.get("hospital_days") or []),
        }
        if data.get("change_from"):
            raw["mode_changes"] = [
                {
                    "from": data["change_from"].isoformat(),
                    "care_mode": data["change_mode"],
                    "institution_class": data.get("change_class") or "",
                }
            ]
        costs: dict = {}
        for day in self.setup.days:
            for kind in terms.daily:
                amount = data.get(cost_field_name(kind, day))
                if amount is not None:
                    costs.setdefault(kind, {})[day.isoformat()] = yuan_to_fen(amount)
            for kind in terms.bed_days:
                if data.get(cost_field_name(kind, day)):
                    costs.setdefault(kind, {})[day.isoformat()] = 0
        for kind in terms.monthly:
            amount = data.get(total_field_name(kind))
            if amount is not None:
                costs[kind] = yuan_to_fen(amount)
        if costs:
            raw["actual_costs_fen"] = costs
        if data.get("supplementary"):
            used = data.get("supplementary_used")
            raw["supplementary"] = {
                "plan": data["supplementary"],
                "used_in_year_fen": yuan_to_fen(used) if used is not None else 0,
            }
        return raw

    @staticmethod
    def field_map() -> dict[str, str]:
        """The calculator's field names on this form (for errors it finds itself)."""
        return {
            "supplementary.plan": "supplementary",
            "supplementary.used_in_year_fen": "supplementary_used",
            "mode_changes[0].from": "change_from",
            "mode_changes[0].care_mode": "change_mode",
            "mode_changes[0].institution_class": "change_class",
            **{f"actual_costs_fen.{k}": total_field_name(k) for k in rules.COST_KINDS},
        }

    # -- the calendar --

    def raw_value(self, name: str):
        """What the field shows: the posted value, or its initial value."""
        if name not in self.fields:
            return None
        return self[name].value()

    def calendar(self) -> list[list[CalendarDay | None]]:
        """The month's weeks, Monday first; ``None`` pads the first and last week."""
        from_day = _text(self.raw_value("eligible_from"))
        to_day = _text(self.raw_value("eligible_to"))
        died = _text(self.raw_value("died_on"))
        hospital = {str(v) for v in self.raw_value("hospital_days") or []}
        terms = self.setup.terms
        chosen = self.chosen_modes()
        cells: list[CalendarDay | None] = [None] * self.setup.month.weekday()
        for index, day in enumerate(self.setup.days):
            iso = day.isoformat()
            status = ""
            if from_day and iso < from_day:
                status = "待遇开始前"
            elif to_day and iso > to_day:
                status = "待遇截止后"
            elif died and iso > died:
                status = "身故后"
            in_hospital = iso in hospital
            inputs = []
            for kind in (*terms.daily, *terms.bed_days):
                bound = self[cost_field_name(kind, day)]
                short = CELL_LABELS[kind] if kind in terms.daily else BED_DAY_LABEL
                inputs.append(
                    CellInput(
                        short,
                        bound,
                        tick=kind in terms.bed_days,
                        modes=" ".join(sorted(terms.kind_modes.get(kind, ()))),
                        shown=terms.shown(kind, chosen) or bool(bound.errors),
                    )
                )
            cells.append(
                CalendarDay(
                    day=day,
                    iso=iso,
                    hospital_id=f"id_hospital_days_{index}",
                    hospital=in_hospital,
                    status=status or ("住院" if in_hospital else ""),
                    off=bool(status),
                    inputs=inputs,
                )
            )
        cells += [None] * (-len(cells) % 7)
        return [cells[i : i + 7] for i in range(0, len(cells), 7)]

    def totals(self) -> list[CellInput]:
        """The monthly totals, each shown only for the care modes whose benefits pay it."""
        terms, chosen = self.setup.terms, self.chosen_modes()
        totals = []
        for kind in terms.monthly:
            bound = self[total_field_name(kind)]
            totals.append(
                CellInput(
                    "",
                    bound,
                    tick=False,
                    modes=" ".join(sorted(terms.kind_modes.get(kind, ()))),
                    shown=terms.shown(kind, chosen) or bool(bound.errors),
                )
            )
        return totals

    def any_total_shown(self) -> bool:
        return any(total.shown for total in self.totals())

    def chosen_modes(self) -> set[str]:
        """The care modes of the month as the form stands (before and after a change)."""
        return {
            str(v) for v in (self.raw_value("care_mode"), self.raw_value("change_mode")) if v
        } & set(rules.CARE_MODES)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _text(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "").strip()


@dataclass
class CellInput:
    label: str
    field: forms.BoundField
    tick: bool  # a tick (a bed day) rather than an amount
    modes: str  # the care modes it concerns, for the page's script
    shown: bool


@dataclass
class CalendarDay:
    day: dt.date
    iso: str
    hospital_id: str
    hospital: bool
    status: str
    off: bool
    inputs: list[CellInput] = field(default_factory=list)

    @property
    def label(self) -> str:
        return day_label(self.day)


def initial_from(data, setup: Setup, previous: str = "") -> dict:
    """The values a redrawn form keeps from what was posted (those of this month only)."""
    names = [
        "grade", "care_mode", "institution_class", "eligible_from", "eligible_to", "died_on",
        "change_from", "change_mode", "change_class", "supplementary", "supplementary_used",
    ]  # fmt: skip
    initial = {name: data.get(name) for name in names if data.get(name)}
    initial["policy"] = setup.option.code
    initial["period"] = setup.period
    initial["drawn"] = setup.drawn
    # The default start (the first of the month drawn before) follows the month.
    old_month = previous.partition("|")[2]
    if not initial.get("eligible_from") or initial["eligible_from"] == f"{old_month}-01":
        initial["eligible_from"] = setup.month.isoformat()
    days = {d.isoformat() for d in setup.days}
    initial["hospital_days"] = [d for d in data.getlist("hospital_days") if d in days]
    terms = setup.terms
    for day in setup.days:
        for kind in (*terms.daily, *terms.bed_days):
            name = cost_field_name(kind, day)
            if data.get(name):
                initial[name] = data.get(name)
    for kind in terms.monthly:
        if data.get(total_field_name(kind)):
            initial[total_field_name(kind)] = data.get(total_field_name(kind))
    return initial


# --- the answer in words -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExplainedLine:
    title: str
    sentence: str
    payer: str
    payee: str
    days: str
    eligible_days: int
    eligible_cost_fen: int
    fund_fen: int
    personal_fen: int
    supplementary: bool


@dataclass(frozen=True)
class Answer:
    title: str
    month: str
    days_in_month: int
    eligible_days: int
    lines: list[ExplainedLine]
    notes: list[str]
    refusal: str  # why nothing is paid, when no line
    eligible_cost_fen: int
    fund_fen: int
    supplementary_fen: int
    personal_fen: int


def _situation(line: rules.Line) -> str:
    text = f"{grade_label(line.grade)}、{rules.CARE_MODES.get(line.care_mode, '')}"
    if line.institution_class:
        text += f"（{rules.INSTITUTION_CLASSES.get(line.institution_class, '')}）"
    return text


def _sentence(result: Calculation, line: rules.Line) -> str:
    days = f"{days_in_words(line.days)}共{line.eligible_days}天" if line.days else "无计费日"
    if line.tier > 1:
        steps = explain.supplement_steps(line.eligible_cost_fen, line.fund_fen)
        steps.append(f"个人仍负担{format_yuan(line.personal_fen)}元")
    else:
        benefit = result.policy.benefit(line.benefit)
        rate = benefit.rate_for(line.grade, line.care_mode, line.institution_class)
        steps = explain.rule_steps(
            benefit,
            rate,
            eligible_days=line.eligible_days,
            month_days=result.month.month_days,
            eligible_cost_fen=line.eligible_cost_fen,
            fund_fen=line.fund_fen,
            personal_fen=line.personal_fen,
        )
        if not any("基金支付" in step for step in steps):
            steps.append(
                f"基金支付{format_yuan(line.fund_fen)}元，"
                f"个人负担{format_yuan(line.personal_fen)}元"
            )
    return f"{_situation(line)}的{line.benefit_name}：{days}，{'，'.join(steps)}。"


def _notes(result: Calculation) -> list[str]:
    data, month = result.data, result.month
    first, last = month.first, month.last
    notes = []
    if first < data.eligible_from <= last:
        notes.append(
            f"待遇自{day_label(data.eligible_from)}起享受，"
            f"此前{(data.eligible_from - first).days}天不支付。"
        )
    elif data.eligible_from > last:
        notes.append(f"待遇自{day_label(data.eligible_from)}起享受，本月不在待遇期内。")
    if data.eligible_to is not None and first <= data.eligible_to < last:
        notes.append(f"待遇至{day_label(data.eligible_to)}截止，此后不再支付。")
    if data.died_on is not None and first <= data.died_on <= last:
        after = "" if data.died_on == last else "，次日起不再支付"
        notes.append(f"{day_label(data.died_on)}身故：当天照常支付{after}。")
    window = [
        d
        for d in months.days(first)
        if d >= data.eligible_from
        and (data.eligible_to is None or d <= data.eligible_to)
        and (data.died_on is None or d <= data.died_on)
    ]
    hospital = [d for d in window if d in data.hospital_days]
    if hospital:
        notes.append(
            f"住院{len(hospital)}天（{days_in_words(hospital)}）不享受待遇，住院期间的费用不计入。"
        )
    for start, mode, cls in data.mode_changes:
        if first <= start <= last:
            label = rules.CARE_MODES.get(mode, "")
            if cls:
                label += f"（{rules.INSTITUTION_CLASSES.get(cls, '')}）"
            before = rules.CARE_MODES.get(data.care_mode, "")
            notes.append(f"{day_label(start)}起照护方式由{before}改为{label}，分别计算。")
    eligible = {d.day for d in month.days}
    for kind, by_day in data.costs.items():
        left_out = {d: fen for d, fen in by_day.items() if d not in eligible and fen}
        if left_out:
            notes.append(
                f"不享受待遇的日子（{days_in_words(left_out)}）填写的{rules.COST_KINDS[kind]}"
                f"{format_yuan(sum(left_out.values()))}元未计入。"
            )
    if data.totals and month.days:
        notes.append(f"按月合计的费用计在第一个享受待遇的日子（{day_label(month.days[0].day)}）。")
    for reason in result.outcome.reasons if result.lines else ():
        notes.append(_partial_reason(reason, result))
    return notes


def _partial_reason(reason: str, result: Calculation) -> str:
    """A reason that concerns only some days of a month that pays something."""
    if reason == "mode_not_covered":
        paid = rules.covered_modes(result.policy)
        modes = sorted({d.care_mode for d in result.month.days if d.care_mode not in paid})
        if modes:
            names = "、".join(rules.CARE_MODES[m] for m in modes)
            return f"本政策不支付{names}，这些日子没有待遇。"
    return f"{rules.REASONS[reason]}。"


def answer(result: Calculation, names: labels.PolicyLabels | None = None) -> Answer:
    """The calculation as a person reads it: each line in a sentence, and the notes."""
    names = names or labels.PolicyLabels()
    lines = [
        ExplainedLine(
            title=line.benefit_name,
            sentence=_sentence(result, line),
            payer=names.payer(line.payer),
            payee=rules.PAYEES.get(line.payee, ""),
            days=days_in_words(line.days),
            eligible_days=line.eligible_days,
            eligible_cost_fen=line.eligible_cost_fen,
            fund_fen=line.fund_fen,
            personal_fen=line.personal_fen,
            supplementary=line.tier > 1,
        )
        for line in result.lines
    ]
    refusal = ""
    if not result.lines:
        reason = result.outcome.reasons[0] if result.outcome.reasons else "no_costs"
        refusal = _refusal(reason, result)
    policy = result.policy
    return Answer(
        title=f"{policy.name}（{labels.version_label(policy.version)}）",
        month=month_label(result.month.first),
        days_in_month=result.month.month_days,
        eligible_days=len(result.month.days),
        lines=lines,
        notes=_notes(result),
        refusal=refusal,
        eligible_cost_fen=result.outcome.eligible_cost_fen,
        fund_fen=sum(x.fund_fen for x in result.lines if x.tier == 1),
        supplementary_fen=sum(x.fund_fen for x in result.lines if x.tier > 1),
        personal_fen=result.outcome.personal_fen,
    )


def _refusal(reason: str, result: Calculation) -> str:
    message = rules.REASONS[reason]
    if reason == "grade_not_covered":
        grades = "、".join(grade_label(g) for g in sorted(result.policy.qualifying_grades))
        return f"{message}（所选为{grade_label(result.data.grade)}，本政策支付{grades}）。"
    if reason == "mode_not_covered":
        modes = sorted({d.care_mode for d in result.month.days} or {result.data.care_mode})
        return f"{message}（{'、'.join(rules.CARE_MODES[m] for m in modes)}）。"
    if reason == "no_costs":
        return f"{message}（本政策按实际发生的费用或床日支付，请在日历或按月合计中填写）。"
    return f"{message}。"
