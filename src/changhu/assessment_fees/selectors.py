"""Reads of the assessment fees app, all through the data scope.

Fees are settled per city (统筹地区, the first four digits of the division code). An assessment
institution's staff see their own institution's statements and lines only, and no run as a
whole; the bureau and the insurers see the runs and statements of the cities their regions lie
in; anyone without ``assessment_fees.view`` sees nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from changhu.assessment_fees.models import FeeLine, FeeRun, FeeStatement, FeeTableVersion
from changhu.core import scope
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right


def city_q(s: scope.Scope, field_name: str = "city_code") -> Q:
    """Rows of the cities the scope's regions lie in (a province-wide prefix: all its cities)."""
    if s.unrestricted:
        return Q()
    q = Q(pk__in=[])
    for prefix in s.region_prefixes:
        q |= Q(**{f"{field_name}__startswith": prefix[:4]})
    return q


@scope.register(FeeStatement)
def _statement_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.ASSESSMENT_FEES_VIEW):
        return queryset.none()
    if s.organization_kind == OrgKind.ASSESSMENT:
        return queryset.filter(institution_id=s.organization_id)
    return queryset.filter(city_q(s))


@scope.register(FeeLine)
def _line_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(statement__in=_statement_policy(FeeStatement.objects.all(), s))


@scope.register(FeeRun)
def _run_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """A run spans institutions: only the offices that settle them see it whole."""
    if not s.can(Right.ASSESSMENT_FEES_VIEW) or s.organization_kind == OrgKind.ASSESSMENT:
        return queryset.none()
    return queryset.filter(city_q(s))


@scope.register(FeeTableVersion)
def _table_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The fee table is public policy to everyone who deals with the fees."""
    return queryset if s.can(Right.ASSESSMENT_FEES_VIEW) else queryset.none()


def table_list(*, fetched_by) -> QuerySet:
    return scope.scoped(FeeTableVersion.objects.all(), fetched_by).order_by(
        "code", "-effective_from", "-id"
    )


def run_list(*, fetched_by) -> QuerySet:
    return scope.scoped(FeeRun.objects.select_related("created_by"), fetched_by).order_by("-month")


def run_get(*, fetched_by, run_id: int) -> FeeRun:
    return scope.get_scoped(FeeRun.objects.select_related("created_by"), fetched_by, pk=run_id)


def statement_list(*, fetched_by, run_id: int | None = None, status: str = "") -> QuerySet:
    qs = scope.scoped(
        FeeStatement.objects.select_related("run", "institution", "reviewed_by", "paid_by"),
        fetched_by,
    )
    if run_id:
        qs = qs.filter(run_id=run_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-run__month", "institution__name", "id")


def statement_get(*, fetched_by, statement_id: int) -> FeeStatement:
    return scope.get_scoped(
        FeeStatement.objects.select_related(
            "run", "institution", "reviewed_by", "paid_by", "entry"
        ),
        fetched_by,
        pk=statement_id,
    )


def line_list(*, fetched_by, statement_id: int) -> QuerySet:
    return scope.scoped(
        FeeLine.objects.filter(statement_id=statement_id).select_related(
            "application", "person", "fee_table", "rules", "conclusion"
        ),
        fetched_by,
    ).order_by("day", "id")


def city_name(code: str) -> str:
    """The name of a city given by its four digits (its region ``<code>00``), else the code."""
    from changhu.orgs.models import Region

    region = Region.objects.filter(code=f"{code}00").only("name").first()
    return region.name if region else code


def appeal_fee_rules() -> list:
    """The assessment rules versions, whose ``appeal_fee`` prices an appeal's re-assessment
    (read from the assessment app: public rules, no rows of anyone)."""
    from changhu.assessment.models import RuleVersion

    return list(RuleVersion.objects.order_by("code", "-effective_from"))
