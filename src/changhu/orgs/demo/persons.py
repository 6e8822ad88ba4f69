"""The demo city's insured persons: deterministic drafts from a seeded generator, written in bulk
through the register's own cleaning.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass

from changhu.core import clock, crypto
from changhu.core.identity import make_id_number
from changhu.insured import services as insured_services
from changhu.insured.models import (
    EnrolmentPeriod,
    InsuranceType,
    LifeEvent,
    LifeEventKind,
    Person,
    PersonStatus,
    SpecialGroupMembership,
)
from changhu.orgs.demo.city import _Regions
from changhu.orgs.demo.data import (
    _ENROL_WINDOWS,
    _HOSPITALS,
    _LAT_RANGE,
    _LON_RANGE,
    _MOBILE_PREFIXES,
    _SPECIAL_GROUPS,
    _TOWN_ROADS,
    DISTRICTS,
    PARENT,
    SEED,
    District,
    SeedReport,
)
from changhu.orgs.models import (
    Region,
)


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
