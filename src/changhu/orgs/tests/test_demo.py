"""The demo city: idempotent, deterministic, valid data, one login per role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from stdnum import numdb
from stdnum.cn import ric

from changhu.core.identity import parse_id_number
from changhu.insured import selectors as insured_selectors
from changhu.insured.models import (
    ApplicantLink,
    EnrolmentPeriod,
    LifeEvent,
    Person,
    PersonStatus,
    SpecialGroupMembership,
)
from changhu.orgs import demo, presets
from changhu.orgs.demo.city import _rules_but_history
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

COUNTED = [Region, Organization, Consortium, User, Person, EnrolmentPeriod,
           SpecialGroupMembership, LifeEvent, ApplicantLink]  # fmt: skip


def _counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def regions(db):
    presets.load_all_regions()


@pytest.fixture
def seeded(regions):
    return demo.seed_demo(persons=50)


def test_seed_needs_the_regions_first(db):
    with pytest.raises(demo.DemoRegionsMissing) as caught:
        demo.seed_demo(persons=5)
    assert caught.value.code == "demo_regions_missing"
    assert Person.objects.count() == 0 and User.objects.count() == 0


def test_seeding_twice_duplicates_nothing(seeded):
    assert seeded.persons_created == 51  # 50 generated + the applicant's mother
    first = _counts()
    again = demo.seed_demo(persons=50)
    assert (again.organizations_created, again.users_created, again.persons_created) == (0, 0, 0)
    assert _counts() == first


def test_the_data_is_deterministic(seeded):
    def people():
        return sorted(
            Person.objects.values_list("insured_no", "name", "id_number_index", "region_code",
                                       "latitude", "longitude", "status")
        )  # fmt: skip

    before = people()
    groups = sorted(SpecialGroupMembership.objects.values_list("person__insured_no", "group"))
    Person.objects.all().delete()
    demo.seed_demo(persons=50)
    assert people() == before
    assert sorted(SpecialGroupMembership.objects.values_list("person__insured_no", "group")) == (
        groups
    )


def test_a_larger_run_only_adds_the_persons_after_the_first(seeded):
    before = set(Person.objects.values_list("id_number_index", flat=True))
    report = demo.seed_demo(persons=60)
    assert report.persons_created == 10
    assert before < set(Person.objects.values_list("id_number_index", flat=True))


def test_every_person_is_plausible(seeded):
    for person in Person.objects.select_related("region"):
        facts = parse_id_number(person.id_number)
        assert facts.birth_date == person.birth_date and facts.sex == person.sex
        assert facts.division_code == person.region_code[:6]
        assert person.region.level == RegionLevel.STREET
        assert person.region_code.startswith("5101")
        assert 30.09 <= float(person.latitude) <= 31.44
        assert 102.99 <= float(person.longitude) <= 104.89
        assert len(person.phone) == 11 and person.phone.startswith("1")
        assert person.address.startswith("成都市" + person.region.parent.name + person.region.name)
        assert person.address.endswith("室")
        assert person.id_number_masked == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
        assert person.enrolments.count() == 1
    born = [p.birth_date.year for p in Person.objects.all()]
    assert sum(1930 <= y <= 1965 for y in born) / len(born) > 0.7


def test_demo_id_numbers_pass_an_independent_gb11643_check(seeded):
    numbers = [p.id_number for p in Person.objects.all()]
    # stdnum's checksum and its division-code table (any period: numbers of older people carry
    # the code of their registration at issue, often newer than their birth year).
    assert all(ric.calc_check_digit(n) == n[-1] for n in numbers)
    locations = numdb.get("cn/loc")
    assert all(any("county" in p for _part, p in locations.info(n[:6])) for n in numbers)


def test_life_events_and_special_groups_look_like_a_city(regions):
    demo.seed_demo(persons=400)
    total = Person.objects.count()
    deceased = Person.objects.filter(status=PersonStatus.DECEASED)
    assert 0 < deceased.count() < total * 0.06
    for person in deceased:
        death = person.life_events.get(kind="death")
        assert death.start_date == person.died_on
        assert person.enrolments.get().end_date == person.died_on
    stays = LifeEvent.objects.filter(kind="hospital_stay")
    assert stays.exists()
    assert all(s.end_date is None or s.end_date >= s.start_date for s in stays)
    assert not stays.filter(person__status=PersonStatus.DECEASED).exists()
    special = Person.objects.filter(special_groups__isnull=False).distinct().count()
    assert total * 0.02 < special < total * 0.10


def test_one_login_per_role_with_the_shared_password(seeded):
    for role in Role.values:
        assert User.objects.filter(role=role).exists(), role
    expected = {"bureau", "regulator", "caseworker", "supervisor", "assessor", "expert",
                "careadmin", "caregiver", "applicant", "admin"}  # fmt: skip
    assert expected <= set(User.objects.values_list("username", flat=True))
    for user in User.objects.filter(username__in=expected):
        assert user.check_password(demo.DEMO_PASSWORD), user.username
        validate_password(demo.DEMO_PASSWORD, user, password_validators=_rules_but_history())
        if user.role:
            assert user.organization is not None
            assert user.organization.kind in {
                "bureau", "insurer", "outlet", "assessment", "care", "public",
            }  # fmt: skip
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.role == ""


def test_organizations_of_the_demo_city(seeded):
    consortium = Consortium.objects.get(name=demo.CONSORTIUM_NAME)
    insurers = list(consortium.members.filter(kind=OrgKind.INSURER))
    assert len(insurers) == 2
    assert sum(i.consortium_lead for i in insurers) == 1
    covered = [set(i.coverage.values_list("code", flat=True)) for i in insurers]
    assert covered[0] and covered[1] and not covered[0] & covered[1]
    assert covered[0] | covered[1] == set(demo.DISTRICTS)
    for insurer in insurers:
        outlets = Organization.objects.filter(kind=OrgKind.OUTLET, parent=insurer)
        assert outlets.count() == 2
        for outlet in outlets:
            assert set(outlet.coverage.values_list("code", flat=True)) <= set(
                insurer.coverage.values_list("code", flat=True)
            )
    care = Organization.objects.filter(kind=OrgKind.CARE)
    assert care.count() == 5
    assert set(care.values_list("care_kind", flat=True)) == set(CareKind.values)
    assert Organization.objects.filter(kind=OrgKind.ASSESSMENT).count() == 2
    assert Organization.objects.get(kind=OrgKind.BUREAU).name == "成都市医疗保障局"
    assert Organization.objects.get(kind=OrgKind.PUBLIC).name == "社会公众"
    for org in Organization.objects.exclude(uscc=""):
        assert len(org.uscc) == 18


def test_scopes_make_the_demo_interesting(seeded):
    caseworker = User.objects.get(username="caseworker")
    other = User.objects.get(username="caseworker2")
    assert caseworker.organization.coverage.count() >= 5
    seen = insured_selectors.person_list(fetched_by=caseworker)
    seen_by_other = insured_selectors.person_list(fetched_by=other)
    assert 0 < seen.count() < Person.objects.count()
    assert seen.count() + seen_by_other.count() == Person.objects.count()
    regulator_sees = insured_selectors.person_list(
        fetched_by=User.objects.get(username="regulator")
    )
    assert regulator_sees.count() == Person.objects.count()


def test_the_applicant_acts_for_their_elderly_mother(seeded):
    applicant = User.objects.get(username="applicant")
    link = ApplicantLink.objects.get(user=applicant)
    assert link.relationship == ApplicantLink.Relationship.CHILD
    assert link.person.name == "王秀兰" and link.person.birth_date.year < 1950
    assert list(insured_selectors.person_list(fetched_by=applicant)) == [link.person]
    caseworker = User.objects.get(username="caseworker")
    assert insured_selectors.person_list(fetched_by=caseworker).filter(pk=link.person.pk).exists()


def test_seed_demo_command(regions):
    out = StringIO()
    call_command("seed_demo", persons=10, stdout=out)
    assert "persons created: 11" in out.getvalue()
    out = StringIO()
    call_command("seed_demo", persons=10, stdout=out)
    assert "persons created: 0" in out.getvalue()


def test_seed_demo_refuses_the_production_profile(regions, settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="CHANGHU_PROFILE=demo"):
        call_command("seed_demo", persons=1, stdout=StringIO())
    assert User.objects.count() == 0


def test_demo_logins_prints_every_login_and_the_url(seeded):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert demo.DEMO_PASSWORD in text and "http://127.0.0.1:8000/" in text
    for login in demo.DEMO_LOGINS:
        assert login.username in text
        assert login.sees_zh in text
    assert "not created yet" not in text
