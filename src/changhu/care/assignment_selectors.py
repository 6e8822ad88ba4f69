"""Reads of caregiver assignments (护理员派定) (split from selectors)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from changhu.care.models import (
    Arrangement,
    Assignment,
    EntitlementStatus,
)
from changhu.care.selectors import assignment_list, beneficiaries_of
from changhu.core import clock, scope
from changhu.core.errors import NotFound
from changhu.providers import selectors as provider_selectors
from changhu.providers.models import CaregiverStatus


def _in_force_on(day: dt.date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def assignment_beneficiaries(
    *, fetched_by, q: str = "", unassigned: bool = False, day: dt.date | None = None
) -> QuerySet:
    """The reader's beneficiaries on ``day`` (arrangements in force, one per person), by name;
    ``unassigned`` keeps those without a caregiver assigned that day."""
    day = day or clock.today()
    qs = beneficiaries_of(fetched_by=fetched_by, day=day)
    if q.strip():
        qs = qs.filter(person__name__startswith=q.strip())
    if unassigned:
        assigned = Assignment.objects.filter(
            _in_force_on(day),
            person_id=OuterRef("person_id"),
            institution_id=OuterRef("institution_id"),
        )
        qs = qs.exclude(Exists(assigned))
    return qs


def assignment_beneficiary(*, fetched_by, person_id: int, day: dt.date | None = None):
    """The arrangement through which the reader's institution serves a person on ``day`` or
    next (an arrangement that starts later); 404 when the person is not theirs."""
    day = day or clock.today()
    arrangement = (
        scope.scoped(
            Arrangement.objects.select_related(
                "person", "entitlement", "institution__organization"
            ),
            fetched_by,
        )
        .filter(person_id=person_id, entitlement__status=EntitlementStatus.ACTIVE)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .filter(entitlement__valid_until__gte=day)
        .order_by("start_date")
        .first()
    )
    if arrangement is None:
        raise NotFound()
    return arrangement


def assignment_get(*, fetched_by, assignment_id: int) -> Assignment:
    return scope.get_scoped(
        Assignment.objects.select_related("caregiver", "person", "item"),
        fetched_by,
        pk=assignment_id,
    )


def assignments_in_force(
    *, fetched_by, person_ids: Iterable[int], day: dt.date | None = None
) -> dict[int, list[Assignment]]:
    """Assignments in force on ``day`` for the given persons, by person, in one query."""
    day = day or clock.today()
    by_person: dict[int, list[Assignment]] = defaultdict(list)
    rows = (
        assignment_list(fetched_by=fetched_by)
        .filter(person_id__in=list(person_ids))
        .filter(_in_force_on(day))
        .order_by("caregiver__name", "id")
    )
    for assignment in rows:
        by_person[assignment.person_id].append(assignment)
    return by_person


def caregiver_loads(
    *, fetched_by, caregiver_ids: Iterable[int], day: dt.date | None = None
) -> dict[int, int]:
    """How many persons each caregiver is assigned to on ``day`` (their current load)."""
    day = day or clock.today()
    rows = (
        assignment_list(fetched_by=fetched_by)
        .filter(caregiver_id__in=list(caregiver_ids))
        .filter(_in_force_on(day))
        .order_by()
        .values("caregiver_id")
        .annotate(persons=Count("person_id", distinct=True))
    )
    return {row["caregiver_id"]: row["persons"] for row in rows}


def assignable_caregivers(
    *, fetched_by, institution_id: int, person_id: int, q: str = ""
) -> QuerySet:
    """Caregivers in post of the institution who may be assigned to the person: its staff and
    individual service persons, and the person's own family caregiver (never another's)."""
    return (
        provider_selectors.caregiver_list(
            fetched_by=fetched_by,
            filters=provider_selectors.CaregiverFilters(
                q=q, institution_id=institution_id, status=CaregiverStatus.ACTIVE
            ),
        )
        .filter(Q(beneficiary__isnull=True) | Q(beneficiary_id=person_id))
        .order_by("name", "id")
    )
