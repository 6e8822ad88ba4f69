"""Every read of visits, bed-days, patrols and findings that leaves this app.

Scope: a caregiver sees only their own visits and patrols; a care institution's staff see
their institution's; bureau and insurer staff see those of persons in their regions.

``settlement_visits``, ``settlement_visit_items`` and ``settlement_bed_days`` are the internal
questions the monthly settlement asks: the payable rows of a month, as ``values()`` querysets
it can aggregate in SQL. Like ``care.selectors.eligibility_calendar`` they are unscoped unless
``fetched_by`` is given (the settlement chooses its rows by institution and period itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Substr

from changhu.care import eligibility
from changhu.care import selectors as care_selectors
from changhu.care.models import (
    Arrangement,
    Assignment,
    CarePlanItem,
    CarePlanStatus,
    EntitlementStatus,
)
from changhu.core import clock, scope
from changhu.core.db import filter_given
from changhu.core.errors import PermissionDenied
from changhu.core.months import bounds as month_bounds
from changhu.insured.models import Person
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers.models import Caregiver
from changhu.visits.models import (
    BedDay,
    BedDayKind,
    Finding,
    FindingStatus,
    FollowUpStatus,
    PatrolFollowUp,
    PatrolVisit,
    Photo,
    ScreeningRun,
    Stay,
    Visit,
    VisitItem,
    VisitStatus,
)


def _by_institution_or_region(queryset: QuerySet, s: scope.Scope, *, own=None) -> QuerySet:
    """Care staff with the view right: their institution. Caregivers: ``own`` rows only.
    Bureau and insurer staff with the view right: persons in their regions."""
    if s.organization_kind == OrgKind.CARE:
        if s.can(Right.VISITS_VIEW):
            return queryset.filter(institution__organization_id=s.organization_id)
        if own is not None and (s.can(Right.VISITS_RECORD) or s.can(Right.VISITS_PATROL)):
            return queryset.filter(own)
        return queryset.none()
    if s.can(Right.VISITS_VIEW):
        return queryset.filter(s.region_q("region_code"))
    return queryset.none()


@scope.register(Visit)
def _visit_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return _by_institution_or_region(queryset, s, own=Q(caregiver__user_id=s.user_id))


@scope.register(VisitItem)
def _visit_item_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(visit__in=_visit_policy(Visit.objects.all(), s).values("pk"))


@scope.register(PatrolVisit)
def _patrol_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return _by_institution_or_region(queryset, s, own=Q(patroller_id=s.user_id))


@scope.register(PatrolFollowUp)
def _follow_up_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return _by_institution_or_region(queryset, s, own=Q(patrol__patroller_id=s.user_id))


@scope.register(Stay, BedDay, Finding)
def _stays_bed_days_findings_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return _by_institution_or_region(queryset, s)


@scope.register(Photo)
def _photo_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """A photo is seen with a visit or patrol the reader may see, or by whoever uploaded it."""
    visits = _visit_policy(Visit.objects.all(), s)
    patrols = _patrol_policy(PatrolVisit.objects.all(), s)
    return queryset.filter(
        Q(uploaded_by_id=s.user_id)
        | Q(pk__in=visits.values("check_in_photo_id"))
        | Q(pk__in=visits.values("check_out_photo_id"))
        | Q(pk__in=visits.values("confirmation_signature_id"))
        | Q(pk__in=patrols.values("photos__id"))
    )


@scope.register(ScreeningRun)
def _run_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Runs hold counts only; whoever may start one sees them all."""
    return queryset if s.can(Right.VISITS_SCREEN) else queryset.none()


# --- settlement -----------------------------------------------------------------------------


def _month(month: str) -> tuple[dt.date, dt.date]:
    return month_bounds(month)


def settlement_visits(month: str, *, fetched_by=None) -> QuerySet:
    """Completed, payable visits of a month (by service date): one dict per visit."""
    first, last = _month(month)
    qs = Visit.objects.filter(
        service_date__gte=first,
        service_date__lte=last,
        status=VisitStatus.COMPLETED,
        payable=True,
    )
    if fetched_by is not None:
        qs = scope.scoped(qs, fetched_by)
    return qs.values(
        "id",
        "person_id",
        "institution_id",
        "caregiver_id",
        "service_date",
        "duration_minutes",
        "reference_minutes",
        "place_result",
    ).order_by("institution_id", "person_id", "service_date", "id")


