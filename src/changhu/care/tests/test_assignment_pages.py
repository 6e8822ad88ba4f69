"""The caregiver assignment pages (护理员派定): assign, end, scope, refusals, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from changhu.care import services
from changhu.care.models import Assignment
from changhu.core import clock
from tests.factories import make_caregiver, make_person, open_entitlement

pytestmark = pytest.mark.django_db


def _open(users, person, institution):
    start = clock.today().replace(day=1)
    return open_entitlement(
        users.worker_a,
        person,
        institution,
        valid_from=start,
        valid_until=start + dt.timedelta(days=700),
    )


@pytest.fixture
def beneficiary(users, people, institution, catalogue):
    _open(users, people.jinjiang, institution)
    return people.jinjiang


def person_url(person) -> str:
    return reverse("care:assignment_person", args=[person.pk])


def test_assign_then_end_from_the_pages(client, users, beneficiary, caregivers):
    today = clock.today()
    client.force_login(users.care_admin)
    listing = client.get(reverse("care:assignment_list")).content.decode()
    assert "张建国" in listing and "未派定" in listing and person_url(beneficiary) in listing

    page = client.get(person_url(beneficiary)).content.decode()
    for name in ("刘桂芳", "陈静", "赵红梅"):
        assert name in page
    assert "尚未派定护理员" in page and "本机构在岗 3 人" in page
    assert f'data-testid="refusal-{caregivers.expired.pk}"' in page and "已过期" in page
    assert f'value="{today:%Y-%m-%d}"' in page  # the start date defaults to today

    done = client.post(
        person_url(beneficiary),
        {"caregiver": caregivers.worker.pk, "start_date": today.isoformat(), "item": ""},
    )
    assert done.status_code == 302 and done.url == person_url(beneficiary)
    assignment = Assignment.objects.get()
    assert assignment.caregiver == caregivers.worker and assignment.start_date == today
    page = client.get(person_url(beneficiary)).content.decode()
    assert "已派定护理员刘桂芳为张建国服务" in page and "服务中" in page and "已在服务" in page
    assert "1人" in page  # her load now counts this person
    listing = client.get(reverse("care:assignment_list") + "?unassigned=on").content.decode()
    assert "张建国" not in listing

    end_url = reverse("care:assignment_end", args=[assignment.pk])
    ended = client.post(end_url, {"end_date": today.isoformat()})
    assert ended.status_code == 302
    assignment.refresh_from_db()
    assert assignment.end_date == today
    page = client.get(person_url(beneficiary)).content.decode()
    assert "已结束护理员刘桂芳对张建国的派定" in page
    again = client.post(end_url, {"end_date": today.isoformat()})
    assert again.status_code == 409
    assert 'data-error-code="assignment_ended"' in again.content.decode()


def test_bad_input_is_refused_with_a_reason_and_writes_nothing(
    client, users, beneficiary, caregivers, other
):
    today = clock.today()
    client.force_login(users.care_admin)
    url = person_url(beneficiary)
    outsider = make_caregiver(other.institution, name="周外援")
    cases = [
        ({}, 422, "请选择护理员"),
        ({"caregiver": "abc"}, 422, "请从列表中选择本机构在岗的护理员"),
        ({"caregiver": outsider.pk}, 422, "请从列表中选择本机构在岗的护理员"),
        ({"caregiver": caregivers.worker.pk, "start_date": "2026-13-01"}, 422, "日期格式应为"),
        ({"caregiver": caregivers.worker.pk, "start_date": ""}, 422, "请填写起始日"),
        ({"caregiver": caregivers.worker.pk, "item": "XX99"}, 422, "请从执行中的护理计划里选择"),
        (
            {"caregiver": caregivers.expired.pk},
            409,
            'data-error-code="caregiver_certificate_expired"',
        ),
        (
            {"caregiver": caregivers.worker.pk, "start_date": "2000-01-03"},
            409,
            'data-error-code="no_arrangement"',
        ),
    ]
    for data, status, text in cases:
        posted = {"start_date": today.isoformat(), **data}
        response = client.post(url, posted)
        html = response.content.decode()
        assert response.status_code == status, (data, html[:400])
        assert text in html, data
        assert 'data-testid="assignment-problem"' in html
    assert not Assignment.objects.exists()

    first = {"caregiver": caregivers.worker.pk, "start_date": today.isoformat()}
    assert client.post(url, first).status_code == 302
    duplicate = client.post(url, first)
    assert duplicate.status_code == 409 and "该护理员已派定给此参保人" in duplicate.content.decode()
    assert Assignment.objects.count() == 1

    assignment = Assignment.objects.get()
    end_url = reverse("care:assignment_end", args=[assignment.pk])
    early = client.post(end_url, {"end_date": (today - dt.timedelta(days=1)).isoformat()})
    assert early.status_code == 422 and "截止日不能早于起始日" in early.content.decode()
    garbled = client.post(end_url, {"end_date": "tomorrow"})
    assert garbled.status_code == 422 and "日期格式应为" in garbled.content.decode()
    assignment.refresh_from_db()
    assert assignment.end_date is None


def test_only_the_institution_admin_reaches_its_own_beneficiaries(
    client, users, beneficiary, caregivers, other
):
    assignment = services.assignment_create(
        actor=users.care_admin, person_id=beneficiary.pk, caregiver_id=caregivers.worker.pk
    )
    end_url = reverse("care:assignment_end", args=[assignment.pk])
    client.force_login(other.admin)
    assert "张建国" not in client.get(reverse("care:assignment_list")).content.decode()
    assert client.get(person_url(beneficiary)).status_code == 404
    own = make_caregiver(other.institution, name="周外援")
    assert client.post(person_url(beneficiary), {"caregiver": own.pk}).status_code == 404
    assert client.post(end_url, {"end_date": clock.today().isoformat()}).status_code == 404
    for role in ("worker_a", "supervisor_a", "bureau_admin", "regulator", "caregiver", "applicant"):
        client.force_login(getattr(users, role))
        assert client.get(reverse("care:assignment_list")).status_code == 403, role
        assert client.get(person_url(beneficiary)).status_code == 403, role
        assert client.post(end_url, {"end_date": clock.today().isoformat()}).status_code == 403
    client.logout()
    assert client.get(person_url(beneficiary)).status_code == 302
    assignment.refresh_from_db()
    assert assignment.end_date is None and Assignment.objects.count() == 1


def test_menu_plan_page_and_home_queue_lead_to_the_page(client, users, beneficiary, caregivers):
    client.force_login(users.care_admin)
    home = client.get(reverse("web:home")).content.decode()
    assert "护理员派定" in home and "待派定护理员的服务对象" in home
    plan = services.care_plan_draft(
        actor=users.care_admin,
        person_id=beneficiary.pk,
        lines=[services.PlanLineInput(item_code="SH05", times=2, period="week")],
    )
    detail = client.get(reverse("care:plan_detail", args=[plan.pk])).content.decode()
    assert person_url(beneficiary) in detail
    client.force_login(users.worker_a)
    assert "护理员派定" not in client.get(reverse("web:home")).content.decode()


def test_the_beneficiary_list_costs_the_same_queries_for_more_rows(
    client, users, city, institution, catalogue
):
    client.force_login(users.care_admin)
    url = reverse("care:assignment_list")

    def add(count: int) -> None:
        for _ in range(count):
            person = make_person(city.streets["510104001000"])
            _open(users, person, institution)
            caregiver = make_caregiver(institution)
            services.assignment_create(
                actor=users.care_admin, person_id=person.pk, caregiver_id=caregiver.pk
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = count()
    add(5)
    assert count() == few
