"""Every read of scorecards, narrowed to the reader's scope.

The bureau and the regulator see the cards of the organizations in their regions; an insurer
the care and assessment institutions in the districts it administers and its own card; a care
or assessment institution only its own card; anyone without the right nothing. The rows behind
an indicator go through the scope policies of the apps that own them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Prefetch, Q, QuerySet, Value, When

from changhu.core import scope
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.scorecards.models import (
    ConsequenceProposal,
    ConsequenceStatus,
    IndicatorScore,
    IndicatorSet,
    ManualScore,
    Scorecard,
    ScorecardKind,
    ScorecardRun,
)


@scope.register(Scorecard, ManualScore)
def _card_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.SCORECARDS_VIEW):
        return queryset.none()
    own = Q(organization_id=s.organization_id) if s.organization_id else Q(pk__in=[])
    if s.organization_kind in (OrgKind.CARE, OrgKind.ASSESSMENT):
        return queryset.filter(own)
    if s.organization_kind in (OrgKind.INSURER, OrgKind.OUTLET):
        others = s.region_q("region_code") & ~Q(kind=ScorecardKind.INSURER)
        return queryset.filter(own | others)
    return queryset.filter(own | s.region_q("region_code"))


@scope.register(ConsequenceProposal)
def _consequence_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """As the cards, except that an organization sees only what was confirmed about it (the
    notice), not what was proposed or set aside."""
    queryset = _card_policy(queryset, s)
    if s.organization_kind in (OrgKind.CARE, OrgKind.ASSESSMENT):
        return queryset.filter(status=ConsequenceStatus.CONFIRMED)
    if s.organization_kind in (OrgKind.INSURER, OrgKind.OUTLET):
        own = Q(organization_id=s.organization_id) if s.organization_id else Q(pk__in=[])
        return queryset.filter(~own | Q(status=ConsequenceStatus.CONFIRMED))
    return queryset


@scope.register(ScorecardRun, IndicatorSet)
def _run_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset if s.can(Right.SCORECARDS_VIEW) else queryset.none()


def _with_indicators(qs: QuerySet) -> QuerySet:
    return qs.select_related("organization", "organization__region").prefetch_related(
        Prefetch("indicators", queryset=IndicatorScore.objects.order_by("position"))
    )


def run_cards(run: ScorecardRun) -> list[Scorecard]:
    """Every card of a run with its indicators, by rank (unscoped: the command line)."""
    return list(_with_indicators(run.cards.all()).order_by("rank", "organization__name"))


def run_get(*, fetched_by, kind: str, period: str) -> ScorecardRun | None:
    return scope.scoped(ScorecardRun.objects.filter(kind=kind, period=period), fetched_by).first()


@dataclass
class RankingFilters:
    kind: str = ScorecardKind.CARE
    period: str = ""
    district: str = ""  # a district's division code


def card_list(*, fetched_by, filters: RankingFilters) -> QuerySet:
    """The cards of a kind and period in the reader's scope, best first."""
    qs = scope.scoped(
        Scorecard.objects.filter(kind=filters.kind, period=filters.period), fetched_by
    )
    if filters.district:
        qs = qs.filter(region_code__startswith=filters.district)
    return _with_indicators(qs).order_by("-score", "organization__name")


def card_get(*, fetched_by, card_id: int) -> Scorecard:
    return scope.get_scoped(
        _with_indicators(Scorecard.objects.select_related("run__indicator_set")),
        fetched_by,
        pk=card_id,
    )


def card_for(*, fetched_by, organization_id: int, kind: str, period: str) -> Scorecard:
    return scope.get_scoped(
        _with_indicators(Scorecard.objects.select_related("run__indicator_set")),
        fetched_by,
        organization_id=organization_id,
        kind=kind,
        period=period,
    )


