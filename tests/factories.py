"""factory-boy factories with Faker zh_CN: the one place tests get realistic data."""

from __future__ import annotations

import datetime as dt
import random

import factory
from faker import Faker

from changhu.core.identity import make_id_number
from changhu.insured import services as insured_services
from changhu.insured.models import Person
from changhu.orgs.models import Organization, OrgKind, Region, RegionLevel, User
from changhu.orgs.roles import Role

fake = Faker("zh_CN")
_rng = random.Random(20261123)
_sequence = iter(range(1, 10_000_000))


def valid_id_number(division: str = "510104", birth: dt.date | None = None) -> str:
    birth = birth or dt.date(_rng.randint(1930, 1965), _rng.randint(1, 12), _rng.randint(1, 28))
    return make_id_number(division, birth, next(_sequence))


def mobile() -> str:
    return _rng.choice(["138", "139", "150", "186", "199"]) + f"{_rng.randint(0, 99999999):08d}"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"5101049{n % 100:02d}999")
    name = factory.Sequence(lambda n: f"测试街道{n}")
    level = RegionLevel.STREET


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    kind = OrgKind.CARE
    name = factory.Sequence(lambda n: f"{fake.company_prefix()}护理服务中心{n}")
    care_kind = factory.LazyAttribute(lambda o: "home_service" if o.kind == OrgKind.CARE else "")

    @factory.post_generation
    def coverage(self, create, extracted, **kwargs):
        if create and extracted:
            self.coverage.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.LazyFunction(fake.name)
    role = Role.INSURER_CASE_WORKER

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "Changhu2026!")
        if create:
            self.save(update_fields=["password"])


def person_input(region: Region, **overrides) -> insured_services.PersonInput:
    division = region.code[:6]
    data = {
        "name": fake.name(),
        "id_number": valid_id_number(division),
        "phone": mobile(),
        "address": f"{region.name}{fake.street_name()}{_rng.randint(1, 300)}号",
        "region_code": region.code,
        "latitude": "30.657000",
        "longitude": "104.066000",
        "insurance_type": _rng.choice(["employee", "resident"]),
        "enrolment_start": "2020-01-01",
        "special_groups": [],
    }
    data.update(overrides)
    return insured_services.PersonInput(**data)


def make_person(region: Region, **overrides) -> Person:
    """A saved person, built through the same code path as registration (no audit entry)."""
    clean = insured_services.clean_person(person_input(region, **overrides))
    person = insured_services.build_person(clean)
    person.save()
    person.enrolments.create(insurance_type=clean.insurance_type, start_date=clean.enrolment_start)
    for group in clean.special_groups:
        person.special_groups.create(group=group, start_date=clean.enrolment_start)
    return person


def import_row(region: Region, **overrides) -> dict[str, str]:
    """One valid row of a register import file, keyed by the template's Chinese headers."""
    data = person_input(region)
    return {
        "姓名": data.name,
        "身份证号码": data.id_number,
        "联系电话": data.phone,
        "居住地址": data.address,
        "所属街道/区县代码": data.region_code,
        "纬度": data.latitude,
        "经度": data.longitude,
        "参保类型": "职工" if data.insurance_type == "employee" else "居民",
        "参保起始日": "2020-01-01",
        "特殊群体": "",
        **overrides,
    }


# --- institutions, caregivers, catalogue (providers and care) ---------------------------------


def make_institution(
    organization: Organization | None = None,
    *,
    region: Region | None = None,
    care_kind: str = "nursing_home",
    care_modes: tuple[str, ...] = ("institutional", "home_visit", "individual", "family"),
    beds: int = 120,
    agreement_from: dt.date = dt.date(2024, 1, 1),
    agreement_until: dt.date = dt.date(2030, 12, 31),
):
    """A designated institution with an agreement in force (written directly, no audit)."""
    from changhu.providers import rules as provider_rules
    from changhu.providers.models import Agreement, Institution, InstitutionStatusChange

    if organization is None:
        organization = OrganizationFactory(kind=OrgKind.CARE, care_kind=care_kind, region=region)
    if not organization.uscc:
        organization.uscc = provider_rules.make_uscc(
            f"52{organization.region.code[:6]}MJ{organization.pk:07d}"
        )
        organization.save(update_fields=["uscc"])
    institution = Institution.objects.create(
        organization=organization,
        region_code=organization.region.code,
        beds=beds,
        care_modes=list(care_modes),
        staff_count=40,
        nurse_count=8,
        care_worker_count=30,
        admitted_on=agreement_from,
        status_since=agreement_from,
    )
    InstitutionStatusChange.objects.create(
        institution=institution, to_status="active", effective_on=agreement_from, reason="准入"
    )
    Agreement.objects.create(
        institution=institution,
        number=f"T-{institution.pk:05d}-01",
        signed_on=agreement_from,
        valid_from=agreement_from,
        valid_until=agreement_until,
        renewal_due=agreement_until - dt.timedelta(days=60),
    )
    return institution


