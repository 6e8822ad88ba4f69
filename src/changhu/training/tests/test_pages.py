"""The training pages: the course list and form, the session with its roll form, the issue
confirmation, and who may see what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from changhu.core import clock
from changhu.providers.models import Certificate
from changhu.training import services
from changhu.training.models import Course, Enrolment

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_course_list_and_new(users, orgs, course):
    bureau = client_for(users.bureau_admin)
    page = bureau.get("/training/").content.decode()
    assert course.name in page and "新建课程" in page
    r = bureau.post(
        "/training/courses/new/",
        {
            "name": "医疗护理员培训",
            "audience": "caregiver",
            "hours": "60",
            "certificate_kind": "care_worker",
            "validity_months": "36",
            "organizer_id": str(orgs.bureau.pk),
        },
    )
    assert r.status_code == 302
    assert Course.objects.filter(name="医疗护理员培训", validity_months=36).exists()
    r = bureau.post(
        "/training/courses/new/",
        {
            "name": "x",
            "audience": "caregiver",
            "hours": "8",
            "certificate_kind": "care_worker",
            "organizer_id": str(orgs.bureau.pk),
        },
    )
    assert r.status_code == 422 and "证书有效期" in r.content.decode()
    assert "新建课程" not in client_for(users.care_admin).get("/training/").content.decode()
    assert client_for(users.applicant).get("/training/").status_code == 403
    assert client_for(users.care_admin).post("/training/courses/new/", {}).status_code == 403


def test_roll_form_and_issue_confirmation(users, held, trainees):
    a = services.enrol(actor=users.care_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    b = services.enrol(actor=users.care_admin, session_id=held.pk, caregiver_id=trainees.b.pk)
    bureau = client_for(users.bureau_admin)
    r = bureau.post(
        f"/training/sessions/{held.pk}/roll/",
        {f"attended_{a.pk}": "on", f"score_{a.pk}": "77", f"score_{b.pk}": ""},
    )
    assert r.status_code == 302
    assert Enrolment.objects.get(pk=a.pk).score == 77
    r = bureau.post(f"/training/sessions/{held.pk}/roll/", {f"score_{b.pk}": "66"})
    assert r.status_code == 422 and "未出勤，不能登记成绩" in r.content.decode()
    confirm = bureau.get(f"/training/sessions/{held.pk}/issue/").content.decode()
    assert '将发证 <strong data-testid="to-issue">1</strong> 人' in confirm
    assert "李春梅未出勤，不能发证" in confirm
    assert not Certificate.objects.filter(caregiver=trainees.a).exists()
    r = bureau.post(f"/training/sessions/{held.pk}/issue/")
    assert r.status_code == 302
    assert Certificate.objects.get(caregiver=trainees.a).valid_on(clock.today())
    page = client_for(users.care_admin).get(f"/training/sessions/{held.pk}/").content.decode()
    assert services.certificate_number(a) in page and "保存出勤和成绩" not in page


def test_institution_sees_only_its_own_staff(users, held, trainees, other):
    services.enrol(actor=other.admin, session_id=held.pk, caregiver_id=trainees.outsider.pk)
    services.enrol(actor=users.care_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    mine = client_for(users.care_admin).get(f"/training/sessions/{held.pk}/").content.decode()
    assert trainees.a.name in mine and trainees.outsider.name not in mine
    everyone = client_for(users.bureau_admin).get(f"/training/sessions/{held.pk}/").content.decode()
    assert trainees.a.name in everyone and trainees.outsider.name in everyone
    r = client_for(users.care_admin).post(
        f"/training/sessions/{held.pk}/enrol/", {"caregiver_id": trainees.outsider.pk}
    )
    assert r.status_code == 422
    assert client_for(users.applicant).get(f"/training/sessions/{held.pk}/").status_code == 403


def test_session_new_and_subsidy(users, course, held, trainees):
    bureau = client_for(users.bureau_admin)
    today = clock.today()
    r = bureau.post(
        f"/training/courses/{course.pk}/sessions/new/",
        {
            "starts_on": (today + dt.timedelta(days=3)).isoformat(),
            "ends_on": today.isoformat(),
            "place": "培训中心",
            "capacity": "20",
            "pass_mark": "60",
        },
    )
    assert r.status_code == 422 and "结业日期不能早于开班日期" in r.content.decode()
    a = services.enrol(actor=users.bureau_admin, session_id=held.pk, caregiver_id=trainees.a.pk)
    services.roll_record(
        actor=users.bureau_admin, session_id=held.pk, rows=[services.RollRow(a.pk, True, "90")]
    )
    r = bureau.post(f"/training/sessions/{held.pk}/subsidy/", {"amount_yuan": "300"})
    assert r.status_code == 302
    held.refresh_from_db()
    assert held.subsidy_per_pass_fen == 30000 and held.subsidy_entry_id
    assert (
        "已按合格1人、每人300.00元记入基金支出"
        in bureau.get(f"/training/sessions/{held.pk}/").content.decode()
    )
