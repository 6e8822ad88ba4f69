"""Demo data for assessment institutions and the assessor register.

``seed_providers_demo`` runs after the demo city: it designates the demo assessment
organizations (an approved admission and an agreement in force, through the same services as a
care institution), registers every demo account that assesses (``assessor``, ``expert`` …) as a
qualified assessor with a valid assessor certificate, adds one assessor whose certificate has
expired (who therefore cannot be put on a team), and leaves one assessment institution's
application under review. The assessment demo calls :func:`designate_assessment_demo` for the
institution and people it adds itself. Idempotent and deterministic (natural keys: USCC, ID
numbers, certificate numbers). Care institutions are designated by the care demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from changhu.core import clock, crypto
from changhu.core.identity import make_id_number
from changhu.orgs.models import Organization, OrgKind, User
from changhu.orgs.roles import Role
from changhu.providers import rules, services
from changhu.providers.models import Admission, Assessor, Institution

PENDING_NAME = "成都市康衡失能评估服务有限公司"
# Professions handed out in turn to the demo assessors; experts are doctors.
PROFESSIONS = ("nurse", "therapist", "social_worker", "doctor")
EXPIRED_ASSESSOR = "周海涛"


@dataclass
class ProvidersDemoReport:
    institutions_designated: int = 0
    assessors_registered: int = 0
    admissions_created: int = 0

    def __str__(self) -> str:
        return (
            f"providers demo: {self.institutions_designated} assessment institutions designated, "
            f"{self.assessors_registered} assessors registered, "
            f"{self.admissions_created} applications"
        )


def _admin() -> User | None:
    return User.objects.filter(is_superuser=True, role="", is_active=True).order_by("pk").first()


def seed_providers_demo() -> ProvidersDemoReport:
    """Designate the demo assessment institutions and register their assessors; idempotent."""
    report = ProvidersDemoReport()
    admin = _admin()
    if admin is None:
        return report
    with transaction.atomic():
        orgs = Organization.objects.filter(kind=OrgKind.ASSESSMENT).order_by("pk")
        for org in orgs:
            people = User.objects.filter(
                organization=org, role__in=[Role.ASSESSOR, Role.ASSESSMENT_EXPERT]
            ).order_by("pk")
            designate_assessment_demo(org, list(people), report=report, actor=admin)
        first = orgs.first()
        if first is not None:
            _expired_assessor(admin, first, report)
        _pending_application(admin, report)
    return report


def designate_assessment_demo(
    org: Organization, people: list[User], *, report=None, actor=None
) -> Institution | None:
    """Designate ``org`` (if it is not yet) and register ``people`` as qualified assessors."""
    admin = actor or _admin()
    if admin is None:
        return None
    report = report or ProvidersDemoReport()
    institution = Institution.all_kinds.filter(organization=org).first()
    if institution is None:
        institution = _designate(admin, org)
        report.institutions_designated += 1
    for user in people:
        if _register(admin, institution, user=user, name=user.real_name or user.username):
            report.assessors_registered += 1
    return institution


def _designate(admin, org: Organization) -> Institution:
    today = clock.today()
    start = dt.date(today.year - 1, 1, 1)
    uscc = org.uscc or rules.make_uscc(f"12{org.region.code[:6]}PG{org.pk:07d}")
    return services.institution_register_existing(
        actor=admin,
        data=services.AdmissionInput(
            kind="assessment",
            name=org.name,
            uscc=uscc,
            region_code=org.region.code
            if org.region.level in ("district", "street")
            else _district(org),
            address=org.address or f"{org.region.name}人民南路{org.pk}号",
            staff_count=20,
            legal_representative="刘建明",
            contact_name=org.contact_name or "韩明亮",
            contact_phone=org.contact_phone or "028-84561230",
        ),
        agreement=services.AgreementInput(
            number=f"CDPG{start.year}-{org.pk:03d}",
            signed_on=start,
            valid_from=start,
            valid_until=dt.date(today.year + 1, 12, 31),
        ),
        note="演示数据：既有定点评估机构",
    )


def _district(org: Organization) -> str:
    """A city-level organization's seat for the admission form: the first district it covers."""
    covered = org.coverage.filter(level="district").order_by("code").first()
    if covered is not None:
        return covered.code
    from changhu.orgs.models import Region

    return (
        Region.objects.filter(code__startswith=org.region.code[:4], level="district")
        .order_by("code")[0]
        .code
    )


