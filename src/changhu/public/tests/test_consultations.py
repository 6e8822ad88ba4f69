"""The consultation form (anyone, no sign-in) and the staff queue behind it."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from changhu.core import crypto
from changhu.core.models import AuditEntry, TransitionLog
from changhu.public import services
from changhu.public.models import Consultation
from changhu.web import public_forms
from changhu.web.queues import queues_for

pytestmark = pytest.mark.django_db
URL = "/public/consult/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(client, **overrides) -> dict:
    token = client.get(URL).context["token"]
    return {
        "name": "周阿姨",
        "phone": "139 0000 1111",
        "district": "510104",
        "question": "母亲中风卧床，可以申请长护险吗？",
        "token": token,
        **overrides,
    }


@override_settings(PUBLIC_FORM_MIN_SECONDS=0, PUBLIC_CONSULTATIONS_PER_HOUR=2)
def test_a_consultation_lands_with_the_phone_encrypted_and_the_address_limited(anonymous, city):
    done = anonymous.post(URL, form_data(anonymous))
    html = done.content.decode()
    assert done.status_code == 200 and "您的咨询已收到" in html and "139****1111" in html
    c = Consultation.objects.get()
    assert c.region_code == "510104" and c.status == "received" and c.number.startswith("ZX")
    assert c.phone_masked == "139****1111" and crypto.decrypt(c.phone_enc) == "13900001111"
    assert "13900001111" not in c.phone_enc and c.source_key and "203.0.113.9" not in c.source_key
    assert AuditEntry.objects.filter(object_type="public.consultation", action="create").exists()
    assert anonymous.post(URL, form_data(anonymous)).status_code == 200
    again = anonymous.post(URL, form_data(anonymous))
    assert again.status_code == 409 and "提交过于频繁" in again.content.decode()
    assert Consultation.objects.count() == 2
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert elsewhere.post(URL, form_data(elsewhere)).status_code == 200


@override_settings(PUBLIC_FORM_MIN_SECONDS=0)
def test_robots_and_stale_pages_are_refused(anonymous, city):
    robot = anonymous.post(URL, form_data(anonymous, website="http://spam.example"))
    assert robot.status_code == 422 and "提交未成功" in robot.content.decode()
    stale = anonymous.post(URL, form_data(anonymous, token="forged"))
    assert stale.status_code == 422 and "页面已过期" in stale.content.decode()
    assert not Consultation.objects.exists()


@override_settings(PUBLIC_FORM_MIN_SECONDS=30)
def test_a_post_faster_than_a_person_is_refused(anonymous, city):
    response = anonymous.post(URL, form_data(anonymous))
    assert response.status_code == 422 and "提交过快" in response.content.decode()
    assert not Consultation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "请填写您的姓名"),
        ({"phone": ""}, "请填写联系电话"),
        ({"phone": "12345"}, "电话号码格式不正确"),
        ({"question": "  "}, "请填写您想咨询的问题"),
        ({"question": "问" * 1001}, "内容过长"),
        ({"district": "999999"}, "请从列表中选择所在的区（县）"),
    ],
)
@override_settings(PUBLIC_FORM_MIN_SECONDS=0)
def test_bad_input_gets_a_chinese_message_and_keeps_what_was_typed(
    anonymous, city, overrides, message
):
    response = anonymous.post(URL, form_data(anonymous, **overrides))
    html = response.content.decode()
    assert response.status_code == 422, html
    assert message in html and 'data-testid="form-errors"' in html
    assert "母亲中风卧床" in html or "question" in overrides
    assert not Consultation.objects.exists()


@override_settings(PUBLIC_FORM_MIN_SECONDS=0)
def test_invisible_characters_are_refused_before_the_form(anonymous, city):
    response = anonymous.post(URL, form_data(anonymous, name="周\u202e阿姨"))
    assert response.status_code == 422 and "系统未做任何修改" in response.content.decode()
    assert not Consultation.objects.exists()


def test_with_no_district_the_city_answers(city):
    c = services.consultation_submit(
        data=services.ConsultationInput(name="陈先生", phone="13900002222", question="能报多少？"),
        source_key="k",
    )
    assert c.region_code == "510100"


def _three(city):
    made = {}
    for key, district in (("jinjiang", "510104"), ("wuhou", "510107"), ("city", "")):
        made[key] = services.consultation_submit(
            data=services.ConsultationInput(
                name="张先生", phone="13900003333", question=f"{key}的问题", district=district
            ),
            source_key=key,
        )
    return made


def test_the_queue_is_scoped(users, city):
    made = _three(city)
    bureau = client_for(users.bureau_admin).get("/disclosure/consultations/").content.decode()
    assert all(c.number in bureau for c in made.values())
    insurer_a = client_for(users.worker_a)
    listing = insurer_a.get("/disclosure/consultations/").content.decode()
    assert made["jinjiang"].number in listing
    assert made["wuhou"].number not in listing and made["city"].number not in listing
    assert "13900003333" not in listing and "139****3333" in listing
    wuhou = made["wuhou"].pk
    assert insurer_a.get(f"/disclosure/consultations/{wuhou}/").status_code == 404
    reply = {"reply": "已答复", "reply_channel": "phone"}
    assert insurer_a.post(f"/disclosure/consultations/{wuhou}/reply/", reply).status_code == 404
    worker_b = client_for(users.worker_b).get("/disclosure/consultations/").content.decode()
    assert made["wuhou"].number in worker_b and made["jinjiang"].number not in worker_b
    for outsider in (users.care_admin, users.caregiver, users.applicant, users.assessor):
        client = client_for(outsider)
        assert client.get("/disclosure/consultations/").status_code == 403
        assert client.get(f"/disclosure/consultations/{wuhou}/").status_code == 403
        assert client.post(f"/disclosure/consultations/{wuhou}/reply/", reply).status_code == 403
    # the home-page card counts what the user may answer
    card = {q.key: q for q in queues_for(users.worker_a)}["public.consultations"]
    assert card.count == 1
    assert "public.consultations" not in {q.key for q in queues_for(users.care_admin)}


def test_staff_reply_then_close_logged_and_audited(users, city):
    made = _three(city)
    pk = made["jinjiang"].pk
    worker = client_for(users.worker_a)
    empty = worker.post(
        f"/disclosure/consultations/{pk}/reply/", {"reply": "", "reply_channel": ""}
    )
    assert empty.status_code == 422 and "答复内容" in empty.content.decode()
    answer = {"reply": "已电话告知申请办法", "reply_channel": "phone"}
    assert worker.post(f"/disclosure/consultations/{pk}/reply/", answer).status_code == 302
    assert worker.post(f"/disclosure/consultations/{pk}/reply/", answer).status_code == 409
    assert worker.post(f"/disclosure/consultations/{pk}/close/", {"note": ""}).status_code == 302
    c = Consultation.objects.get(pk=pk)
    assert c.status == "closed" and c.replied_by == users.worker_a and c.closed_by == users.worker_a
    states = list(
        TransitionLog.objects.filter(object_type="public.consultation", object_id=str(pk))
        .order_by("pk")
        .values_list("to_state", flat=True)
    )
    assert states == ["replied", "closed"]
    assert (
        AuditEntry.objects.filter(object_type="public.consultation", object_id=str(pk)).count() >= 3
    )
    page = worker.get(f"/disclosure/consultations/{pk}/").content.decode()
    assert "已电话告知申请办法" in page and "已办结" in page


def test_closing_unanswered_needs_a_reason_and_the_phone_view_is_audited(users, city):
    made = _three(city)
    pk = made["city"].pk
    bureau = client_for(users.bureau_admin)
    refused = bureau.post(f"/disclosure/consultations/{pk}/close/", {"note": ""})
    assert refused.status_code == 422 and "未答复即办结，请说明原因" in refused.content.decode()
    shown = bureau.post(f"/disclosure/consultations/{pk}/phone/")
    assert shown.status_code == 200 and "13900003333" in shown.content.decode()
    assert AuditEntry.objects.filter(
        object_type="public.consultation", object_id=str(pk), action=AuditEntry.Action.VIEW_FULL
    ).exists()
    regulator = client_for(users.regulator)
    assert regulator.get(f"/disclosure/consultations/{pk}/").status_code == 200
    assert regulator.post(f"/disclosure/consultations/{pk}/phone/").status_code == 403
    ok = bureau.post(f"/disclosure/consultations/{pk}/close/", {"note": "重复咨询"})
    assert ok.status_code == 302


def test_the_complaint_form_shares_the_mechanism():
    assert public_forms.token_problem("forged") == "页面已过期，请重新填写后提交"
    from changhu.feedback.views import PublicComplaintForm
    from changhu.public.forms import ConsultationForm

    assert type(PublicComplaintForm().fields["website"]) is type(
        ConsultationForm().fields["website"]
    )
