"""The assessment demo: cases in every state, made through the services, idempotent."""

from __future__ import annotations

import pytest

from changhu.assessment.demo import seed_assessment_demo
from changhu.assessment.models import Application, Conclusion, Kind, Status
from changhu.orgs.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_every_state_once_and_nothing_the_second_time(fast_pdf):
    from changhu.orgs.presets import load_all_regions

    load_all_regions()
    seed_demo(persons=60)
    report = seed_assessment_demo()
    assert report.created == 18 and report.users_created == 6
    assert set(report.states) == set(Status.values)
    assert Application.objects.filter(overdue_since__isnull=False).count() == 1
    assert Application.objects.filter(kind=Kind.APPEAL, status=Status.DISPATCHED).count() == 1
    assert Conclusion.objects.filter(qualifying=False).count() == 1
    online = Application.objects.get(applicant_user__username="applicant")
    assert online.person.name == "王秀兰" and online.status == Status.PUBLICITY
    again = seed_assessment_demo()
    # 17 planned cases, the appeal opened from one of them, and the applicant's own.
    assert again.already and Application.objects.count() == 19