def settlement_visit_items(month: str, *, fetched_by=None) -> QuerySet:
    """The catalogue items of the payable visits of a month, with the catalogue's unit price."""
    visits = settlement_visits(month, fetched_by=fetched_by).values("id")
    return VisitItem.objects.filter(visit_id__in=visits).values(
        "visit_id",
        "visit__person_id",
        "visit__institution_id",
        "visit__service_date",
        "item_id",
        "item__code",
        "item__unit_price_fen",
        "item__fund_covered",
        "quantity",
    )


def settlement_bed_days(month: str, *, fetched_by=None) -> QuerySet:
    """Payable bed-days of a month: one dict per person and day, with its kind (in bed, on
    leave, transferred to hospital) so the benefit policy can price each kind."""
    first, last = _month(month)
    qs = BedDay.objects.filter(day__gte=first, day__lte=last, payable=True)
    if fetched_by is not None:
        qs = scope.scoped(qs, fetched_by)
    return qs.values("id", "person_id", "institution_id", "day", "kind").order_by(
        "institution_id", "person_id", "day"
    )


# --- visits ---------------------------------------------------------------------------------


@dataclass
class VisitFilters:
    day: dt.date | None = None
    status: str = ""
    institution_id: int | None = None
    district: str = ""
    caregiver_id: int | None = None
    person_id: int | None = None
    in_progress: bool = False


def visit_list(*, fetched_by, filters: VisitFilters | None = None) -> QuerySet:
    f = filters or VisitFilters()
    qs = scope.scoped(
        Visit.objects.select_related("caregiver", "person", "institution__organization"),
        fetched_by,
    )
    qs = filter_given(
        qs,
        service_date=f.day,
        status=f.status,
        institution_id=f.institution_id,
        region_code__startswith=f.district.strip(),
        caregiver_id=f.caregiver_id,
        person_id=f.person_id,
    )
    if f.in_progress:
        qs = qs.filter(status=VisitStatus.IN_PROGRESS)
    return qs.order_by("-check_in_at", "-id")


def visit_get(*, fetched_by, visit_id: int) -> Visit:
    qs = Visit.objects.select_related(
        "caregiver",
        "person",
        "institution__organization",
        "check_in_photo",
        "check_out_photo",
        "confirmation_signature",
    ).prefetch_related(
        Prefetch("items", queryset=VisitItem.objects.select_related("item").order_by("id")),
        Prefetch("findings", queryset=Finding.objects.order_by("rule_code")),
    )
    return scope.get_scoped(qs, fetched_by, pk=visit_id)


def visit_totals(*, fetched_by, day: dt.date, by: str) -> list[dict]:
    """Today's visits per district (``by="district"``) or institution: in progress, done."""
    qs = scope.scoped(Visit.objects.filter(service_date=day), fetched_by)
    if by == "district":
        rows = qs.annotate(key=Substr("region_code", 1, 6)).values("key")
    else:
        rows = qs.values(key=F("institution__organization__name"))
    return list(
        rows.annotate(
            total=Count("id"),
            in_progress=Count("id", filter=Q(status=VisitStatus.IN_PROGRESS)),
            completed=Count("id", filter=Q(status=VisitStatus.COMPLETED)),
            violations=Count("id", filter=Q(place_result="violation")),
        ).order_by("key")
    )


def caregiver_day(*, fetched_by, caregiver_id: int, day: dt.date) -> list[Visit]:
    """A caregiver's visits of a day in time order: the track of their day."""
    return list(
        visit_list(
            fetched_by=fetched_by, filters=VisitFilters(day=day, caregiver_id=caregiver_id)
        ).order_by("check_in_at", "id")
    )


# --- findings -------------------------------------------------------------------------------


@dataclass
class FindingFilters:
    status: str = ""
    rule_code: str = ""
    period: str = ""
    institution_id: int | None = None
    severity: str = ""
    visit_id: int | None = None


def finding_list(*, fetched_by, filters: FindingFilters | None = None) -> QuerySet:
    f = filters or FindingFilters()
    qs = scope.scoped(
        Finding.objects.select_related(
            "person", "institution__organization", "caregiver", "visit", "bed_day", "resolved_by"
        ),
        fetched_by,
    )
    for name in ("status", "rule_code", "period", "severity"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{name: value})
    qs = filter_given(qs, institution_id=f.institution_id, visit_id=f.visit_id)
    return qs.order_by("-created_at", "-id")


