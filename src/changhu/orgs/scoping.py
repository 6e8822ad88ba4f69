"""What a user's data scope is: their role's rights and the regions they may see.

Region prefixes: the user's own region scope intersected with the regions their organization
covers (an insurer's assigned districts, a bureau's city). Nested division codes make the
intersection of two regions simply the longer prefix when one contains the other.

An organization's prefixes are stored on it (``Organization.scope_prefixes``) and refreshed
whenever its region, parent or coverage changes (``orgs.signals``), so the scope of a request
is resolved from the user row the authentication already loaded, without a query.
"""

from __future__ import annotations

from changhu.core.scope import Scope
from changhu.orgs.roles import RIGHTS


def _intersect(a: list[str], b: list[str]) -> tuple[str, ...]:
    out: set[str] = set()
    for x in a:
        for y in b:
            if x.startswith(y):
                out.add(x)
            elif y.startswith(x):
                out.add(y)
    # Drop prefixes already covered by a shorter one.
    kept = sorted(out, key=len)
    result: list[str] = []
    for p in kept:
        if not any(p.startswith(q) for q in result):
            result.append(p)
    return tuple(sorted(result))


def compute_prefixes(org) -> list[str]:
    """The prefixes from the database: coverage, else the parent's (outlets), else the region."""
    if org is None:
        return []
    covered = sorted(r.prefix for r in org.coverage.all())
    if covered:
        return covered
    if org.kind == "outlet" and org.parent_id:
        return compute_prefixes(org.parent)
    return [org.region.prefix]


def organization_prefixes(org) -> list[str]:
    if org is None:
        return []
    if org.scope_prefixes:
        return org.scope_prefixes.split(",")
    return compute_prefixes(org)


def refresh_prefixes(org) -> None:
    """Store the organization's prefixes, and those of the outlets that inherit them."""
    from changhu.orgs.models import Organization

    value = ",".join(compute_prefixes(org))
    Organization.objects.filter(pk=org.pk).update(scope_prefixes=value)
    org.scope_prefixes = value
    for branch in Organization.objects.filter(parent_id=org.pk).exclude(pk=org.pk):
        refresh_prefixes(branch)


def scope_for_user(user) -> Scope:
    if user.is_superuser and not user.role:
        return Scope(
            user_id=user.pk,
            role="superuser",
            organization_id=None,
            organization_kind="",
            unrestricted=True,
        )
    org = user.organization
    if org is None or not user.role or not user.is_active:
        return Scope(
            user_id=user.pk, role=user.role or "", organization_id=None, organization_kind=""
        )
    if org.status != "active":
        # A suspended or terminated organization's users keep their login but see nothing.
        return Scope(
            user_id=user.pk, role=user.role, organization_id=org.pk, organization_kind=org.kind
        )
    org_prefixes = organization_prefixes(org)
    user_prefixes = [user.region_scope.prefix] if user.region_scope_id else org_prefixes
    return Scope(
        user_id=user.pk,
        role=user.role,
        organization_id=org.pk,
        organization_kind=org.kind,
        region_prefixes=_intersect(user_prefixes, org_prefixes),
        rights=RIGHTS.get(user.role, frozenset()),
    )
