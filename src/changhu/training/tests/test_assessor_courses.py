"""Courses for 评估人员: assessors are enrolled and the certificate issued is the assessor
certificate that qualifies them for assessment teams."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from changhu.core import clock
from changhu.core.errors import NotFound, ValidationFailed
from changhu.providers import services as providers
from changhu.training import services
from changhu.training.services import RollRow
from tests.api import ApiClient
from tests.factories import designate_assessment, make_assessor, make_caregiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(users, orgs):
    return designate_assessment(orgs.assessment, users.assessor, users.expert)


@pytest.fixture
def assessor_session(users):
    course = services.course_create(
        actor=users.bureau_admin,
        data=services.CourseInput(
            name="长护险失能评估人员资格培训",
            audience="assessor",
            hours="24",
            certificate_kind="assessor",
            validity_months=24,
        ),
    )
    today = clock.today()
    return services.session_create(
        actor=users.bureau_admin,
        course_id=course.pk,
        data=services.SessionInput(
            starts_on=today - dt.timedelta(days=10),
            ends_on=today - dt.timedelta(days=9),
            place="市医保局培训室",
            capacity=10,
        ),
    )


def test_an_assessor_course_certificate_qualifies_the_assessor(
    users, centre, assessor_session, institution
):
    today = clock.today()
    newcomer = make_assessor(centre, certificate=None, name="石磊")
    assert not providers.assessor_qualification(newcomer, today)[0]
    caregiver = make_caregiver(institution, certificate=None)
    with pytest.raises(ValidationFailed) as wrong:
        services.enrol(
            actor=users.bureau_admin, session_id=assessor_session.pk, caregiver_id=caregiver.pk
        )
    assert wrong.value.code == "audience_mismatch"
    with pytest.raises(NotFound):  # a care institution does not see assessors
        services.enrol(
            actor=users.care_admin, session_id=assessor_session.pk, assessor_id=newcomer.pk
        )
    enrolment = services.enrol(
        actor=users.bureau_admin, session_id=assessor_session.pk, assessor_id=newcomer.pk
    )
    again = services.enrol(
        actor=users.bureau_admin, session_id=assessor_session.pk, assessor_id=newcomer.pk
    )
    assert again.pk == enrolment.pk and enrolment.person == newcomer
    services.roll_record(
        actor=users.bureau_admin,
        session_id=assessor_session.pk,
        rows=[RollRow(enrolment.pk, True, "88")],
    )
    plan = services.certificates_issue(actor=users.bureau_admin, session_id=assessor_session.pk)
    assert [e.pk for e in plan.to_issue] == [enrolment.pk]
    certificate = newcomer.certificates.get()
    assert certificate.kind == "assessor" and certificate.caregiver_id is None
    assert certificate.expires_on == services._expiry(today, 24)
    newcomer.refresh_from_db()
    assert providers.assessor_qualification(newcomer, today) == (True, "")
    # Through the API, the roll names the assessor.
    detail = ApiClient(users.bureau_admin).get(f"training/sessions/{assessor_session.pk}").body
    row = detail["roll"][0]
    assert row["assessor_id"] == newcomer.pk and row["caregiver_id"] is None
    assert row["caregiver"] == "石磊" and row["institution"] == centre.name


def test_course_certificate_must_suit_the_audience(users):
    for audience, kind in (("assessor", "care_worker"), ("caregiver", "assessor")):
        with pytest.raises(ValidationFailed) as bad:
            services.course_create(
                actor=users.bureau_admin,
                data=services.CourseInput(
                    name="课程",
                    audience=audience,
                    hours="8",
                    certificate_kind=kind,
                    validity_months=12,
                ),
            )
        assert bad.value.code == "certificate_kind_invalid"


def test_the_session_page_enrols_assessors(client, users, centre, assessor_session):
    newcomer = make_assessor(centre, certificate=None, name="石磊")
    client.force_login(users.bureau_admin)
    url = reverse("training:session_detail", args=[assessor_session.pk])
    html = client.get(url).content.decode()
    assert "石磊" in html and "评估人员" in html
    enrol_url = reverse("training:enrol", args=[assessor_session.pk])
    assert client.post(enrol_url, {"caregiver_id": newcomer.pk}).status_code == 302
    assert assessor_session.enrolments.get().assessor == newcomer
    assert "石磊已报名" in client.get(url).content.decode()
    client.force_login(users.care_admin)
    assert "石磊" not in client.get(url).content.decode()
