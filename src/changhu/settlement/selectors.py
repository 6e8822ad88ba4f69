"""Every read of policies, periods, claims, lines, payments and members that leaves this app.

Scope: a care institution's users see their own institution's claims, lines, exclusions and
payment orders only; bureau and insurer staff see those of institutions located in their
regions (payments to persons: persons in their regions); periods are seen by whoever holds
the view right and a region overlapping the period's. Policy versions are published rules:
everyone with the view or calculator right sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from changhu.core import scope
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.settlement.models import (
    Claim,
    ClaimLine,
    Exclusion,
    InstitutionTariff,
    PaymentOrder,
    PolicyVersion,
    SettlementPeriod,
    SettlementRun,
    SupplementaryMember,
)
from changhu.settlement.policy import mask_ranges


def _care(s: scope.Scope) -> bool:
    return s.organization_kind == OrgKind.CARE


def _by_institution(queryset: QuerySet, s: scope.Scope, field: str = "institution") -> QuerySet:
    if not s.can(Right.SETTLEMENT_VIEW):
        return queryset.none()
    if _care(s):
        return queryset.filter(**{f"{field}__organization_id": s.organization_id})
    return queryset.filter(s.region_q(f"{field}__region_code"))


def _overlapping_regions(s: scope.Scope) -> Q:
    """Periods whose region contains one of the scope's regions, or lies inside one."""
    if not s.region_prefixes:
        return Q(pk__in=[])
    inside = Q()
    containing: set[str] = set()
    for prefix in s.region_prefixes:
        inside |= Q(region_prefix__startswith=prefix)
        containing.update(prefix[:n] for n in range(2, len(prefix) + 1, 2))
    return inside | Q(region_prefix__in=sorted(containing))


@scope.register(PolicyVersion)
def _policy_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if s.can(Right.SETTLEMENT_VIEW) or s.can(Right.SETTLEMENT_CALCULATE):
        return queryset
    return queryset.none()


@scope.register(SettlementPeriod)
def _period_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.SETTLEMENT_VIEW):
        return queryset.none()
    return queryset.filter(_overlapping_regions(s))


@scope.register(SettlementRun)
def _run_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(period__in=_period_policy(SettlementPeriod.objects.all(), s))


@scope.register(Claim)
def _claim_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return _by_institution(queryset, s)


@scope.register(ClaimLine)
def _line_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return _by_institution(queryset, s)


@scope.register(Exclusion)
def _exclusion_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return _by_institution(queryset, s)


@scope.register(PaymentOrder)
def _payment_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.SETTLEMENT_VIEW):
        return queryset.none()
    if _care(s):
        return queryset.filter(institution__organization_id=s.organization_id)
    return queryset.filter(
        (Q(payee_kind="institution") & s.region_q("institution__region_code"))
        | (Q(payee_kind="person") & s.region_q("person__region_code"))
    )


@scope.register(InstitutionTariff)
def _tariff_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return _by_institution(queryset, s)


@scope.register(SupplementaryMember)
def _member_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.SETTLEMENT_VIEW) or _care(s):
        return queryset.none()
    return queryset.filter(s.region_q("person__region_code"))


# --- reads ----------------------------------------------------------------------------------


def policy_list(*, fetched_by) -> QuerySet:
    return scope.scoped(PolicyVersion.objects.all(), fetched_by).order_by(
        "kind", "code", "-effective_from"
    )


def policy_get(*, fetched_by, policy_id: int) -> PolicyVersion:
    return scope.get_scoped(PolicyVersion.objects.all(), fetched_by, pk=policy_id)


def period_list(*, fetched_by) -> QuerySet:
    return scope.scoped(
        SettlementPeriod.objects.select_related("policy", "supplementary", "region"), fetched_by
    ).order_by("-month", "region_code")


def period_get(*, fetched_by, period_id: int) -> SettlementPeriod:
    qs = SettlementPeriod.objects.select_related("policy", "supplementary", "region", "paid_by")
    return scope.get_scoped(qs, fetched_by, pk=period_id)


