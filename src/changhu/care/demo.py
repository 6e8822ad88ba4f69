"""Demo data for institutions, caregivers, entitlements and care plans.

``seed_care_demo`` runs after the demo city (``orgs.demo.seed_demo``): it designates the demo
care organizations with agreements, registers caregivers (valid, expiring and expired
certificates, family caregivers), opens entitlements in every care mode for a sample of the
demo persons, drafts and confirms their care plans, and terminates one home-care station whose
four beneficiaries are being transferred (two moved, two waiting). Everything goes through the
services, acting as the platform administrator, so the demo data obeys the same rules as real
data. It
is idempotent and deterministic: natural keys (USCC, ID numbers, conclusion numbers) are
checked first and every random choice comes from a generator seeded with a fixed number.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import transaction

from changhu.assessment import demo as assessment_demo
from changhu.care import catalogue as catalogues
from changhu.care import plans, services
from changhu.care.models import (
    Assignment,
    CarePlan,
    CarePlanStatus,
    Entitlement,
    EntitlementStatus,
    Transfer,
)
from changhu.core import audit, clock, crypto
from changhu.core.errors import DomainError
from changhu.core.identity import make_id_number
from changhu.core.preset_registry import run_preset_loaders
from changhu.insured.models import Person, PersonStatus
from changhu.orgs.models import Organization, OrgKind, User
from changhu.providers import rules as provider_rules
from changhu.providers import services as providers
from changhu.providers.models import (
    Admission,
    Caregiver,
    CaregiverKind,
    Certificate,
    Institution,
    InstitutionStatus,
)

SEED = 20261124
DEFAULT_BENEFICIARIES = 60
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ["秀英", "桂芳", "丽华", "红梅", "淑珍", "玉兰", "建华", "国强", "志红", "海燕", "春梅"]
MODES_BY_KIND = {
    "nursing_home": ["institutional", "home_visit", "family"],
    "hospital_ward": ["institutional"],
    "home_service": ["home_visit", "individual", "family"],
    "primary_clinic": ["home_visit", "family"],
}
BEDS_BY_KIND = {"nursing_home": 180, "hospital_ward": 35, "home_service": 0, "primary_clinic": 20}
# Plan lines tried in order for each mode; a line is kept if the plan still fits the package.
CANDIDATE_LINES = {
    "institutional": [
        ("SH01", 1, "day"),
        ("SH08", 2, "day"),
        ("SH10", 1, "day"),
        ("SH18", 2, "day"),
        ("SH05", 2, "week"),
        ("YL02", 1, "day"),
        ("SH21", 1, "day"),
    ],
    "home_visit": [
        ("SH05", 1, "week"),
        ("SH02", 1, "week"),
        ("SH16", 1, "week"),
        ("SH03", 1, "week"),
        ("YL06", 1, "week"),
        ("SH26", 1, "week"),
    ],
    "individual": [
        ("SH05", 1, "week"),
        ("SH14", 2, "week"),
        ("SZ01", 3, "week"),
        ("SZ02", 1, "week"),
        ("SZ06", 1, "week"),
    ],
    "family": [
        ("SH01", 1, "day"),
        ("SH07", 2, "day"),
        ("SH11", 2, "day"),
        ("SH18", 1, "day"),
        ("SH21", 1, "day"),
    ],
}
VISITS = {"home_visit": {3: 1, 4: 2, 5: 3}, "individual": {3: 2, 4: 3, 5: 4}}


class CareDemoNotReady(DomainError):
    status = 409
    code = "care_demo_not_ready"
    message = "请先运行 changhu seed-demo 生成演示城市（机构、用户、参保人）"


@dataclass
class CareDemoReport:
    institutions_created: int = 0
    admissions_created: int = 0
    caregivers_created: int = 0
    entitlements_created: int = 0
    plans_confirmed: int = 0
    plans_drafted: int = 0
    assignments_created: int = 0
    transfers_opened: int = 0
    transfers_completed: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"care demo: {self.institutions_created} institutions designated, "
            f"{self.admissions_created} applications, {self.caregivers_created} caregivers, "
            f"{self.entitlements_created} entitlements, {self.plans_confirmed} plans confirmed "
            f"({self.plans_drafted} awaiting confirmation), {self.assignments_created} "
            f"assignments, {self.transfers_opened} transfers after an exit "
            f"({self.transfers_completed} moved) in {self.seconds:.1f}s"
        )


def _admin() -> User:
    admin = User.objects.filter(is_superuser=True, role="", is_active=True).order_by("pk").first()
    if admin is None:
        raise CareDemoNotReady()
    return admin


def seed_care_demo(*, persons_limit: int | None = None) -> CareDemoReport:
    """Designate institutions, add caregivers, open entitlements and confirm plans; idempotent."""
    started = time.monotonic()
    report = CareDemoReport()
    admin = _admin()
    catalogues.load_all_catalogues()
    # Which grades qualify is the benefit policy's: the demo needs the shipped policies.
    run_preset_loaders(["policies"])
    rng = random.Random(SEED)
    today = clock.today()
    with transaction.atomic():
        institutions = _designate_all(admin, today, report)
        _pending_application(admin, report)
        staff = {i.pk: _staff(admin, i, rng, today, report) for i in institutions}
        limit = DEFAULT_BENEFICIARIES if persons_limit is None else max(0, persons_limit)
        _beneficiaries(admin, institutions, staff, limit, rng, today, report)
        if limit:
            _exit_with_transfers(admin, rng, today, report)
        if any(
            (report.institutions_created, report.caregivers_created, report.entitlements_created)
        ):
            audit.record(
                action="import",
                obj=institutions[0] if institutions else admin,
                user=admin,
                note=f"生成护理演示数据：定点机构{report.institutions_created}家，"
                f"护理员{report.caregivers_created}名，待遇资格{report.entitlements_created}条",
            )
    report.seconds = time.monotonic() - started
    return report


# --- institutions ---------------------------------------------------------------------------


def _designate_all(admin, today: dt.date, report: CareDemoReport) -> list[Institution]:
    out = []
    orgs = Organization.objects.filter(kind=OrgKind.CARE).select_related("region").order_by("pk")
    for index, org in enumerate(orgs):
        institution = Institution.objects.filter(organization=org).first()
        if institution is None:
            institution = _designate(admin, org, index, today)
            report.institutions_created += 1
        if institution.status == InstitutionStatus.ACTIVE:
            out.append(institution)
    return out


def _designate(admin, org: Organization, index: int, today: dt.date) -> Institution:
    kind = org.care_kind or "home_service"
    beds = BEDS_BY_KIND[kind]
    start = dt.date(today.year - 1, 1, 1)
    # One agreement ends soon, to show the renewal reminder.
    until = today + dt.timedelta(days=45) if index == 1 else dt.date(today.year + 1, 12, 31)
    data = providers.AdmissionInput(
        name=org.name,
        uscc=org.uscc or provider_rules.make_uscc(f"52{org.region.code[:6]}MJ{org.pk:07d}"),
        care_kind=kind,
        region_code=org.region.code,
        address=org.address or f"{org.region.name}人民路{index + 1}号",
        beds=beds,
        care_modes=MODES_BY_KIND[kind],
        staff_count=30 + 10 * index,
        nurse_count=4 + index,
        care_worker_count=20 + 5 * index,
        legal_representative="王建国",
        contact_name=org.contact_name or "李敏",
        contact_phone=org.contact_phone or f"028-8{index + 1:03d}6677",
        service_points=[
            {
                "name": f"{org.short_name or org.name[:4]}第一服务站",
                "address": org.address or org.region.name,
                "beds": 0,
            }
        ],
    )
    agreement = providers.AgreementInput(
        number=f"CDCH{start.year}-{index + 1:03d}",
        signed_on=start,
        valid_from=start,
        valid_until=until,
    )
    return providers.institution_register_existing(
        actor=admin, data=data, agreement=agreement, note="演示数据：既有定点机构"
    )


def _pending_application(admin, report: CareDemoReport) -> None:
    """One application waiting for the bureau, through the fast channel."""
    name = "高新区康养之家护理院"
    if (
        Admission.objects.filter(name=name).exists()
        or Organization.objects.filter(name=name).exists()
    ):
        return
    near = Organization.objects.filter(kind=OrgKind.CARE).select_related("region").first()
    if near is None:
        return
    district = near.region
    providers.admission_submit(
        actor=admin,
        data=providers.AdmissionInput(
            name=name,
            uscc=provider_rules.make_uscc("52510100MJ0009901"),
            care_kind="nursing_home",
            region_code=district.code,
            address=f"{district.name}天府大道中段800号",
            beds=96,
            care_modes=["institutional", "home_visit"],
            staff_count=36,
            nurse_count=6,
            care_worker_count=24,
            medical_designated=True,
            fast_channel=True,
            contact_name="赵雅琴",
            contact_phone="13880001234",
            documents=[
                {"kind": "license", "title": "营业执照（副本）", "number": "510100000099"},
                {"kind": "permit", "title": "养老机构备案回执", "number": "BA-2026-088"},
            ],
        ),
    )
    report.admissions_created += 1


# --- caregivers -----------------------------------------------------------------------------


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _caregiver_id_number(institution: Institution, serial: int) -> str:
    birth = dt.date(1966 + (serial * 7) % 30, 1 + serial % 12, 1 + (serial * 3) % 28)
    return make_id_number(institution.region_code[:6], birth, serial)


def _register(
    admin,
    institution,
    serial,
    rng,
    *,
    kind="staff",
    qualification="care_worker",
    beneficiary_id=None,
    relationship="",
):
    id_number = _caregiver_id_number(institution, serial)
    index = crypto.blind_index(id_number, purpose=providers.CAREGIVER_ID_PURPOSE)
    existing = Caregiver.objects.filter(id_number_index=index).first()
    if existing is not None:
        return existing, False
    clean = providers.clean_caregiver(
        providers.CaregiverInput(
            institution_id=institution.pk,
            kind=kind,
            name=_person_name(rng),
            id_number=id_number,
            phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
            qualification=qualification,
            beneficiary_id=beneficiary_id,
            relationship=relationship,
            hired_on=dt.date(2022, 1 + serial % 12, 1),
        )
    )
    caregiver = providers.register_clean_caregiver(
        actor=admin, clean=clean, institution=institution, beneficiary_id=beneficiary_id
    )
    return caregiver, True


def _certify(admin, caregiver, kind: str, expires_on: dt.date) -> None:
    if Certificate.objects.filter(caregiver=caregiver).exists():
        return
    providers.add_clean_certificate(
        actor=admin,
        caregiver=caregiver,
        values={
            "kind": kind,
            "qualification": provider_rules.CERTIFICATE_QUALIFICATION[kind],
            "number": f"{kind[:2].upper()}{caregiver.pk:06d}",
            "issuer": "成都市人力资源和社会保障局" if kind != "nurse" else "四川省卫生健康委员会",
            "issued_on": dt.date(2021, 6, 1),
            "expires_on": expires_on,
        },
    )


def _staff(admin, institution, rng, today, report) -> list[Caregiver]:
    """Six staff per institution: four care workers, a nurse, one certificate expiring soon
    and one that expired (who therefore cannot be assigned)."""
    plan = [
        ("care_worker", "care_worker", dt.date(today.year + 2, 6, 30)),
        ("care_worker", "care_worker", dt.date(today.year + 3, 3, 31)),
        ("care_worker", "care_worker", dt.date(today.year + 1, 12, 31)),
        ("nurse", "nurse", dt.date(today.year + 4, 8, 31)),
        ("care_worker", "care_worker", today + dt.timedelta(days=20)),
        ("care_worker", "care_worker", today - dt.timedelta(days=40)),
    ]
    out = []
    for serial, (qualification, cert, expires) in enumerate(plan, start=1):
        kind = (
            CaregiverKind.INDIVIDUAL
            if serial == 3 and institution.offers("individual")
            else (CaregiverKind.STAFF)
        )
        caregiver, created = _register(
            admin, institution, serial, rng, kind=kind, qualification=qualification
        )
        report.caregivers_created += int(created)
        _certify(admin, caregiver, cert, expires)
        if serial <= 4:
            out.append(caregiver)
    return out


# --- entitlements and plans -----------------------------------------------------------------


def _beneficiaries(admin, institutions, staff, limit, rng, today, report) -> None:
    if not institutions or limit == 0:
        return
    by_district: dict[str, list[Institution]] = {}
    for institution in institutions:
        districts = [r.code for r in institution.organization.coverage.all()] or [
            institution.region_code[:6]
        ]
        for code in districts:
            by_district.setdefault(code[:6], []).append(institution)
    taken = set(Entitlement.objects.values_list("person_id", flat=True))
    taken |= set(assessment_demo.persons_with_cases()) - set(
        assessment_demo.demo_history_conclusions().values_list("person_id", flat=True)
    )
    existing = len(
        set(
            Entitlement.objects.filter(
                conclusion__in=assessment_demo.demo_history_conclusions()
            ).values_list("person_id", flat=True)
        )
    )
    wanted = max(0, limit - existing)
    candidates = (
        Person.objects.filter(status=PersonStatus.ACTIVE)
        .exclude(pk__in=taken)
        .order_by("pk")
        .values_list("pk", "region_code")
    )
    served = 0
    for person_id, region_code in candidates.iterator():
        if served >= wanted:
            break
        options = by_district.get(region_code[:6])
        if not options:
            continue
        institution = options[(person_id + served) % len(options)]
        modes = institution.care_modes
        mode = modes[(existing + served) % len(modes)]
        grade = 3 + (existing + served) % 3
        try:
            _one_beneficiary(
                admin,
                institution,
                staff[institution.pk],
                person_id,
                mode,
                grade,
                rng,
                today,
                report,
                index=existing + served,
            )
        except DomainError:
            continue  # e.g. a person the demo register marked deceased meanwhile
        served += 1


def _one_beneficiary(
    admin, institution, staff, person_id, mode, grade, rng, today, report, *, index: int
) -> None:
    start = (today - dt.timedelta(days=30 * (1 + index % 9))).replace(day=1)
    with transaction.atomic():
        # The person was assessed on the first day of benefits: the entitlement is opened from
        # that conclusion with the guardian's choices, as at the counter.
        conclusion = assessment_demo.demo_conclusion(
            person=Person.objects.get(pk=person_id), grade=grade, issued_on=start, actor=admin
        )
        entitlement = services.entitlement_open_from_conclusion(
            actor=admin,
            conclusion_id=conclusion.pk,
            care_mode=mode,
            institution_id=institution.pk,
            social_support=mode == "individual",
        )
        report.entitlements_created += 1
        family = None
        if mode == "family":
            family, created = _register(
                admin,
                institution,
                100 + index,
                rng,
                kind=CaregiverKind.FAMILY,
                beneficiary_id=person_id,
                relationship=rng.choice(["子女", "配偶", "儿媳"]),
            )
            report.caregivers_created += int(created)
            _certify(admin, family, "family_training", dt.date(today.year + 2, 12, 31))
        plan = _plan(admin, institution, person_id, mode, grade, entitlement)
        if plan is None:
            return
        if index % 10 == 9:
            report.plans_drafted += 1  # left for the guardian to confirm
            return
        person = Person.objects.get(pk=person_id)
        services.care_plan_confirm(
            actor=admin,
            plan_id=plan.pk,
            channel="counter",
            signer_name=person.name,
            signer_relationship="self",
            note="演示数据：窗口签字确认",
        )
        report.plans_confirmed += 1
        chosen = family or staff[index % len(staff)]
        if not Assignment.objects.filter(person_id=person_id, caregiver=chosen).exists():
            services.assignment_create(
                actor=admin,
                person_id=person_id,
                caregiver_id=chosen.pk,
                institution_id=institution.pk,
                start_date=max(today, plan.valid_from or today),
            )
            report.assignments_created += 1


def _plan(admin, institution, person_id, mode, grade, entitlement) -> CarePlan | None:
    if (
        CarePlan.objects.filter(person_id=person_id)
        .exclude(status=CarePlanStatus.WITHDRAWN)
        .exists()
    ):
        return None
    if entitlement.status != EntitlementStatus.ACTIVE:
        return None
    day = clock.today()
    catalogue = catalogues.catalogue_in_force(day)
    package = catalogue and catalogues.package_for(catalogue, grade=grade, care_mode=mode)
    if package is None:
        return None
    items = catalogues.item_rules(catalogue)
    rule = catalogues.package_rule(package)
    visits = None
    if mode in VISITS:
        visits = (VISITS[mode][grade], "week")
    kept: list[plans.PlanLine] = []
    for code, times, period in CANDIDATE_LINES[mode]:
        trial = [*kept, plans.PlanLine(code, times, period)]
        if plans.check_plan(trial, items, rule, visits=visits).ok:
            kept = trial
    if not kept:
        return None
    return services.care_plan_draft(
        actor=admin,
        person_id=person_id,
        institution_id=institution.pk,
        lines=[
            services.PlanLineInput(item_code=line.item_code, times=line.times, period=line.period)
            for line in kept
        ],
        visits_times=visits[0] if visits else None,
        visits_period=visits[1] if visits else "",
        note="演示数据",
    )


# --- an institution's exit with its beneficiaries transferred ---------------------------------

EXIT_NAME = "锦东安康居家护理站"
EXIT_PERSONS = 4
EXIT_DAYS_AGO = 20  # terminated this long ago: past the transfer deadline for those still waiting


def _exit_district() -> tuple[Institution | None, list[Person]]:
    """Where the institution that leaves is: the district, among those with an active
    institution offering home visits (somewhere for its beneficiaries to go), with the most
    persons free to be its beneficiaries; that institution and those persons."""
    best: tuple[Institution | None, list[Person]] = (None, [])
    seen = set()
    for institution in Institution.objects.filter(status=InstitutionStatus.ACTIVE).order_by("pk"):
        district = institution.organization.region.code[:6]
        if not institution.offers("home_visit") or district in seen:
            continue
        seen.add(district)
        persons = _exit_persons(district)
        if len(persons) > len(best[1]):
            best = (institution, persons)
    return best


def _exit_with_transfers(admin, rng, today: dt.date, report: CareDemoReport) -> None:
    """A home-care station of the demo city that was terminated (淘汰) twenty days ago, with
    four beneficiaries: two moved to another institution (their new plans await the family's
    confirmation), one with a new institution chosen and one still waiting, past the deadline.
    Idempotent: nothing is done once the station exists."""
    if Organization.objects.filter(name=EXIT_NAME).exists():
        return
    near, persons = _exit_district()
    if near is None or len(persons) < 3:
        return
    region = near.organization.region
    start = dt.date(today.year - 1, 1, 1)
    station = providers.institution_register_existing(
        actor=admin,
        data=providers.AdmissionInput(
            name=EXIT_NAME,
            uscc=provider_rules.make_uscc(f"52{region.code[:6]}MJ0009902"),
            care_kind="home_service",
            region_code=region.code,
            address=f"{region.name}东风路66号",
            beds=0,
            care_modes=["home_visit"],
            staff_count=12,
            nurse_count=2,
            care_worker_count=8,
            legal_representative="周志强",
            contact_name="周志强",
            contact_phone="028-86669902",
            service_points=[{"name": "锦东安康第一服务站", "address": region.name, "beds": 0}],
        ),
        agreement=providers.AgreementInput(
            number=f"CDCH{start.year}-EXIT",
            signed_on=start,
            valid_from=start,
            valid_until=dt.date(today.year + 1, 12, 31),
        ),
        note="演示数据：既有定点机构（后因考核不合格退出）",
    )
    worker, created = _register(admin, station, 60, rng)
    report.caregivers_created += int(created)
    _certify(admin, worker, "care_worker", dt.date(today.year + 2, 6, 30))
    first_day = (today - dt.timedelta(days=90)).replace(day=1)
    for person in persons:
        conclusion = assessment_demo.demo_conclusion(
            person=person, grade=4, issued_on=first_day, actor=admin
        )
        entitlement = services.entitlement_open_from_conclusion(
            actor=admin,
            conclusion_id=conclusion.pk,
            care_mode="home_visit",
            institution_id=station.pk,
        )
        plan = _plan(admin, station, person.pk, "home_visit", 4, entitlement)
        if plan is not None:
            services.care_plan_confirm(
                actor=admin,
                plan_id=plan.pk,
                channel="counter",
                signer_name=person.name,
                signer_relationship="self",
                note="演示数据：窗口签字确认",
            )
        services.assignment_create(
            actor=admin,
            person_id=person.pk,
            caregiver_id=worker.pk,
            institution_id=station.pk,
            start_date=first_day,
        )
    providers.institution_set_status(
        actor=admin,
        institution_id=station.pk,
        action="terminate",
        reason="年度考核不合格，解除定点（演示数据）",
        effective_on=today - dt.timedelta(days=EXIT_DAYS_AGO),
    )
    transfers = list(Transfer.objects.filter(from_institution=station).order_by("pk"))
    report.transfers_opened += len(transfers)
    for index, transfer in enumerate(transfers[:3]):
        options = services.transfer_options(transfer)
        if not options:
            continue
        services.transfer_assign(
            actor=admin,
            transfer_id=transfer.pk,
            institution_id=options[index % len(options)].pk,
            note="演示数据：经办人员电话联系家属后指定",
        )
        if index < 2:
            services.transfer_complete(
                actor=admin, transfer_id=transfer.pk, effective_date=today + dt.timedelta(days=1)
            )
            report.transfers_completed += 1


def _exit_persons(district: str) -> list[Person]:
    """Active persons of the district with no entitlement and no assessment case."""
    taken = set(Entitlement.objects.values_list("person_id", flat=True))
    taken |= set(assessment_demo.persons_with_cases())
    return list(
        Person.objects.filter(status=PersonStatus.ACTIVE, region_code__startswith=district)
        .exclude(pk__in=taken)
        .order_by("-pk")[:EXIT_PERSONS]
    )
