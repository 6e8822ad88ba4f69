"""Every read of policies, periods, claims, lines, payments and members that leaves this app.

Scope: a care institution's users see their own institution's claims, lines, exclusions and
payment orders only; bureau and insurer staff see those of institutions located in their
regions (payments to persons: persons in their regions); periods are seen by whoever holds
the view right and a region overlapping the period's. Policy versions are published rules:
everyone with the view or calculator right sees them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from changhu.core import scope
from changhu.core.db import filter_given
from changhu.core.models import TransitionLog
from changhu.core.transitions import timeline
from changhu.orgs.models import OrgKind, Region
from changhu.orgs.roles import Right
from changhu.settlement import labels
from changhu.settlement.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    Exclusion,
    InstitutionTariff,
    LineStatus,
    PaymentOrder,
    PeriodStatus,
    PolicyKind,
    PolicyVersion,
    SettlementPeriod,
    SettlementRun,
    SupplementaryMember,
)
from changhu.settlement.policies import benefit_policy_for_region, parsed
from changhu.settlement.policy import mask_ranges


@scope.register(Claim, ClaimLine, Exclusion, InstitutionTariff)
def _by_institution(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Care staff: their institution's rows; others: those of institutions in their regions."""
    if not s.can(Right.SETTLEMENT_VIEW):
        return queryset.none()
    if s.organization_kind == OrgKind.CARE:
        return queryset.filter(institution__organization_id=s.organization_id)
    return queryset.filter(s.region_q("institution__region_code"))


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


@scope.register(PaymentOrder)
def _payment_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.SETTLEMENT_VIEW):
        return queryset.none()
    if s.organization_kind == OrgKind.CARE:
        return queryset.filter(institution__organization_id=s.organization_id)
    return queryset.filter(
        (Q(payee_kind="institution") & s.region_q("institution__region_code"))
        | (Q(payee_kind="person") & s.region_q("person__region_code"))
    )


@scope.register(SupplementaryMember)
def _member_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.SETTLEMENT_VIEW) or s.organization_kind == OrgKind.CARE:
        return queryset.none()
    return queryset.filter(s.region_q("person__region_code"))


# --- reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualifyingGrades:
    """Which grades give a right to benefits, and the policy that says so."""

    grades: frozenset[int]
    policy_name: str
    policy_version: str

    def __contains__(self, grade: object) -> bool:
        return grade in self.grades


def qualifying_grades_for(region_code: str, day: dt.date) -> QualifyingGrades | None:
    """The qualifying grades of the benefit policy in force on ``day`` for the region (``None``
    when no policy covers it). The one source of "which grades qualify": care and assessment
    ask here. A system read of published rules: no scope."""
    row = benefit_policy_for_region(region_code or "", day)
    if row is None:
        return None
    return QualifyingGrades(parsed(row).qualifying_grades, row.name, row.version)


def policy_list(*, fetched_by) -> QuerySet:
    return scope.scoped(PolicyVersion.objects.all(), fetched_by).order_by(
        "kind", "code", "-effective_from"
    )


def policy_get(*, fetched_by, policy_id: int) -> PolicyVersion:
    return scope.get_scoped(PolicyVersion.objects.all(), fetched_by, pk=policy_id)


def policy_names(*, fetched_by, kind: str) -> list[tuple[str, str]]:
    """The policies of a kind to choose from: code and the Chinese name of the latest version."""
    names: dict[str, str] = {}
    for p in (
        policy_list(fetched_by=fetched_by).filter(kind=kind).order_by("code", "-effective_from")
    ):
        names.setdefault(p.code, p.name)
    return sorted(names.items())


def regions_with_benefit_policy(*, fetched_by) -> list[Region]:
    """The regions a benefit policy is published for, to open a period in. Published rules are
    not region-scoped: a reader with a settlement right sees every region that has one."""
    codes = set(
        policy_list(fetched_by=fetched_by)
        .filter(kind=PolicyKind.BENEFIT)
        .values_list("region_code", flat=True)
    )
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def period_list(*, fetched_by) -> QuerySet:
    return scope.scoped(
        SettlementPeriod.objects.select_related("policy", "supplementary", "region"), fetched_by
    ).order_by("-month", "region_code")


