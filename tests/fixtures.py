"""A small real city (Chengdu codes), its organizations and one user per role."""

from __future__ import annotations

from contextlib import contextmanager
from io import StringIO
from types import SimpleNamespace

import pytest

from changhu.orgs.models import OrgKind, Region, RegionLevel
from changhu.orgs.roles import Role
from tests.factories import OrganizationFactory, UserFactory, make_person

PASSWORD = "Changhu2026!"


@contextmanager
def seeded_demo_city(persons: int):
    """The shipped presets and the demo city with ``persons`` beneficiaries, for the block;
    the cached labels are dropped before and after."""
    from django.core.management import call_command

    from changhu.web import labels

    call_command("load_presets", stdout=StringIO())
    call_command("seed_demo", persons=persons, stdout=StringIO())
    labels.clear_cache()
    try:
        yield
    finally:
        labels.clear_cache()


def _region(code, name, level, parent=None):
    return Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )[0]


@pytest.fixture
def city(db):
    """四川省 > 成都市 > 锦江区, 青羊区, 武侯区, two streets each."""
    province = _region("510000", "四川省", RegionLevel.PROVINCE)
    chengdu = _region("510100", "成都市", RegionLevel.CITY, province)
    districts = {}
    streets = {}
    for code, name, street_names in [
        ("510104", "锦江区", ["督院街街道", "盐市口街道"]),
        ("510105", "青羊区", ["太升路街道", "草市街街道"]),
        ("510107", "武侯区", ["浆洗街街道", "望江路街道"]),
    ]:
        district = _region(code, name, RegionLevel.DISTRICT, chengdu)
        districts[code] = district
        for i, street_name in enumerate(street_names, start=1):
            street_code = f"{code}{i:03d}000"
            streets[street_code] = _region(street_code, street_name, RegionLevel.STREET, district)
    return SimpleNamespace(
        province=province,
        city=chengdu,
        districts=districts,
        streets=streets,
        jinjiang=districts["510104"],
        qingyang=districts["510105"],
        wuhou=districts["510107"],
    )


@pytest.fixture
def orgs(city):
    bureau = OrganizationFactory(kind=OrgKind.BUREAU, name="成都市医疗保障局", region=city.city)
    insurer_a = OrganizationFactory(
        kind=OrgKind.INSURER,
        name="甲保险成都分公司",
        region=city.city,
        coverage=[city.jinjiang, city.qingyang],
    )
    insurer_b = OrganizationFactory(
        kind=OrgKind.INSURER, name="乙保险成都分公司", region=city.city, coverage=[city.wuhou]
    )
    outlet_a = OrganizationFactory(
        kind=OrgKind.OUTLET,
        name="甲保险锦江网点",
        region=city.jinjiang,
        parent=insurer_a,
        coverage=[city.jinjiang],
    )
    assessment = OrganizationFactory(
        kind=OrgKind.ASSESSMENT, name="成都市第一评估中心", region=city.jinjiang
    )
    care = OrganizationFactory(
        kind=OrgKind.CARE, name="锦江康养护理院", region=city.jinjiang, care_kind="nursing_home"
    )
    public = OrganizationFactory(kind=OrgKind.PUBLIC, name="社会公众", region=city.city)
    return SimpleNamespace(
        bureau=bureau,
        insurer_a=insurer_a,
        insurer_b=insurer_b,
        outlet_a=outlet_a,
        assessment=assessment,
        care=care,
        public=public,
    )


@pytest.fixture
def users(orgs):
    def make(username, role, org, region_scope=None):
        return UserFactory(
            username=username, role=role, organization=org, region_scope=region_scope
        )

    return SimpleNamespace(
        bureau_admin=make("bureau_admin", Role.BUREAU_ADMIN, orgs.bureau),
        regulator=make("regulator", Role.BUREAU_REGULATOR, orgs.bureau),
        worker_a=make("worker_a", Role.INSURER_CASE_WORKER, orgs.insurer_a),
        supervisor_a=make("supervisor_a", Role.INSURER_SUPERVISOR, orgs.insurer_a),
        worker_b=make("worker_b", Role.INSURER_CASE_WORKER, orgs.insurer_b),
        outlet_worker=make("outlet_worker", Role.INSURER_CASE_WORKER, orgs.outlet_a),
        assessor=make("assessor", Role.ASSESSOR, orgs.assessment),
        expert=make("expert", Role.ASSESSMENT_EXPERT, orgs.assessment),
        care_admin=make("care_admin", Role.CARE_ADMIN, orgs.care),
        caregiver=make("caregiver", Role.CAREGIVER, orgs.care),
        applicant=make("applicant", Role.APPLICANT, orgs.public),
    )


@pytest.fixture
def people(city):
    """One person in each district; the Jinjiang one is in a special group."""
    return SimpleNamespace(
        jinjiang=make_person(city.streets["510104001000"], name="张建国", special_groups=["tekun"]),
        qingyang=make_person(city.streets["510105001000"], name="李秀英"),
        wuhou=make_person(city.streets["510107001000"], name="王淑芬"),
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the State Council holiday calendars the product ships, as a
    deployment does after ``load-presets``: weekends and holidays count as they really do."""
    from changhu.core.presets import load_calendars

    with django_db_blocker.unblock():
        load_calendars()


@pytest.fixture(autouse=True)
def _fresh_workday_cache(request):
    """Calendar data loaded in one test's transaction must not leak into the next test; a test
    that empties the database (transactional tests flush it) gets the shipped calendars back."""
    from changhu.core import workdays

    workdays.clear_cache()
    yield
    workdays.clear_cache()
    if request.node.get_closest_marker("django_db") or "transactional_db" in request.fixturenames:
        _restore_calendars(request)


def _restore_calendars(request):
    from changhu.core.models import CalendarDay
    from changhu.core.presets import load_calendars

    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        if not CalendarDay.objects.exists():
            load_calendars()


@pytest.fixture(autouse=True)
def _fresh_rule_set_cache():
    """Screening rule sets are cached per day in the process; a row cached by one test (then
    rolled back) must not be handed to the next one asking for the same day."""
    from changhu.visits import rulesets

    rulesets.clear_cache()
    yield
    rulesets.clear_cache()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to a private temporary directory, so a test can see what was stored."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def stored_files(root) -> list:
    """Every file under ``root`` (a :func:`media_root`)."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def write_world(users, media_root, monkeypatch):
    """The demo city, seeded after the ``users`` fixture (whose organizations it reuses by
    name), and a second city with an outsider of every role (``changhu.api.tests.world``);
    conclusion letters without WeasyPrint."""
    from changhu.api.tests import world

    monkeypatch.setattr("changhu.core.pdf.render_pdf", lambda template, context: b"%PDF-1.4 x")
    # the factories number their conclusions from 1, as the demo does
    monkeypatch.setattr("tests.factories._sequence", iter(range(900_000, 10_000_000)))
    return world.build()
