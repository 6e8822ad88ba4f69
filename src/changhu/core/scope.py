"""Data scope in one place.

Every model whose rows a user may or may not see registers one policy here: a function that
narrows a queryset to what a :class:`Scope` allows. Selectors, API endpoints, web views and
exports all go through :func:`scoped` / :func:`get_scoped`, so no read path can forget it.
What a user's scope *is* (regions, organization, role) is decided by ``orgs`` and installed
with :func:`set_scope_resolver`; this module knows nothing of organizations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet

from changhu.core.errors import NotAuthenticated, NotFound, PermissionDenied


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    role: str
    organization_id: int | None
    organization_kind: str
    # Region code prefixes the user may see (division codes: "51" province, "5101" city,
    # "510104" district, "510104001" street). Empty: no region-based rows at all.
    region_prefixes: tuple[str, ...] = ()
    rights: frozenset[str] = field(default_factory=frozenset)
    unrestricted: bool = False  # platform superuser: sees everything

    def can(self, right: str) -> bool:
        return self.unrestricted or right in self.rights

    def region_q(self, field_name: str) -> Q:
        """A filter on a division-code column: rows inside any of the scope's regions."""
        if self.unrestricted:
            return Q()
        if not self.region_prefixes:
            return Q(pk__in=[])
        q = Q()
        for prefix in self.region_prefixes:
            q |= Q(**{f"{field_name}__startswith": prefix})
        return q

    def covers_region(self, code: str) -> bool:
        return self.unrestricted or any(code.startswith(p) for p in self.region_prefixes)


Policy = Callable[[QuerySet, Scope], QuerySet]
_policies: dict[type[Model], Policy] = {}
_resolver: Callable[[object], Scope] | None = None


def register(*models: type[Model]) -> Callable[[Policy], Policy]:
    """Decorator: ``@scope.register(Person)`` on the function that narrows Person rows (one
    function may serve several models whose rows are seen the same way)."""

    def decorate(policy: Policy) -> Policy:
        for model in models:
            _policies[model] = policy
        return policy

    return decorate


def set_scope_resolver(resolver: Callable[[object], Scope]) -> None:
    global _resolver
    _resolver = resolver


def scope_of(user) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAuthenticated()
    cached = getattr(user, "_changhu_scope", None)
    if cached is not None:
        return cached
    if _resolver is None:
        raise RuntimeError("no scope resolver installed")
    resolved = _resolver(user)
    user._changhu_scope = resolved
    return resolved


def require(user, right: str) -> Scope:
    """The user's scope, if they hold the named right; otherwise a 403 domain error."""
    scope = scope_of(user)
    if not scope.can(right):
        raise PermissionDenied()
    return scope


def scoped(queryset: QuerySet, user) -> QuerySet:
    """The rows of ``queryset`` that ``user`` may see."""
    scope = scope_of(user)
    if scope.unrestricted:
        return queryset
    policy = _policies.get(queryset.model)
    if policy is None:
        raise RuntimeError(f"no scope policy registered for {queryset.model.__name__}")
    return policy(queryset, scope)


def get_scoped(queryset: QuerySet, user, **lookup):
    """One row by ``lookup`` if it exists and is in scope; otherwise 404, the same either way."""
    try:
        return scoped(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def forget(user) -> None:
    """Drop the scope cached on a user object (after their role or regions change)."""
    user.__dict__.pop("_changhu_scope", None)
