"""What the settlement computation shares: the run's progress, table names and the SQL helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from changhu.core import months
from changhu.settlement import policies
from changhu.settlement import policy as rules
from changhu.settlement.models import (
    SettlementPeriod,
)

S = rules.RATIO_SCALE
MAX_CHUNKS = 20
MAX_CHUNK_SIZE = 25
NO_ELIGIBLE_DAY = "no_eligible_day"
NO_ELIGIBLE_DAY_REASON = (
    "服务当日不在该机构的待遇享受期内（未享受待遇、住院、暂停、身故后或照护安排不在本机构）"
)

# The rule kinds in SQL: (days, day mask, eligible cost, fund) over the grouped row ``g``;
# {md} is the number of days of the month. The same formulas as policy.RULE_KINDS.
_MONTHLY_LIMIT = {
    "days": "g.n_days",
    "mask": "g.mask_days",
    "cost": "g.cost",
    "fund": (
        "((CASE WHEN g.cap_after = 1 THEN "
        "(CASE WHEN g.cost * g.ratio_bp * {md} < g.limit_fen * g.n_days * {S} "
        "THEN g.cost * g.ratio_bp * {md} ELSE g.limit_fen * g.n_days * {S} END) "
        "ELSE (CASE WHEN g.cost * {md} < g.limit_fen * g.n_days "
        "THEN g.cost * {md} ELSE g.limit_fen * g.n_days END) * g.ratio_bp END) * 2 + {S} * {md})"
        " / ({S} * {md} * 2)"
    ),
}
RULE_SQL: dict[str, dict[str, str]] = {
    "monthly_fixed": {
        "days": "g.n_days",
        "mask": "g.mask_days",
        "cost": "(g.amount_fen * g.n_days * 2 + {md}) / ({md} * 2)",
        "fund": "(g.amount_fen * g.n_days * 2 + {md}) / ({md} * 2)",
    },
    "monthly_limit": _MONTHLY_LIMIT,
    "item_package": _MONTHLY_LIMIT,
    "daily_ratio_cap": {
        "days": "g.n_cost_days",
        "mask": "g.mask_cost_days",
        "cost": "g.cost",
        "fund": "(g.daily_exact * 2 + {S}) / ({S} * 2)",
    },
    "daily_flat": {
        "days": "(CASE WHEN g.day_basis = 'eligible' THEN g.n_days ELSE g.n_cost_days END)",
        "mask": "(CASE WHEN g.day_basis = 'eligible' THEN g.mask_days ELSE g.mask_cost_days END)",
        "cost": "g.amount_fen * (CASE WHEN g.day_basis = 'eligible' THEN g.n_days "
        "ELSE g.n_cost_days END)",
        "fund": "g.amount_fen * (CASE WHEN g.day_basis = 'eligible' THEN g.n_days "
        "ELSE g.n_cost_days END)",
    },
}
assert set(RULE_SQL) == set(rules.RULE_KINDS)


class SimulatedCrash(RuntimeError):
    """Raised by tests from the progress callback to stop a run between chunks."""


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _string_agg(expr: str) -> str:
    return f"string_agg({expr}, ',')" if _pg() else f"group_concat({expr}, ',')"


def _greatest(*args: str) -> str:
    return f"{'GREATEST' if _pg() else 'MAX'}({', '.join(args)})"


def _least(*args: str) -> str:
    return f"{'LEAST' if _pg() else 'MIN'}({', '.join(args)})"


def _collate() -> str:
    return ' COLLATE "C"' if _pg() else ""


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass
class Context:
    period: SettlementPeriod
    policy: rules.Policy
    first: dt.date
    last: dt.date

    @property
    def month_days(self) -> int:
        return (self.last - self.first).days + 1


def context_for(period: SettlementPeriod) -> Context:
    first, last = rules_month(period.month)
    return Context(period, policies.parsed(period.policy), first, last)


def rules_month(month: str) -> tuple[dt.date, dt.date]:
    return months.bounds(month)


def _case(column: str, md: int) -> str:
    parts = [
        f"WHEN '{kind}' THEN {formulas[column].format(md=md, S=S)}"
        for kind, formulas in RULE_SQL.items()
    ]
    return f"(CASE g.kind {' '.join(parts)} END)"


def _key(payer_sql: str, alias: str = "g", payee: str = "payee") -> str:
    """The line key: person|institution|benefit|payer|grade|mode|class|payee."""
    return (
        f"CAST({alias}.person_id AS VARCHAR) || '|' || CAST({alias}.institution_id AS VARCHAR)"
        f" || '|' || {alias}.benefit || '|' || {payer_sql} || '|' || CAST({alias}.grade AS VARCHAR)"
        f" || '|' || {alias}.care_mode || '|' || {alias}.institution_class || '|' || "
        f"{alias}.{payee}"
    )