def trend(*, fetched_by, card: Scorecard, periods: list[str]) -> list[tuple[str, float | None]]:
    """The organization's score in each of ``periods`` (oldest first), None where not computed."""
    qs = scope.scoped(
        Scorecard.objects.filter(
            organization_id=card.organization_id, kind=card.kind, period__in=periods
        ),
        fetched_by,
    )
    scores = dict(qs.values_list("period", "score"))
    return [(p, float(scores[p]) if p in scores else None) for p in periods]


def periods_computed(*, fetched_by, kind: str) -> list[str]:
    """The periods with a run of the kind, newest first."""
    qs = scope.scoped(ScorecardRun.objects.filter(kind=kind), fetched_by)
    return list(qs.order_by("-period").values_list("period", flat=True))


def manual_entries(*, fetched_by, card: Scorecard) -> QuerySet:
    return scope.scoped(
        ManualScore.objects.filter(
            organization_id=card.organization_id, kind=card.kind, period=card.period
        ),
        fetched_by,
    ).select_related("entered_by")


def manual_entry_get(*, fetched_by, entry_id: int) -> ManualScore:
    return scope.get_scoped(ManualScore.objects.all(), fetched_by, pk=entry_id)


@dataclass
class DrillDown:
    """The rows behind one indicator of one card that the reader may see."""

    indicator: IndicatorScore
    definition: dict
    label: str
    columns: list[str]
    rows: list[tuple[bool, list]]  # (counted in the numerator, cells)
    manual: list[ManualScore]
    total: int = 0  # the rows in the reader's scope (only the first ``limit`` are listed)


def indicator_definition(card: Scorecard, code: str) -> dict:
    for item in card.run.indicator_set.indicators:
        if item["code"] == code:
            return item
    from changhu.core.errors import NotFound

    raise NotFound()


def drill_down(*, fetched_by, card: Scorecard, code: str, limit: int = 500) -> DrillDown:
    """The rows behind a card's indicator, narrowed by the owning apps' scope policies."""
    from changhu.scorecards import periods
    from changhu.scorecards.compute import COMPUTED

    definition = indicator_definition(card, code)
    indicator = next(i for i in card.indicators.all() if i.code == code)
    if definition["formula"] == "manual":
        entries = list(manual_entries(fetched_by=fetched_by, card=card).filter(indicator_code=code))
        return DrillDown(indicator, definition, "现场评分记录", [], [], entries, len(entries))
    source = COMPUTED[card.kind][code]
    qs = scope.scoped(source.rows(card.organization, periods.parse(card.period)), fetched_by)
    rows = [
        (bool(source.counted(row)), [get(row) for _, get in source.columns])
        for row in qs.order_by("pk")[:limit]
    ]
    columns = [label for label, _ in source.columns]
    return DrillDown(indicator, definition, source.label, columns, rows, [], qs.count())


@dataclass
class ConsequenceFilters:
    status: str = ""
    kind: str = ""
    period: str = ""
    organization_id: int | None = None


def consequence_list(*, fetched_by, filters: ConsequenceFilters | None = None) -> QuerySet:
    """The consequence proposals in the reader's scope, those waiting first."""
    f = filters or ConsequenceFilters()
    qs = scope.scoped(ConsequenceProposal.objects.all(), fetched_by)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.period:
        qs = qs.filter(period=f.period)
    if f.organization_id:
        qs = qs.filter(organization_id=f.organization_id)
    waiting_first = Case(When(status=ConsequenceStatus.PROPOSED, then=Value(0)), default=Value(1))
    return qs.select_related("organization", "decided_by", "adjustment", "rule_set").order_by(
        waiting_first, "-period", "kind", "score", "organization__name", "id"
    )


def consequence_get(*, fetched_by, proposal_id: int) -> ConsequenceProposal:
    return scope.get_scoped(
        ConsequenceProposal.objects.select_related("organization", "decided_by", "adjustment"),
        fetched_by,
        pk=proposal_id,
    )


def pending_consequence_count(user) -> int:
    return consequence_list(
        fetched_by=user, filters=ConsequenceFilters(status=ConsequenceStatus.PROPOSED)
    ).count()