def open_findings_count(user) -> int:
    return finding_list(fetched_by=user, filters=FindingFilters(status=FindingStatus.OPEN)).count()


def finding_get(*, fetched_by, finding_id: int) -> Finding:
    return scope.get_scoped(
        Finding.objects.select_related("person", "institution__organization", "caregiver"),
        fetched_by,
        pk=finding_id,
    )


# --- bed-days and patrols -------------------------------------------------------------------


def bed_day_list(
    *, fetched_by, month: str, institution_id: int | None = None, person_id: int | None = None
) -> QuerySet:
    first, last = _month(month)
    qs = scope.scoped(BedDay.objects.select_related("person"), fetched_by).filter(
        day__gte=first, day__lte=last
    )
    qs = filter_given(qs, institution_id=institution_id, person_id=person_id)
    return qs.order_by("person_id", "day")


def bed_day_summary(*, fetched_by, month: str, institution_id: int | None = None) -> list[dict]:
    """Per resident: days in bed, on leave, transferred to hospital, in the month."""
    qs = bed_day_list(fetched_by=fetched_by, month=month, institution_id=institution_id)
    return list(
        qs.values("person_id", "person__name", "institution_id")
        .annotate(
            in_bed=Count("id", filter=Q(kind=BedDayKind.IN_BED)),
            leave=Count("id", filter=Q(kind=BedDayKind.LEAVE)),
            hospital=Count("id", filter=Q(kind=BedDayKind.HOSPITAL_TRANSFER)),
            unpayable=Count("id", filter=Q(payable=False)),
        )
        .order_by("person__name")
    )


def stay_list(*, fetched_by, open_only: bool = False) -> QuerySet:
    qs = scope.scoped(
        Stay.objects.select_related("person", "institution__organization"), fetched_by
    )
    if open_only:
        qs = qs.filter(discharged_on__isnull=True)
    return qs.order_by("-admitted_on", "-id")


def patrol_list(*, fetched_by, institution_id: int | None = None) -> QuerySet:
    qs = scope.scoped(
        PatrolVisit.objects.select_related(
            "person", "family_caregiver", "patroller"
        ).prefetch_related("follow_ups"),
        fetched_by,
    )
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    return qs.order_by("-visited_at", "-id")


def patrol_get(*, fetched_by, patrol_id: int) -> PatrolVisit:
    return scope.get_scoped(
        PatrolVisit.objects.select_related(
            "person", "family_caregiver", "patroller", "institution__organization"
        ).prefetch_related("photos", "follow_ups"),
        fetched_by,
        pk=patrol_id,
    )


