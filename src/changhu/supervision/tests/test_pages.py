"""The supervision pages: plan, the phone page, the notice, its answer and re-check, exports."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from changhu.core import clock
from changhu.supervision.models import Rectification, TargetStatus
from changhu.supervision.tests.fixtures import PDF, jpeg_upload, plan, record

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_supervisor_plans_on_the_page_and_sees_the_sample(field):
    client = _client(field.users.supervisor_a)
    page = client.get(reverse("supervision:task_new"))
    assert page.status_code == 200 and "锦江区" in page.text and "武侯区" not in page.text
    response = client.post(
        reverse("supervision:task_new"),
        {
            "title": "锦江区日常巡查",
            "kind": "routine",
            "period": clock.today().strftime("%Y-%m"),
            "region_code": "510104",
            "institution_sample": "1",
            "beneficiary_sample": "1",
            "seed": "5",
        },
    )
    assert response.status_code == 302, response.content.decode()
    detail = client.get(response["Location"])
    assert detail.text.count('data-testid="target-row"') == 2
    assert "无风险记录，随机抽取" in detail.text
    bad = client.post(reverse("supervision:task_new"), {"title": "", "kind": "routine"})
    assert bad.status_code == 422


def test_the_inspector_records_on_the_phone_page(field, media_root):
    task = plan(field.users.supervisor_a)
    target = task.targets.get(target="institution")
    client = _client(field.users.worker_a)
    listing = client.get(reverse("supervision:inspect_list"))
    assert listing.text.count('data-testid="phone-target"') == 2
    page = client.get(reverse("supervision:inspect_target", args=[target.pk]))
    assert 'name="viewport"' in page.text and "方法：" in page.text
    data = {f"ok_{i['code']}": "1" for i in target.checklist.items}
    data["ok_staffing"] = "0"
    missing = client.post(reverse("supervision:inspect_target", args=[target.pk]), data)
    assert missing.status_code == 422 and "须描述发现的问题" in missing.text
    # what was answered stays answered: the item marked not met shows its description box
    assert 'id="bad-staffing" value="0" autocomplete="off" checked' in missing.text
    assert 'id="note-staffing">' in missing.text
    data.update(
        note_staffing="2名护理员证书过期",
        latitude="30.65",
        longitude="104.07",
        accuracy_m="9",
        photos=jpeg_upload(3),
    )
    done = client.post(reverse("supervision:inspect_target", args=[target.pk]), data, follow=True)
    assert "发现问题1项，已下达整改通知" in done.text
    target.refresh_from_db()
    assert target.status == TargetStatus.RECORDED and target.photos.count() == 1
    photo = client.get(reverse("supervision:photo", args=[target.photos.get().pk]))
    assert photo.status_code == 200
    assert (
        _client(field.other.admin)
        .get(reverse("supervision:photo", args=[target.photos.get().pk]))
        .status_code
        == 404
    )


def test_the_institution_answers_and_the_supervisor_accepts_on_the_pages(
    field, media_root, monkeypatch
):
    monkeypatch.setattr(
        "changhu.supervision.views.render_pdf", lambda template, context: b"%PDF-1.4 notice"
    )
    task = plan(field.users.supervisor_a)
    record(field.users.worker_a, task.targets.get(target="institution"), {"fees": "收费超标"})
    notice = Rectification.objects.get()
    admin = _client(field.users.care_admin)
    home = admin.get("/")
    assert "待整改的通知" in home.text
    detail = admin.get(reverse("supervision:rectification_detail", args=[notice.pk]))
    assert "收费超标" in detail.text and "提交整改情况" in detail.text
    pdf = admin.get(reverse("supervision:notice_pdf", args=[notice.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    from django.core.files.uploadedfile import SimpleUploadedFile

    answered = admin.post(
        reverse("supervision:rectification_answer", args=[notice.pk]),
        {"text": "已退费", "files": [SimpleUploadedFile("退费.pdf", PDF)]},
    )
    assert answered.status_code == 302
    supervisor = _client(field.users.supervisor_a)
    assert "待复查的整改" in supervisor.get("/").text
    rejected = supervisor.post(
        reverse("supervision:rectification_review", args=[notice.pk]), {"decision": "reject"}
    )
    assert rejected.status_code == 422 and "退回须填写复查意见" in rejected.text
    accepted = supervisor.post(
        reverse("supervision:rectification_review", args=[notice.pk]), {"decision": "accept"}
    )
    assert accepted.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "accepted"
    evidence = notice.answers.get().evidence.get()
    assert admin.get(reverse("supervision:evidence", args=[evidence.pk])).content == PDF
    assert (
        _client(field.other.admin)
        .get(reverse("supervision:rectification_detail", args=[notice.pk]))
        .status_code
        == 404
    )


def test_every_list_exports_to_excel_in_scope(field):
    import io

    from openpyxl import load_workbook

    task = plan(field.users.supervisor_a)
    record(field.users.worker_a, task.targets.get(target="institution"), {"fees": "=HYPERLINK()"})
    client = _client(field.users.supervisor_a)
    for url in (
        reverse("supervision:task_list"),
        reverse("supervision:task_detail", args=[task.pk]),
        reverse("supervision:rectification_list") + "?status=",
        reverse("supervision:appeal_list"),
    ):
        response = client.get(url + ("&" if "?" in url else "?") + "export=xlsx")
        assert response.status_code == 200, url
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row >= 1
    rows = load_workbook(
        io.BytesIO(
            client.get(reverse("supervision:rectification_list") + "?status=&export=xlsx").content
        )
    ).active
    assert rows.cell(2, 4).value == "'=HYPERLINK()"
    outsider = _client(field.users.worker_b)
    response = outsider.get(reverse("supervision:rectification_list") + "?status=&export=xlsx")
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 1


def test_the_notice_prints_as_a_chinese_pdf(field):
    import io

    from pypdf import PdfReader

    task = plan(field.users.supervisor_a)
    record(field.users.worker_a, task.targets.get(target="institution"), {"fees": "价格公示未更新"})
    notice = Rectification.objects.get()
    response = _client(field.users.care_admin).get(
        reverse("supervision:notice_pdf", args=[notice.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    for words in (
        "长期护理保险整改通知书",
        notice.notice_number,
        "价格公示未更新",
        field.institution.organization.name,
        f"{notice.deadline.year}年",
    ):
        assert words in text
