"""The demo city: Chengdu's bureau, a two-insurer consortium, institutions, users and persons.

``seed_demo`` is idempotent and deterministic: every row has a natural key (organization name,
username, ID number) and every random choice comes from a generator seeded with a fixed number
and the person's index, so a second run finds everything in place and creates nothing, and a
larger ``persons`` only adds the persons after the ones already there. It is a set-up tool, not
a use case: it writes rows directly (persons through the register's own ``clean_person`` and
``build_person``, in bulk) instead of one audited service call per row, and records one audit
entry for the whole run.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from stdnum.cn import uscc

from changhu.core import audit, clock, crypto
from changhu.core.errors import DomainError
from changhu.core.identity import make_id_number
from changhu.insured import services as insured_services
from changhu.insured.models import (
    ApplicantLink,
    EnrolmentPeriod,
    InsuranceType,
    LifeEvent,
    LifeEventKind,
    Person,
    PersonStatus,
    SpecialGroup,
    SpecialGroupMembership,
)
from changhu.orgs.models import (
    CareKind,
    Consortium,
    Organization,
    OrgKind,
    Region,
    RegionLevel,
    User,
)
from changhu.orgs.roles import Role

DEMO_PASSWORD = "Changhu2026"
DEMO_URL = "http://127.0.0.1:8000/"
SEED = 20261123
CITY_CODE = "510100"
BUREAU_NAME = "成都市医疗保障局"
CONSORTIUM_NAME = "成都市长期护理保险共保体"
INSURER_A = "锦城人寿保险股份有限公司成都分公司"
INSURER_B = "蓉和财产保险股份有限公司成都分公司"
PUBLIC_NAME = "社会公众"
# The five care institutions (each has an administrator login).
CARE_YIHE = "锦江区颐和护理院"
CARE_KANGNING = "武侯区康宁医院长期护理病房"
CARE_ANKANG = "蓉城安康居家护理服务中心"
CARE_KANGQIAO = "金牛区康桥社区卫生服务中心"
CARE_LELING = "龙泉驿区乐龄居家养护中心"


@dataclass(frozen=True)
class District:
    """Where a district is (approximate centre, WGS-84), how far it spreads, how many live there."""

    lat: float
    lon: float
    spread: float  # degrees around the centre where its streets lie
    weight: float  # share of the demo persons, roughly by resident population
    roads: tuple[str, ...] = ()


_TOWN_ROADS = (
    "人民路",
    "建设路",
    "正街",
    "文化路",
    "新华路",
    "滨河路",
    "团结路",
    "幸福路",
    "育才路",
    "光明路",
    "和平街",
    "东街",
    "西街",
    "南街",
    "北街",
)

DISTRICTS: dict[str, District] = {
    "510104": District(
        30.6573,
        104.0832,
        0.018,
        9.0,
        ("红星路", "东大街", "总府路", "书院南街", "水井街", "牛沙路", "静安路"),
    ),
    "510105": District(
        30.6746,
        104.0560,
        0.022,
        9.6,
        ("人民中路", "西御街", "宽巷子", "草堂路", "光华大道", "清江东路", "青华路"),
    ),
    "510106": District(
        30.6920,
        104.0520,
        0.024,
        12.7,
        ("抚琴西路", "茶店子路", "营门口路", "五块石路", "金府路", "交大路", "沙湾路"),
    ),
    "510107": District(
        30.6310,
        104.0430,
        0.024,
        12.1,
        ("武侯祠大街", "玉林南路", "科华北路", "晋阳路", "簇桥路", "芳草街", "天府大道北段"),
    ),
    "510108": District(
        30.6600,
        104.1020,
        0.024,
        13.8,
        ("建设路", "猛追湾街", "府青路", "二仙桥东路", "双林路", "龙潭路", "万年场路"),
    ),
    "510112": District(30.5570, 104.2740, 0.060, 13.5),
    "510113": District(30.8780, 104.2510, 0.050, 4.9),
    "510114": District(30.8230, 104.1580, 0.055, 15.6),
    "510115": District(30.6820, 103.8560, 0.045, 9.7),
    "510116": District(30.5740, 103.9230, 0.070, 14.7),
    "510117": District(30.7950, 103.8870, 0.050, 13.9),
    "510118": District(30.4100, 103.8110, 0.045, 3.6),
    "510121": District(30.8620, 104.4120, 0.080, 8.0),
    "510129": District(30.5870, 103.5210, 0.080, 5.0),
    "510131": District(30.1970, 103.5060, 0.060, 2.6),
    "510181": District(30.9990, 103.6470, 0.080, 7.1),
    "510182": District(30.9900, 103.9580, 0.080, 7.8),
    "510183": District(30.4100, 103.4640, 0.080, 6.0),
    "510184": District(30.6300, 103.6730, 0.070, 7.4),
    "510185": District(30.4110, 104.5470, 0.090, 11.2),
}
# Inside the city's outline, so a jittered point never lands in a neighbouring prefecture.
_LAT_RANGE = (30.10, 31.42)
_LON_RANGE = (103.00, 104.88)

_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
)
_HOSPITALS = (
    "四川大学华西医院",
    "四川省人民医院",
    "成都市第一人民医院",
    "成都市第二人民医院",
    "成都市第三人民医院",
    "成都市第五人民医院",
    "成都市第六人民医院",
)
_SPECIAL_GROUPS = (
    (SpecialGroup.DIBAO, 30),
    (SpecialGroup.ZHONGCAN, 25),
    (SpecialGroup.TEKUN, 20),
    (SpecialGroup.LOW_INCOME, 10),
    (SpecialGroup.ORPHAN_ELDERLY, 10),
    (SpecialGroup.DISABLED_VETERAN, 5),
)
# LTCI started in Chengdu for employees in July 2017; the demo enrols residents from 2021.
_ENROL_WINDOWS = {
    InsuranceType.EMPLOYEE: (dt.date(2017, 7, 1), dt.date(2024, 6, 30)),
    InsuranceType.RESIDENT: (dt.date(2021, 1, 1), dt.date(2024, 12, 31)),
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # a Role value, "" for the platform administrator
    real_name: str
    organization: str  # organization name, "" for none
    sees_zh: str
    sees_en: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "bureau",
        Role.BUREAU_ADMIN,
        "周文静",
        BUREAU_NAME,
        "全市参保人（可查看完整身份信息，留痕）、机构准入与协议、待遇资格、结算拨付、基金账",
        "the whole city's register (full ID view, audited), institution admission, entitlements, "
        "settlement payment, the fund's books",
    ),
    DemoLogin(
        "regulator",
        Role.BUREAU_REGULATOR,
        "陈立新",
        BUREAU_NAME,
        "全市参保人（脱敏）、审计记录",
        "the whole city's register, masked; audit trails",
    ),
    DemoLogin(
        "caseworker",
        Role.INSURER_CASE_WORKER,
        "刘晓燕",
        INSURER_A,
        "锦城人寿承办的10个区（市）县：参保登记与导入、评估受理与派单、待遇资格、结算初审",
        "insurer A's 10 districts: register, import, assessments intake and dispatch, "
        "entitlements, first review of claims",
    ),
    DemoLogin(
        "caseworker2",
        Role.INSURER_CASE_WORKER,
        "黄建平",
        INSURER_B,
        "蓉和财险承办的另外10个区（市）县：参保人、结算初审等（同 caseworker）",
        "insurer B's other 10 districts: persons, first review of claims (compare with caseworker)",
    ),
    DemoLogin(
        "supervisor",
        Role.INSURER_SUPERVISOR,
        "杨志刚",
        INSURER_A,
        "同经办人员，另可查看审计记录、处理稽核疑点、结算复核",
        "as caseworker, plus audit trails, visit findings, second review of claims",
    ),
    DemoLogin(
        "supervisor2",
        Role.INSURER_SUPERVISOR,
        "何春梅",
        INSURER_B,
        "蓉和财险承办区县的经办主管：结算复核等（同 supervisor）",
        "insurer B's supervisor: second review of its districts' claims (as supervisor)",
    ),
    DemoLogin(
        "assessor",
        Role.ASSESSOR,
        "吴海燕",
        "成都市锦城长护评估中心",
        "派给本评估机构的评估任务：组队、上门评估表（实时评分）",
        "cases dispatched to the institution: team, on-site form with live score",
    ),
    DemoLogin(
        "expert",
        Role.ASSESSMENT_EXPERT,
        "郑国华",
        "成都市锦城长护评估中心",
        "本评估机构的评估结论确认（另有 expert2 可作第二位专家）",
        "confirms the institution's results (expert2 is a second expert)",
    ),
    DemoLogin(
        "careadmin",
        Role.CARE_ADMIN,
        "孙丽华",
        CARE_ANKANG,
        "本机构的护理员、证书、受益人、护理计划和月度申报",
        "own institution's caregivers, certificates, beneficiaries, care plans, monthly claim",
    ),
    DemoLogin(
        "careadmin2",
        Role.CARE_ADMIN,
        "罗玉珍",
        CARE_YIHE,
        "本机构（护理院）的入住床日、护理计划和月度申报",
        "own nursing home: bed-days, care plans, monthly claim",
    ),
    DemoLogin(
        "careadmin3",
        Role.CARE_ADMIN,
        "唐建军",
        CARE_KANGNING,
        "本机构（医院护理病房）的床日、护理计划和月度申报",
        "own hospital ward: bed-days, care plans, monthly claim",
    ),
    DemoLogin(
        "careadmin4",
        Role.CARE_ADMIN,
        "冯晓梅",
        CARE_KANGQIAO,
        "本机构（社区卫生服务中心）的护理员、护理计划和月度申报",
        "own community clinic: caregivers, care plans, monthly claim",
    ),
    DemoLogin(
        "careadmin5",
        Role.CARE_ADMIN,
        "谢德明",
        CARE_LELING,
        "本机构（居家护理）的护理员、巡护、护理计划和月度申报",
        "own home-care provider: caregivers, patrols, care plans, monthly claim",
    ),
    DemoLogin(
        "caregiver",
        Role.CAREGIVER,
        "马秀芳",
        CARE_ANKANG,
        "本机构（上门服务手机端见 visits 模块）",
        "own care institution (home visits on the phone)",
    ),
    DemoLogin(
        "applicant",
        Role.APPLICANT,
        "李明",
        PUBLIC_NAME,
        "本人代办的参保人：母亲王秀兰",
        "the persons they act for: mother 王秀兰",
    ),
    DemoLogin(
        "admin",
        "",
        "平台管理员",
        "",
        "全部数据；Django管理后台 /django-admin/",
        "everything; Django admin at /django-admin/",
    ),
)

# The elderly mother the applicant acts for: always created, whatever --persons says.
PARENT = {
    "name": "王秀兰",
    "birth": dt.date(1938, 5, 12),
    "sequence": 482,
    "street": "510104022000",
    "road": "红星路三段",
    "number": 16,
    "room": "2栋1单元302室",
    "phone": "13880461257",
    "lat": "30.662041",
    "lon": "104.083317",
    "insurance_type": InsuranceType.RESIDENT,
    "enrolment_start": dt.date(2021, 1, 1),
}


@dataclass
class SeedReport:
    organizations_created: int = 0
    users_created: int = 0
    persons_created: int = 0
    persons_total: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"organizations created (incl. the consortium): {self.organizations_created}",
            f"users created: {self.users_created}",
            f"persons created: {self.persons_created} (register now holds {self.persons_total})",
            *self.notes,
            f"seed-demo finished in {self.seconds:.1f}s",
        ]


class DemoRegionsMissing(DomainError):
    status = 409
    code = "demo_regions_missing"
    message = "尚未加载成都市行政区划，请先运行 changhu load-presets"


def seed_demo(*, persons: int = 2000) -> SeedReport:
    """Create (or complete) the demo city; safe to run again."""
    started = time.monotonic()
    report = SeedReport()
    regions = _regions()
    with transaction.atomic():
        orgs = _seed_organizations(regions, report)
        users = _seed_users(orgs, report)
        parent = _seed_parent(regions, report)
        _seed_persons(max(0, persons), regions, report)
        ApplicantLink.objects.get_or_create(
            user=users["applicant"],
            person=parent,
            defaults={"relationship": ApplicantLink.Relationship.CHILD},
        )
        if report.organizations_created or report.users_created or report.persons_created:
            audit.record(
                action="import",
                obj=orgs[BUREAU_NAME],
                note=f"生成演示数据：机构{report.organizations_created}个，"
                f"用户{report.users_created}个，参保人{report.persons_created}名",
            )
    report.persons_total = Person.objects.count()
    report.seconds = time.monotonic() - started
    return report


# --- regions ---------------------------------------------------------------------------------


@dataclass
class _Regions:
    city: Region
    districts: dict[str, Region]
    streets: dict[str, list[Region]]  # district code -> its active streets
    by_code: dict[str, Region]


def _regions() -> _Regions:
    rows = list(Region.objects.filter(code__startswith=CITY_CODE[:4], active=True))
    by_code = {r.code: r for r in rows}
    districts = {c: by_code[c] for c in DISTRICTS if c in by_code}
    if CITY_CODE not in by_code or len(districts) != len(DISTRICTS):
        raise DemoRegionsMissing()
    streets: dict[str, list[Region]] = {c: [] for c in districts}
    for region in sorted(rows, key=lambda r: r.code):
        if region.level == RegionLevel.STREET and region.code[:6] in streets:
            streets[region.code[:6]].append(region)
    if any(not s for s in streets.values()):
        raise DemoRegionsMissing()
    return _Regions(city=by_code[CITY_CODE], districts=districts, streets=streets, by_code=by_code)


# --- organizations ---------------------------------------------------------------------------


def _uscc(division: str, serial: int) -> str:
    """A well-formed unified social credit code (both check characters valid) for demo orgs."""
    base = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    remainder = 11 - sum(int(c) * w for c, w in zip(base, weights, strict=True)) % 11
    org_check = {10: "X", 11: "0"}.get(remainder, str(remainder))
    body = f"91{division}{base}{org_check}"
    return body + uscc.calc_check_digit(body)


def _upsert_org(
    name: str, report: SeedReport, coverage: Iterable[Region] | None = None, **values
) -> Organization:
    org = Organization.objects.filter(name=name).first()
    if org is None:
        org = Organization(name=name, **values)
        org.full_clean()
        org.save()
        report.organizations_created += 1
    else:
        changed = [k for k, v in values.items() if getattr(org, k) != v]
        if changed:
            for key in changed:
                setattr(org, key, values[key])
            org.save(update_fields=changed)
    if coverage is not None:
        org.coverage.set(list(coverage))
    return org


def _seed_organizations(regions: _Regions, report: SeedReport) -> dict[str, Organization]:
    d = regions.districts
    city = regions.city
    orgs: dict[str, Organization] = {}

    def add(name, **values):
        orgs[name] = _upsert_org(name, report, **values)
        return orgs[name]

    add(
        BUREAU_NAME,
        kind=OrgKind.BUREAU,
        short_name="成都医保局",
        region=city,
        uscc=_uscc("510100", 20190001),
        address="成都市武侯区锦绣街2号",
        contact_name="周文静",
        contact_phone="028-61886100",
    )
    consortium, created = Consortium.objects.get_or_create(
        name=CONSORTIUM_NAME, defaults={"city": city, "started_on": dt.date(2023, 1, 1)}
    )
    report.organizations_created += int(created)
    coverage_a = [
        "510104",
        "510105",
        "510106",
        "510108",
        "510113",
        "510114",
        "510115",
        "510117",
        "510181",
        "510182",
    ]
    coverage_b = [c for c in DISTRICTS if c not in coverage_a]
    insurer_a = add(
        INSURER_A,
        kind=OrgKind.INSURER,
        short_name="锦城人寿",
        region=city,
        uscc=_uscc("510100", 30217745),
        consortium=consortium,
        consortium_lead=True,
        address="成都市锦江区红星路三段1号",
        contact_name="杨志刚",
        contact_phone="028-86601234",
        coverage=[d[c] for c in coverage_a],
    )
    insurer_b = add(
        INSURER_B,
        kind=OrgKind.INSURER,
        short_name="蓉和财险",
        region=city,
        uscc=_uscc("510100", 30218806),
        consortium=consortium,
        consortium_lead=False,
        address="成都市武侯区人民南路四段27号",
        contact_name="黄建平",
        contact_phone="028-85509876",
        coverage=[d[c] for c in coverage_b],
    )
    outlets = [
        (
            insurer_a,
            "锦城人寿长护险锦江服务网点",
            "510104",
            ["510104", "510108"],
            "成都市锦江区书院南街8号",
        ),
        (
            insurer_a,
            "锦城人寿长护险金牛服务网点",
            "510106",
            ["510106", "510105"],
            "成都市金牛区抚琴西路170号",
        ),
        (insurer_b, "蓉和财险长护险武侯服务网点", "510107", ["510107"], "成都市武侯区玉林南路21号"),
        (
            insurer_b,
            "蓉和财险长护险龙泉驿服务网点",
            "510112",
            ["510112", "510185"],
            "成都市龙泉驿区驿都大道中路300号",
        ),
    ]
    for parent, name, region_code, covered, address in outlets:
        add(
            name,
            kind=OrgKind.OUTLET,
            short_name=name[-6:],
            region=d[region_code],
            parent=parent,
            address=address,
            coverage=[d[c] for c in covered],
        )
    add(
        "成都市锦城长护评估中心",
        kind=OrgKind.ASSESSMENT,
        short_name="锦城评估",
        region=d["510104"],
        uscc=_uscc("510104", 40510371),
        address="成都市锦江区东大街下东大街段88号",
        coverage=[d[c] for c in coverage_a],
    )
    add(
        "四川蓉康失能评估有限公司",
        kind=OrgKind.ASSESSMENT,
        short_name="蓉康评估",
        region=d["510107"],
        uscc=_uscc("510107", 40510482),
        address="成都市武侯区科华北路65号",
        coverage=[d[c] for c in coverage_b],
    )
    care = [
        (CARE_YIHE, CareKind.NURSING_HOME, "510104", ["510104"], "成都市锦江区静安路5号"),
        (
            CARE_KANGNING,
            CareKind.HOSPITAL_WARD,
            "510107",
            ["510107"],
            "成都市武侯区晋阳路196号",
        ),
        (
            CARE_ANKANG,
            CareKind.HOME_SERVICE,
            "510105",
            ["510105", "510106", "510104"],
            "成都市青羊区清江东路78号",
        ),
        (
            CARE_KANGQIAO,
            CareKind.PRIMARY_CLINIC,
            "510106",
            ["510106"],
            "成都市金牛区交大路233号",
        ),
        (
            CARE_LELING,
            CareKind.HOME_SERVICE,
            "510112",
            ["510112"],
            "成都市龙泉驿区龙泉街道建设路12号",
        ),
    ]
    for serial, (name, care_kind, region_code, covered, address) in enumerate(care, start=1):
        add(
            name,
            kind=OrgKind.CARE,
            care_kind=care_kind,
            region=d[region_code],
            uscc=_uscc(region_code, 52100000 + serial),
            address=address,
            coverage=[d[c] for c in covered],
        )
    add(PUBLIC_NAME, kind=OrgKind.PUBLIC, region=city)
    return orgs


# --- users -----------------------------------------------------------------------------------


def _seed_users(orgs: dict[str, Organization], report: SeedReport) -> dict[str, User]:
    users = {}
    for login in DEMO_LOGINS:
        admin = login.role == ""
        values = {
            "real_name": login.real_name,
            "role": login.role,
            "organization": orgs.get(login.organization),
            "region_scope": None,
            "is_staff": admin,
            "is_superuser": admin,
            "is_active": True,
        }
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(username=login.username, **values)
            report.users_created += 1
        else:
            for key, value in values.items():
                setattr(user, key, value)
        try:
            validate_password(DEMO_PASSWORD, user)
        except ValidationError as exc:  # a changed validator must not leave unusable logins
            raise DomainError(
                f"演示密码不符合密码规则：{'；'.join(exc.messages)}", code="demo_password_invalid"
            ) from None
        # Hashing is deliberately slow; only hash when the stored password is not the demo one.
        if not user.has_usable_password() or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.save()
        users[login.username] = user
    return users


# --- persons ---------------------------------------------------------------------------------


@dataclass
class _Draft:
    """One person to create, with what happens to them after enrolment."""

    data: insured_services.PersonInput
    insured_no: str
    died_on: dt.date | None = None
    hospital: tuple[dt.date, dt.date | None, str] | None = None


def _random_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _birth_date(rng: random.Random) -> dt.date:
    # Most of the insured the demo is about are old: born 1930-1965, peaking in the early 1940s.
    year = int(rng.triangular(1930, 1966, 1942)) if rng.random() < 0.88 else rng.randint(1966, 1995)
    month = rng.randint(1, 12)
    return dt.date(year, month, rng.randint(1, calendar.monthrange(year, month)[1]))


def _street_centre(street: Region, district: District) -> tuple[float, float]:
    rng = random.Random(f"{SEED}:{street.code}")
    return (
        district.lat + rng.uniform(-district.spread, district.spread),
        district.lon + rng.uniform(-district.spread, district.spread),
    )


def _draft(
    index: int, regions: _Regions, fake, weights: list[float], used: set[str], today: dt.date
) -> _Draft:
    rng = random.Random(f"{SEED}:{index}")
    district_code = rng.choices(list(DISTRICTS), weights=weights)[0]
    district = DISTRICTS[district_code]
    street = rng.choice(regions.streets[district_code])
    male = rng.random() < 0.46
    birth = _birth_date(rng)
    sequence = rng.randrange(0, 500) * 2 + int(male)
    id_number = make_id_number(district_code, birth, sequence)
    while id_number in used:  # two draws of the same district, birthday and sequence
        sequence = (sequence + 2) % 1000
        id_number = make_id_number(district_code, birth, sequence)
    used.add(id_number)
    fake.seed_instance(SEED + index)
    name = fake.name_male() if male else fake.name_female()
    lat, lon = _street_centre(street, district)
    lat = min(max(rng.gauss(lat, district.spread / 5), _LAT_RANGE[0]), _LAT_RANGE[1])
    lon = min(max(rng.gauss(lon, district.spread / 5), _LON_RANGE[0]), _LON_RANGE[1])
    road = rng.choice(district.roads or _TOWN_ROADS)
    address = (
        f"成都市{regions.districts[district_code].name}{street.name}{road}"
        f"{rng.randint(1, 399)}号{rng.randint(1, 24)}栋{rng.randint(1, 4)}单元"
        f"{rng.randint(1, 18)}{rng.randint(1, 8):02d}室"
    )
    insurance_type = InsuranceType.EMPLOYEE if rng.random() < 0.42 else InsuranceType.RESIDENT
    first, last = _ENROL_WINDOWS[insurance_type]
    start = _random_date(rng, max(first, birth + dt.timedelta(days=16 * 366)), last)
    groups = []
    if rng.random() < 0.05:
        groups.append(
            rng.choices([g for g, _ in _SPECIAL_GROUPS], weights=[w for _, w in _SPECIAL_GROUPS])[0]
        )
    data = insured_services.PersonInput(
        name=name,
        id_number=id_number,
        phone=rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        address=address,
        region_code=street.code,
        latitude=f"{lat:.6f}",
        longitude=f"{lon:.6f}",
        insurance_type=insurance_type,
        enrolment_start=start,
        special_groups=groups,
    )
    draft = _Draft(data=data, insured_no=f"CH{start:%Y}{rng.getrandbits(40):010X}")
    fate = rng.random()
    # Deaths and hospital stays of the last years, counted back from today, so the demo city
    # has recent events (and a fifth of the stays still open) on whatever day it is built.
    if fate < 0.02:
        draft.died_on = _random_date(
            rng, max(start, today - dt.timedelta(days=3 * 365)), today - dt.timedelta(days=150)
        )
    elif fate < 0.06:
        admitted = _random_date(
            rng, max(start, today - dt.timedelta(days=700)), today - dt.timedelta(days=20)
        )
        discharged = admitted + dt.timedelta(days=rng.randint(3, 30))
        if rng.random() < 0.2 or discharged > today:
            discharged = None
        draft.hospital = (admitted, discharged, rng.choice(_HOSPITALS))
    return draft


def _parent_draft(regions: _Regions) -> _Draft:
    street = regions.by_code[PARENT["street"]]
    district = regions.districts[street.code[:6]]
    return _Draft(
        data=insured_services.PersonInput(
            name=PARENT["name"],
            id_number=make_id_number(district.code, PARENT["birth"], PARENT["sequence"]),
            phone=PARENT["phone"],
            address=f"成都市{district.name}{street.name}{PARENT['road']}{PARENT['number']}号"
            f"{PARENT['room']}",
            region_code=street.code,
            latitude=PARENT["lat"],
            longitude=PARENT["lon"],
            insurance_type=PARENT["insurance_type"],
            enrolment_start=PARENT["enrolment_start"],
            special_groups=[],
        ),
        insured_no="CH2021DEMO000001",
    )


def _seed_parent(regions: _Regions, report: SeedReport) -> Person:
    draft = _parent_draft(regions)
    _create_persons([draft], regions, report)
    index = crypto.blind_index(draft.data.id_number, purpose=insured_services.ID_PURPOSE)
    return Person.objects.get(id_number_index=index)


def _seed_persons(count: int, regions: _Regions, report: SeedReport) -> None:
    from faker import Faker  # a dev dependency; imported here so the app loads without it

    fake = Faker("zh_CN")
    weights = [d.weight for d in DISTRICTS.values()]
    used = {_parent_draft(regions).data.id_number}
    today = clock.today()
    drafts = [_draft(i, regions, fake, weights, used, today) for i in range(count)]
    for start in range(0, len(drafts), 1000):
        _create_persons(drafts[start : start + 1000], regions, report)


def _create_persons(drafts: list[_Draft], regions: _Regions, report: SeedReport) -> None:
    """Bulk-create the drafts not yet registered, with enrolments, groups and life events."""
    by_index = {
        crypto.blind_index(d.data.id_number, purpose=insured_services.ID_PURPOSE): d for d in drafts
    }
    present = set(
        Person.objects.filter(id_number_index__in=list(by_index)).values_list(
            "id_number_index", flat=True
        )
    )
    new = {key: d for key, d in by_index.items() if key not in present}
    if not new:
        return
    people = []
    cleaned = {}
    for key, draft in new.items():
        clean = insured_services.clean_person(draft.data, regions=regions.by_code)
        person = insured_services.build_person(clean)
        person.insured_no = draft.insured_no
        if draft.died_on:
            person.status = PersonStatus.DECEASED
            person.died_on = draft.died_on
        people.append(person)
        cleaned[key] = clean
    Person.objects.bulk_create(people, batch_size=500)
    report.persons_created += len(people)
    ids = dict(
        Person.objects.filter(id_number_index__in=list(new)).values_list("id_number_index", "pk")
    )
    enrolments, memberships, events = [], [], []
    for key, draft in new.items():
        clean, person_id = cleaned[key], ids[key]
        enrolments.append(
            EnrolmentPeriod(
                person_id=person_id,
                insurance_type=clean.insurance_type,
                start_date=clean.enrolment_start,
                end_date=draft.died_on,
            )
        )
        memberships.extend(
            SpecialGroupMembership(
                person_id=person_id, group=group, start_date=clean.enrolment_start
            )
            for group in clean.special_groups
        )
        if draft.died_on:
            district = regions.districts[clean.region.code[:6]]
            events.append(
                LifeEvent(
                    person_id=person_id,
                    kind=LifeEventKind.DEATH,
                    start_date=draft.died_on,
                    institution=f"成都市公安局{district.name}分局",
                    source=LifeEvent.Source.IMPORT,
                )
            )
        if draft.hospital:
            admitted, discharged, hospital = draft.hospital
            events.append(
                LifeEvent(
                    person_id=person_id,
                    kind=LifeEventKind.HOSPITAL_STAY,
                    start_date=admitted,
                    end_date=discharged,
                    institution=hospital,
                    source=LifeEvent.Source.IMPORT,
                )
            )
    EnrolmentPeriod.objects.bulk_create(enrolments, batch_size=1000)
    SpecialGroupMembership.objects.bulk_create(memberships, batch_size=1000)
    LifeEvent.objects.bulk_create(events, batch_size=1000)


def demo_allowed() -> bool:
    """Demo logins share a published password: only the demo and test profiles get them."""
    return bool(getattr(settings, "DEMO", False))


# Later apps add their demo data (entitlements, assessment cases, visits, settlements) after
# the city itself. Each seeder takes no arguments, is idempotent, and returns a report whose
# ``str()`` (or ``lines()``) says what it did. Apps register in ``AppConfig.ready()``.
DemoSeeder = Callable[[], object]
_seeders: list[tuple[str, DemoSeeder]] = []


def register_demo_seeder(name: str, fn: DemoSeeder) -> None:
    for index, (existing, _) in enumerate(_seeders):
        if existing == name:
            _seeders[index] = (name, fn)
            return
    _seeders.append((name, fn))


def demo_seeders() -> list[tuple[str, DemoSeeder]]:
    return list(_seeders)
