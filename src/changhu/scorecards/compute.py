"""Computing a kind's scorecards for a period, set-based: one aggregate per indicator over every
organization in scope, the bands turning values into points, and the run stored with one row
per organization and per indicator (recomputing replaces the run's rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet

from changhu.core import audit, clock
from changhu.core.errors import ValidationFailed, field_error
from changhu.scorecards import consequences
from changhu.scorecards import indicators as indicator_sets
from changhu.scorecards import periods as period_parsing
from changhu.scorecards.bands import points_for, quantize
from changhu.scorecards.models import (
    ORG_KIND,
    IndicatorScore,
    IndicatorSet,
    ManualScore,
    Scorecard,
    ScorecardKind,
    ScorecardRun,
)
from changhu.scorecards.periods import Period
from changhu.scorecards.sources import ASSESSMENT, CARE, INSURER, Source

COMPUTED: dict[str, dict[str, Source]] = {
    ScorecardKind.CARE: CARE,
    ScorecardKind.ASSESSMENT: ASSESSMENT,
    ScorecardKind.INSURER: INSURER,
}


def parse_kind(value: str) -> str:
    if value not in ScorecardKind.values:
        labels = "、".join(ScorecardKind.labels)
        raise field_error("kind", "kind_invalid", f"考核对象应为{labels}之一")
    return value


def parse_period(value: str) -> Period:
    """The period, or a refusal; a period that has not begun yet is refused too."""
    try:
        period = period_parsing.parse(value)
    except ValueError:
        raise field_error(
            "period",
            "period_invalid",
            f"考核期“{value}”应为月份YYYY-MM、季度YYYY-Qn（n为1至4）或年度YYYY",
        ) from None
    if period.first > clock.today():
        raise field_error("period", "period_invalid", f"考核期{period.label}尚未开始")
    return period


def organizations(kind: str, period: Period) -> QuerySet:
    """The organizations a kind's scorecard measures for the period: care institutions admitted
    by its end and not terminated before it began; the assessment institutions and insurers not
    terminated."""
    from changhu.orgs.models import Organization

    qs = Organization.objects.filter(kind=ORG_KIND[kind]).select_related("region")
    if kind == ScorecardKind.CARE:
        return qs.filter(institution__admitted_on__lte=period.last).exclude(
            Q(institution__status="terminated") & Q(institution__status_since__lt=period.first)
        )
    return qs.exclude(status="terminated")


@dataclass
class IndicatorResult:
    code: str
    name: str
    weight: Decimal
    formula: str
    numerator: int | None
    denominator: int | None
    value: Decimal | None
    points: Decimal


@dataclass
class CardResult:
    organization: object
    indicators: list[IndicatorResult] = field(default_factory=list)

    @property
    def score(self) -> Decimal:
        return quantize(sum((i.points for i in self.indicators), Decimal(0)))


def _manual_points(kind: str, period: Period, org_ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """The latest manual entry per organization and indicator (one query)."""
    rows = ManualScore.objects.filter(
        kind=kind, period=period.key, organization_id__in=org_ids
    ).order_by("entered_at", "id")
    return {(r.organization_id, r.indicator_code): r.points for r in rows}


def _value(indicator: dict, numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    per = Decimal(str(indicator.get("per", 1)))
    return quantize(Decimal(numerator) * per / Decimal(denominator))


def evaluate(kind: str, period: Period, indicator_set: IndicatorSet) -> list[CardResult]:
    """Every organization's indicators for the period, computed and not stored."""
    orgs = list(organizations(kind, period))
    ids = [o.pk for o in orgs]
    cards = {o.pk: CardResult(o) for o in orgs}
    manual = _manual_points(kind, period, ids)
    for item in indicator_set.indicators:
        weight = Decimal(str(item["weight"]))
        counts = {}
        if item["formula"] != "manual" and orgs:
            counts = COMPUTED[kind][item["code"]].aggregate(orgs, period)
        for org in orgs:
            if item["formula"] == "manual":
                value = manual.get((org.pk, item["code"]))
                numerator = denominator = None
            else:
                numerator, denominator = counts.get(org.pk, (0, 0))
                value = _value(item, numerator, denominator)
            points = points_for(item, value)
            if value is None and numerator:
                # rows counted with nothing to rate them by (findings on visits that were never
                # completed): no measure, but no clean record either, so no points
                points = Decimal("0.00")
            cards[org.pk].indicators.append(
                IndicatorResult(
                    code=item["code"],
                    name=item["name"],
                    weight=weight,
                    formula=item["formula"],
                    numerator=numerator,
                    denominator=denominator,
                    value=None if value is None else quantize(value),
                    points=points,
                )
            )
    return sorted(cards.values(), key=lambda c: (-c.score, c.organization.name))


def set_for(kind: str, period: Period) -> IndicatorSet:
    indicator_sets.ensure_loaded()
    found = indicator_sets.set_on(kind, period.last)
    if found is None:
        raise ValidationFailed(
            f"{period.label}没有生效的{ScorecardKind(kind).label}考核指标",
            code="no_indicator_set",
        )
    return found


def compute_run(*, kind: str, period: str, actor=None) -> ScorecardRun:
    """Compute (or recompute) a kind's scorecards for a period and store them as its run."""
    kind = parse_kind(kind)
    parsed = parse_period(period)
    indicator_set = set_for(kind, parsed)
    results = evaluate(kind, parsed, indicator_set)
    with transaction.atomic():
        run, created = ScorecardRun.objects.select_for_update().get_or_create(
            kind=kind,
            period=parsed.key,
            defaults={"indicator_set": indicator_set, "computed_at": clock.now()},
        )
        if not created:
            IndicatorScore.objects.filter(card__run=run).delete()
            run.cards.all().delete()
        run.indicator_set = indicator_set
        run.computed_at = clock.now()
        run.computed_by = actor
        run.organizations = len(results)
        run.save()
        cards = Scorecard.objects.bulk_create(
            Scorecard(
                run=run,
                organization=result.organization,
                kind=kind,
                period=parsed.key,
                region_code=result.organization.region.code,
                score=result.score,
                rank=rank,
            )
            for rank, result in enumerate(results, start=1)
        )
        IndicatorScore.objects.bulk_create(
            IndicatorScore(
                card=card,
                position=position,
                code=item.code,
                name=item.name,
                weight=item.weight,
                formula=item.formula,
                numerator=item.numerator,
                denominator=item.denominator,
                value=item.value,
                points=item.points,
            )
            for card, result in zip(cards, results, strict=True)
            for position, item in enumerate(result.indicators, start=1)
        )
        audit.record(
            action="create" if created else "update",
            obj=run,
            user=actor,
            note=f"计算{run}：{len(results)}家机构（指标体系{indicator_set}）",
        )
        consequences.propose(run, actor=actor)
    return run
