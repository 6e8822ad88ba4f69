"""How risky an institution or a beneficiary looks, for weighting the inspection sample.

Risk is a sum over registered sources. A source counts, for a set of institution ids (or
person ids) and a day, something that speaks against them (open findings of the screening,
screening hits of the last months, complaints once the feedback app registers its own); each
count is multiplied by the source's factor. The weight is ``1 + Σ factor × count``, so a target
with nothing against it can still be drawn, and the reason names what raised the weight.

Another app plugs in with :func:`register_risk_source` from its ``plug_in()`` or a module that
is imported at start-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count

Counter = Callable[[list[int], dt.date], dict[int, int]]
LOOKBACK_DAYS = 90


@dataclass(frozen=True)
class RiskSource:
    key: str
    label: str  # what is counted, in Chinese: "未处理的稽核发现"
    factor: float
    institutions: Counter | None = None  # institution id -> count
    persons: Counter | None = None  # person id -> count


@dataclass(frozen=True)
class Risk:
    weight: float
    reason: str


_sources: dict[str, RiskSource] = {}


def register_risk_source(source: RiskSource) -> None:
    """Add (or replace, by key) a source of risk."""
    _sources[source.key] = source


def unregister_risk_source(key: str) -> None:
    _sources.pop(key, None)


def sources() -> list[RiskSource]:
    return [_sources[key] for key in sorted(_sources)]


def _risks(ids: Iterable[int], day: dt.date, attribute: str) -> dict[int, Risk]:
    ids = sorted(set(ids))
    weights = dict.fromkeys(ids, 1.0)
    reasons: dict[int, list[str]] = {i: [] for i in ids}
    for source in sources():
        counter = getattr(source, attribute)
        if counter is None or not ids:
            continue
        for key, count in counter(ids, day).items():
            if count and key in weights:
                weights[key] += source.factor * count
                reasons[key].append(f"{source.label}{count}条")
    return {
        i: Risk(round(weights[i], 2), "、".join(reasons[i]) or "无风险记录，随机抽取") for i in ids
    }


def institution_risks(ids: Iterable[int], day: dt.date) -> dict[int, Risk]:
    return _risks(ids, day, "institutions")


def person_risks(ids: Iterable[int], day: dt.date) -> dict[int, Risk]:
    return _risks(ids, day, "persons")


# --- the screening's findings (visits app) ---------------------------------------------------


def _finding_counts(field: str, *, open_only: bool) -> Counter:
    def count(ids: list[int], day: dt.date) -> dict[int, int]:
        from changhu.visits.models import Finding, FindingStatus

        rows = Finding.objects.filter(**{f"{field}__in": ids})
        if open_only:
            rows = rows.filter(status=FindingStatus.OPEN)
        else:
            since = day - dt.timedelta(days=LOOKBACK_DAYS)
            rows = rows.filter(created_at__date__gte=since, created_at__date__lte=day)
        totals = rows.values(field).annotate(n=Count("id")).values_list(field, "n")
        return dict(totals)

    return count


register_risk_source(
    RiskSource(
        "visits.open_findings",
        "未处理的稽核发现",
        3.0,
        institutions=_finding_counts("institution_id", open_only=True),
        persons=_finding_counts("person_id", open_only=True),
    )
)
register_risk_source(
    RiskSource(
        "visits.screening_hits",
        f"近{LOOKBACK_DAYS}天稽核疑点",
        1.0,
        institutions=_finding_counts("institution_id", open_only=False),
        persons=_finding_counts("person_id", open_only=False),
    )
)


# --- this app's own notices ------------------------------------------------------------------


def _open_notices(ids: list[int], day: dt.date) -> dict[int, int]:
    from changhu.supervision.models import OPEN_RECTIFICATION, Rectification

    rows = Rectification.objects.filter(institution_id__in=ids, status__in=OPEN_RECTIFICATION)
    return dict(
        rows.values("institution_id").annotate(n=Count("id")).values_list("institution_id", "n")
    )


register_risk_source(
    RiskSource("supervision.open_notices", "未完成的整改通知", 2.0, institutions=_open_notices)
)