def _id_number(institution: Institution, serial: int) -> str:
    birth = dt.date(1970 + (serial * 5) % 25, 1 + serial % 12, 2 + (serial * 3) % 26)
    return make_id_number(institution.region_code[:6], birth, 500 + serial)


def _register(
    admin,
    institution: Institution,
    *,
    user: User | None,
    name: str,
    expired: bool = False,
) -> bool:
    """Register one assessor with an assessor certificate (expired if asked); False if known."""
    if user is not None and Assessor.objects.filter(user=user).exists():
        return False
    serial = (user.pk if user is not None else 900 + institution.pk) % 997
    id_number = _id_number(institution, serial)
    index = crypto.blind_index(id_number, purpose=services.ASSESSOR_ID_PURPOSE)
    while user is not None and Assessor.objects.filter(id_number_index=index).exists():
        # Another assessor drew this number (serials repeat modulo 997): take the next one.
        serial = (serial + 1) % 997
        id_number = _id_number(institution, serial)
        index = crypto.blind_index(id_number, purpose=services.ASSESSOR_ID_PURPOSE)
    if Assessor.objects.filter(id_number_index=index).exists():
        return False
    expert = user is not None and user.role == Role.ASSESSMENT_EXPERT
    assessor = services.assessor_register(
        actor=admin,
        data=services.AssessorInput(
            institution_id=institution.pk,
            name=name,
            id_number=id_number,
            phone=f"139{serial:04d}{institution.pk:04d}"[:11],
            profession="doctor" if expert else PROFESSIONS[serial % len(PROFESSIONS)],
            title="主任医师" if expert else "",
            hired_on=dt.date(2022, 3, 1),
            user_id=user.pk if user is not None else None,
        ),
    )
    today = clock.today()
    issued = dt.date(today.year - 3, 6, 1) if expired else dt.date(today.year - 1, 6, 1)
    services.assessor_certificate_add(
        actor=admin,
        assessor_id=assessor.pk,
        data=services.CertificateInput(
            kind="assessor",
            number=f"PG{assessor.pk:06d}",
            issuer="成都市医疗保障局",
            issued_on=issued,
            expires_on=today - dt.timedelta(days=30) if expired else dt.date(today.year + 2, 5, 31),
        ),
    )
    services.assessor_training_add(
        actor=admin,
        assessor_id=assessor.pk,
        topic="长期护理保险失能等级评估规范（2021版）",
        trainer="成都市医疗保障局",
        held_on=issued,
        hours=16,
    )
    return True


def _expired_assessor(admin, org: Organization, report: ProvidersDemoReport) -> None:
    institution = Institution.all_kinds.filter(organization=org).first()
    if institution is None or Assessor.objects.filter(name=EXPIRED_ASSESSOR).exists():
        return
    if _register(admin, institution, user=None, name=EXPIRED_ASSESSOR, expired=True):
        report.assessors_registered += 1


def _pending_application(admin, report: ProvidersDemoReport) -> None:
    """One assessment institution's application, taken into review by the bureau."""
    if (
        Admission.objects.filter(name=PENDING_NAME).exists()
        or Organization.objects.filter(name=PENDING_NAME).exists()
    ):
        return
    near = Organization.objects.filter(kind=OrgKind.ASSESSMENT).select_related("region").first()
    if near is None:
        return
    admission = services.admission_submit(
        actor=admin,
        data=services.AdmissionInput(
            kind="assessment",
            name=PENDING_NAME,
            uscc=rules.make_uscc("91510100MA0009902"),
            region_code=near.region.code,
            address=f"{near.region.name}红星路二段66号",
            staff_count=24,
            legal_representative="许文斌",
            contact_name="许文斌",
            contact_phone="13880005678",
            documents=[
                {"kind": "license", "title": "营业执照（副本）", "number": "510100000199"},
                {"kind": "staff", "title": "评估人员名册及资格证书", "number": ""},
            ],
        ),
    )
    services.admission_start_review(actor=admin, admission_id=admission.pk)
    report.admissions_created += 1
