"""Every read of institutions and caregivers that leaves this app, narrowed to the reader's scope.

A care institution's users see their own institution, its applications and its caregivers only;
bureau and insurer staff see the institutions located in, or serving, their regions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from changhu.core import clock, crypto, scope
from changhu.core.db import filter_given
from changhu.core.identity import normalize_id_number
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers import rules
from changhu.providers.models import (
    Admission,
    Agreement,
    AgreementStatus,
    Caregiver,
    CaregiverStatus,
    Certificate,
    ImportBatch,
    Institution,
    InstitutionStatusChange,
    ServicePoint,
    Training,
)
from changhu.providers.services import CAREGIVER_ID_PURPOSE


@scope.register(Institution)
def _institution_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Care staff: their own institution. Others: located in or covering their regions."""
    if not s.can(Right.PROVIDERS_VIEW):
        return queryset.none()
    if s.organization_kind == OrgKind.CARE:
        return queryset.filter(organization_id=s.organization_id)
    located = Institution.objects.filter(s.region_q("region_code")).values("pk")
    covering = Institution.objects.filter(s.region_q("organization__coverage__code")).values("pk")
    return queryset.filter(Q(pk__in=located) | Q(pk__in=covering))


def _institutions_seen(s: scope.Scope) -> QuerySet:
    return _institution_policy(Institution.objects.all(), s).values("pk")


@scope.register(Admission)
def _admission_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if s.organization_kind == OrgKind.CARE:
        if not (s.can(Right.PROVIDERS_APPLY) or s.can(Right.PROVIDERS_VIEW)):
            return queryset.none()
        return queryset.filter(Q(organization_id=s.organization_id) | Q(submitted_by_id=s.user_id))
    if s.can(Right.PROVIDERS_VIEW):
        return queryset.filter(s.region_q("region_code"))
    return queryset.none()


