"""Bad import files, through the HTTP endpoints of both imports (the register and the
providers): each is refused as a whole with a 4xx and a code, no batch is kept and no row of
any table changes."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.api import ApiClient

pytestmark = pytest.mark.usefixtures("media_root")


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "不是工作簿")
    return out.getvalue()


BAD_FILES = {
    "empty": (b"", "empty.csv"),
    "blank lines": (b"\n\n\r\n", "blank.csv"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "list.pdf"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv"),
    "broken zip": (b"PK\x03\x04broken", "book.xlsx"),
    "zip without a workbook": (_zip_without_workbook(), "book.xlsx"),
    "binary with NUL": (b"\x00\x01\x02\x03" * 64, "data.csv"),
    "unterminated quote": ('姓名,身份证号码\n张三,"0012\n李四,0013\n'.encode(), "a.csv"),
    "text after a closing quote": ('姓名,身份证号码\n"张三"x,0012\n'.encode(), "b.csv"),
    "undecodable bytes": (b"\xff\xfe\xfa\xfb,\x81\x30\n" * 3 + b"\xc3\x28", "c.csv"),
    "header only": ("姓名,身份证号码,参保类型\n".encode(), "d.csv"),
    "unknown header": ("甲,乙,丙\n1,2,3\n".encode(), "e.csv"),
    "duplicate header": ("姓名,姓名,身份证号码\n张三,李四,1\n".encode(), "f.csv"),
    "empty workbook": (_xlsx([]), "g.xlsx"),
    "workbook of unknown columns": (_xlsx([["甲", "乙"], [1, 2]]), "h.xlsx"),
    "html": (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "i.xls"),
}
ENDPOINTS = {
    "register": ("/api/v1/imports", {"kind": "persons"}, "bureau_admin"),
    "life events": ("/api/v1/imports", {"kind": "life_events"}, "bureau_admin"),
    "institutions": ("/api/v1/providers/imports/upload/institutions", {}, "bureau_admin"),
    "caregivers": ("/api/v1/providers/imports/upload/caregivers", {}, "care_admin"),
}


def _row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_bad_files_are_refused_whole_and_change_nothing(users, endpoint):
    path, data, role = ENDPOINTS[endpoint]
    client = ApiClient(getattr(users, role))
    before = _row_counts()
    for label, (content, name) in BAD_FILES.items():
        response = client.client.post(
            path,
            data={**data, "file": SimpleUploadedFile(name, content)},
            headers=client.headers,
        )
        assert 400 <= response.status_code < 500, (endpoint, label, response.content)
        body = response.json()
        assert body["code"].startswith(("import_", "upload_", "validation_")), (label, body)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), (label, body)
    assert _row_counts() == before


def test_the_corpus_of_bad_inputs_is_over_300():
    from changhu.api.tests.test_guard import BAD_TEXT, OPERATIONS

    assert len(OPERATIONS) * len(BAD_TEXT) + len(BAD_FILES) * len(ENDPOINTS) > 300
