"""Excel import of institutions and caregivers: preview, per-row errors, commit modes, the error
report, and exports."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from changhu.api.auth import issue_token
from changhu.core import clock
from changhu.core.models import AuditEntry
from changhu.providers import rules
from changhu.providers.imports import CAREGIVER_COLUMNS, INSTITUTION_COLUMNS
from changhu.providers.models import Caregiver, ImportBatch, Institution
from tests.api import ApiClient
from tests.factories import valid_id_number

pytestmark = pytest.mark.usefixtures("media_root")  # uploads in a private directory


def workbook(columns, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([("*" if c.required else "") + c.label for c in columns])
    for row in rows:
        sheet.append([row.get(c.field, "") for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Uploader:
    def __init__(self, user):
        key, _ = issue_token(user, name="test")
        self.client = Client(REMOTE_ADDR="10.1.2.3", headers={"Authorization": f"Bearer {key}"})

    def upload(self, kind, content, name="data.xlsx"):
        response = self.client.post(
            f"/api/v1/providers/imports/upload/{kind}",
            {"file": SimpleUploadedFile(name, content)},
        )
        response.body = response.json()
        return response

    def get(self, path):
        return self.client.get(f"/api/v1/providers/{path}")


def caregiver_row(**overrides):
    return {
        "name": "郑秀兰",
        "id_number": valid_id_number("510104", dt.date(1975, 2, 3)),
        "phone": "13600001111",
        "kind": "机构护理员",
        "qualification": "护理员",
        "hired_on": "2024-05-01",
        "certificate_kind": "护理员证",
        "certificate_number": "ZS-001",
        "certificate_issued_on": "2023-01-01",
        "certificate_expires_on": "2028-12-31",
        **overrides,
    }


@pytest.mark.django_db
def test_caregiver_import_reports_each_row_and_all_or_nothing_writes_nothing(users, institution):
    duplicate = valid_id_number("510104", dt.date(1980, 8, 8))
    rows = [
        caregiver_row(),
        caregiver_row(name="", id_number=valid_id_number("510104", dt.date(1981, 1, 1))),
        caregiver_row(id_number="51010419800808123X"),
        caregiver_row(id_number=duplicate, certificate_number="ZS-002"),
        caregiver_row(id_number=duplicate, certificate_number="ZS-003"),
        caregiver_row(
            id_number=valid_id_number("510104", dt.date(1982, 2, 2)),
            kind="亲情护理员",
            beneficiary_id_number="110101199001011237",
            certificate_kind="",
        ),
        caregiver_row(
            id_number=valid_id_number("510104", dt.date(1983, 3, 3)),
            certificate_expires_on="2020-01-01",
        ),
    ]
    uploader = Uploader(users.care_admin)
    response = uploader.upload("caregivers", workbook(CAREGIVER_COLUMNS, rows))
    assert response.status_code == 201, response.body
    batch = response.body
    assert (batch["total_rows"], batch["valid_rows"], batch["error_rows"]) == (7, 2, 5)
    by_row = {(e["row"], e["column"]): e for e in batch["errors"]}
    assert by_row[(3, "姓名")]["code"] == "name_required"
    assert by_row[(4, "身份证号码")]["code"] == "id_number_checksum"
    assert by_row[(6, "身份证号码")]["message"] == "与第5行的身份证号码重复"
    assert by_row[(7, "亲情护理对象身份证号码")]["code"] == "beneficiary_unknown"
    assert by_row[(7, "证书类别")]["code"] == "certificate_kind_invalid"
    assert by_row[(8, "证书有效期至")]["code"] == "date_order"
    api = ApiClient(users.care_admin)
    refused = api.post(f"providers/imports/{batch['id']}/commit", {"mode": "all_or_nothing"})
    assert refused.status_code == 409 and refused.body["code"] == "import_has_errors"
    assert not Caregiver.objects.exists()
    report = uploader.get(f"imports/{batch['id']}/errors.xlsx")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0] == ("行号", "列", "错误原因", "错误代码")
    assert (3, "姓名", "请填写姓名", "name_required") in lines
    done = api.post(f"providers/imports/{batch['id']}/commit", {"mode": "valid_only"}).body
    assert done["status"] == "committed" and done["imported_rows"] == 2
    assert Caregiver.objects.count() == 2
    assert all(c.certificates.count() == 1 for c in Caregiver.objects.all())
    assert Caregiver.objects.filter(institution=institution).count() == 2
    assert not ImportBatch.objects.get(pk=batch["id"]).stored_file
    assert AuditEntry.objects.filter(action="import", object_type="providers.importbatch").exists()
    again = api.post(f"providers/imports/{batch['id']}/commit", {"mode": "valid_only"})
    assert again.status_code == 409 and again.body["code"] == "import_not_pending"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
@pytest.mark.django_db
def test_caregivers_from_a_csv_file(users, institution, encoding):
    """The same columns in CSV, as Excel saves it: UTF-8 with BOM, or GB18030."""
    columns = CAREGIVER_COLUMNS
    rows = [caregiver_row(), caregiver_row(id_number="51010419800808123X")]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([c.label for c in columns])
    writer.writerows([row.get(c.field, "") for c in columns] for row in rows)
    uploader = Uploader(users.care_admin)
    response = uploader.upload("caregivers", text.getvalue().encode(encoding), name="护理员.csv")
    assert response.status_code == 201, response.body
    batch = response.body
    assert (batch["total_rows"], batch["valid_rows"], batch["error_rows"]) == (2, 1, 1)
    assert [(e["row"], e["column"], e["code"]) for e in batch["errors"]] == [
        (3, "身份证号码", "id_number_checksum")
    ]
    stored = ImportBatch.objects.get(pk=batch["id"])
    assert (stored.file_format, stored.encoding) == ("csv", encoding.replace("-sig", ""))
    api = ApiClient(users.care_admin)
    done = api.post(f"providers/imports/{batch['id']}/commit", {"mode": "valid_only"}).body
    assert done["imported_rows"] == 1
    caregiver = Caregiver.objects.get()
    assert caregiver.name == "郑秀兰" and caregiver.certificates.get().number == "ZS-001"


@pytest.mark.django_db
def test_care_admin_imports_only_for_their_institution(users, institution, other):
    rows = [caregiver_row(institution=other.organization.name)]
    batch = Uploader(users.care_admin).upload("caregivers", workbook(CAREGIVER_COLUMNS, rows)).body
    assert batch["errors"][0]["code"] == "institution_not_own"
    assert ApiClient(other.admin).get(f"providers/imports/{batch['id']}").status_code == 404
    assert Uploader(users.worker_a).upload("caregivers", b"PK\x03\x04").status_code == 403


@pytest.mark.django_db
def test_institution_import_and_export_round_trip(users, city):
    good = {
        "name": "青羊颐养院",
        "uscc": rules.make_uscc("52510105MJ0000042"),
        "care_kind": "养老护理机构",
        "region_code": "510105001000",
        "address": "青羊区太升路街道1号",
        "beds": "60",
        "care_modes": "机构照护、亲情照护",
        "agreement_number": "QY-2025-01",
        "agreement_from": f"{clock.today().year - 1}-01-01",
        "agreement_until": f"{clock.today().year + 1}-12-31",
    }
    bad = dict(
        good,
        name="错误机构",
        uscc="123",
        care_modes="机构照护",
        beds="0",
        agreement_until="2024-01-01",
    )
    uploader = Uploader(users.bureau_admin)
    batch = uploader.upload("institutions", workbook(INSTITUTION_COLUMNS, [good, bad])).body
    assert batch["error_rows"] == 1
    columns = {e["column"] for e in batch["errors"] if e["row"] == 3}
    assert {"统一社会信用代码", "床位数", "协议终止日"} <= columns
    api = ApiClient(users.bureau_admin)
    done = api.post(f"providers/imports/{batch['id']}/commit", {"mode": "valid_only"}).body
    assert done["imported_rows"] == 1
    institution = Institution.objects.get(organization__name="青羊颐养院")
    assert institution.care_modes == ["institutional", "family"]
    assert institution.agreements.get().number == "QY-2025-01"
    exported = uploader.get("exports/institutions.xlsx")
    assert exported.status_code == 200
    lines = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert lines[0][:3] == ("机构名称", "统一社会信用代码", "机构类别")
    assert lines[1][0] == "青羊颐养院" and lines[1][-1] == "正常"
    assert AuditEntry.objects.filter(action="export").exists()
    # The exported file imports again, and is refused because the institution exists.
    again = uploader.upload("institutions", exported.content).body
    assert again["errors"][0]["code"] == "institution_exists"


@pytest.mark.django_db
def test_caregiver_export_is_masked(users, caregivers):
    content = Uploader(users.care_admin).get("exports/caregivers.xlsx").content
    lines = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert len(lines) == 4
    assert all("*" in line[1] for line in lines[1:])
    assert caregivers.worker.id_number not in str(lines)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "import_empty_file"),
        (b"%PDF-1.7\n1 0 obj\n", "import_unsupported_format"),
        (b"PK\x03\x04garbage", "import_unreadable"),
        ("header_only", "import_no_rows"),
        ("wrong_headers", "import_missing_columns"),
    ],
)
@pytest.mark.django_db
def test_files_that_cannot_be_imported(users, institution, content, code):
    if content == "header_only":
        content = workbook(CAREGIVER_COLUMNS, [])
    elif content == "wrong_headers":
        book = Workbook()
        book.active.append(["姓名", "电话"])
        book.active.append(["张三", "13800000000"])
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()
    response = Uploader(users.care_admin).upload("caregivers", content)
    assert response.status_code == 422 and response.body["code"] == code
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_templates(users):
    response = Uploader(users.bureau_admin).get("imports/templates/caregivers.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.active.cell(1, 1).value == "姓名"
    assert book["填写说明"].max_row == len(CAREGIVER_COLUMNS) + 3  # and a general note


@pytest.mark.django_db
def test_stale_previews_are_given_up_and_their_rows_deleted(users, institution):
    from django.core.management import call_command

    uploader = Uploader(users.care_admin)
    old = uploader.upload("caregivers", workbook(CAREGIVER_COLUMNS, [caregiver_row()])).body
    recent = uploader.upload("caregivers", workbook(CAREGIVER_COLUMNS, [caregiver_row()])).body
    ImportBatch.objects.filter(pk=old["id"]).update(created_at=clock.now() - dt.timedelta(days=8))
    assert ImportBatch.objects.get(pk=old["id"]).stored_file

    out = io.StringIO()
    call_command("purge_imports", stdout=out)
    assert '"providers.import_batches": 1' in out.getvalue()
    purged = ImportBatch.objects.get(pk=old["id"])
    assert purged.status == "discarded" and not purged.stored_file and purged.total_rows == 1
    assert ImportBatch.objects.get(pk=recent["id"]).status == "previewed"
    assert AuditEntry.objects.filter(
        action="delete", object_type="providers.importbatch", object_id=str(old["id"])
    ).exists()
    api = ApiClient(users.care_admin)
    refused = api.post(f"providers/imports/{old['id']}/commit", {"mode": "valid_only"})
    assert refused.status_code == 409 and refused.body["code"] == "import_not_pending"
    assert not Caregiver.objects.exists()
