"""Reads of the transfers (转移安置) of beneficiaries whose institution left."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from changhu.care.models import (
    FamilyNotice,
    Transfer,
    TransferStatus,
)
from changhu.core import clock, scope
from changhu.core.db import filter_given

# --- transfers (转移安置) ---------------------------------------------------------------------

PENDING_TRANSFER = (TransferStatus.OPEN, TransferStatus.ASSIGNED)


@dataclass
class TransferFilters:
    status: str = ""  # a status, or "pending" (open or assigned: not yet moved)
    q: str = ""  # a name prefix
    from_institution_id: int | None = None
    overdue: bool = False  # pending past the deadline


def transfer_list(*, fetched_by, filters: TransferFilters | None = None) -> QuerySet:
    """Transfer cases in scope; pending ones oldest first (the longest waiting on top)."""
    f = filters or TransferFilters()
    qs = scope.scoped(
        Transfer.objects.select_related(
            "person",
            "from_institution__organization",
            "to_institution__organization",
            "new_plan",
        ),
        fetched_by,
    )
    if f.status == "pending" or f.overdue:
        qs = qs.filter(status__in=PENDING_TRANSFER)
    elif f.status:
        qs = qs.filter(status=f.status)
    qs = filter_given(
        qs, person__name__startswith=f.q.strip(), from_institution_id=f.from_institution_id
    )
    if f.overdue:
        qs = qs.filter(due_on__lt=clock.today())
    return qs.order_by("stopped_on", "person__name", "id")


def transfer_get(*, fetched_by, transfer_id: int) -> Transfer:
    return scope.get_scoped(
        Transfer.objects.select_related(
            "person",
            "entitlement",
            "from_institution__organization",
            "to_institution__organization",
            "new_arrangement",
            "new_plan",
            "chosen_by",
            "completed_by",
        ),
        fetched_by,
        pk=transfer_id,
    )


def days_waiting(transfer: Transfer, today: dt.date | None = None) -> int:
    """Days since the old institution's last day of service (0 before it)."""
    today = today or clock.today()
    end = transfer.effective_date if not transfer.pending and transfer.effective_date else today
    return max(0, (end - transfer.stopped_on).days)


def family_notices(*, fetched_by) -> QuerySet:
    return scope.scoped(FamilyNotice.objects.select_related("person"), fetched_by).order_by(
        "-created_at", "-id"
    )