def make_caregiver(
    institution,
    *,
    kind: str = "staff",
    qualification: str = "care_worker",
    certificate: str | None = "care_worker",
    issued_on: dt.date = dt.date(2022, 1, 1),
    expires_on: dt.date = dt.date(2030, 12, 31),
    beneficiary: Person | None = None,
    name: str | None = None,
):
    """A caregiver with (by default) one valid certificate, built like a registration."""
    from changhu.providers import rules as provider_rules
    from changhu.providers import services as provider_services
    from changhu.providers.models import Certificate

    clean = provider_services.clean_caregiver(
        provider_services.CaregiverInput(
            kind=kind,
            name=name or fake.name(),
            id_number=valid_id_number("510104", dt.date(_rng.randint(1965, 1995), 3, 8)),
            phone=mobile(),
            qualification=qualification,
            beneficiary_id=beneficiary.pk if beneficiary else None,
            hired_on="2021-06-01",
        )
    )
    caregiver = provider_services.build_caregiver(
        clean, institution=institution, beneficiary=beneficiary
    )
    caregiver.save()
    if certificate:
        Certificate.objects.create(
            caregiver=caregiver,
            kind=certificate,
            qualification=provider_rules.CERTIFICATE_QUALIFICATION[certificate],
            number=f"ZS{caregiver.pk:08d}",
            issued_on=issued_on,
            expires_on=expires_on,
        )
    return caregiver


def designate_assessment(organization: Organization, *users, until=dt.date(2035, 12, 31)):
    """Designate an assessment organization (an agreement in force) and register each of
    ``users`` as a qualified assessor of it; returns the institution."""
    institution = make_institution(organization, care_modes=(), beds=0, agreement_until=until)
    for user in users:
        make_assessor(institution, user=user)
    return institution


def designate_fixture_assessment(request) -> None:
    """For an autouse fixture of the suites that dispatch cases: when a test uses the shared
    ``users`` fixture, designate its assessment centre and register its assessor and expert as
    qualified assessors (dispatch and the team check need both)."""
    if "users" not in request.fixturenames:
        return
    users = request.getfixturevalue("users")
    orgs = request.getfixturevalue("orgs")
    designate_assessment(orgs.assessment, users.assessor, users.expert)


def make_assessor(
    institution,
    *,
    user=None,
    profession: str = "doctor",
    certificate: str | None = "assessor",
    issued_on: dt.date = dt.date(2022, 1, 1),
    expires_on: dt.date = dt.date(2035, 12, 31),
    name: str | None = None,
    status: str = "active",
):
    """A registered assessor with (by default) a valid assessor certificate."""
    from changhu.core import crypto, masking
    from changhu.providers import services as provider_services
    from changhu.providers.models import Assessor, Certificate

    number = valid_id_number("510104", dt.date(_rng.randint(1965, 1995), 5, 9))
    phone = mobile()
    facts = provider_services.clean_assessor(
        provider_services.AssessorInput(
            name=name or (user.real_name if user and user.real_name else fake.name()),
            id_number=number,
            phone=phone,
            profession=profession,
            hired_on="2021-06-01",
        )
    )
    assessor = Assessor.objects.create(
        institution=institution,
        name=facts["name"],
        id_number_enc=crypto.encrypt(number),
        id_number_index=crypto.blind_index(number, purpose=provider_services.ASSESSOR_ID_PURPOSE),
        id_number_masked=masking.mask_id_number(number),
        birth_date=facts["birth_date"],
        sex=facts["sex"],
        phone_enc=crypto.encrypt(phone),
        phone_index="",
        phone_masked=masking.mask_phone(phone),
        profession=profession,
        hired_on=facts["hired_on"],
        user=user,
        status=status,
    )
    if certificate:
        Certificate.objects.create(
            assessor=assessor,
            kind=certificate,
            number=f"PG{assessor.pk:08d}",
            issued_on=issued_on,
            expires_on=expires_on,
        )
    return assessor


def load_demo_catalogue():
    """The shipped demo-city catalogue, loaded once per test database."""
    from changhu.care import catalogue

    result = catalogue.load_catalogue_file(catalogue.catalogues_dir() / "demo-city.json")
    return catalogue.Catalogue.objects.get(pk=result.catalogue_id)


