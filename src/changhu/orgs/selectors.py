"""Reads of regions and organizations."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from changhu.core import scope
from changhu.orgs.models import Organization, Region, RegionLevel
from changhu.orgs.roles import Right


@scope.register(Organization)
def _organization_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Your own organization always; with the right, every organization in your regions."""
    own = Q(pk=s.organization_id) if s.organization_id else Q(pk__in=[])
    if s.can(Right.ORGS_VIEW):
        return queryset.filter(own | s.region_q("region__code")).distinct()
    return queryset.filter(own)


def region_children(*, parent_code: str | None) -> QuerySet:
    qs = Region.objects.filter(active=True)
    if parent_code:
        return qs.filter(parent__code=parent_code)
    return qs.filter(parent__isnull=True)


def districts_in_scope(*, user) -> QuerySet:
    """The districts a user may filter by."""
    s = scope.scope_of(user)
    qs = Region.objects.filter(level=RegionLevel.DISTRICT, active=True)
    if s.unrestricted:
        return qs
    q = Q(pk__in=[])
    for prefix in s.region_prefixes:
        q |= Q(code__startswith=prefix[:6]) if len(prefix) >= 6 else Q(code__startswith=prefix)
    return qs.filter(q)


def streets_in_scope(*, user, district_code: str = "") -> QuerySet:
    s = scope.scope_of(user)
    qs = Region.objects.filter(level=RegionLevel.STREET, active=True).select_related("parent")
    if district_code:
        qs = qs.filter(code__startswith=district_code)
    if s.unrestricted:
        return qs
    return qs.filter(s.region_q("code"))


def organization_get(*, fetched_by, organization_id: int) -> Organization:
    """One organization in the reader's scope, with its consortium and coverage (404 outside)."""
    qs = organization_list(fetched_by=fetched_by).select_related("consortium")
    return scope.get_scoped(qs.prefetch_related("coverage"), fetched_by, pk=organization_id)


def organization_branches(*, fetched_by, organization: Organization) -> list[Organization]:
    """The branches of an organization that the reader may see."""
    return list(organization_list(fetched_by=fetched_by).filter(parent=organization))


def organization_list(*, fetched_by, kind: str = "") -> QuerySet:
    qs = scope.scoped(Organization.objects.select_related("region", "parent"), fetched_by)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "name")
