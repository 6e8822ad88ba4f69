"""Every read of the catalogue, entitlements, plans and the person's file that leaves this app.

Scope: a care institution's users see the beneficiaries, entitlements, plans and assignments
of their own institution only; bureau and insurer staff see those of persons in their regions;
an applicant sees those of the persons they act for.

``eligibility_on`` and ``eligibility_calendar`` are the internal questions settlement and visit
screening ask ("was this person eligible on this day, in which mode, with which institution");
they are not scoped (the caller has already chosen its rows) and read a whole set of persons
in five queries per 500 persons.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from changhu.assessment import selectors as assessment_selectors
from changhu.care import eligibility
from changhu.care.models import (
    Arrangement,
    Assignment,
    CarePlan,
    CarePlanItem,
    CarePlanStatus,
    Catalogue,
    CatalogueCategory,
    CatalogueItem,
    Entitlement,
    EntitlementStatus,
    FamilyNotice,
    Package,
    PackageItem,
    Pause,
    Transfer,
)
from changhu.core import clock, scope
from changhu.core.db import filter_given
from changhu.core.errors import NotFound, PermissionDenied
from changhu.core.models import AuditEntry
from changhu.insured.models import EnrolmentPeriod, LifeEvent, LifeEventKind, Person
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right

CHUNK = 500


@scope.register(Arrangement, CarePlan, Assignment)
def _by_person(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The shared rule: own institution (care staff), person's region (staff), own persons."""
    if s.organization_kind == OrgKind.CARE:
        if not s.can(Right.CARE_VIEW):
            return queryset.none()
        return queryset.filter(institution__organization_id=s.organization_id)
    if s.can(Right.CARE_VIEW):
        return queryset.filter(s.region_q("person__region_code"))
    if s.can(Right.INSURED_SELF):
        return queryset.filter(person__applicants__user_id=s.user_id)
    return queryset.none()


@scope.register(Entitlement)
def _entitlement_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if s.organization_kind == OrgKind.CARE:
        if not s.can(Right.CARE_VIEW):
            return queryset.none()
        mine = Arrangement.objects.filter(institution__organization_id=s.organization_id)
        return queryset.filter(pk__in=mine.values("entitlement_id"))
    return _by_person(queryset, s)


@scope.register(Pause)
def _pause_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    seen = _entitlement_policy(Entitlement.objects.all(), s).values("pk")
    return queryset.filter(entitlement_id__in=seen)


@scope.register(CarePlanItem)
def _plan_item_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(plan_id__in=_by_person(CarePlan.objects.all(), s).values("pk"))


@scope.register(Transfer)
def _transfer_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Care staff: the cases of their institution (leaving or receiving); others as persons."""
    if s.organization_kind == OrgKind.CARE:
        if not s.can(Right.CARE_VIEW):
            return queryset.none()
        return queryset.filter(
            Q(from_institution__organization_id=s.organization_id)
            | Q(to_institution__organization_id=s.organization_id)
        )
    if s.can(Right.CARE_VIEW):
        return queryset.filter(s.region_q("person__region_code"))
    if s.can(Right.INSURED_SELF):
        return queryset.filter(person__applicants__user_id=s.user_id)
    return queryset.none()


@scope.register(FamilyNotice)
def _family_notice_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The family's own notices; staff of the person's region (care staff: none)."""
    if s.organization_kind == OrgKind.CARE:
        return queryset.none()
    if s.can(Right.CARE_VIEW):
        return queryset.filter(s.region_q("person__region_code"))
    if s.can(Right.INSURED_SELF):
        return queryset.filter(person__applicants__user_id=s.user_id)
    return queryset.none()


