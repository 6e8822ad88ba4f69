"""Bulk import: preview with per-row errors, commit modes, formats, life events, scope, audit."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from changhu.core import clock
from changhu.core.errors import Conflict, NotFound, PermissionDenied
from changhu.core.models import AuditEntry
from changhu.insured import imports
from changhu.insured.models import (
    EnrolmentPeriod,
    ImportBatch,
    ImportedRow,
    LifeEvent,
    Person,
    PersonStatus,
    SpecialGroupMembership,
)
from tests.api import ApiClient
from tests.factories import import_row, make_person, valid_id_number
from tests.fixtures import stored_files

pytestmark = pytest.mark.usefixtures("media_root")  # uploads in a private directory

PERSON_HEADER = [
    "姓名",
    "身份证号码",
    "联系电话",
    "居住地址",
    "所属街道/区县代码",
    "纬度",
    "经度",
    "参保类型",
    "参保起始日",
    "特殊群体",
]
EVENT_HEADER = ["身份证号码", "姓名", "事件", "发生/入院日期", "出院日期", "医院/登记机关", "备注"]
JINJIANG_STREET = "510104001000"
QINGYANG_STREET = "510105001000"
WUHOU_STREET = "510107001000"


def csv_bytes(rows, header=None, encoding="utf-8", delimiter=",") -> bytes:
    header = header or PERSON_HEADER
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header or PERSON_HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(user, content: bytes, kind="persons", name="参保人.csv") -> ImportBatch:
    return imports.import_upload(
        actor=user, kind=kind, upload=SimpleUploadedFile(name, content), file_name=name
    )


def row(city, street=JINJIANG_STREET, **overrides):
    return import_row(city.streets[street], **overrides)


def errors_of(batch) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in batch.errors]


@pytest.fixture
def mixed_file(city, people):
    """Rows 2 and 6 valid; every other row carries one kind of error."""
    duplicate = valid_id_number("510104")
    bad_checksum = valid_id_number("510104")
    bad_checksum = bad_checksum[:17] + ("0" if bad_checksum[17] != "0" else "1")
    rows = [
        row(city, 姓名="赵一"),  # 2
        row(city, 身份证号码=bad_checksum),  # 3
        row(city, 参保起始日="2020-13-45"),  # 4
        row(city, **{"所属街道/区县代码": "510199999000"}),  # 5
        row(city, 身份证号码=duplicate, 特殊群体="特困、低保"),  # 6
        row(city, 身份证号码=duplicate),  # 7
        row(city, 身份证号码=people.jinjiang.id_number),  # 8
        row(city, WUHOU_STREET),  # 9
        row(city, 联系电话="12345", 参保类型="农民"),  # 10
    ]
    return csv_bytes(rows)


# --------------------------------------------------------------------------------------------
# Preview


@pytest.mark.django_db
def test_preview_reports_each_error_by_row_and_chinese_column(users, mixed_file, media_root):
    before = Person.objects.count()
    batch = upload(users.worker_a, mixed_file)

    assert batch.status == ImportBatch.Status.PREVIEWED
    assert (batch.total_rows, batch.valid_rows, batch.error_rows) == (9, 2, 7)
    assert errors_of(batch) == [
        (3, "身份证号码", "id_number_checksum"),
        (4, "参保起始日", "date_format"),
        (5, "所属街道/区县代码", "region_unknown"),
        (7, "身份证号码", "duplicate_in_file"),
        (8, "身份证号码", "person_duplicate_id"),
        (9, "所属街道/区县代码", "region_out_of_scope"),
        (10, "联系电话", "phone_format"),
        (10, "参保类型", "insurance_type_invalid"),
    ]
    assert batch.error_count == 8
    messages = {e["row"]: e["message"] for e in batch.errors}
    assert messages[7] == "与第6行的身份证号码重复"
    assert messages[8] == "该身份证号码已登记参保"
    assert "2020-13-45" in messages[4]
    assert all("\u4e00" <= e["message"][0] <= "\u9fff" for e in batch.errors)
    # Nothing written; the upload kept, encrypted, for the decision.
    assert Person.objects.count() == before
    [stored] = stored_files(media_root)
    assert people_text_absent(stored.read_bytes(), mixed_file)
    assert [s["row"] for s in batch.sample] == [2, 6]
    assert batch.sample[0]["name"] == "赵*"
    assert "*" in batch.sample[0]["id_number"]


def people_text_absent(stored: bytes, original: bytes) -> bool:
    first_id = original.decode().splitlines()[1].split(",")[1].encode()
    return first_id not in stored and stored != original


@pytest.mark.django_db
def test_preview_runs_a_bounded_number_of_queries(city, users, django_assert_max_num_queries):
    rows = [row(city) for _ in range(120)]
    with django_assert_max_num_queries(12):
        batch = upload(users.worker_a, csv_bytes(rows))
    assert batch.valid_rows == 120


@pytest.mark.django_db
def test_header_only_and_missing_columns_are_refused(city, users, media_root):
    with pytest.raises(imports.ImportRefused) as empty:
        upload(users.worker_a, csv_bytes([]))
    assert empty.value.code == "import_no_rows"
    header = [h for h in PERSON_HEADER if h not in ("身份证号码", "参保类型")]
    with pytest.raises(imports.ImportRefused) as missing:
        upload(users.worker_a, csv_bytes([row(city)], header=header))
    assert missing.value.code == "import_missing_columns"
    assert "身份证号码、参保类型" in missing.value.message
    assert ImportBatch.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_english_field_names_and_unknown_columns(city, users):
    header = ["name", "id_number", "region_code", "insurance_type", "工号"]
    data = row(city)
    batch = upload(
        users.worker_a,
        csv_bytes(
            [[data["姓名"], data["身份证号码"], JINJIANG_STREET, "resident", "A1"]], header=header
        ),
    )
    assert (batch.valid_rows, batch.error_rows) == (1, 0)
    assert batch.warnings == ["已忽略未识别的列：工号"]


# --------------------------------------------------------------------------------------------
# Commit


@pytest.mark.django_db
def test_all_or_nothing_writes_nothing_when_a_row_has_an_error(users, mixed_file):
    batch = upload(users.worker_a, mixed_file)
    before = Person.objects.count()
    with pytest.raises(Conflict) as refused:
        imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="all_or_nothing")
    assert refused.value.code == "import_has_errors"
    assert refused.value.status == 409
    assert Person.objects.count() == before
    assert not ImportedRow.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert not AuditEntry.objects.filter(action="import").exists()


@pytest.mark.django_db
def test_valid_only_writes_exactly_the_valid_rows(
    users, mixed_file, media_root, django_capture_on_commit_callbacks
):
    batch = upload(users.worker_a, mixed_file)
    before = set(Person.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        batch = imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="valid_only")

    new = Person.objects.exclude(pk__in=before)
    assert "赵一" in set(new.values_list("name", flat=True))
    assert new.count() == 2 == batch.imported_rows
    assert EnrolmentPeriod.objects.filter(person__in=new).count() == 2
    groups = SpecialGroupMembership.objects.filter(person__in=new)
    assert sorted(groups.values_list("group", flat=True)) == ["dibao", "tekun"]
    assert sorted(ImportedRow.objects.filter(batch=batch).values_list("row_number", flat=True)) == [
        2,
        6,
    ]
    person = new.get(name="赵一")
    assert person.id_number_enc.startswith("v1:")
    assert person.insured_no.startswith("CH")
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.mode == ImportBatch.Mode.VALID_ONLY
    assert batch.committed_by == users.worker_a
    assert not batch.stored_file
    assert stored_files(media_root) == []
    # The rows left out stay in the report.
    assert batch.error_rows == 7


@pytest.mark.django_db
def test_commit_writes_one_audit_entry_with_counts(city, users):
    batch = upload(users.worker_a, csv_bytes([row(city) for _ in range(3)]))
    imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="all_or_nothing")
    [entry] = AuditEntry.objects.filter(action="import")
    assert entry.object_type == "insured.importbatch"
    assert entry.object_id == str(batch.pk)
    assert entry.actor == users.worker_a
    assert entry.changes["imported_rows"]["new"] == 3
    assert entry.changes["total_rows"]["label"] == "数据行数"
    assert not AuditEntry.objects.filter(object_type="insured.person").exists()


@pytest.mark.django_db
def test_commit_revalidates_against_the_register(city, users):
    rows = [row(city), row(city)]
    batch = upload(users.worker_a, csv_bytes(rows))
    assert batch.error_rows == 0
    # Someone registers the second person between preview and commit.
    make_person(city.streets[JINJIANG_STREET], id_number=rows[1]["身份证号码"])
    before = Person.objects.count()
    with pytest.raises(Conflict) as refused:
        imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="all_or_nothing")
    assert refused.value.code == "import_has_errors"
    assert Person.objects.count() == before
    batch.refresh_from_db()
    assert errors_of(batch) == [(3, "身份证号码", "person_duplicate_id")]
    imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="valid_only")
    assert Person.objects.count() == before + 1


@pytest.mark.django_db
def test_a_batch_is_decided_once(city, users):
    batch = upload(users.worker_a, csv_bytes([row(city)]))
    imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="all_or_nothing")
    for call in (
        lambda: imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="valid_only"),
        lambda: imports.import_discard(actor=users.worker_a, batch_id=batch.pk),
    ):
        with pytest.raises(Conflict) as again:
            call()
        assert again.value.code == "import_not_pending"


@pytest.mark.django_db
def test_discard_deletes_the_upload(city, users, media_root, django_capture_on_commit_callbacks):
    batch = upload(users.worker_a, csv_bytes([row(city)]))
    assert len(stored_files(media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_discard(actor=users.worker_a, batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_lost_upload_marks_the_batch_failed(city, users, media_root):
    batch = upload(users.worker_a, csv_bytes([row(city)]))
    for path in stored_files(media_root):
        path.unlink()
    with pytest.raises(Conflict) as gone:
        imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="valid_only")
    assert gone.value.code == "import_file_missing"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED


# --------------------------------------------------------------------------------------------
# Formats


REFUSED = [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "import_unsupported_format"),
    (b"%PDF-1.7\n1 0 obj\n", "import_unsupported_format"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "import_legacy_excel"),
    (b"\x00\x01\x02binary\x00", "import_unsupported_format"),
    (b"", "import_empty_file"),
    ("随便写的一段文字，不是表格".encode(), "import_missing_columns"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "code"), REFUSED)
def test_other_files_are_refused_and_nothing_is_stored(users, media_root, content, code):
    # The file name says CSV; only the content counts.
    with pytest.raises(imports.ImportRefused) as refused:
        upload(users.worker_a, content, name="参保人.csv")
    assert refused.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)
    assert ImportBatch.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_zip_that_is_not_a_workbook_is_refused(users, media_root):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(imports.ImportRefused) as refused:
        upload(users.worker_a, out.getvalue(), name="参保人.xlsx")
    assert refused.value.code == "import_unsupported_format"
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_too_large_and_too_many_rows(city, users, monkeypatch, media_root):
    monkeypatch.setattr(ImportBatch, "MAX_ROWS", 3)
    with pytest.raises(imports.ImportRefused) as many:
        upload(users.worker_a, csv_bytes([row(city) for _ in range(4)]))
    assert many.value.code == "import_too_many_rows"
    monkeypatch.setattr(ImportBatch, "MAX_FILE_BYTES", 100)
    with pytest.raises(imports.FileTooLarge) as large:
        upload(users.worker_a, csv_bytes([row(city)]))
    assert large.value.status == 413
    assert ImportBatch.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings_are_detected(city, users, encoding):
    # A character outside the BMP survives decoding, then fails the name rule as it should.
    rows = [row(city, 姓名="欧阳娜娜", 特殊群体="重度残疾人"), row(city, 姓名="𠮷田")]
    batch = upload(users.worker_a, csv_bytes(rows, encoding=encoding))
    assert batch.encoding == encoding.replace("-sig", "")
    assert errors_of(batch) == [(3, "姓名", "name_format")]
    imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="valid_only")
    person = Person.objects.get(name="欧阳娜娜")
    assert person.special_group_codes == ["zhongcan"]


@pytest.mark.django_db
def test_tab_separated_text_from_excel(city, users):
    content = csv_bytes([row(city)], delimiter="\t").decode().encode("utf-16")
    batch = upload(users.worker_a, content)
    assert (batch.file_format, batch.encoding, batch.valid_rows) == ("csv", "utf-16", 1)


@pytest.mark.django_db
def test_xlsx_is_read_with_typed_cells_and_true_row_numbers(city, users):
    good = row(city)
    other = row(city)
    rows = [
        [
            good["姓名"],
            good["身份证号码"],
            13812345678,
            "",
            JINJIANG_STREET,
            30.65,
            104.08,
            "职工",
            dt.datetime(2019, 5, 1),
            "特困",
        ],
        [],  # a blank line in the sheet: skipped, not counted, row numbers unchanged
        [
            other["姓名"],
            5.10104199001011e17,
            "",
            "",
            QINGYANG_STREET,
            None,
            None,
            "居民",
            43831,
            "",
        ],
    ]
    batch = upload(users.worker_a, xlsx_bytes(rows), name="参保人.xlsx")
    assert (batch.file_format, batch.total_rows, batch.valid_rows) == ("xlsx", 2, 1)
    assert errors_of(batch) == [(4, "身份证号码", "id_number_numeric")]
    imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="valid_only")
    person = Person.objects.get(name=good["姓名"])
    assert person.phone == "13812345678"
    assert str(person.latitude) == "30.650000"
    assert person.enrolments.get().start_date == dt.date(2019, 5, 1)
    assert person.special_group_codes == ["tekun"]


@pytest.mark.django_db
def test_excel_date_serials_become_dates(city, users):
    data = row(city)
    rows = [[data["姓名"], data["身份证号码"], "", "", JINJIANG_STREET, "", "", "居民", 43831, ""]]
    batch = upload(users.worker_a, xlsx_bytes(rows), name="a.xlsx")
    assert batch.sample[0]["enrolment_start"] == "2020-01-01"


@pytest.mark.django_db
def test_templates_have_chinese_headers_and_read_back(city, users):
    content, name, _ = imports.template_file(kind="persons", file_format="xlsx")
    assert name == "参保人导入模板.xlsx"
    book = load_workbook(io.BytesIO(content))
    assert [c.value for c in book["数据"][1]] == PERSON_HEADER
    assert book["数据"]["B2"].number_format == "@"
    assert "填写说明" in book.sheetnames
    data = row(city)
    book["数据"].append([data[h] for h in PERSON_HEADER])
    out = io.BytesIO()
    book.save(out)
    batch = upload(users.worker_a, out.getvalue(), name=name)
    assert (batch.total_rows, batch.valid_rows) == (1, 1)

    csv_content, _name, _ = imports.template_file(kind="life_events", file_format="csv")
    assert csv_content.startswith(b"\xef\xbb\xbf")
    assert csv_content.decode("utf-8-sig").strip() == ",".join(EVENT_HEADER)


# --------------------------------------------------------------------------------------------
# Life events


@pytest.mark.django_db
def test_life_event_import_marks_a_person_deceased_and_records_stays(city, users, people):
    jinjiang, qingyang, wuhou = people.jinjiang, people.qingyang, people.wuhou
    events = [
        [jinjiang.id_number, "张建国", "身故", "2024-03-01", "", "锦江区民政局", ""],  # 2
        [qingyang.id_number, "", "住院", "2024-02-01", "2024-02-10", "华西医院", ""],  # 3
        [qingyang.id_number, "", "住院", "2024-02-05", "", "省医院", ""],  # 4 overlaps 3
        [jinjiang.id_number, "", "身故", "2024-03-02", "", "", ""],  # 5 second death
        [wuhou.id_number, "", "身故", "2024-01-01", "", "", ""],  # 6 outside scope
        [qingyang.id_number, "王五", "住院", "2024-05-01", "", "", ""],  # 7 wrong name
        [valid_id_number("510104"), "", "住院", "2099-01-01", "", "", ""],  # 8 unknown, future
    ]
    batch = upload(users.worker_a, csv_bytes(events, header=EVENT_HEADER), kind="life_events")
    assert (batch.total_rows, batch.valid_rows) == (7, 2)
    assert errors_of(batch) == [
        (4, "发生/入院日期", "hospital_stay_overlap"),
        (5, "事件", "duplicate_in_file"),
        (6, "身份证号码", "person_not_found"),
        (7, "姓名", "name_mismatch"),
        (8, "身份证号码", "person_not_found"),
        (8, "发生/入院日期", "date_in_future"),
    ]
    imports.import_commit(actor=users.worker_a, batch_id=batch.pk, mode="valid_only")
    jinjiang.refresh_from_db()
    assert jinjiang.status == PersonStatus.DECEASED
    assert jinjiang.died_on == dt.date(2024, 3, 1)
    stay = LifeEvent.objects.get(person=qingyang)
    assert (stay.source, stay.end_date, stay.institution) == (
        "import",
        dt.date(2024, 2, 10),
        "华西医院",
    )
    # The person's own trail shows the change, as for a hand-entered event.
    assert AuditEntry.objects.filter(
        object_type="insured.person", object_id=str(jinjiang.pk)
    ).exists()
    assert AuditEntry.objects.filter(action="import", object_id=str(batch.pk)).count() == 1


@pytest.mark.django_db
def test_life_event_import_refuses_a_second_death(city, users, people):
    content = csv_bytes(
        [[people.jinjiang.id_number, "", "死亡", "2024-03-01", "", "", ""]], header=EVENT_HEADER
    )
    first = upload(users.worker_a, content, kind="life_events")
    imports.import_commit(actor=users.worker_a, batch_id=first.pk, mode="all_or_nothing")
    again = upload(users.worker_a, content, kind="life_events")
    assert errors_of(again) == [(2, "事件", "person_already_deceased")]


# --------------------------------------------------------------------------------------------
# Rights and scope


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["assessor", "regulator", "care_admin", "applicant"])
def test_users_without_the_import_right_are_refused(city, users, username, media_root):
    user = getattr(users, username)
    with pytest.raises(PermissionDenied):
        upload(user, csv_bytes([row(city)]))
    response = ApiClient(user).client.post(
        "/api/v1/imports",
        {"kind": "persons", "file": SimpleUploadedFile("a.csv", csv_bytes([row(city)]))},
        headers=ApiClient(user).headers,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_another_insurer_cannot_see_or_decide_the_batch(city, users):
    batch = upload(users.worker_a, csv_bytes([row(city)]))
    with pytest.raises(NotFound):
        imports.batch_get(fetched_by=users.worker_b, batch_id=batch.pk)
    with pytest.raises(NotFound):
        imports.import_commit(actor=users.worker_b, batch_id=batch.pk, mode="valid_only")
    assert not imports.batch_list(fetched_by=users.worker_b).exists()
    response = ApiClient(users.worker_b).get(f"imports/{batch.pk}")
    assert response.status_code == 404
    assert ApiClient(users.worker_b).get(f"imports/{batch.pk}/errors.xlsx").status_code == 404
    # Colleagues and the bureau see it; only the uploading organization decides.
    assert imports.batch_get(fetched_by=users.supervisor_a, batch_id=batch.pk) == batch
    assert imports.batch_list(fetched_by=users.regulator).get() == batch
    with pytest.raises(PermissionDenied) as not_owner:
        imports.import_commit(actor=users.bureau_admin, batch_id=batch.pk, mode="valid_only")
    assert not_owner.value.code == "import_not_owner"


@pytest.mark.django_db
def test_an_outlet_imports_only_inside_its_district(city, users):
    batch = upload(users.outlet_worker, csv_bytes([row(city), row(city, QINGYANG_STREET)]))
    assert errors_of(batch) == [(3, "所属街道/区县代码", "region_out_of_scope")]
    assert imports.batch_get(fetched_by=users.worker_a, batch_id=batch.pk) == batch


# --------------------------------------------------------------------------------------------
# API, error report, command, pages


@pytest.mark.django_db
def test_api_upload_preview_commit_and_error_report(users, mixed_file):
    api = ApiClient(users.worker_a)
    response = api.client.post(
        "/api/v1/imports",
        {"kind": "persons", "file": SimpleUploadedFile("参保人.csv", mixed_file)},
        headers=api.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total_rows"], body["valid_rows"], body["error_rows"]) == (9, 2, 7)
    assert body["errors"][0] == {
        "row": 3,
        "column": "身份证号码",
        "field": "id_number",
        "code": "id_number_checksum",
        "message": "身份证号码校验位错误，请核对最后一位",
    }
    assert body["can_decide"] is True
    batch_id = body["id"]

    listed = api.get("imports").body
    assert [b["id"] for b in listed["items"]] == [batch_id]

    refused = api.post(f"imports/{batch_id}/commit", {"mode": "all_or_nothing"})
    assert refused.status_code == 409
    assert refused.body["code"] == "import_has_errors"

    report = api.client.get(f"/api/v1/imports/{batch_id}/errors.xlsx", headers=api.headers)
    assert report.status_code == 200
    assert report["Content-Type"] == imports.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(report.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("行号", "列", "错误原因", "错误代码")
    assert values[1][:2] == (3, "身份证号码")

    done = api.post(f"imports/{batch_id}/commit", {"mode": "valid_only"})
    assert done.status_code == 200
    assert (done.body["status"], done.body["imported_rows"]) == ("committed", 2)
    assert done.body["can_decide"] is False


@pytest.mark.django_db
def test_api_refuses_a_bad_file_with_the_error_shape(users):
    api = ApiClient(users.worker_a)
    response = api.client.post(
        "/api/v1/imports",
        {"kind": "persons", "file": SimpleUploadedFile("x.csv", b"%PDF-1.4 ...")},
        headers=api.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "import_unsupported_format"
    template = api.client.get("/api/v1/imports/templates/persons?format=csv", headers=api.headers)
    assert template.status_code == 200
    assert "attachment" in template["Content-Disposition"]


@pytest.mark.django_db
def test_command_imports_and_dry_run_stores_nothing(city, users, tmp_path, media_root):
    path = tmp_path / "参保人.csv"
    path.write_bytes(csv_bytes([row(city), row(city, 身份证号码="123")], encoding="gb18030"))
    before = Person.objects.count()

    out = io.StringIO()
    call_command("import_insured", str(path), "--as", "worker_a", "--dry-run", stdout=out)
    assert "正确 1，有错误 1" in out.getvalue()
    assert "第3行 身份证号码" in out.getvalue()
    assert ImportBatch.objects.count() == 0

    with pytest.raises(CommandError, match="import_has_errors"):
        call_command("import_insured", str(path), "--as", "worker_a", stdout=io.StringIO())
    assert Person.objects.count() == before
    assert ImportBatch.objects.get().status == ImportBatch.Status.DISCARDED

    out = io.StringIO()
    call_command("import_insured", str(path), "--as", "worker_a", "--valid-only", stdout=out)
    assert "已导入 1 行" in out.getvalue()
    assert Person.objects.count() == before + 1


@pytest.mark.django_db
def test_pages_upload_preview_and_commit(client, city, users, mixed_file):
    client.force_login(users.worker_a)
    assert client.get("/imports/").status_code == 200
    assert client.get("/imports/new/").status_code == 200
    response = client.post(
        "/imports/new/", {"kind": "persons", "file": SimpleUploadedFile("a.csv", mixed_file)}
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "全部导入（有错误时不导入）" in text
    assert "仅导入正确的行" in text
    assert "与第6行的身份证号码重复" in text
    committed = client.post(f"/imports/{batch.pk}/commit/", {"mode": "valid_only"}, follow=True)
    assert "已导入2行" in committed.content.decode()
    assert client.get(f"/imports/{batch.pk}/errors.xlsx").status_code == 200
    assert client.get("/imports/templates/persons.xlsx").status_code == 200


@pytest.mark.django_db
def test_pages_show_a_refused_file_and_hide_batches_of_others(client, city, users):
    client.force_login(users.worker_a)
    response = client.post(
        "/imports/new/", {"kind": "persons", "file": SimpleUploadedFile("a.csv", b"%PDF-1.4")}
    )
    assert response.status_code == 422
    assert "PDF文件无法导入" in response.content.decode()
    batch = upload(users.worker_a, csv_bytes([row(city)]))
    client.force_login(users.worker_b)
    assert client.get(f"/imports/{batch.pk}/").status_code == 404
    assert client.post(f"/imports/{batch.pk}/commit/", {"mode": "valid_only"}).status_code == 404
    client.force_login(users.assessor)
    assert client.get("/imports/new/").status_code == 403


@pytest.mark.django_db
def test_batch_list_query_count_does_not_grow(city, users):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = ApiClient(users.worker_a).get("imports")
        assert response.status_code == 200
        return len(captured)

    upload(users.worker_a, csv_bytes([row(city)]))
    one = count_queries()
    for _ in range(4):
        upload(users.supervisor_a, csv_bytes([row(city)]))
    assert count_queries() == one


def test_stale_previews_are_given_up_and_their_uploads_deleted(
    city, users, media_root, django_capture_on_commit_callbacks
):
    old = upload(users.worker_a, csv_bytes([row(city)]))
    recent = upload(users.worker_a, csv_bytes([row(city)]), name="新.csv")
    decided = upload(users.worker_a, csv_bytes([row(city)]), name="已导入.csv")
    with django_capture_on_commit_callbacks(execute=True):  # the commit deletes its upload
        imports.import_commit(actor=users.worker_a, batch_id=decided.pk, mode="all_or_nothing")
    eight_days_ago = clock.now() - dt.timedelta(days=8)
    ImportBatch.objects.filter(pk__in=[old.pk, decided.pk]).update(created_at=eight_days_ago)
    # A sealed upload no batch refers to (a crash between storing the file and the batch).
    orphan = media_root / "imports" / "orphan.sealed"
    orphan.write_bytes(b"sealed")
    os.utime(orphan, (eight_days_ago.timestamp(), eight_days_ago.timestamp()))
    assert len(stored_files(media_root)) == 3

    out = io.StringIO()
    call_command("purge_imports", "--dry-run", stdout=out)
    assert json.loads(out.getvalue())["purged"]["insured.import_batches"] == 2
    assert len(stored_files(media_root)) == 3  # a dry run deletes nothing

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_imports", "--days", "7", stdout=out)
    assert json.loads(out.getvalue())["purged"]["insured.import_batches"] == 2
    old.refresh_from_db()
    assert old.status == ImportBatch.Status.DISCARDED and not old.stored_file
    assert old.total_rows == 1  # the record of what was uploaded stays
    assert ImportBatch.objects.get(pk=recent.pk).status == ImportBatch.Status.PREVIEWED
    assert ImportBatch.objects.get(pk=decided.pk).status == ImportBatch.Status.COMMITTED
    assert [p.name for p in stored_files(media_root)] == [recent.stored_file.name.split("/")[-1]]
    entry = AuditEntry.objects.get(object_id=str(old.pk), action="delete")
    assert entry.actor is None and entry.actor_name == "系统" and "自动放弃" in entry.note