def patrol_candidates(*, fetched_by, day: dt.date | None = None) -> list:
    """The family-care beneficiaries the patroller's institution guides on ``day`` (today by
    default), by name: whom a patrol visit can be recorded for."""
    s = scope.scope_of(fetched_by)
    if not s.can(Right.VISITS_PATROL) or s.organization_kind != OrgKind.CARE:
        return []
    day = day or clock.today()
    return list(
        Arrangement.objects.filter(
            institution__organization_id=s.organization_id,
            care_mode="family",
            start_date__lte=day,
            entitlement__status=EntitlementStatus.ACTIVE,
            entitlement__valid_until__gte=day,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("person")
        .order_by("person__name", "pk")
    )


# --- patrol follow-ups ----------------------------------------------------------------------


@dataclass
class FollowUpFilters:
    status: str = ""  # "open", "done", or "overdue" (open and past the deadline)
    patrol_id: int | None = None


def follow_up_list(*, fetched_by, filters: FollowUpFilters | None = None) -> QuerySet:
    """Follow-ups in scope; the earliest deadline first, as a work queue."""
    f = filters or FollowUpFilters()
    qs = scope.scoped(
        PatrolFollowUp.objects.select_related(
            "person", "patrol__family_caregiver", "created_by", "done_by"
        ),
        fetched_by,
    )
    if f.status == "overdue":
        qs = qs.filter(status=FollowUpStatus.OPEN, due_on__lt=clock.today())
    elif f.status in FollowUpStatus.values:
        qs = qs.filter(status=f.status)
    qs = filter_given(qs, patrol_id=f.patrol_id)
    return qs.order_by("due_on", "id")


def follow_ups_of(patrol: PatrolVisit) -> list[PatrolFollowUp]:
    """The follow-ups of a patrol visit the reader already holds, open ones first."""
    rows = patrol.follow_ups.select_related("created_by", "done_by").order_by("due_on", "id")
    return sorted(rows, key=lambda f: f.status != FollowUpStatus.OPEN)


def follow_up_get(*, fetched_by, follow_up_id: int) -> PatrolFollowUp:
    return scope.get_scoped(
        PatrolFollowUp.objects.select_related("person", "patrol", "created_by", "done_by"),
        fetched_by,
        pk=follow_up_id,
    )


def open_follow_ups_count(user) -> int:
    return follow_up_list(fetched_by=user, filters=FollowUpFilters(status="open")).count()


def overdue_follow_ups_count(user) -> int:
    return follow_up_list(fetched_by=user, filters=FollowUpFilters(status="overdue")).count()


def follow_ups_due_today_count(user) -> int:
    return (
        follow_up_list(fetched_by=user, filters=FollowUpFilters(status="open"))
        .filter(due_on=clock.today())
        .count()
    )


def photo_get(*, fetched_by, photo_id: int) -> Photo:
    return scope.get_scoped(Photo.objects.all(), fetched_by, pk=photo_id)


# --- screening runs -------------------------------------------------------------------------


def run_list(*, fetched_by) -> QuerySet:
    return scope.scoped(ScreeningRun.objects.select_related("rule_set", "requested_by"), fetched_by)


def run_get(*, fetched_by, run_id: int) -> ScreeningRun:
    return scope.get_scoped(ScreeningRun.objects.select_related("rule_set"), fetched_by, pk=run_id)


def today() -> dt.date:
    return clock.today()


# --- the caregiver's day ----------------------------------------------------------------------


def caregiver_of(user) -> Caregiver:
    """The caregiver record of a signed-in caregiver; 403 ``not_a_caregiver`` otherwise."""
    scope.require(user, Right.VISITS_RECORD)
    caregiver = (
        Caregiver.objects.select_related("institution__organization", "beneficiary")
        .filter(user_id=user.pk)
        .first()
    )
    if caregiver is None:
        raise PermissionDenied("当前账号未关联护理员档案", code="not_a_caregiver")
    return caregiver


@dataclass
class HomeOfTheDay:
    """One person on a caregiver's list for a day."""

    person: Person
    answer: eligibility.DayAnswer
    plan_lines: list
    visits: list


def caregiver_day_sheet(caregiver: Caregiver, day: dt.date) -> list[HomeOfTheDay]:
    """The persons a caregiver serves on ``day`` (assigned, or the family caregiver's own
    beneficiary), by name: eligibility that day, the confirmed plan's lines, and the visits of
    the day plus any still open from an earlier day (the one that stops a new check-in)."""
    assignments = (
        Assignment.objects.filter(caregiver=caregiver, start_date__lte=day)
        .exclude(end_date__lt=day)
        .select_related("person")
        .order_by("person__name")
    )
    persons = {a.person_id: a.person for a in assignments}
    if caregiver.kind == "family" and caregiver.beneficiary_id:
        persons.setdefault(caregiver.beneficiary_id, caregiver.beneficiary)
    calendar = care_selectors.eligibility_calendar(list(persons), day.strftime("%Y-%m"))
    lines: dict[int, list] = {}
    plan_items = (
        CarePlanItem.objects.filter(
            plan__person_id__in=list(persons), plan__status=CarePlanStatus.CONFIRMED
        )
        .select_related("item", "plan")
        .order_by("item__position")
    )
    for line in plan_items:
        lines.setdefault(line.plan.person_id, []).append(line)
    visits: dict[int, list] = {}
    for visit in (
        Visit.objects.filter(caregiver=caregiver)
        .filter(Q(service_date=day) | Q(status=VisitStatus.IN_PROGRESS))
        .order_by("check_in_at")
    ):
        visits.setdefault(visit.person_id, []).append(visit)
    return [
        HomeOfTheDay(
            person=person,
            answer=calendar[pid][day.day - 1],
            plan_lines=lines.get(pid, []),
            visits=visits.get(pid, []),
        )
        for pid, person in persons.items()
    ]
