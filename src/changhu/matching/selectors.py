"""Every read of the matching app, already narrowed to the reader's data scope.

An insurer sees the matches and recoveries of persons in its districts and the lists its own
people uploaded; the bureau, its regions; a care institution sees nothing of matching.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from changhu.core import scope
from changhu.core.db import filter_given
from changhu.core.errors import PermissionDenied
from changhu.matching.imports import batch_policy
from changhu.matching.models import (
    MatchBatch,
    MatchRecord,
    MatchStatus,
    RecoveryProposal,
    RecoveryStatus,
)
from changhu.orgs.roles import Right


@scope.register(MatchRecord)
def _record_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Matches of persons in the reader's regions; unmatched rows of the lists they may see."""
    if not s.can(Right.MATCH_VIEW):
        return queryset.none()
    matched = Q(person__isnull=False) & s.region_q("region_code")
    batches = batch_policy(MatchBatch.objects.all(), s).values("pk")
    return queryset.filter(matched | Q(status=MatchStatus.UNMATCHED, batch_id__in=batches))


@scope.register(RecoveryProposal)
def _recovery_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.MATCH_VIEW):
        return queryset.none()
    return queryset.filter(s.region_q("region_code"))


def _require_view(user) -> None:
    if not scope.scope_of(user).can(Right.MATCH_VIEW):
        raise PermissionDenied()


def batch_list(*, fetched_by, kind: str = "", status: str = "") -> QuerySet:
    """Lists the reader may see, newest first."""
    _require_view(fetched_by)
    qs = scope.scoped(MatchBatch.objects.all(), fetched_by).select_related(
        "uploaded_by", "committed_by", "organization"
    )
    return filter_given(qs, kind=kind, status=status).order_by("-created_at", "-id")


def batch_get(*, fetched_by, batch_id: int) -> MatchBatch:
    qs = MatchBatch.objects.select_related("uploaded_by", "committed_by", "organization")
    return scope.get_scoped(qs, fetched_by, pk=batch_id)


def record_list(
    *,
    fetched_by,
    status: str = "",
    kind: str = "",
    batch_id: int | None = None,
    name_mismatch: bool | None = None,
) -> QuerySet:
    """Matches in scope: the review queue is ``status=pending``, oldest first."""
    _require_view(fetched_by)
    qs = scope.scoped(MatchRecord.objects.all(), fetched_by).select_related(
        "person", "batch", "reviewed_by", "life_event"
    )
    qs = filter_given(qs, status=status, kind=kind, batch_id=batch_id)
    if name_mismatch is not None:
        qs = qs.filter(name_mismatch=name_mismatch)
    return qs.order_by("created_at", "id")


def record_get(*, fetched_by, record_id: int) -> MatchRecord:
    qs = MatchRecord.objects.select_related("person", "batch", "reviewed_by", "life_event")
    return scope.get_scoped(qs, fetched_by, pk=record_id)


def pending_count(user) -> int:
    return scope.scoped(MatchRecord.objects.filter(status=MatchStatus.PENDING), user).count()


def recovery_list(*, fetched_by, status: str = "", match_id: int | None = None) -> QuerySet:
    _require_view(fetched_by)
    qs = scope.scoped(RecoveryProposal.objects.all(), fetched_by).select_related(
        "person", "line", "line__institution", "adjustment", "match", "decided_by"
    )
    return filter_given(qs, status=status, match_id=match_id).order_by("created_at", "id")


def recovery_get(*, fetched_by, proposal_id: int) -> RecoveryProposal:
    qs = RecoveryProposal.objects.select_related(
        "person", "line", "line__institution", "line__period", "adjustment", "match"
    )
    return scope.get_scoped(qs, fetched_by, pk=proposal_id)


def proposed_recovery_count(user) -> int:
    qs = RecoveryProposal.objects.filter(status=RecoveryStatus.PROPOSED)
    return scope.scoped(qs, user).count()