def period_get(*, fetched_by, period_id: int) -> SettlementPeriod:
    qs = SettlementPeriod.objects.select_related("policy", "supplementary", "region", "paid_by")
    return scope.get_scoped(qs, fetched_by, pk=period_id)


def periods_open_after(*, fetched_by, period: SettlementPeriod) -> list[SettlementPeriod]:
    """The region's later periods in scope that are not paid yet: where an adjustment to a line
    of ``period`` can be booked."""
    return list(
        period_list(fetched_by=fetched_by)
        .filter(region_id=period.region_id, month__gt=period.month)
        .exclude(status=PeriodStatus.PAID)
    )


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
    qs = filter_given(qs, period_id=f.period_id, status=f.status, institution_id=f.institution_id)
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
    qs = filter_given(
        qs,
        claim_id=f.claim_id,
        period_id=f.period_id,
        person_id=f.person_id,
        status=f.status,
        benefit=f.benefit,
        payer=f.payer,
        person__name__startswith=f.q.strip(),
    )
    return qs.order_by("person__name", "person_id", "seq", "tier", "id")


def line_get(*, fetched_by, line_id: int) -> ClaimLine:
    qs = ClaimLine.objects.select_related(
        "person", "claim__period", "institution__organization", "policy", "adjusts__period"
    )
    return scope.get_scoped(qs, fetched_by, pk=line_id)


def exclusion_list(*, fetched_by, claim_id: int | None = None, person_id: int | None = None):
    qs = scope.scoped(Exclusion.objects.select_related("person"), fetched_by)
    qs = filter_given(qs, claim_id=claim_id, person_id=person_id)
    return qs.order_by("day", "id")


def payment_list(*, fetched_by, period_id: int | None = None, payee_kind: str = "") -> QuerySet:
    qs = scope.scoped(
        PaymentOrder.objects.select_related("institution__organization", "person", "entry"),
        fetched_by,
    )
    qs = filter_given(qs, period_id=period_id, payee_kind=payee_kind)
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
    qs = filter_given(qs, plan_code=plan_code, year=year)
    return qs.order_by("-year", "person__name")


def line_days(line: ClaimLine) -> str:
    """The days of the month the line counts, as runs (``1-4,6-31``)."""
    return mask_ranges(int(line.days_mask))


# --- figures over what the reader sees ------------------------------------------------------


@dataclass
class ClaimTotals:
    """Sums over a set of claims, so a figure above a list is the sum of its rows."""

    claims: int = 0
    persons: int = 0
    lines: int = 0
    fund_fen: int = 0
    supplementary_fen: int = 0
    personal_fen: int = 0
    withdrawn_fen: int = 0
    rejected_fen: int = 0
    excluded: int = 0


_CLAIM_SUMS = {
    "persons": Sum("person_count"),
    "lines": Sum("line_count"),
    "fund_fen": Sum("fund_fen"),
    "supplementary_fen": Sum("supplementary_fen"),
    "personal_fen": Sum("personal_fen"),
    "withdrawn_fen": Sum("withdrawn_fen"),
    "rejected_fen": Sum("rejected_fen"),
    "excluded": Sum("excluded_count"),
}


def claim_totals(claims: QuerySet) -> ClaimTotals:
    """The totals of a (scoped, filtered) claim queryset."""
    row = claims.order_by().aggregate(claims=Count("id"), **_CLAIM_SUMS)
    return ClaimTotals(**{k: v or 0 for k, v in row.items()})


def claim_totals_by_period(*, fetched_by, period_ids) -> dict[int, ClaimTotals]:
    """For each period, the totals of the claims the reader may see."""
    rows = (
        claim_list(fetched_by=fetched_by)
        .filter(period_id__in=list(period_ids))
        .order_by()
        .values("period_id")
        .annotate(claims=Count("id"), **_CLAIM_SUMS)
    )
    out: dict[int, ClaimTotals] = {}
    for row in rows:
        period_id = row.pop("period_id")
        out[period_id] = ClaimTotals(**{k: v or 0 for k, v in row.items()})
    return out


def claim_status_counts(claims: QuerySet) -> dict[str, int]:
    counts = dict.fromkeys(ClaimStatus.values, 0)
    for row in claims.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


@dataclass
class Payable:
    """What a decision pays: the payable lines and their amounts by tier."""

    lines: int = 0
    fund_fen: int = 0
    supplementary_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.fund_fen + self.supplementary_fen