# --- conclusions and entitlements opened from them -------------------------------------------


def load_policies() -> None:
    """The shipped benefit policies (which grades qualify), once per test database."""
    from changhu.settlement.models import PolicyVersion
    from changhu.settlement.policies import load_all_policies

    if not PolicyVersion.objects.exists():
        load_all_policies()


def make_conclusion(
    person,
    *,
    grade: int = 4,
    valid_from: dt.date = dt.date(2026, 1, 1),
    valid_until: dt.date | None = None,
    kind: str = "initial",
    previous=None,
    superseded_on: dt.date | None = None,
):
    """An issued conclusion of ``person`` with ``grade``, written directly (no workflow, no
    letter file). Loads the shipped scales, rules and benefit policies it needs; ``qualifying``
    follows the policy in force for the person's region on ``valid_from``. Valid for two years
    unless ``valid_until`` says otherwise (2026-01-01 → 2027-12-31)."""
    from changhu.assessment.models import (
        Application,
        Assessment,
        Conclusion,
        RuleVersion,
        ScaleVersion,
    )
    from changhu.assessment.presets import (
        load_rule_presets,
        load_scale_presets,
        rules_for,
        scale_for,
    )
    from changhu.assessment.selectors import grade_qualifies

    if valid_until is None:
        # two years on, less a day; 29 February moves to the 28th of a common year
        day = min(valid_from.day, 28) if valid_from.month == 2 else valid_from.day
        valid_until = valid_from.replace(year=valid_from.year + 2, day=day) - dt.timedelta(days=1)
    if not ScaleVersion.objects.exists():
        load_scale_presets()
    if not RuleVersion.objects.exists():
        load_rule_presets()
    load_policies()
    institution = Organization.objects.filter(kind=OrgKind.ASSESSMENT).order_by("pk").first()
    if institution is None:
        institution = OrganizationFactory(kind=OrgKind.ASSESSMENT, region=person.region)
    serial = next(_sequence)
    labels = {0: "基本正常", 1: "轻度失能", 2: "中度失能", 3: "重度失能Ⅰ级", 4: "重度失能Ⅱ级"}
    label = labels.get(grade, "重度失能Ⅲ级")
    rules = rules_for(person.region_code, valid_from)
    application = Application.objects.create(
        number=f"T{serial:010d}",
        kind=kind,
        channel="counter",
        status="concluded",
        person=person,
        region_code=person.region_code,
        rules=rules,
        previous_conclusion=previous,
        applicant_name="张小梅",
        relationship="child",
        place="home",
        institution=institution,
    )
    scale = scale_for("national-2021", valid_from)
    assessment = Assessment.objects.create(
        application=application,
        institution=institution,
        due_date=valid_from,
        scale_version=scale,
        submission=1,
        submitted_at=dt.datetime.combine(valid_from, dt.time(9), tzinfo=dt.UTC),
        grade=grade,
        grade_label=label,
    )
    qualifying = bool(grade_qualifies(person.region_code, grade, valid_from))
    Assessment.objects.filter(pk=assessment.pk).update(qualifying=qualifying)
    return Conclusion.objects.create(
        number=f"JL{valid_from:%Y}{serial:08d}",
        application=application,
        person=person,
        region_code=person.region_code,
        assessment=assessment,
        grade=grade,
        grade_label=label,
        qualifying=qualifying,
        scale_version=scale,
        rules=rules,
        valid_from=valid_from,
        valid_until=valid_until,
        appeal_until=valid_from + dt.timedelta(days=15),
        letter=f"private/assessment/{application.pk}/none.pdf.sealed",
        previous=previous,
        superseded_on=superseded_on,
    )


def open_entitlement(
    actor,
    person,
    institution,
    *,
    grade: int = 4,
    care_mode: str = "home_visit",
    valid_from: dt.date = dt.date(2026, 1, 1),
    valid_until: dt.date = dt.date(2027, 12, 31),
    social_support: bool = False,
    start_date: dt.date | None = None,
):
    """办理待遇 through the care service, from a new conclusion of ``person`` with ``grade``."""
    from changhu.care import services

    conclusion = make_conclusion(
        person, grade=grade, valid_from=valid_from, valid_until=valid_until
    )
    return services.entitlement_open_from_conclusion(
        actor=actor,
        conclusion_id=conclusion.pk,
        care_mode=care_mode,
        institution_id=institution.pk,
        social_support=social_support,
        start_date=start_date,
    )


# --- visits: photos and visit rows ------------------------------------------------------------


