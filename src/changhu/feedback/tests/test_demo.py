"""The feedback demo: complaints in each state, a drawn month with calls, survey answers; early
and late in a month, early and late in the day; idempotent."""

import datetime as dt

import pytest

from changhu.core import clock
from changhu.feedback import demo
from changhu.feedback.models import Complaint, ReturnVisit, SurveyResponse
from changhu.visits import demo as visits_demo
from changhu.visits.models import Finding
from tests.clock import on
from tests.demo import seed_city_with_care


def _seed():
    seed_city_with_care(persons=150, care_persons=40)
    visits_demo.seed_visits_demo()
    return demo.seed_feedback_demo()


def _check(report):
    assert report.complaints == 8, report
    family = Complaint.objects.get(channel="family")
    assert family.status == "replied" and family.submitted_by.username == "applicant"
    states = set(Complaint.objects.values_list("status", flat=True))
    assert states == {"received", "acknowledged", "escalated", "replied", "closed"}
    assert Complaint.objects.filter(channel="public").exists()
    assert ReturnVisit.objects.filter(status="pending").exists()
    done = ReturnVisit.objects.exclude(status="pending").count()
    assert done == report.calls == min(5, report.drawn - 1) >= 1
    assert Finding.objects.filter(rule_code="return_visit_discrepancy").count() == 1
    assert Finding.objects.filter(rule_code="complaint_substantiated").count() == 1
    assert set(SurveyResponse.objects.values_list("channel", flat=True)) >= {
        "return_visit",
        "paper",
    }
    counts = [m.objects.count() for m in (Complaint, ReturnVisit, SurveyResponse, Finding)]
    demo.seed_feedback_demo()
    assert [m.objects.count() for m in (Complaint, ReturnVisit, SurveyResponse, Finding)] == counts


@pytest.mark.django_db
def test_the_demo_on_the_session_day():
    _check(_seed())


@pytest.mark.django_db
@pytest.mark.parametrize("day", [1, 28])
def test_the_demo_on_any_day_at_any_hour(day):
    today = clock.today()
    moment = dt.date(today.year, today.month, day)
    with on(moment, hour=23 if day == 1 else 6):
        _check(_seed())
