"""Reads of the training app, all through the data scope."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from changhu.core import scope
from changhu.orgs.roles import Right
from changhu.providers.selectors import assessors_seen, caregivers_seen
from changhu.training.models import Course, Enrolment, Session


def _same_city(s: scope.Scope, field_name: str) -> Q:
    """Rows whose organizer is in the same city (first four digits of the division code) as
    one of the scope's regions: a district's institution sees the city bureau's courses."""
    if not s.region_prefixes:
        return Q(pk__in=[])
    q = Q()
    for prefix in s.region_prefixes:
        q |= Q(**{f"{field_name}__startswith": prefix[:4]})
    return q


@scope.register(Course)
def _course_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Courses are an open offer to everyone with the training right in the organizer's city."""
    if not s.can(Right.TRAINING_VIEW):
        return queryset.none()
    return queryset.filter(_same_city(s, "organizer__region__code"))


@scope.register(Session)
def _session_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.TRAINING_VIEW):
        return queryset.none()
    return queryset.filter(_same_city(s, "course__organizer__region__code"))


@scope.register(Enrolment)
def _enrolment_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """An institution sees its own staff's enrolments; the bureau those of the caregivers and
    assessors it sees (every institution in its regions)."""
    if not s.can(Right.TRAINING_VIEW):
        return queryset.none()
    return queryset.filter(
        Q(caregiver_id__in=caregivers_seen(s)) | Q(assessor_id__in=assessors_seen(s))
    )


def courses(user) -> QuerySet:
    return (
        scope.scoped(Course.objects.select_related("organizer"), user)
        .annotate(session_count=Count("sessions"))
        .order_by("-created_at", "-id")
    )


def course(user, pk: int) -> Course:
    return scope.get_scoped(Course.objects.select_related("organizer"), user, pk=pk)


def sessions(user, *, course_id: int | None = None) -> QuerySet:
    qs = scope.scoped(Session.objects.select_related("course"), user)
    if course_id:
        qs = qs.filter(course_id=course_id)
    return qs.annotate(enrolled=Count("enrolments")).order_by("-starts_on", "-id")


def session(user, pk: int) -> Session:
    return scope.get_scoped(
        Session.objects.select_related("course", "course__organizer"), user, pk=pk
    )


def roll(user, session_id: int) -> QuerySet:
    """The session's enrolments the user may see (an institution: its own staff only)."""
    return scope.scoped(
        Enrolment.objects.filter(session_id=session_id).select_related(
            "caregiver__institution__organization",
            "assessor__institution__organization",
            "certificate",
        ),
        user,
    ).order_by("caregiver__institution_id", "caregiver__name", "assessor__name", "id")


def enrolment(user, pk: int) -> Enrolment:
    return scope.get_scoped(
        Enrolment.objects.select_related("session", "session__course", "caregiver", "assessor"),
        user,
        pk=pk,
    )


def passed_q() -> Q:
    from django.db.models import F

    return Q(attended=True, score__isnull=False, score__gte=F("session__pass_mark"))


def organizers(user) -> list:
    """Who may organize a course, for the course form: the user's own organization first, then
    the care institutions the user sees."""
    from changhu.orgs.models import Organization, OrgKind
    from changhu.providers import selectors as provider_selectors

    own = Organization.objects.filter(pk=user.organization_id)
    institutions = provider_selectors.institution_options(fetched_by=user).values("organization_id")
    others = Organization.objects.filter(pk__in=institutions, kind=OrgKind.CARE).order_by("name")
    return [*own, *others.exclude(pk=user.organization_id)]
