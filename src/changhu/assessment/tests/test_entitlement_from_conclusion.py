"""A conclusion opens the entitlement (办理待遇 on the case page, the person's file and the queue
待办理待遇), and later conclusions apply to it on their own, through the real workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from changhu.assessment import services
from changhu.assessment.models import CaseEvent, Conclusion, Status
from changhu.assessment.tests.conftest import answers_for
from changhu.assessment.tests.flow import advance, mild_answers, national, submit
from changhu.care import services as care_services
from changhu.care.models import CarePlan, Entitlement
from changhu.core import clock
from changhu.core.models import AuditEntry
from changhu.providers.tests.fixtures import catalogue, institution  # noqa: F401
from tests.clock import on

pytestmark = pytest.mark.django_db


def go(case, users, team, **kwargs):
    kwargs.setdefault("assessors", [team.assessor, team.expert])
    kwargs.setdefault("experts", [team.expert, team.expert2])
    kwargs.setdefault("institution", team.first)
    return advance(case, Status.CONCLUDED, worker=users.worker_a, **kwargs)


@pytest.fixture
def concluded(users, people, team, fast_pdf):
    """张建国's first case, concluded today as 重度失能Ⅱ级."""
    case = go(submit(users.worker_a, people.jinjiang), users, team)
    assert case.conclusion.grade == 4 and case.conclusion.qualifying
    return case


def test_the_case_worker_opens_benefits_from_the_pages(
    client,
    users,
    people,
    concluded,
    institution,  # noqa: F811
):
    conclusion = concluded.conclusion
    client.force_login(users.worker_a)
    queue = client.get(reverse("care:entitlement_new")).content.decode()
    assert (
        "张建国" in queue and reverse("care:conclusion_entitlement", args=[conclusion.pk]) in queue
    )
    case_page = client.get(reverse("assessment:case_detail", args=[concluded.pk])).content.decode()
    assert 'data-testid="open-entitlement"' in case_page and "确认办理待遇" in case_page
    # Nothing of the grade or validity is asked: it is the conclusion's.
    assert 'name="grade"' not in case_page and 'name="valid_until"' not in case_page
    person_file = reverse("care:person_file", args=[people.jinjiang.pk])
    assert "确认办理待遇" in client.get(person_file).content.decode()

    url = reverse("care:conclusion_entitlement", args=[conclusion.pk])
    missing = client.post(
        url, {"care_mode": "home_visit", "start_date": str(conclusion.valid_from)}
    )
    assert missing.status_code == 422 and "请选择护理机构" in missing.content.decode()
    outside = client.post(
        url,
        {
            "care_mode": "home_visit",
            "institution": institution.pk,
            "start_date": str(conclusion.valid_until + dt.timedelta(days=1)),
        },
    )
    assert (
        outside.status_code == 422 and "待遇起始日应在评估结论有效期内" in outside.content.decode()
    )
    assert not Entitlement.objects.exists()

    client.force_login(users.worker_b)  # another insurer's districts
    choice = {"care_mode": "home_visit", "institution": institution.pk}
    assert client.post(url, choice).status_code == 404
    assert "张建国" not in client.get(reverse("care:entitlement_new")).content.decode()
    assert not Entitlement.objects.exists()

    client.force_login(users.worker_a)
    done = client.post(url, {**choice, "start_date": "", "next": person_file})
    assert done.status_code == 302 and done["Location"] == person_file
    entitlement = Entitlement.objects.get()
    assert entitlement.conclusion == conclusion and entitlement.grade == 4
    assert (entitlement.valid_from, entitlement.valid_until) == (
        conclusion.valid_from,
        conclusion.valid_until,
    )
    html = client.get(person_file).content.decode()
    assert "已办理待遇" in html and "确认办理待遇" not in html
    assert "张建国" not in client.get(reverse("care:entitlement_new")).content.decode()
    # Opening it again leads to the entitlement; a foreign ``next`` is ignored.
    again = client.post(url, {**choice, "next": "https://example.com/"})
    assert again.status_code == 302
    assert again["Location"] == reverse("care:entitlement_detail", args=[entitlement.pk])
    assert Entitlement.objects.count() == 1
    assert AuditEntry.objects.filter(
        object_type="care.entitlement", note__startswith="办理待遇"
    ).exists()