@scope.register(Catalogue, CatalogueCategory, CatalogueItem, Package, PackageItem)
def _catalogue_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The catalogue is published rule data: everyone with the catalogue right sees all of it."""
    return queryset if s.can(Right.CARE_CATALOGUE) else queryset.none()


# --- catalogue ------------------------------------------------------------------------------


def catalogue_list(*, fetched_by) -> QuerySet:
    return (
        scope.scoped(Catalogue.objects.all(), fetched_by)
        .annotate(
            item_count=Count("items", distinct=True), package_count=Count("packages", distinct=True)
        )
        .order_by("code", "-effective_from")
    )


def catalogue_get(*, fetched_by, catalogue_id: int) -> Catalogue:
    qs = Catalogue.objects.prefetch_related(
        Prefetch(
            "categories",
            queryset=CatalogueCategory.objects.prefetch_related(
                Prefetch("items", queryset=CatalogueItem.objects.order_by("position"))
            ),
        ),
        Prefetch("packages", queryset=Package.objects.order_by("grade", "care_mode")),
    )
    return scope.get_scoped(qs, fetched_by, pk=catalogue_id)


def catalogue_current(*, fetched_by, day: dt.date | None = None) -> Catalogue | None:
    day = day or clock.today()
    return (
        scope.scoped(Catalogue.objects.all(), fetched_by)
        .filter(effective_from__lte=day)
        .order_by("-effective_from", "-id")
        .first()
    )


def package_get(*, fetched_by, package_id: int) -> Package:
    qs = Package.objects.select_related("catalogue").prefetch_related(
        Prefetch(
            "package_items",
            queryset=PackageItem.objects.select_related("item__category").order_by(
                "item__position"
            ),
        )
    )
    return scope.get_scoped(qs, fetched_by, pk=package_id)


def package_list(*, fetched_by, catalogue_id: int) -> QuerySet:
    return (
        scope.scoped(Package.objects.all(), fetched_by)
        .filter(catalogue_id=catalogue_id)
        .annotate(item_count=Count("package_items"))
        .order_by("grade", "care_mode")
    )


# --- entitlements ---------------------------------------------------------------------------


@dataclass
class EntitlementFilters:
    q: str = ""  # a name prefix
    status: str = ""
    care_mode: str = ""  # of the arrangement in force today
    institution_id: int | None = None
    person_id: int | None = None
    district: str = ""


def entitlement_list(*, fetched_by, filters: EntitlementFilters | None = None) -> QuerySet:
    f = filters or EntitlementFilters()
    qs = scope.scoped(Entitlement.objects.select_related("person"), fetched_by)
    qs = filter_given(
        qs,
        person__name__startswith=f.q.strip(),
        status=f.status,
        person_id=f.person_id,
        person__region_code__startswith=f.district.strip(),
    )
    today = clock.today()
    current = Arrangement.objects.filter(start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    if f.care_mode:
        qs = qs.filter(pk__in=current.filter(care_mode=f.care_mode).values("entitlement_id"))
    if f.institution_id:
        qs = qs.filter(
            pk__in=Arrangement.objects.filter(institution_id=f.institution_id).values(
                "entitlement_id"
            )
        )
    return qs.prefetch_related(
        Prefetch(
            "arrangements",
            queryset=Arrangement.objects.select_related("institution__organization").order_by(
                "start_date"
            ),
        )
    ).order_by("-valid_from", "-id")


def entitlement_get(*, fetched_by, entitlement_id: int) -> Entitlement:
    qs = Entitlement.objects.select_related("person", "created_by").prefetch_related(
        Prefetch(
            "arrangements",
            queryset=Arrangement.objects.select_related("institution__organization").order_by(
                "start_date"
            ),
        ),
        "pauses",
        Prefetch("care_plans", queryset=CarePlan.objects.order_by("-version")),
    )
    return scope.get_scoped(qs, fetched_by, pk=entitlement_id)


def entitlement_of_conclusion(conclusion_id: int) -> Entitlement | None:
    """The entitlement a conclusion opened, if any (a system read: at most one exists)."""
    return Entitlement.objects.filter(conclusion_id=conclusion_id).first()


# 办理待遇 is overdue once the conclusion was issued this many days ago: a month is long enough
# for the guardian to choose a care mode and an institution; after it the counter calls them.
ENTITLEMENT_OPEN_DAYS = 30


def conclusions_awaiting_entitlement(*, fetched_by, q: str = "", overdue: bool = False) -> QuerySet:
    """办理待遇 to do: qualifying conclusions in force, of living insured persons, that opened no
    entitlement yet, as the reader's scope sees conclusions; oldest first (a FIFO work queue).
    ``overdue``: only those issued more than ``ENTITLEMENT_OPEN_DAYS`` days ago."""
    s = scope.scope_of(fetched_by)
    if not s.can(Right.CARE_ENTITLEMENT):
        return assessment_selectors.conclusion_list(fetched_by=fetched_by).none()
    today = clock.today()
    opened = Entitlement.objects.filter(conclusion__isnull=False).values("conclusion_id")
    qs = (
        assessment_selectors.conclusion_list(fetched_by=fetched_by)
        .filter(qualifying=True, superseded_on__isnull=True, valid_until__gte=today)
        .filter(person__status="active")
        .exclude(pk__in=opened)
    )
    if q.strip():
        qs = qs.filter(person__name__startswith=q.strip())
    if overdue:
        since = clock.now() - dt.timedelta(days=ENTITLEMENT_OPEN_DAYS)
        qs = qs.filter(issued_at__lt=since)
    return qs.order_by("valid_from", "id")


@dataclass(frozen=True)
class Unmatched:
    entitlement: Entitlement
    reason: str


def entitlements_unmatched() -> list[Unmatched]:
    """Entitlements linked to no conclusion (typed in by hand before conclusions were linked,
    or written by bulk tools), each with why no conclusion matched; for an operator to resolve
    (``changhu entitlements-unmatched``). A system read."""
    rows = list(
        Entitlement.objects.filter(conclusion__isnull=True)
        .select_related("person")
        .order_by("person__name", "valid_from", "id")
    )
    numbers = {e.conclusion_ref.strip() for e in rows if e.conclusion_ref.strip()}
    owners = assessment_selectors.conclusion_owners(numbers)
    out = []
    for e in rows:
        number = e.conclusion_ref.strip()
        if not number:
            reason = "未登记评估结论编号"
        elif number not in owners:
            reason = f"找不到编号为{number}的评估结论"
        elif owners[number] != e.person_id:
            reason = f"评估结论{number}属于其他参保人"
        else:
            reason = f"评估结论{number}已办理过其他待遇资格，或尚未关联"
        out.append(Unmatched(e, reason))
    return out


def arrangement_on(entitlement: Entitlement, day: dt.date) -> Arrangement | None:
    """The arrangement of a (prefetched) entitlement covering ``day``, if within its validity."""
    if not (entitlement.valid_from <= day <= entitlement.last_day):
        return None
    return next((a for a in entitlement.arrangements.all() if a.covers(day)), None)


def beneficiaries_of(*, fetched_by, day: dt.date | None = None) -> QuerySet:
    """Arrangements in force on ``day`` in scope (for an institution: its beneficiaries)."""
    day = day or clock.today()
    return (
        scope.scoped(
            Arrangement.objects.select_related(
                "person", "entitlement", "institution__organization"
            ),
            fetched_by,
        )
        .filter(start_date__lte=day, entitlement__status=EntitlementStatus.ACTIVE)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .filter(entitlement__valid_until__gte=day)
        .order_by("person__name")
    )


def persons_cared_for(
    *, fetched_by, care_mode: str = "", recent_days: int = 62, day: dt.date | None = None
) -> QuerySet:
    """Persons the reader's institution cares for (optionally in one care mode) on ``day`` or
    within the ``recent_days`` before it, for pickers: a care institution's staff choose among
    their own beneficiaries, other staff among the arrangements in their scope."""
    day = day or clock.today()
    arrangements = scope.scoped(Arrangement.objects.all(), fetched_by).filter(start_date__lte=day)
    arrangements = arrangements.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day - dt.timedelta(days=recent_days))
    )
    if care_mode:
        arrangements = arrangements.filter(care_mode=care_mode)
    return Person.objects.select_related("region__parent").filter(
        pk__in=arrangements.values("person_id")
    )


def institutions_caring_for(person_id: int, day: dt.date | None = None) -> list[int]:
    """Organization ids of the institutions that care for a person from ``day`` on (current and
    scheduled arrangements of active entitlements). Assessment dispatch uses it to keep an
    institution from assessing a person it also cares for."""
    day = day or clock.today()
    return list(
        Arrangement.objects.filter(
            person_id=person_id, entitlement__status=EntitlementStatus.ACTIVE
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("institution__organization_id", flat=True)
        .distinct()
    )


# --- care plans -----------------------------------------------------------------------------


@dataclass
class PlanFilters:
    status: str = ""
    person_id: int | None = None
    institution_id: int | None = None
    q: str = ""
    revision: bool = False  # only plans in force flagged for revision after a new grade


def care_plan_list(*, fetched_by, filters: PlanFilters | None = None) -> QuerySet:
    f = filters or PlanFilters()
    qs = scope.scoped(
        CarePlan.objects.select_related(
            "person", "institution__organization", "package__catalogue"
        ),
        fetched_by,
    )
    qs = filter_given(
        qs,
        status=f.status,
        person_id=f.person_id,
        institution_id=f.institution_id,
        person__name__startswith=f.q.strip(),
    )
    if f.revision:
        qs = qs.filter(status=CarePlanStatus.CONFIRMED, revision_due_since__isnull=False)
    return qs.order_by("-drafted_at", "-id")


def planned_person_ids(*, fetched_by) -> set[int]:
    """The persons in scope who have a confirmed or draft care plan."""
    return set(
        care_plan_list(fetched_by=fetched_by)
        .filter(status__in=[CarePlanStatus.CONFIRMED, CarePlanStatus.DRAFT])
        .values_list("person_id", flat=True)
    )


def beneficiary_arrangement(*, fetched_by, person_id: int, day: dt.date | None = None):
    """The arrangement in force on ``day`` of one beneficiary in scope, or ``None``."""
    return beneficiaries_of(fetched_by=fetched_by, day=day).filter(person_id=person_id).first()


def care_plan_get(*, fetched_by, plan_id: int) -> CarePlan:
    qs = CarePlan.objects.select_related(
        "person",
        "institution__organization",
        "package__catalogue",
        "entitlement",
        "drafted_by",
        "confirmed_by",
    ).prefetch_related(
        Prefetch(
            "items",
            queryset=CarePlanItem.objects.select_related("item__category").order_by(
                "item__position"
            ),
        )
    )
    return scope.get_scoped(qs, fetched_by, pk=plan_id)


def care_plan_in_force(*, fetched_by, person_id: int) -> CarePlan | None:
    return (
        care_plan_list(fetched_by=fetched_by, filters=PlanFilters(person_id=person_id))
        .filter(status=CarePlanStatus.CONFIRMED)
        .first()
    )


def assignment_list(
    *, fetched_by, person_id: int | None = None, caregiver_id: int | None = None
) -> QuerySet:
    qs = scope.scoped(
        Assignment.objects.select_related(
            "caregiver", "item", "person", "institution__organization"
        ),
        fetched_by,
    )
    qs = filter_given(qs, person_id=person_id, caregiver_id=caregiver_id)
    return qs.order_by("-start_date", "-id")


# --- eligibility ----------------------------------------------------------------------------


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _overlapping(
    queryset: QuerySet, first: dt.date, last: dt.date, start="start_date", end="end_date"
):
    return queryset.filter(**{f"{start}__lte": last}).filter(
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": first})
    )


def eligibility_facts(
    person_ids: Iterable[int], first: dt.date, last: dt.date
) -> dict[int, eligibility.Facts]:
    """What eligibility depends on for each person, over the days ``first``–``last``."""
    ids = sorted({int(i) for i in person_ids})
    out: dict[int, eligibility.Facts] = {}
    for chunk in _chunks(ids):
        periods = defaultdict(list)
        rows = _overlapping(Arrangement.objects.filter(person_id__in=chunk), first, last)
        for row in rows.values_list(
            "person_id",
            "start_date",
            "end_date",
            "care_mode",
            "institution_id",
            "social_support",
            "entitlement_id",
            "entitlement__grade",
            "entitlement__valid_from",
            "entitlement__valid_until",
            "entitlement__end_date",
        ):
            (pid, a_start, a_end, mode, inst, support, ent, grade, e_from, e_until, e_end) = row
            period = eligibility.care_period(
                arrangement_start=a_start,
                arrangement_end=a_end,
                entitlement_start=e_from,
                entitlement_last=min(e_end, e_until) if e_end else e_until,
                entitlement_id=ent,
                grade=grade,
                care_mode=mode,
                institution_id=inst,
                social_support=support,
            )
            if period is not None:
                periods[pid].append(period)
        stays = defaultdict(list)
        events = LifeEvent.objects.filter(person_id__in=chunk, kind=LifeEventKind.HOSPITAL_STAY)
        for pid, start, end in _overlapping(events, first, last).values_list(
            "person_id", "start_date", "end_date"
        ):
            stays[pid].append(eligibility.Span(start, end))
        pauses = defaultdict(list)
        for pid, start, end in _overlapping(
            Pause.objects.filter(person_id__in=chunk), first, last
        ).values_list("person_id", "start_date", "end_date"):
            pauses[pid].append(eligibility.Span(start, end))
        enrolments = defaultdict(list)
        for pid, start, end in _overlapping(
            EnrolmentPeriod.objects.filter(person_id__in=chunk), first, last
        ).values_list("person_id", "start_date", "end_date"):
            enrolments[pid].append(eligibility.Span(start, end))
        deaths = dict(Person.objects.filter(pk__in=chunk).values_list("pk", "died_on"))
        for pid in chunk:
            out[pid] = eligibility.Facts(
                periods=tuple(sorted(periods[pid], key=lambda p: p.start)),
                hospital_stays=tuple(stays[pid]),
                pauses=tuple(pauses[pid]),
                enrolments=tuple(enrolments[pid]),
                died_on=deaths.get(pid),
            )
    return out


def eligibility_on(person_id: int, day: dt.date) -> eligibility.DayAnswer:
    """Was this person eligible on ``day``, in which care mode, with which institution?"""
    facts = eligibility_facts([person_id], day, day)[int(person_id)]
    return eligibility.answer(facts, day)


def eligibility_calendar(
    person_ids: Iterable[int], month: str | dt.date
) -> dict[int, list[eligibility.DayAnswer]]:
    """Every day of a month (``YYYY-MM``) for every person, in a few queries."""
    first, last = eligibility.month_bounds(month)
    facts = eligibility_facts(person_ids, first, last)
    return {pid: eligibility.calendar(f, first, last) for pid, f in facts.items()}


def eligibility_range(person_id: int, first: dt.date, last: dt.date) -> list[eligibility.DayAnswer]:
    facts = eligibility_facts([person_id], first, last)[int(person_id)]
    return eligibility.calendar(facts, first, last)


# --- the person's file (一人一档) ------------------------------------------------------------


def person_for_care(*, fetched_by, person_id: int) -> Person:
    """A person whose care records the reader may see: in their register scope, acted for by
    them, or (care staff) cared for by their institution at some time. 404 otherwise."""
    s = scope.scope_of(fetched_by)
    if not (s.can(Right.CARE_VIEW) or s.can(Right.INSURED_SELF)):
        raise PermissionDenied()
    qs = Person.objects.select_related("region")
    if s.unrestricted:
        return scope.get_scoped(qs, fetched_by, pk=person_id)
    if s.organization_kind == OrgKind.CARE:
        mine = Arrangement.objects.filter(institution__organization_id=s.organization_id)
        person = qs.filter(pk=person_id, pk__in=mine.values("person_id")).first()
        if person is None:
            raise NotFound()
        return person
    return scope.get_scoped(qs, fetched_by, pk=person_id)


# Later features (visits, payments) add a section to the file: (key, label, fn(person, reader)).
FileSection = tuple[str, str, Callable[[Person, object], list[dict]]]
_file_sections: list[FileSection] = []


def register_file_section(key: str, label: str, fn: Callable[[Person, object], list[dict]]):
    global _file_sections
    _file_sections = [s for s in _file_sections if s[0] != key] + [(key, label, fn)]


@dataclass
class HistoryEntry:
    at: dt.datetime
    actor: str
    subject: str  # 待遇资格 or 护理计划
    text: str


@dataclass
class PersonFile:
    person: Person
    today: eligibility.DayAnswer
    entitlements: list[Entitlement]
    plans: list[CarePlan]
    assignments: list[Assignment]
    hospital_stays: list[LifeEvent]
    conclusions: list[dict] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    sections: list[tuple[str, str, list[dict]]] = field(default_factory=list)

    @property
    def plan_in_force(self) -> CarePlan | None:
        return next((p for p in self.plans if p.status == CarePlanStatus.CONFIRMED), None)


def _conclusions(person: Person, entitlements: list[Entitlement]) -> list[dict]:
    """The person's conclusions, newest first, each with the entitlement it opened (if the
    reader sees it) and whether it still awaits 办理待遇."""
    today = clock.today()
    opened = dict(
        Entitlement.objects.filter(person=person, conclusion__isnull=False).values_list(
            "conclusion_id", "pk"
        )
    )
    visible = {e.pk for e in entitlements}
    rows = []
    for c in assessment_selectors.conclusions_of_person(person.pk):
        entitlement_id = opened.get(c.pk)
        rows.append(
            {
                "conclusion_id": c.pk,
                "number": c.number,
                "kind_label": c.application.get_kind_display(),
                "grade": c.grade,
                "grade_label": c.grade_label,
                "qualifying": c.qualifying,
                "valid_from": c.valid_from,
                "valid_until": c.valid_until,
                "superseded_on": c.superseded_on,
                "entitlement_id": entitlement_id if entitlement_id in visible else None,
                "awaiting": entitlement_id is None
                and c.qualifying
                and c.superseded_on is None
                and c.valid_until >= today
                and person.status == "active",
            }
        )
    return rows


def _history(entitlements: list[Entitlement], plans: list[CarePlan]) -> list[HistoryEntry]:
    """Every step on the person's entitlements and plans, newest first, from the audit trail
    (each step is audited once; the file shows the same record)."""
    subjects = {
        Entitlement._meta.label_lower: ("待遇资格", [str(e.pk) for e in entitlements]),
        CarePlan._meta.label_lower: ("护理计划", [str(p.pk) for p in plans]),
    }
    condition = Q(pk__in=[])
    for object_type, (_, ids) in subjects.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=ids)
    entries = (
        AuditEntry.objects.filter(condition).exclude(action="view_full").order_by("-at", "-id")
    )
    return [
        HistoryEntry(
            at=e.at,
            actor=e.actor_name or "系统",
            subject=subjects[e.object_type][0],
            text=e.note or e.get_action_display(),
        )
        for e in entries[:200]
    ]


def person_file(*, fetched_by, person_id: int, today: dt.date | None = None) -> PersonFile:
    """One electronic file per person: conclusions (with 办理待遇 where one awaits it),
    entitlement history, plans, assignments, hospital stays, the history of every step, and
    what later features add."""
    person = person_for_care(fetched_by=fetched_by, person_id=person_id)
    today = today or clock.today()
    entitlements = list(
        entitlement_list(
            fetched_by=fetched_by, filters=EntitlementFilters(person_id=person.pk)
        ).prefetch_related("pauses")
    )
    plan_items = Prefetch(
        "items",
        queryset=CarePlanItem.objects.select_related("item").order_by("item__position"),
    )
    care_plans = list(
        care_plan_list(fetched_by=fetched_by, filters=PlanFilters(person_id=person.pk))
        .prefetch_related(plan_items)
        .order_by("-version")
    )
    stays = list(
        LifeEvent.objects.filter(person=person, kind=LifeEventKind.HOSPITAL_STAY).order_by(
            "-start_date"
        )
    )
    return PersonFile(
        person=person,
        today=eligibility_on(person.pk, today),
        entitlements=entitlements,
        conclusions=_conclusions(person, entitlements),
        history=_history(entitlements, care_plans),
        plans=care_plans,
        assignments=list(assignment_list(fetched_by=fetched_by, person_id=person.pk)),
        hospital_stays=stays,
        sections=[(key, label, fn(person, fetched_by)) for key, label, fn in _file_sections],
    )


# --- caregiver assignments (护理员派定) -------------------------------------------------------
