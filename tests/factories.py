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
    row = {
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
    }
    row.update(overrides)
    return row
