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
    Assessor,
    AssessorStatus,
    Caregiver,
    CaregiverStatus,
    Certificate,
    ImportBatch,
    Institution,
    InstitutionStatusChange,
    ServicePoint,
    Training,
)
from changhu.providers.services import ASSESSOR_ID_PURPOSE, CAREGIVER_ID_PURPOSE


@scope.register(Institution)
def _institution_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Care staff: their own institution. Others: located in or covering their regions."""
    if not s.can(Right.PROVIDERS_VIEW):
        return queryset.none()
    if s.organization_kind == OrgKind.CARE:
        return queryset.filter(organization_id=s.organization_id)
    located = Institution.all_kinds.filter(s.region_q("region_code")).values("pk")
    covering = Institution.all_kinds.filter(s.region_q("organization__coverage__code")).values("pk")
    return queryset.filter(Q(pk__in=located) | Q(pk__in=covering))


def _institutions_seen(s: scope.Scope) -> QuerySet:
    return _institution_policy(Institution.all_kinds.all(), s).values("pk")


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


@scope.register(Assessor)
def _assessor_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Those who see an assessment institution see its assessors; care staff see none."""
    if not s.can(Right.PROVIDERS_VIEW) or s.organization_kind == OrgKind.CARE:
        return queryset.none()
    return queryset.filter(institution_id__in=_institutions_seen(s))


def assessors_seen(s: scope.Scope) -> QuerySet:
    """The ids of the assessors ``s`` may see (a subquery), e.g. for training enrolments."""
    return _assessor_policy(Assessor.objects.all(), s).values("pk")


@scope.register(Certificate, Training)
def _by_holder_seen(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset.filter(
        Q(caregiver_id__in=caregivers_seen(s)) | Q(assessor_id__in=assessors_seen(s))
    )


@scope.register(ImportBatch)
def _import_batch_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The batches a user uploaded, and those of their own organization."""
    own = Q(uploaded_by_id=s.user_id)
    if s.organization_id:
        own |= Q(organization_id=s.organization_id)
    return queryset.filter(own)


# --- institutions ---------------------------------------------------------------------------


def organizations_in_force(*, kind: str, day: dt.date) -> set[int]:
    """The organization ids of the designated institutions of ``kind`` that are active and hold
    an agreement in force on ``day`` (a system check, e.g. dispatch, not a list for a reader)."""
    in_force = Q(valid_from__lte=day) & (
        Q(ended_on__isnull=False, ended_on__gte=day)
        | (Q(ended_on__isnull=True, valid_until__gte=day) & ~Q(status=AgreementStatus.TERMINATED))
    )
    return set(
        Agreement.objects.filter(
            in_force,
            institution__organization__kind=kind,
            institution__status="active",
        ).values_list("institution__organization_id", flat=True)
    )


@dataclass
class InstitutionFilters:
    q: str = ""  # a name fragment or a full USCC
    kind: str = "care"  # care or assessment institutions
    care_kind: str = ""
    status: str = ""
    care_mode: str = ""
    district: str = ""


def institution_list(*, fetched_by, filters: InstitutionFilters | None = None) -> QuerySet:
    f = filters or InstitutionFilters()
    qs = scope.scoped(
        Institution.all_kinds.select_related("organization", "organization__region"), fetched_by
    ).filter(organization__kind=f.kind or "care")
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
    """A care or an assessment institution in the reader's scope (404 outside it)."""
    qs = Institution.all_kinds.select_related(
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


def with_assessor_counts(institutions: QuerySet) -> QuerySet:
    """Assessment institutions with how many of their assessors are in post."""
    return institutions.annotate(
        assessor_count=Count(
            "assessors", filter=Q(assessors__status=AssessorStatus.ACTIVE), distinct=True
        )
    )


def active_assessor_count(institution: Institution) -> int:
    return institution.assessors.filter(status=AssessorStatus.ACTIVE).count()


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


def admission_list(*, fetched_by, status: str = "", kind: str = "") -> QuerySet:
    """Applications in scope (of care or assessment institutions, or both when ``kind`` is
    empty); ``status="open"`` for those still being handled."""
    qs = scope.scoped(Admission.objects.select_related("region", "organization"), fetched_by)
    if kind:
        qs = qs.filter(kind=kind)
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


# --- assessors ------------------------------------------------------------------------------


@dataclass
class AssessorFilters:
    q: str = ""  # a name prefix or a full ID number
    institution_id: int | None = None
    profession: str = ""
    status: str = ""


def assessor_list(*, fetched_by, filters: AssessorFilters | None = None) -> QuerySet:
    f = filters or AssessorFilters()
    qs = scope.scoped(Assessor.objects.select_related("institution__organization"), fetched_by)
    text = (f.q or "").strip()
    if text:
        number = normalize_id_number(text)
        if len(number) == 18 and number[:17].isdigit():
            qs = qs.filter(id_number_index=crypto.blind_index(number, purpose=ASSESSOR_ID_PURPOSE))
        else:
            qs = qs.filter(name__startswith=text)
    qs = filter_given(qs, institution_id=f.institution_id, profession=f.profession, status=f.status)
    return qs.prefetch_related("certificates").order_by("institution__organization__name", "name")


def assessor_get(*, fetched_by, assessor_id: int) -> Assessor:
    qs = Assessor.objects.select_related("institution__organization", "user").prefetch_related(
        "certificates", "trainings"
    )
    return scope.get_scoped(qs, fetched_by, pk=assessor_id)


def assessment_institution_options(*, fetched_by) -> QuerySet:
    """Active designated assessment institutions to choose from in a form."""
    return (
        scope.scoped(Institution.all_kinds.select_related("organization"), fetched_by)
        .filter(organization__kind=OrgKind.ASSESSMENT, status="active")
        .order_by("organization__name")
    )


def assessors_for_users(user_ids) -> dict[int, Assessor]:
    """The register entries of these login accounts, with what the qualification check reads
    (for the assessment team picker, which already scopes the accounts it offers)."""
    rows = (
        Assessor.objects.filter(user_id__in=list(user_ids))
        .select_related("institution__organization")
        .prefetch_related("certificates")
    )
    return {a.user_id: a for a in rows}


def assessor_certificates_expiring(
    *, fetched_by, within_days: int = rules.EXPIRY_WARNING_DAYS, today: dt.date | None = None
) -> QuerySet:
    """Assessor certificates of assessors in post that expire (or expired) within the window."""
    today = today or clock.today()
    window = dt.timedelta(days=max(0, min(within_days, 366)))
    return (
        scope.scoped(
            Certificate.objects.select_related("assessor__institution__organization"), fetched_by
        )
        .filter(
            assessor__status=AssessorStatus.ACTIVE,
            expires_on__gte=today - window,
            expires_on__lte=today + window,
        )
        .order_by("expires_on", "id")
    )
