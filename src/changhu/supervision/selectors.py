"""Every read of the supervision app that leaves it, already narrowed to the reader's data scope.

Scope: a care institution's staff see their own institution's findings, notices and appeals, the
targets at their institution once recorded, and the tasks those belong to (a plan is not shown
to the institution before the inspector comes: flying inspections are unannounced). Bureau and
insurer staff with the view right see rows in their regions; a task is theirs when its region
lies inside their scope or covers it.

``overdue_rectifications`` is the question the scorecards ask (unscoped unless ``fetched_by``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from changhu.care.models import Assignment
from changhu.core import clock, months, scope
from changhu.core.db import filter_given
from changhu.insured.models import Person
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers.models import Institution, InstitutionStatus
from changhu.supervision.models import (
    OPEN_RECTIFICATION,
    Appeal,
    AppealStatus,
    Evidence,
    InspectionFinding,
    InspectionPhoto,
    InspectionTarget,
    InspectionTask,
    Rectification,
    RectificationAnswer,
    RectificationStatus,
    TargetStatus,
)

# --- scope policies -------------------------------------------------------------------------


def _covering(s: scope.Scope, field_name: str) -> Q:
    """Rows whose region lies inside the scope or contains one of its regions."""
    q = s.region_q(field_name)
    wider = {p[:n] for p in s.region_prefixes for n in range(2, len(p))}
    return q | Q(**{f"{field_name}__in": sorted(wider)}) if wider else q


@scope.register(InspectionTask)
def _task_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.SUPERVISION_VIEW):
        return queryset.none()
    if s.organization_kind == OrgKind.CARE:
        seen = InspectionTarget.objects.filter(
            institution__organization_id=s.organization_id, status=TargetStatus.RECORDED
        )
        return queryset.filter(pk__in=seen.values("task_id"))
    return queryset.filter(_covering(s, "region_code"))


@scope.register(InspectionTarget)
def _target_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.SUPERVISION_VIEW):
        return queryset.none()
    if s.organization_kind == OrgKind.CARE:
        return queryset.filter(
            institution__organization_id=s.organization_id, status=TargetStatus.RECORDED
        )
    return queryset.filter(s.region_q("region_code"))


@scope.register(InspectionFinding, Rectification, Appeal)
def _institution_rows_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.SUPERVISION_VIEW):
        return queryset.none()
    if s.organization_kind == OrgKind.CARE:
        return queryset.filter(institution__organization_id=s.organization_id)
    return queryset.filter(s.region_q("region_code"))


@scope.register(RectificationAnswer)
def _answer_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    visible = _institution_rows_policy(Rectification.objects.all(), s)
    return queryset.filter(rectification__in=visible.values("pk"))


@scope.register(Evidence)
def _evidence_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(answer__in=_answer_policy(RectificationAnswer.objects.all(), s))


@scope.register(InspectionPhoto)
def _photo_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    targets = _target_policy(InspectionTarget.objects.all(), s)
    shown = InspectionTarget.photos.through.objects.filter(
        inspectiontarget_id__in=targets.values("pk")
    ).values("inspectionphoto_id")
    return queryset.filter(Q(pk__in=shown) | Q(uploaded_by_id=s.user_id))


def scoped_rectifications(queryset: QuerySet, user) -> QuerySet:
    return scope.scoped(queryset, user)


# --- the sample's candidates (unscoped: the service checked the planner's region) ------------


def sample_institutions(region_prefix: str) -> list[int]:
    """Active designated institutions in the region, by id."""
    return list(
        Institution.objects.filter(
            region_code__startswith=region_prefix, status=InstitutionStatus.ACTIVE
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def sample_persons(region_prefix: str, day: dt.date) -> dict[int, int]:
    """Beneficiaries living in the region with a caregiver assigned on ``day``: person id ->
    the institution serving them (the lowest id if several do)."""
    rows = (
        Assignment.objects.filter(
            person__region_code__startswith=region_prefix,
            institution__status=InstitutionStatus.ACTIVE,
            start_date__lte=day,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by("person_id", "institution_id")
        .values_list("person_id", "institution_id")
    )
    persons: dict[int, int] = {}
    for person_id, institution_id in rows:
        persons.setdefault(person_id, institution_id)
    return persons


def person_regions(ids: list[int]) -> dict[int, str]:
    return dict(Person.objects.filter(pk__in=ids).values_list("pk", "region_code"))


# --- tasks and targets ----------------------------------------------------------------------


@dataclass
class TaskFilters:
    status: str = ""
    kind: str = ""
    period: str = ""


def task_list(*, fetched_by, filters: TaskFilters | None = None) -> QuerySet:
    f = filters or TaskFilters()
    qs = scope.scoped(InspectionTask.objects.select_related("planned_by"), fetched_by)
    return filter_given(qs, status=f.status or None, kind=f.kind or None, period=f.period or None)


def task_get(*, fetched_by, task_id: int) -> InspectionTask:
    return scope.get_scoped(
        InspectionTask.objects.select_related(
            "planned_by", "institution_checklist", "beneficiary_checklist"
        ),
        fetched_by,
        pk=task_id,
    )


def target_list(*, fetched_by, task_id: int | None = None, pending: bool = False) -> QuerySet:
    qs = scope.scoped(
        InspectionTarget.objects.select_related(
            "task", "institution__organization", "person", "inspector", "checklist"
        ),
        fetched_by,
    )
    if task_id is not None:
        qs = qs.filter(task_id=task_id)
    if pending:
        qs = qs.filter(status=TargetStatus.PENDING, task__status__in=["planned", "in_progress"])
    return qs.order_by("task_id", "position")


def target_get(*, fetched_by, target_id: int) -> InspectionTarget:
    return scope.get_scoped(
        InspectionTarget.objects.select_related(
            "task", "institution__organization", "person", "inspector", "checklist"
        ).prefetch_related("photos", "findings__rectification"),
        fetched_by,
        pk=target_id,
    )


def photo_get(*, fetched_by, photo_id: int) -> InspectionPhoto:
    return scope.get_scoped(InspectionPhoto.objects.all(), fetched_by, pk=photo_id)


# --- findings, notices, appeals -------------------------------------------------------------


def inspection_finding_list(*, fetched_by, status: str = "") -> QuerySet:
    qs = scope.scoped(
        InspectionFinding.objects.select_related(
            "institution__organization", "task", "target__person", "rectification"
        ),
        fetched_by,
    )
    return filter_given(qs, status=status or None)


def inspection_finding_get(*, fetched_by, finding_id: int) -> InspectionFinding:
    return scope.get_scoped(
        InspectionFinding.objects.select_related("institution__organization", "task", "target"),
        fetched_by,
        pk=finding_id,
    )


def screening_finding_get(*, fetched_by, finding_id: int):
    from changhu.visits import selectors as visits_selectors

    return visits_selectors.finding_get(fetched_by=fetched_by, finding_id=finding_id)


def screening_findings_open(*, fetched_by) -> QuerySet:
    """The screening's open findings the reader may appeal (an institution's own), leaving out
    those already under appeal."""
    from changhu.visits import selectors as visits_selectors

    appealed = Appeal.objects.filter(status=AppealStatus.PENDING, screening_finding__isnull=False)
    return visits_selectors.finding_list(
        fetched_by=fetched_by, filters=visits_selectors.FindingFilters(status="open")
    ).exclude(pk__in=appealed.values("screening_finding_id"))


@dataclass
class RectificationFilters:
    status: str = ""  # a RectificationStatus, or "open" (pending or escalated)
    overdue: bool = False
    institution_id: int | None = None


def rectification_list(*, fetched_by, filters: RectificationFilters | None = None) -> QuerySet:
    f = filters or RectificationFilters()
    qs = scope.scoped(
        Rectification.objects.select_related(
            "institution__organization", "finding__task", "finding__target__person", "reviewed_by"
        ),
        fetched_by,
    )
    if f.status == "open":
        qs = qs.filter(status__in=OPEN_RECTIFICATION)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.overdue:
        qs = qs.filter(status__in=OPEN_RECTIFICATION, deadline__lt=clock.today())
    return filter_given(qs, institution_id=f.institution_id)


def rectification_get(*, fetched_by, rectification_id: int) -> Rectification:
    return scope.get_scoped(
        Rectification.objects.select_related(
            "institution__organization",
            "finding__task",
            "finding__target__person",
            "finding__raised_by",
            "reviewed_by",
        ).prefetch_related("answers__evidence", "answers__answered_by", "answers__decided_by"),
        fetched_by,
        pk=rectification_id,
    )


def evidence_get(*, fetched_by, evidence_id: int) -> Evidence:
    return scope.get_scoped(Evidence.objects.all(), fetched_by, pk=evidence_id)


def appeal_list(*, fetched_by, status: str = "") -> QuerySet:
    qs = scope.scoped(
        Appeal.objects.select_related(
            "institution__organization",
            "inspection_finding",
            "screening_finding",
            "filed_by",
            "decided_by",
        ),
        fetched_by,
    )
    return filter_given(qs, status=status or None)


def appeal_get(*, fetched_by, appeal_id: int) -> Appeal:
    return scope.get_scoped(
        Appeal.objects.select_related(
            "institution__organization", "inspection_finding", "screening_finding", "filed_by"
        ),
        fetched_by,
        pk=appeal_id,
    )


# --- queues and scorecards ------------------------------------------------------------------


def awaiting_answer_count(user) -> int:
    return rectification_list(fetched_by=user, filters=RectificationFilters(status="open")).count()


def awaiting_answer_overdue(user) -> int:
    return rectification_list(fetched_by=user, filters=RectificationFilters(overdue=True)).count()


def awaiting_answer_due_today(user) -> int:
    return (
        rectification_list(fetched_by=user, filters=RectificationFilters(status="open"))
        .filter(deadline=clock.today())
        .count()
    )


def awaiting_review_count(user) -> int:
    return rectification_list(
        fetched_by=user, filters=RectificationFilters(status=RectificationStatus.SUBMITTED)
    ).count()


def pending_appeals_count(user) -> int:
    return appeal_list(fetched_by=user, status=AppealStatus.PENDING).count()


def pending_appeals_overdue(user) -> int:
    return (
        appeal_list(fetched_by=user, status=AppealStatus.PENDING)
        .filter(due_on__lt=clock.today())
        .count()
    )


def targets_to_inspect_count(user) -> int:
    return target_list(fetched_by=user, pending=True).count()


def overdue_rectifications(institution, period: str, *, fetched_by=None) -> QuerySet:
    """The institution's notices whose deadline fell in ``period`` (YYYY-MM) and that were not
    answered by it: still open after the deadline, or answered only after it (an answer sent
    back and answered again counts from its latest deadline). For the scorecards."""
    first, last = months.bounds(period)
    qs = Rectification.objects.filter(
        institution=institution, deadline__gte=first, deadline__lte=last
    )
    if fetched_by is not None:
        qs = scope.scoped(qs, fetched_by)
    late_answer = RectificationAnswer.objects.filter(
        rectification_id=OuterRef("pk"), answered_at__date__gt=OuterRef("deadline")
    )
    return qs.filter(
        Q(status__in=OPEN_RECTIFICATION, deadline__lt=clock.today())
        | Q(escalated_at__isnull=False)
        | Exists(late_answer)
    ).exclude(status=RectificationStatus.WITHDRAWN)
