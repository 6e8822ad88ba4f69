"""The demo city's regions, organizations (bureau, insurers, outlets, assessment and care
institutions) and demo logins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.password_validation import (
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from changhu.core.errors import DomainError
from changhu.orgs.demo.data import (
    BUREAU_NAME,
    CARE_ANKANG,
    CARE_KANGNING,
    CARE_KANGQIAO,
    CARE_LELING,
    CARE_YIHE,
    CITY_CODE,
    CONSORTIUM_NAME,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DISTRICTS,
    INSURER_A,
    INSURER_B,
    PUBLIC_NAME,
    DemoRegionsMissing,
    SeedReport,
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
        try:  # the rules for the password itself; the demo's logins share one, on purpose
            validate_password(DEMO_PASSWORD, user, password_validators=_rules_but_history())
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


def _rules_but_history() -> list:
    from changhu.orgs.passwords import HistoryValidator

    return [v for v in get_default_password_validators() if not isinstance(v, HistoryValidator)]
