"""The complaint, return-visit and survey pages: the staff flow, the family's pages, the public
form with its anti-abuse checks, exports, and what outsiders get."""

import io

import pytest
from django.test import Client, override_settings
from openpyxl import load_workbook

from changhu.feedback import services
from changhu.feedback.models import Complaint, ReturnVisit, SurveyResponse
from changhu.feedback.tests.conftest import last_month, reply
from changhu.feedback.tests.test_services import SURVEY, hotline
from changhu.visits.models import Finding

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_hotline_complaint_through_the_pages_to_closed(users, served):
    worker = client_for(users.worker_a)
    page = worker.get("/supervision/complaints/new/")
    assert page.status_code == 200 and "登记投诉" in page.content.decode()
    response = worker.post(
        "/supervision/complaints/new/",
        {
            "channel": "hotline",
            "category": "missed_visit",
            "person": str(served.persons[0].pk),
            "caregiver": str(served.caregiver.pk),
            "content": "护理员12日没有来",
            "complainant_name": "张小明",
            "complainant_phone": "13800138000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint = Complaint.objects.get()
    url = f"/supervision/complaints/{complaint.pk}/"
    assert response["Location"] == url
    assert worker.post(url + "acknowledge/").status_code == 302
    visit = served.visits[(served.persons[0].pk, 12)]
    detail = worker.get(url).content.decode()
    assert "查实并转稽核" in detail and str(visit.pk) in detail
    assert (
        worker.post(url + "substantiate/", {"visits": [visit.pk], "note": "核实未上门"}).status_code
        == 302
    )
    assert Finding.objects.filter(visit=visit, rule_code="complaint_substantiated").exists()
    refused = worker.post(url + "reply/", {"reply": "", "reply_channel": "phone"})
    assert refused.status_code == 422
    worker.post(
        url + "reply/", {"reply": "已核实并整改", "reply_channel": "phone", "substantiated": "on"}
    )
    worker.post(url + "close/", {"satisfaction": "4"})
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.satisfaction == 4
    listing = worker.get("/supervision/complaints/?status=closed").content.decode()
    assert complaint.number in listing
    export = worker.get("/supervision/complaints/?export=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet["A2"].value == complaint.number


def test_the_complainant_phone_is_shown_in_full_only_on_request_and_audited(users, served):
    from changhu.core.models import AuditEntry

    complaint = hotline(users, served)
    worker = client_for(users.worker_a)
    page = worker.get(f"/supervision/complaints/{complaint.pk}/").content.decode()
    assert "13800138000" not in page
    shown = worker.post(f"/supervision/complaints/{complaint.pk}/phone/").content.decode()
    assert "13800138000" in shown
    assert AuditEntry.objects.filter(object_id=str(complaint.pk), action="view_full").exists()


def test_outsiders_get_404_and_the_institution_sees_its_own(users, served, other):
    complaint = hotline(users, served)
    url = f"/supervision/complaints/{complaint.pk}/"
    assert client_for(users.worker_b).get(url).status_code == 404
    assert client_for(other.admin).get(url).status_code == 404
    assert client_for(users.care_admin).get(url).status_code == 200
    assert client_for(users.assessor).get("/supervision/complaints/").status_code == 403
    assert client_for(users.care_admin).post(url + "acknowledge/").status_code == 403
    assert client_for(users.worker_b).post(url + "acknowledge/").status_code == 404
    assert Complaint.objects.get().status == "received"


def test_the_family_complains_sees_the_reply_and_rates_it(users, served):
    family = client_for(users.applicant)
    page = family.get("/supervision/complaints/mine/new/").content.decode()
    assert "我要反映问题" in page and "服务热线" in page
    visit = served.visits[(served.persons[0].pk, 12)]
    response = family.post(
        "/supervision/complaints/mine/new/",
        {
            "person": str(served.persons[0].pk),
            "category": "missed_visit",
            "content": "12日护理员没有来",
            "visits": [str(visit.pk)],
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.channel == "family" and list(complaint.visits.all()) == [visit]
    services.complaint_acknowledge(actor=users.worker_a, complaint_id=complaint.pk)
    reply(
        users.worker_a, complaint, "经核实，已扣减该次服务费用", channel="page", substantiated=True
    )
    mine = family.get("/supervision/complaints/mine/").content.decode()
    assert "已答复，请您评价" in mine
    url = f"/supervision/complaints/mine/{complaint.pk}/"
    assert "经核实，已扣减该次服务费用" in family.get(url).content.decode()
    assert family.post(url, {"satisfaction": "5"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.satisfaction == 5
    # another family's or staff complaint is not theirs
    staff = hotline(users, served)
    assert family.get(f"/supervision/complaints/mine/{staff.pk}/").status_code == 404
    assert family.get(f"/supervision/complaints/{staff.pk}/").status_code == 403


def test_the_family_rates_the_service(users, served):
    family = client_for(users.applicant)
    page = family.get("/supervision/surveys/mine/").content.decode()
    assert "护理员的服务态度" in page
    data = {"person": str(served.persons[0].pk), **{f"s_{k}": str(v) for k, v in SURVEY.items()}}
    assert family.post("/supervision/surveys/mine/", data).status_code == 302
    assert SurveyResponse.objects.get().channel == "family"


@override_settings(PUBLIC_FORM_MIN_SECONDS=0, PUBLIC_COMPLAINTS_PER_HOUR=1)
def test_the_public_form_without_signing_in(served):
    public = Client(REMOTE_ADDR="198.51.100.7")
    assert "/supervision/complaints/public/" in public.get("/login/").content.decode()
    page = public.get("/supervision/complaints/public/")
    assert page.status_code == 200
    token = page.context["token"]
    data = {
        "institution": str(served.institution.pk),
        "category": "attitude",
        "content": "态度很差",
        "phone": "13700137000",
        "token": token,
    }
    robot = public.post("/supervision/complaints/public/", {**data, "website": "http://spam"})
    assert robot.status_code == 422 and not Complaint.objects.exists()
    stale = public.post("/supervision/complaints/public/", {**data, "token": "forged"})
    assert stale.status_code == 422 and "页面已过期" in stale.content.decode()
    done = public.post("/supervision/complaints/public/", data)
    assert done.status_code == 200 and "您的投诉已收到" in done.content.decode()
    assert Complaint.objects.get().channel == "public"
    again = public.post("/supervision/complaints/public/", data)
    assert again.status_code == 409 and "提交过于频繁" in again.content.decode()
    assert Complaint.objects.count() == 1


@override_settings(PUBLIC_FORM_MIN_SECONDS=30)
def test_the_public_form_refuses_a_submit_faster_than_a_person(served):
    public = Client()
    token = public.get("/supervision/complaints/public/").context["token"]
    response = public.post(
        "/supervision/complaints/public/",
        {
            "institution": str(served.institution.pk),
            "category": "fees",
            "content": "x",
            "phone": "13700137000",
            "token": token,
        },
    )
    assert response.status_code == 422 and not Complaint.objects.exists()


def test_return_visits_drawn_by_the_button_and_called_with_a_discrepancy(users, served):
    worker = client_for(users.worker_a)
    response = worker.post("/supervision/return-visits/draw/", {"period": last_month()})
    assert response.status_code == 302
    listing = worker.get(f"/supervision/return-visits/?period={last_month()}").content.decode()
    assert "各机构回访进度" in listing
    rv = ReturnVisit.objects.order_by("pk").first()
    url = f"/supervision/return-visits/{rv.pk}/"
    page = worker.get(url).content.decode()
    assert "开场白" in page and rv.person.name in page
    # the caller reads out their 工号, the login name, as it is
    assert f'工号<span translate="no">{users.worker_a.username}</span>' in page
    visit = served.visits[(rv.person_id, 12)]
    answers = {
        "q_identity": "family",
        "q_visits_as_agreed": "no",
        "q_duration_enough": "yes",
        "q_items_done": "yes",
        "q_asked_to_sign": "no",
        "q_extra_charge": "no",
    }
    missing = worker.post(url, {"outcome": "reached"})
    assert missing.status_code == 422
    response = worker.post(
        url,
        {
            "outcome": "reached",
            **answers,
            **{f"s_{k}": str(v) for k, v in SURVEY.items()},
            "visits": [str(visit.pk)],
            "discrepancy_note": "护理员12日没有来",
        },
    )
    assert response.status_code == 302
    assert Finding.objects.filter(visit=visit, rule_code="return_visit_discrepancy").exists()
    done = worker.get(url).content.decode()
    assert "已生成稽核发现" in done and "家属" in done and "family" not in done
    export = worker.get(f"/supervision/return-visits/?period={last_month()}&export=xlsx")
    assert export.status_code == 200
    assert client_for(users.worker_b).get(url).status_code == 404


def test_survey_pages_paper_entry_scores_and_export(users, served):
    worker = client_for(users.worker_a)
    data = {"person": str(served.persons[1].pk), **{f"s_{k}": str(v) for k, v in SURVEY.items()}}
    assert worker.post("/supervision/surveys/new/", data).status_code == 302
    page = worker.get("/supervision/surveys/").content.decode()
    assert "按护理机构" in page and served.institution.organization.name in page
    export = worker.get("/supervision/surveys/?export=xlsx")
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["满意度答卷", "机构得分", "护理员得分"]
    assert not client_for(users.worker_b).get("/supervision/surveys/").context["page"].object_list


def test_the_complaint_list_costs_the_same_queries_for_more_rows(users, served):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    worker = client_for(users.worker_a)
    worker.get("/supervision/complaints/")  # the session and the scope, once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert worker.get("/supervision/complaints/").status_code == 200
        return len(captured)

    hotline(users, served)
    few = queries()
    for _ in range(4):
        hotline(users, served)
    assert queries() == few
