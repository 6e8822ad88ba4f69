"""The pages: upload and preview, commit, the report, the review queue, confirm and reject."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from changhu.core import clock
from changhu.matching.models import MatchBatch, MatchRecord
from changhu.matching.tests.helpers import DEATH_HEADER, bad_checksum, csv_bytes
from tests.factories import valid_id_number

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client, people) -> MatchBatch:
    day = (clock.today() - dt.timedelta(days=3)).isoformat()
    rows = [
        ["张建民", people.jinjiang.id_number, day],
        ["赵某", valid_id_number("510104", dt.date(1950, 1, 1)), day],
        ["钱某", bad_checksum(valid_id_number("510104", dt.date(1951, 1, 1))), day],
    ]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("死亡名单.csv", csv_bytes(DEATH_HEADER, rows))
    response = client.post(
        "/supervision/match/new/", {"kind": "deaths", "source": "civil_affairs", "file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return MatchBatch.objects.get()


def test_upload_commit_review_and_report(users, people):
    client = _client(users.worker_a)
    batch = _upload(client, people)
    page = client.get(f"/supervision/match/{batch.pk}/").content.decode()
    assert "确认比对" in page and "身份证号码校验位错误" in page
    assert people.jinjiang.id_number not in page
    client.post(f"/supervision/match/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert (batch.matched_rows, batch.unmatched_rows, batch.error_rows) == (1, 1, 1)
    page = client.get(f"/supervision/match/{batch.pk}/").content.decode()
    assert 'data-testid="unmatched-table"' in page and "姓名不一致" in page

    report = client.get(f"/supervision/match/{batch.pk}/report.xlsx")
    book = load_workbook(io.BytesIO(report.content))
    assert book.sheetnames == ["匹配参保人", "未匹配", "格式错误"]
    assert book["匹配参保人"].max_row == 2 and book["未匹配"].max_row == 2
    assert book["格式错误"]["D2"].value == "id_number_checksum"
    assert people.jinjiang.id_number not in str(list(book["匹配参保人"].values))

    queue = client.get("/supervision/match/records/").content.decode()
    record = MatchRecord.objects.get(person=people.jinjiang)
    assert f'data-record-id="{record.pk}"' in queue
    home = client.get("/").content.decode()
    assert 'data-queue="match.pending"' in home

    refused = client.post(f"/supervision/match/records/{record.pk}/reject/", {"reason": ""})
    assert refused.status_code == 422 and "请填写原因" in refused.content.decode()
    client.post(f"/supervision/match/records/{record.pk}/confirm/")
    record.refresh_from_db()
    assert record.status == "confirmed" and record.life_event is not None
    page = client.get(f"/supervision/match/records/{record.pk}/").content.decode()
    assert 'data-testid="life-event"' in page and "身故" in page


def test_who_may_see_the_pages(users, people):
    batch = _upload(_client(users.bureau_admin), people)
    for user in (users.care_admin, users.caregiver):
        client = _client(user)
        assert client.get("/supervision/match/").status_code == 403
        assert client.get(f"/supervision/match/{batch.pk}/").status_code == 404
        assert "数据比对" not in client.get("/").content.decode()
    regulator = _client(users.regulator)
    assert regulator.get(f"/supervision/match/{batch.pk}/").status_code == 200
    assert regulator.post(f"/supervision/match/{batch.pk}/commit/").status_code == 403
    assert _client(users.worker_b).get(f"/supervision/match/{batch.pk}/").status_code == 404