def latest_run(*, fetched_by, period_id: int) -> SettlementRun | None:
    return (
        scope.scoped(SettlementRun.objects.filter(period_id=period_id), fetched_by)
        .order_by("-created_at", "-id")
        .first()
    )


def run_get(*, fetched_by, run_id: int) -> SettlementRun:
    return scope.get_scoped(SettlementRun.objects.select_related("period"), fetched_by, pk=run_id)


@dataclass
class ClaimFilters:
    period_id: int | None = None
    status: str = ""
    institution_id: int | None = None


def claim_list(*, fetched_by, filters: ClaimFilters | None = None) -> QuerySet:
    f = filters or ClaimFilters()
    qs = scope.scoped(
        Claim.objects.select_related("period", "institution__organization"), fetched_by
    )
    if f.period_id:
        qs = qs.filter(period_id=f.period_id)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.institution_id:
        qs = qs.filter(institution_id=f.institution_id)
    return qs.order_by("-period__month", "institution__organization__name", "id")


def claim_get(*, fetched_by, claim_id: int) -> Claim:
    qs = Claim.objects.select_related(
        "period__policy",
        "period__supplementary",
        "institution__organization",
        "submitted_by",
        "first_reviewer",
        "second_reviewer",
    )
    return scope.get_scoped(qs, fetched_by, pk=claim_id)


@dataclass
class LineFilters:
    claim_id: int | None = None
    period_id: int | None = None
    person_id: int | None = None
    status: str = ""
    benefit: str = ""
    payer: str = ""
    q: str = ""  # a name prefix


def line_list(*, fetched_by, filters: LineFilters | None = None) -> QuerySet:
    f = filters or LineFilters()
    qs = scope.scoped(
        ClaimLine.objects.select_related("person", "claim", "institution__organization"),
        fetched_by,
    )
    if f.claim_id:
        qs = qs.filter(claim_id=f.claim_id)
    if f.period_id:
        qs = qs.filter(period_id=f.period_id)
    if f.person_id:
        qs = qs.filter(person_id=f.person_id)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.benefit:
        qs = qs.filter(benefit=f.benefit)
    if f.payer:
        qs = qs.filter(payer=f.payer)
    if f.q.strip():
        qs = qs.filter(person__name__startswith=f.q.strip())
    return qs.order_by("person__name", "person_id", "seq", "tier", "id")


def line_get(*, fetched_by, line_id: int) -> ClaimLine:
    qs = ClaimLine.objects.select_related(
        "person", "claim__period", "institution__organization", "policy", "adjusts__period"
    )
    return scope.get_scoped(qs, fetched_by, pk=line_id)


def exclusion_list(*, fetched_by, claim_id: int | None = None, person_id: int | None = None):
    qs = scope.scoped(Exclusion.objects.select_related("person"), fetched_by)
    if claim_id:
        qs = qs.filter(claim_id=claim_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs.order_by("day", "id")


def payment_list(*, fetched_by, period_id: int | None = None, payee_kind: str = "") -> QuerySet:
    qs = scope.scoped(
        PaymentOrder.objects.select_related("institution__organization", "person", "entry"),
        fetched_by,
    )
    if period_id:
        qs = qs.filter(period_id=period_id)
    if payee_kind:
        qs = qs.filter(payee_kind=payee_kind)
    return qs.order_by("payer", "payee_kind", "-amount_fen", "id")


def tariff_list(*, fetched_by, institution_id: int | None = None) -> QuerySet:
    qs = scope.scoped(
        InstitutionTariff.objects.select_related("institution__organization"), fetched_by
    )
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    return qs.order_by("institution__organization__name", "-valid_from")


def member_list(*, fetched_by, plan_code: str = "", year: int | None = None) -> QuerySet:
    qs = scope.scoped(SupplementaryMember.objects.select_related("person"), fetched_by)
    if plan_code:
        qs = qs.filter(plan_code=plan_code)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "person__name")


def line_days(line: ClaimLine) -> str:
    """The days of the month the line counts, as runs (``1-4,6-31``)."""
    return mask_ranges(int(line.days_mask))
