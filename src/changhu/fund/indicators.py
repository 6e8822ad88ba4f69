"""Fund indicators and risk warnings. Pure, no Django.

From a fund's monthly figures (income, expenditure, balance at the end of the month):

* ``coverage_months`` (可支付月数): the balance over the average monthly expenditure of the last
  twelve months (fewer when the fund is younger); low is a risk.
* ``payout_ratio`` (支出/收入比): expenditure over income of the year to date; above 1 the fund
  spends more than it takes in ("以收定支" is broken).
* ``mom_growth`` (支出环比增长): this month's expenditure over last month's, minus 1.

Each indicator has a direction (risk when below or when above) and default warning / critical
thresholds; a bureau may override them (``fund.models.WarningThreshold``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LEVELS = {"warning": "预警", "critical": "严重"}


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    risk_when: str  # "below" or "above"
    warning: Decimal
    critical: Decimal
    explain: str

    @property
    def is_ratio(self) -> bool:
        """Ratios are stored as fractions and shown, compared and entered as percentages."""
        return self.unit != "个月"

    def format(self, value: Decimal | None, *, trim: bool = False) -> str:
        """A value in the indicator's unit, to one decimal: ``222.3个月``, ``5.5%``; with
        ``trim`` (thresholds) without trailing zeros: ``6个月``, ``95%``."""
        if value is None:
            return "—"
        number = value if not self.is_ratio else value * 100
        number = number.quantize(Decimal("0.1"), ROUND_HALF_UP)
        text = f"{number.normalize():f}" if trim else f"{number}"
        return f"{text}个月" if not self.is_ratio else f"{text}%"


INDICATORS: dict[str, Indicator] = {
    "coverage_months": Indicator(
        "coverage_months",
        "累计结余可支付月数",
        "个月",
        "below",
        Decimal("6"),
        Decimal("3"),
        "期末结余 ÷ 近12个月月均支出",
    ),
    "payout_ratio": Indicator(
        "payout_ratio",
        "当年基金支出/收入",
        "",
        "above",
        Decimal("0.95"),
        Decimal("1.05"),
        "本年累计支出 ÷ 本年累计收入",
    ),
    "mom_growth": Indicator(
        "mom_growth",
        "支出环比增长",
        "",
        "above",
        Decimal("0.10"),
        Decimal("0.25"),
        "本月支出 ÷ 上月支出 − 1",
    ),
}


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM
    income_fen: int
    expenditure_fen: int
    balance_fen: int  # at the end of the month


@dataclass(frozen=True)
class Reading:
    indicator: Indicator
    value: Decimal | None  # None: not computable (no expenditure yet, no previous month)
    level: str  # "", "warning" or "critical"
    warning: Decimal
    critical: Decimal

    @property
    def display(self) -> str:
        return self.indicator.format(self.value)

    @property
    def warning_display(self) -> str:
        return self.indicator.format(self.warning, trim=True)

    @property
    def critical_display(self) -> str:
        return self.indicator.format(self.critical, trim=True)


def _ratio(a: int, b: int) -> Decimal | None:
    if b == 0:
        return None
    return (Decimal(a) / Decimal(b)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def values(series: Sequence[MonthFigures], month: str) -> dict[str, Decimal | None]:
    """The indicators at the end of ``month`` from the series of months up to it (sorted)."""
    upto = [m for m in series if m.month <= month]
    if not upto or upto[-1].month != month:
        return dict.fromkeys(INDICATORS)
    current = upto[-1]
    last12 = upto[-12:]
    spent = sum(m.expenditure_fen for m in last12)
    coverage = None
    if spent > 0:
        coverage = (Decimal(current.balance_fen) * len(last12) / Decimal(spent)).quantize(
            Decimal("0.0001"), ROUND_HALF_UP
        )
    year = month[:4]
    ytd = [m for m in upto if m.month.startswith(year)]
    payout = _ratio(sum(m.expenditure_fen for m in ytd), sum(m.income_fen for m in ytd))
    growth = None
    if len(upto) >= 2 and upto[-2].expenditure_fen > 0:
        growth = _ratio(
            current.expenditure_fen - upto[-2].expenditure_fen, upto[-2].expenditure_fen
        )
    return {"coverage_months": coverage, "payout_ratio": payout, "mom_growth": growth}


def evaluate(
    readings: Mapping[str, Decimal | None],
    overrides: Mapping[tuple[str, str], Decimal] | None = None,
) -> list[Reading]:
    """Each indicator's value with its warning level under the (overridden) thresholds."""
    overrides = overrides or {}
    out = []
    for code, indicator in INDICATORS.items():
        value = readings.get(code)
        warning = overrides.get((code, "warning"), indicator.warning)
        critical = overrides.get((code, "critical"), indicator.critical)
        out.append(
            Reading(
                indicator, value, level_of(indicator, value, warning, critical), warning, critical
            )
        )
    return out


def level_of(indicator: Indicator, value, warning: Decimal, critical: Decimal) -> str:
    if value is None:
        return ""
    if indicator.risk_when == "below":
        if value < critical:
            return "critical"
        return "warning" if value < warning else ""
    if value > critical:
        return "critical"
    return "warning" if value > warning else ""
