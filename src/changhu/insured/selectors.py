"""Every read of the register that leaves this app, already narrowed to the reader's scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from changhu.core import crypto, scope
from changhu.core.db import filter_given
from changhu.core.errors import NotFound
from changhu.core.identity import normalize_id_number
from changhu.insured.models import ApplicantLink, LifeEvent, Person, SpecialGroupMembership
from changhu.orgs.roles import Right

ID_PURPOSE = "person.id_number"


@scope.register(Person)
def _person_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Register staff see their regions; an applicant sees the persons they act for."""
    if s.can(Right.INSURED_VIEW):
        return queryset.filter(s.region_q("region_code"))
    if s.can(Right.INSURED_SELF):
        return queryset.filter(applicants__user_id=s.user_id)
    return queryset.none()


@scope.register(LifeEvent)
def _life_event_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(person__in=_person_policy(Person.objects.all(), s))


@dataclass
class PersonFilters:
    q: str = ""  # a name (prefix) or a full 18-character ID number
    district: str = ""  # a district or street division code
    status: str = ""
    insurance_type: str = ""
    special_group: str = ""


def person_list(*, fetched_by, filters: PersonFilters | None = None) -> QuerySet:
    """Persons in the reader's scope matching the filters, special groups first."""
    filters = filters or PersonFilters()
    qs = scope.scoped(Person.objects.all(), fetched_by).select_related("region")
    text = (filters.q or "").strip()
    if text:
        number = normalize_id_number(text)
        if len(number) == 18 and number[:17].isdigit():
            qs = qs.filter(id_number_index=crypto.blind_index(number, purpose=ID_PURPOSE))
        else:
            qs = qs.filter(name__startswith=text)
    qs = filter_given(
        qs,
        region_code__startswith=filters.district.strip(),
        status=filters.status,
        insurance_type=filters.insurance_type,
    )
    active_groups = SpecialGroupMembership.objects.filter(
        person=OuterRef("pk"), end_date__isnull=True
    )
    if filters.special_group:
        qs = qs.filter(Exists(active_groups.filter(group=filters.special_group)))
    return qs.annotate(is_special=Exists(active_groups)).order_by("-is_special", "-id")


def with_active_groups(persons: QuerySet) -> QuerySet:
    """``persons`` with their current special-group memberships in ``active_groups``."""
    return persons.prefetch_related(
        Prefetch(
            "special_groups",
            queryset=SpecialGroupMembership.objects.filter(end_date__isnull=True),
            to_attr="active_groups",
        )
    )


def life_event_get(*, fetched_by, event_id: int) -> LifeEvent | None:
    """One life event in scope, or ``None``."""
    return life_event_list(fetched_by=fetched_by).filter(pk=event_id).first()


def person_named(queryset: QuerySet, text: str) -> QuerySet:
    """Persons the text names outright: a full ID number or a 参保编号 (case-insensitive)."""
    text = (text or "").strip()
    number = normalize_id_number(text)
    if len(number) == 18 and number[:17].isdigit():
        return queryset.filter(id_number_index=crypto.blind_index(number, purpose=ID_PURPOSE))
    return queryset.filter(insured_no__iexact=text)


def person_search(queryset: QuerySet, text: str) -> QuerySet:
    """Persons matching what a user typed in a picker: the ones named outright (ID number,
    参保编号), else those whose name starts with the text, or whose 参保编号 does."""
    text = (text or "").strip()
    named = person_named(queryset, text)
    if len(normalize_id_number(text)) == 18:
        return named.order_by("name", "pk")
    return queryset.filter(Q(name__startswith=text) | Q(insured_no__istartswith=text)).order_by(
        "name", "pk"
    )


def person_get(*, fetched_by, person_id: int) -> Person:
    """One person in scope, with what the detail page shows; 404 otherwise."""
    qs = Person.objects.select_related("region", "region__parent").prefetch_related(
        "enrolments", "special_groups", "life_events"
    )
    return scope.get_scoped(qs, fetched_by, pk=person_id)


def person_find_by_id_number(*, fetched_by, id_number: str) -> Person:
    number = normalize_id_number(id_number)
    return scope.get_scoped(
        Person.objects.select_related("region"),
        fetched_by,
        id_number_index=crypto.blind_index(number, purpose=ID_PURPOSE),
    )


def person_audit_trail(*, fetched_by, person_id: int):
    """The audit trail of one person, for users holding the audit right."""
    from changhu.core.audit import trail_for

    scope.require(fetched_by, Right.INSURED_AUDIT)
    person = scope.get_scoped(Person.objects.all(), fetched_by, pk=person_id)
    return trail_for(person)


def life_event_list(*, fetched_by, kind: str = "", open_only: bool = False) -> QuerySet:
    qs = scope.scoped(LifeEvent.objects.select_related("person"), fetched_by)
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(end_date__isnull=True)
    return qs


def persons_represented_by(*, user) -> QuerySet:
    return Person.objects.filter(applicants__user=user).select_related("region")


def applicant_link_exists(*, user, person_id: int) -> bool:
    return ApplicantLink.objects.filter(user=user, person_id=person_id).exists()


__all__ = ["NotFound", "PersonFilters", "person_get", "person_list"]