def payable(*, fetched_by, claim_id: int | None = None, period_id: int | None = None) -> Payable:
    """The payable lines of a claim or a period that the reader sees, counted and summed."""
    qs = scope.scoped(ClaimLine.objects.filter(status=LineStatus.PAYABLE), fetched_by)
    qs = filter_given(qs, claim_id=claim_id, period_id=period_id)
    row = qs.aggregate(
        lines=Count("id"),
        fund=Sum("fund_fen", filter=Q(tier=1)),
        supplementary=Sum("fund_fen", filter=Q(tier=2)),
    )
    return Payable(row["lines"] or 0, row["fund"] or 0, row["supplementary"] or 0)


def payment_totals(payments: QuerySet) -> dict[str, int]:
    row = payments.order_by().aggregate(
        orders=Count("id"), lines=Sum("line_count"), amount_fen=Sum("amount_fen")
    )
    return {k: v or 0 for k, v in row.items()}


# --- returned claims ------------------------------------------------------------------------


@dataclass
class ClaimReturn:
    """The step that sent a claim back, while the claim still waits there."""

    step: str
    reason: str
    headline: str
    actor: str
    at: dt.datetime


def claim_returns(claims) -> dict[int, ClaimReturn]:
    """For each claim (already scoped) that was sent back and has not moved on since, why."""
    by_id = {c.pk: c for c in claims}
    if not by_id:
        return {}
    logs = (
        TransitionLog.objects.filter(
            object_type=Claim._meta.label_lower, object_id__in=[str(pk) for pk in by_id]
        )
        .select_related("actor")
        .order_by("object_id", "-at", "-id")
    )
    latest: dict[int, TransitionLog] = {}
    for log in logs:
        latest.setdefault(int(log.object_id), log)
    out = {}
    for pk, log in latest.items():
        step = (log.from_state, log.to_state)
        if step in labels.RETURN_STEPS and by_id[pk].status == log.to_state:
            out[pk] = ClaimReturn(
                step=labels.claim_step_label(*step),
                reason=log.reason,
                headline=labels.return_headline(log.reason),
                actor=log.actor.display_name if log.actor else "系统",
                at=log.at,
            )
    return out


def claim_history(claim: Claim) -> list[dict]:
    """The claim's steps in words: when, who, which step, from which state to which, why."""
    return [
        {
            "at": log.at,
            "actor": log.actor.display_name if log.actor else "系统",
            "step": labels.claim_step_label(log.from_state, log.to_state),
            "from_label": labels.CLAIM_STATUS_LABELS.get(log.from_state, log.from_state),
            "to_label": labels.CLAIM_STATUS_LABELS.get(log.to_state, log.to_state),
            "reason": log.reason,
            "is_return": (log.from_state, log.to_state) in labels.RETURN_STEPS,
        }
        for log in timeline(claim)
    ]


# --- the claims queues (home page cards and the claim list) ----------------------------------


def claims_waiting(user, status: str) -> QuerySet:
    """Claims in the user's scope in a status; for the second review, not those the user
    reviewed first (they may not review them again)."""
    qs = claim_list(fetched_by=user).filter(status=status)
    if status == ClaimStatus.FIRST_REVIEWED:
        qs = qs.exclude(first_reviewer=user)
    return qs


def returned_claims(user, status: str):
    """Claims in the user's queue for ``status`` that a reviewer sent back, with why."""
    claims = list(claims_waiting(user, status).select_related(None).only("id", "status"))
    return claim_returns(claims)


def claims_sent_back(user, status: str) -> QuerySet:
    """The claims of the user's queue for ``status`` that a reviewer sent back."""
    return claims_waiting(user, status).filter(pk__in=list(returned_claims(user, status)))


def returned_hint(user, status: str) -> str:
    """A queue card's line about sent-back claims: ``2 份申报被退回：缺少护理记录``."""
    returns = returned_claims(user, status)
    if not returns:
        return ""
    reasons = list(dict.fromkeys(r.headline for r in returns.values() if r.headline))
    text = f"{len(returns)} 份申报被退回"
    if reasons:
        text += "：" + "、".join(reasons[:3]) + ("等" if len(reasons) > 3 else "")
    return text