@scope.register(Agreement, ServicePoint, InstitutionStatusChange)
def _by_institution_seen(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(institution_id__in=_institutions_seen(s))


@scope.register(Caregiver)
def _caregiver_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Care staff with a caregiver right: their institution's caregivers; others by institution."""
    if s.organization_kind == OrgKind.CARE:
        if not (s.can(Right.PROVIDERS_VIEW) or s.can(Right.CAREGIVERS_MANAGE)):
            return queryset.none()
        return queryset.filter(institution__organization_id=s.organization_id)
    if not s.can(Right.PROVIDERS_VIEW):
        return queryset.none()
    return queryset.filter(institution_id__in=_institutions_seen(s))


def caregivers_seen(s: scope.Scope) -> QuerySet:
    """The ids of the caregivers ``s`` may see (a subquery), for rows that hang off a caregiver
    in other apps too (training enrolments)."""
    return _caregiver_policy(Caregiver.objects.all(), s).values("pk")


@scope.register(Certificate, Training)
def _by_caregiver_seen(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(caregiver_id__in=caregivers_seen(s))


@scope.register(ImportBatch)
def _import_batch_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The batches a user uploaded, and those of their own organization."""
    own = Q(uploaded_by_id=s.user_id)
    if s.organization_id:
        own |= Q(organization_id=s.organization_id)
    return queryset.filter(own)


# --- institutions ---------------------------------------------------------------------------


@dataclass
class InstitutionFilters:
    q: str = ""  # a name fragment or a full USCC
    care_kind: str = ""
    status: str = ""
    care_mode: str = ""
    district: str = ""


def institution_list(*, fetched_by, filters: InstitutionFilters | None = None) -> QuerySet:
    f = filters or InstitutionFilters()
    qs = scope.scoped(
        Institution.objects.select_related("organization", "organization__region"), fetched_by
    )
    text = (f.q or "").strip()
    if text:
        qs = qs.filter(Q(organization__name__contains=text) | Q(organization__uscc=text.upper()))
    qs = filter_given(
        qs,
        organization__care_kind=f.care_kind,
        status=f.status,
        region_code__startswith=f.district.strip(),
    )
    if f.care_mode:
        # JSON containment differs between backends; the mode lists are short, so filter by text.
        qs = qs.filter(care_modes__icontains=f'"{f.care_mode}"')
    return qs.annotate(
        caregiver_count=Count("caregivers", filter=Q(caregivers__status=CaregiverStatus.ACTIVE))
    ).order_by("organization__name")


def institution_get(*, fetched_by, institution_id: int) -> Institution:
    qs = Institution.objects.select_related(
        "organization", "organization__region", "admission"
    ).prefetch_related(
        "service_points",
        Prefetch("agreements", queryset=Agreement.objects.order_by("-valid_from")),
        Prefetch(
            "status_changes",
            queryset=InstitutionStatusChange.objects.select_related("actor").order_by(
                "-effective_on", "-id"
            ),
        ),
    )
    return scope.get_scoped(qs, fetched_by, pk=institution_id)


def active_caregiver_count(institution: Institution) -> int:
    """How many caregivers of an institution the reader already holds are in post."""
    return institution.caregivers.filter(status=CaregiverStatus.ACTIVE).count()


def agreement_get(*, fetched_by, agreement_id: int) -> Agreement:
    """One service agreement in the reader's scope (404 outside it)."""
    return scope.get_scoped(Agreement.objects.all(), fetched_by, pk=agreement_id)


def institution_for_organization(*, fetched_by, organization_id: int) -> Institution | None:
    return (
        scope.scoped(Institution.objects.select_related("organization"), fetched_by)
        .filter(organization_id=organization_id)
        .first()
    )


def institution_options(*, fetched_by, active_only: bool = True) -> QuerySet:
    """Institutions to choose from in a form."""
    qs = scope.scoped(Institution.objects.select_related("organization"), fetched_by)
    if active_only:
        qs = qs.filter(status="active")
    return qs.order_by("organization__name")


OPEN_ADMISSIONS = ("submitted", "under_review", "inspecting")


def admission_list(*, fetched_by, status: str = "") -> QuerySet:
    """Applications in scope; ``status="open"`` for those still being handled."""
    qs = scope.scoped(Admission.objects.select_related("region", "organization"), fetched_by)
    if status == "open":
        qs = qs.filter(status__in=OPEN_ADMISSIONS)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-submitted_at", "-id")


def admission_get(*, fetched_by, admission_id: int) -> Admission:
    return scope.get_scoped(
        Admission.objects.select_related("region", "organization", "submitted_by", "decided_by"),
        fetched_by,
        pk=admission_id,
    )


def agreements_due_for_renewal(*, fetched_by, today: dt.date | None = None) -> QuerySet:
    """Active agreements whose renewal date has come and that have not been renewed."""
    today = today or clock.today()
    return (
        scope.scoped(Agreement.objects.select_related("institution__organization"), fetched_by)
        .filter(status=AgreementStatus.ACTIVE, renewal_due__lte=today, ended_on__isnull=True)
        # A work queue: the agreement that ends soonest is renewed first.
        .order_by("valid_until")
    )


# --- caregivers -----------------------------------------------------------------------------


@dataclass
class CaregiverFilters:
    q: str = ""  # a name prefix or a full ID number
    institution_id: int | None = None
    kind: str = ""
    status: str = ""


def caregiver_list(*, fetched_by, filters: CaregiverFilters | None = None) -> QuerySet:
    f = filters or CaregiverFilters()
    qs = scope.scoped(
        Caregiver.objects.select_related("institution__organization", "beneficiary"), fetched_by
    )
    text = (f.q or "").strip()
    if text:
        number = normalize_id_number(text)
        if len(number) == 18 and number[:17].isdigit():
            qs = qs.filter(id_number_index=crypto.blind_index(number, purpose=CAREGIVER_ID_PURPOSE))
        else:
            qs = qs.filter(name__startswith=text)
    qs = filter_given(qs, institution_id=f.institution_id, kind=f.kind, status=f.status)
    return qs.prefetch_related("certificates").order_by("institution__organization__name", "name")


def caregiver_get(*, fetched_by, caregiver_id: int) -> Caregiver:
    qs = Caregiver.objects.select_related(
        "institution__organization", "beneficiary", "user"
    ).prefetch_related("certificates", "trainings")
    return scope.get_scoped(qs, fetched_by, pk=caregiver_id)


def caregiver_for_assignment(*, fetched_by, caregiver_id: int) -> Caregiver:
    """A caregiver in scope with what :func:`caregiver_assert_assignable` reads."""
    qs = Caregiver.objects.select_related("institution__organization").prefetch_related(
        "certificates"
    )
    return scope.get_scoped(qs, fetched_by, pk=caregiver_id)


def certificates_expiring(
    *, fetched_by, within_days: int = rules.EXPIRY_WARNING_DAYS, today: dt.date | None = None
) -> QuerySet:
    """Certificates of caregivers in post that expire within ``within_days`` (or have expired
    in the last ``within_days``), soonest first."""
    today = today or clock.today()
    window = dt.timedelta(days=max(0, min(within_days, 366)))
    return (
        scope.scoped(
            Certificate.objects.select_related("caregiver__institution__organization"), fetched_by
        )
        .filter(
            caregiver__status=CaregiverStatus.ACTIVE,
            expires_on__gte=today - window,
            expires_on__lte=today + window,
        )
        .exclude(kind="health")
        # A work queue: the certificate that expires (or expired) soonest comes first.
        .order_by("expires_on", "id")
    )


def certificate_state(certificate: Certificate, today: dt.date | None = None) -> str:
    return rules.certificate_state(
        certificate.issued_on, certificate.expires_on, today or clock.today()
    )


def import_batch_list(*, fetched_by) -> QuerySet:
    return scope.scoped(ImportBatch.objects.select_related("uploaded_by"), fetched_by)


def import_batch_get(*, fetched_by, batch_id: int) -> ImportBatch:
    return scope.get_scoped(ImportBatch.objects.all(), fetched_by, pk=batch_id)
