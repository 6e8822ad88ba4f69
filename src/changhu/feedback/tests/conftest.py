import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from changhu.core import clock, months
from changhu.providers.tests.fixtures import institution, other  # noqa: F401
from changhu.visits import rulesets
from tests.factories import make_caregiver, make_person, make_visit


def last_month() -> str:
    return months.key(months.shift(clock.today(), -1))


def reply(actor, complaint, text: str, *, channel: str = "phone", substantiated: bool = False):
    """``actor`` answers the complainant."""
    from changhu.feedback import services

    return services.complaint_reply(
        actor=actor,
        complaint_id=complaint.pk,
        reply=text,
        channel=channel,
        substantiated=substantiated,
    )


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def served(db, city, institution, users):  # noqa: F811
    """Last month: three persons in Jinjiang each visited on the 3rd, 12th and 20th by one
    caregiver of the fixture institution; the applicant acts for the first."""
    rulesets.load_all_rule_sets()
    first, _ = months.bounds(last_month())
    caregiver = make_caregiver(institution, name="刘桂芳")
    persons = [
        make_person(city.streets["510104001000"], name=name)
        for name in ("张建国", "李秀英", "王淑芬")
    ]
    persons[0].applicants.create(user=users.applicant, relationship="child")
    visits = {}
    for person in persons:
        for day in (3, 12, 20):
            visits[(person.pk, day)] = make_visit(
                caregiver=caregiver, person=person, start=at(first.replace(day=day))
            )
    return SimpleNamespace(
        persons=persons, caregiver=caregiver, visits=visits, institution=institution
    )