def jpeg_bytes(seed: int = 0, size: tuple[int, int] = (32, 24)) -> bytes:
    """A small real JPEG whose content (and so SHA-256) differs with ``seed``."""
    import io

    from PIL import Image

    colour = (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256)
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def make_photo(seed: int = 0):
    """A stored visit photo (written directly, like an upload)."""
    import hashlib

    from django.core.files.base import ContentFile

    from changhu.visits.models import Photo

    data = jpeg_bytes(seed)
    sha = hashlib.sha256(data).hexdigest()
    existing = Photo.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing
    photo = Photo(sha256=sha, content_type="image/jpeg", size=len(data))
    photo.file.save(f"{sha}.jpg", ContentFile(data), save=False)
    photo.save()
    return photo


def make_visit(
    *,
    caregiver,
    person,
    start: dt.datetime,
    minutes: int = 60,
    items: tuple[tuple[object, int], ...] = (),
    position: tuple[float, float] | None = None,
    out_position: tuple[float, float] | None = None,
    distance_m: int | None = 10,
    out_distance_m: int | None = 10,
    accuracy_m: float = 10.0,
    photos: tuple[object, object] | None = None,
    status: str = "completed",
):
    """A visit row written directly (for screening tests): completed ``minutes`` after
    ``start`` with the given items ((CatalogueItem, quantity), ...)."""
    import uuid

    from django.utils import timezone

    from changhu.visits.models import Visit, VisitItem

    home = (float(person.latitude or 30.657), float(person.longitude or 104.066))
    position = position or home
    out_position = out_position or position
    end = start + dt.timedelta(minutes=minutes)
    completed = status == "completed"
    if photos is None:
        seed = next(_sequence)
        photos = (make_photo(seed), make_photo(seed + 500_000))
    visit = Visit.objects.create(
        client_uuid=uuid.uuid4(),
        caregiver=caregiver,
        person=person,
        institution_id=caregiver.institution_id,
        region_code=person.region_code,
        service_date=timezone.localtime(start).date(),
        status=status,
        rule_version="2026.1",
        check_in_at=start,
        check_in_device_at=start,
        check_in_received_at=start,
        check_in_latitude=position[0],
        check_in_longitude=position[1],
        check_in_accuracy_m=accuracy_m,
        check_in_distance_m=distance_m,
        check_in_place="compliant",
        check_in_photo=photos[0],
        check_out_uuid=uuid.uuid4() if completed else None,
        check_out_at=end if completed else None,
        check_out_device_at=end if completed else None,
        check_out_received_at=end if completed else None,
        check_out_latitude=out_position[0] if completed else None,
        check_out_longitude=out_position[1] if completed else None,
        check_out_accuracy_m=accuracy_m if completed else None,
        check_out_distance_m=out_distance_m if completed else None,
        check_out_place="compliant" if completed else "",
        check_out_photo=photos[1] if completed else None,
        confirmation_method="code" if completed else "",
        duration_minutes=minutes if completed else None,
        reference_minutes=sum(i.reference_minutes * q for i, q in items) if completed else None,
        payable=completed,
    )
    VisitItem.objects.bulk_create([VisitItem(visit=visit, item=i, quantity=q) for i, q in items])
    return visit


# --- settlement: entitlements with arrangements, bed-days --------------------------------------


def make_entitlement(
    person,
    institution,
    *,
    grade: int = 4,
    care_mode: str = "home_visit",
    start: dt.date = dt.date(2026, 1, 1),
    until: dt.date = dt.date(2027, 12, 31),
    end_date: dt.date | None = None,
    arrangement_end: dt.date | None = None,
):
    """An entitlement with one arrangement, written directly (no audit, no checks)."""
    from changhu.care.models import Arrangement, Entitlement

    entitlement = Entitlement.objects.create(
        person=person,
        grade=grade,
        conclusion_ref=f"JL{next(_sequence):08d}",
        valid_from=start,
        valid_until=until,
        end_date=end_date,
    )
    Arrangement.objects.create(
        entitlement=entitlement,
        person=person,
        start_date=start,
        end_date=arrangement_end,
        care_mode=care_mode,
        institution=institution,
    )
    return entitlement


def make_bed_days(person, institution, first: dt.date, last: dt.date, *, kind: str = "in_bed"):
    """One bed-day row per day from ``first`` through ``last`` (written directly)."""
    from changhu.visits.models import BedDay

    rows, day = [], first
    while day <= last:
        rows.append(
            BedDay(
                person=person,
                institution=institution,
                region_code=person.region_code,
                day=day,
                kind=kind,
            )
        )
        day += dt.timedelta(days=1)
    return BedDay.objects.bulk_create(rows)