def test_later_conclusions_replace_then_end_the_entitlement(
    client,
    users,
    people,
    team,
    concluded,
    institution,  # noqa: F811
    catalogue,  # noqa: F811
):
    first = concluded.conclusion
    entitlement = care_services.entitlement_open_from_conclusion(
        actor=users.worker_a,
        conclusion_id=first.pk,
        care_mode="home_visit",
        institution_id=institution.pk,
    )
    plan = care_services.care_plan_draft(
        actor=users.care_admin,
        person_id=people.jinjiang.pk,
        lines=[care_services.PlanLineInput(item_code="SH05", times=2, period="week")],
    )
    care_services.care_plan_confirm(
        actor=users.worker_a,
        plan_id=plan.pk,
        channel="counter",
        signer_name="张小军",
        signer_relationship="child",
    )

    # An appeal five days later finds 重度失能Ⅲ级: from its date the new grade applies.
    appeal_day = clock.today() + dt.timedelta(days=5)
    with on(appeal_day):
        appeal = services.appeal_request(
            actor=users.worker_a, conclusion_id=first.pk, reason="家属认为等级偏低"
        )
        appeal = go(
            appeal,
            users,
            team,
            institution=team.second,
            assessors=[team.assessor3, team.expert3],
            experts=[team.expert3, team.expert4],
            answers=answers_for(national(), adl=0, cognition=0, perception=0),
        )
    second = Conclusion.objects.get(application=appeal)
    assert second.grade == 5
    entitlement.refresh_from_db()
    assert (entitlement.status, entitlement.end_reason) == ("terminated", "reassessment")
    assert entitlement.end_date == second.valid_from - dt.timedelta(days=1)
    new = Entitlement.objects.get(conclusion=second)
    assert (new.grade, new.valid_from) == (5, second.valid_from)
    arrangement = new.arrangements.get()
    assert (arrangement.care_mode, arrangement.institution_id) == ("home_visit", institution.pk)
    plan.refresh_from_db()
    assert plan.status == "confirmed" and plan.entitlement_id == new.pk
    assert plan.revision_due_since == second.valid_from and "重度失能Ⅲ级" in plan.revision_reason
    event = CaseEvent.objects.get(application=appeal, kind="entitlement")
    assert "待遇资格按本结论" in event.text and "已提醒护理机构" in event.text
    # The institution sees the plan to revise in its queue and list.
    client.force_login(users.care_admin)
    assert "等级变更需修订的护理计划" in client.get(reverse("web:home")).content.decode()
    listing = client.get(reverse("care:plan_list") + "?revision=on").content.decode()
    assert "张建国" in listing
    # The person's file tells the story.
    client.force_login(users.worker_a)
    html = client.get(reverse("care:person_file", args=[people.jinjiang.pk])).content.decode()
    assert second.number in html and "按新的评估结论继续享受待遇" in html

    # A condition-change re-assessment a month later finds 轻度失能: benefits end (recovery).
    with on(appeal_day + dt.timedelta(days=30)):
        again = services.reassessment_open(
            actor=users.worker_a,
            person_id=people.jinjiang.pk,
            kind="condition_change",
            reason="康复训练后好转",
        )
        again = go(again, users, team, answers=mild_answers())
    third = Conclusion.objects.get(application=again)
    assert not third.qualifying
    new.refresh_from_db()
    assert (new.status, new.end_reason) == ("terminated", "recovery")
    assert new.end_date == third.valid_from - dt.timedelta(days=1)
    assert CarePlan.objects.get(pk=plan.pk).status != "confirmed"
    assert "未达到待遇等级" in CaseEvent.objects.get(application=again, kind="entitlement").text
    assert Entitlement.objects.count() == 2  # nothing opened for a grade without benefits
