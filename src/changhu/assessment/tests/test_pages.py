"""The staff pages: queues, intake, the case page and its actions, the on-site form with the
live score, publicity and its export, downloads; and nothing outside the scope."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from changhu.assessment.models import Application, Document, Status
from changhu.assessment.tests.conftest import png_bytes, severe_answers
from changhu.assessment.tests.flow import advance, national, submit

pytestmark = pytest.mark.django_db

# The intake form's fields for a daughter applying at the counter (the person is chosen apart).
AT_THE_COUNTER = {
    "applicant_name": "张小梅",
    "relationship": "child",
    "phone": "13812345678",
    "address": "锦江区督院街街道",
    "place": "home",
    "channel": "counter",
}


def login(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def go(case, to, users, team, **kwargs):
    kwargs.setdefault("assessors", [team.assessor, team.expert])
    kwargs.setdefault("experts", [team.expert, team.expert2])
    kwargs.setdefault("institution", team.first)
    return advance(case, to, worker=users.worker_a, **kwargs)


def test_queues_and_the_list(client, users, people, team):
    submit(users.worker_a, people.qingyang)
    special = submit(users.worker_a, people.jinjiang)
    page = html(
        login(client, users.worker_a).get(reverse("assessment:case_list") + "?queue=intake")
    )
    assert re.search(r'data-queue-tab="intake".*?<span[^>]*>2</span>', page, re.DOTALL)
    rows = re.findall(r'data-case-id="(\d+)"', page)
    assert rows[0] == str(special.pk) and len(rows) == 2
    assert 'data-testid="result-count">2<' in page
    # The home page shows the same count on its card.
    home = html(client.get(reverse("web:home")))
    assert re.search(r'data-queue="assessment.intake".*?data-queue-count>2<', home, re.DOTALL)


def test_intake_page_with_files(client, users, people, team, private_media):
    login(client, users.worker_a)
    url = reverse("assessment:application_create")
    assert people.jinjiang.name in html(client.get(f"{url}?person={people.jinjiang.pk}"))
    data = {"person": people.jinjiang.pk, **AT_THE_COUNTER}
    bad = client.post(url, {**data, "id_card": SimpleUploadedFile("id.png", b"GIF89a....")})
    assert bad.status_code == 422 and "仅支持PDF、JPEG、PNG格式的文件" in html(bad)
    assert not Application.objects.exists() and not Document.objects.exists()
    good = client.post(url, {**data, "id_card": SimpleUploadedFile("id.png", png_bytes())})
    case = Application.objects.get()
    assert good.status_code == 302 and good["Location"] == reverse(
        "assessment:case_detail", args=[case.pk]
    )
    assert Document.objects.get().kind == "id_card"


def test_case_page_actions_from_acceptance_to_dispatch(client, users, people, team):
    case = submit(users.worker_a, people.jinjiang)
    login(client, users.worker_a)
    detail = reverse("assessment:case_detail", args=[case.pk])
    page = html(client.get(detail))
    assert 'data-testid="accept"' in page and "不予受理" in page
    refused = client.post(
        reverse("assessment:refuse", args=[case.pk]), {"reason": "other"}, follow=True
    )
    assert "选择“其他”时请写明不予受理的理由" in html(refused)
    client.post(reverse("assessment:case_action", args=[case.pk, "accept"]), {"note": "齐全"})
    page = html(client.get(detail))
    assert 'data-testid="dispatch-form"' in page and "成都市第二评估中心" in page
    client.post(reverse("assessment:dispatch", args=[case.pk]), {"institution": str(team.first.pk)})
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.institution == team.first
    again = client.post(reverse("assessment:case_action", args=[case.pk, "accept"]), follow=True)
    assert "不能执行“受理”" in html(again)
    reveal = client.post(reverse("assessment:contact", args=[case.pk]), HTTP_HX_REQUEST="true")
    assert "13812345678" in html(reveal) and "已记入审计" in html(reveal)


def test_the_institution_assigns_and_fills_the_form_with_a_live_score(client, users, people, team):
    case = go(submit(users.worker_a, people.jinjiang), Status.DISPATCHED, users, team)
    login(client, team.assessor)
    detail = reverse("assessment:case_detail", args=[case.pk])
    assert 'data-testid="team-form"' in html(client.get(detail))
    client.post(
        reverse("assessment:assign", args=[case.pk]),
        {"user_ids": [str(team.assessor.pk), str(team.expert.pk)]},
    )
    assert Application.objects.get(pk=case.pk).status == Status.ASSIGNED
    form_url = reverse("assessment:assessment_form", args=[case.pk])
    page = html(client.get(form_url))
    assert page.count("data-item=") == 17 and "进食" in page and "assessment/form.js" in page
    scale = national()
    answers = severe_answers(scale)
    fields = {}
    for indicator in scale.indicators:
        for index, item in enumerate(indicator.items):
            fields[f"item_{indicator.code}_{index}"] = str(answers[item.name])
    score = client.post(
        reverse("assessment:form_score", args=[case.pk]), fields, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="live-grade">重度失能Ⅱ级<' in html(score)
    partial = client.post(reverse("assessment:form_score", args=[case.pk]), {"item_adl_0": "5"})
    assert "可能的等级" in html(partial)
    # Submitting without the visit record is refused on the page, nothing saved.
    refused = client.post(form_url, {**fields, "action": "submit"})
    assert refused.status_code == 422
    assert "请记录评估现场的定位" in html(refused) and "请上传至少一张现场评估照片" in html(refused)
    assert Application.objects.get(pk=case.pk).status == Status.ASSIGNED
    client.post(
        reverse("assessment:document_upload", args=[case.pk]),
        {"kind": "onsite_photo", "file": SimpleUploadedFile("p.png", png_bytes()), "next": "form"},
    )
    visit = {
        "started_at": "2026-01-05T09:00",
        "ended_at": "2026-01-05T10:10",
        "latitude": "30.657100",
        "longitude": "104.081200",
        "guardian_present": "on",
        "guardian_name": "张小梅",
        "guardian_relationship": "child",
        "video_reference": "VID-9",
        "present_ids": [str(team.assessor.pk), str(team.expert.pk)],
    }
    done = client.post(form_url, {**fields, **visit, "action": "submit"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ASSESSED and case.current_assessment.grade == 4


def test_publicity_list_export_and_letter(client, users, people, team, fast_pdf):
    case = go(submit(users.worker_a, people.jinjiang), Status.PUBLICITY, users, team)
    login(client, users.worker_a)
    page = html(client.get(reverse("assessment:publicity")))
    assert case.number in page and "重度失能Ⅱ级" in page
    export = client.get(reverse("assessment:publicity_export"))
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert "attachment" in export["Content-Disposition"]
    case = go(case, Status.CONCLUDED, users, team)
    page = html(client.get(reverse("assessment:case_detail", args=[case.pk])))
    assert 'data-testid="download-letter"' in page
    letter = client.get(reverse("assessment:conclusion_letter", args=[case.conclusion.pk]))
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")


def test_pages_outside_the_scope_are_404(client, users, people, team):
    case = go(submit(users.worker_a, people.jinjiang), Status.DISPATCHED, users, team)
    for user in (users.worker_b, team.expert3):
        login(client, user)
        assert client.get(reverse("assessment:case_detail", args=[case.pk])).status_code == 404
        assert client.get(reverse("assessment:assessment_form", args=[case.pk])).status_code == 404
        posted = client.post(
            reverse("assessment:case_action", args=[case.pk, "recall"]), {"reason": "x"}
        )
        # the case worker of the other insurer may recall, but not this case; the expert may
        # recall no case at all (the page refuses the right before it looks at the case)
        assert posted.status_code == (404 if user == users.worker_b else 403)
    login(client, users.applicant)
    assert client.get(reverse("assessment:case_list")).status_code == 403
    doc_case = submit(users.worker_a, people.qingyang)
    login(client, users.worker_a)
    client.post(
        reverse("assessment:document_upload", args=[doc_case.pk]),
        {"kind": "id_card", "file": SimpleUploadedFile("id.png", png_bytes())},
    )
    document = Document.objects.get(application=doc_case)
    assert (
        client.get(reverse("assessment:document_download", args=[document.pk])).status_code == 200
    )
    login(client, users.worker_b)
    assert (
        client.get(reverse("assessment:document_download", args=[document.pk])).status_code == 404
    )


def test_intake_names_the_person_with_the_picker_never_an_id(client, users, people, team):
    """The case worker finds the person by 参保编号 (or name, or ID number) in their own scope;
    a person outside it is not found, whichever way it is named."""
    login(client, users.worker_a)
    url = reverse("assessment:application_create")
    page = html(client.get(f"{url}?person={people.jinjiang.pk}"))
    assert f"已选：{people.jinjiang.name}（{people.jinjiang.id_number_masked}）" in page
    assert "被评估人身份证号码" not in page
    data = AT_THE_COUNTER
    for outside in (people.wuhou.insured_no, people.wuhou.id_number, str(people.wuhou.pk)):
        refused = client.post(url, {**data, "person_q": outside})
        assert refused.status_code == 422 and "没有找到" in html(refused)
    refused = client.post(url, {**data, "person": people.wuhou.pk})
    assert refused.status_code == 422 and "没有找到所选被评估人" in html(refused)
    assert not Application.objects.exists()
    found = client.post(url, {**data, "person_q": people.jinjiang.insured_no})
    assert found.status_code == 302
    assert Application.objects.get().person == people.jinjiang
    listed = html(client.get("/pick/person/", {"field": "person", "person_q": "张"}))
    assert people.jinjiang.insured_no in listed and people.wuhou.insured_no not in listed
