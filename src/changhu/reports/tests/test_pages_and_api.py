"""Running a report on the pages and through the API, its downloads and drill-downs, and who
sees what: a district or insurer reader only its regions, an outsider nothing."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from changhu.core.models import AuditEntry
from changhu.reports import services
from changhu.reports.models import ReportRun
from tests.api import ApiClient
from tests.clock import on

from .conftest import MONTH

pytestmark = pytest.mark.django_db

# The run page offers the months up to the last complete one: a day in November 2026.
NOVEMBER = dt.date(2026, 11, 20)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _computed(run: ReportRun) -> ReportRun:
    """What the worker does with a queued run."""
    claimed = services.claim_next(run.pk)
    assert claimed is not None
    return services.run_execute(claimed)


def _beneficiaries(run: ReportRun) -> dict:
    return next(s for s in run.result["sections"] if s["code"] == "beneficiaries")


@pytest.fixture
def in_november():
    with on(NOVEMBER):
        yield


def test_the_bureau_runs_the_monthly_report_on_the_pages(paid, users, in_november):
    client = _client(users.bureau_admin)
    listing = client.get(reverse("reports:list"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "长期护理保险月度运行报表" in page and "定点护理机构与护理员情况表" in page
    form = client.get(reverse("reports:run_new", args=["ltci-monthly"]))
    assert form.status_code == 200 and "data-confirm" in form.content.decode()
    response = client.post(reverse("reports:run_new", args=["ltci-monthly"]), {"period": MONTH})
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert run.status == "queued" and run.definition.version == "2026.1"
    waiting = client.get(response["Location"])
    assert "等待后台任务处理" in waiting.content.decode()
    progress = client.get(reverse("reports:run_progress", args=[run.pk]))
    assert progress.status_code == 200 and 'hx-trigger="every 2s"' in progress.content.decode()
    run = _computed(run)
    detail = client.get(response["Location"]).content.decode()
    assert "享受待遇人员" in detail and "重度失能Ⅱ级" in detail and "锦江区" in detail
    assert 'data-testid="figure"' in detail and "ltci-monthly" not in detail

    xlsx = client.get(reverse("reports:run_download", args=[run.pk, "xlsx"]))
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.merged_cells.ranges  # the two-level headers
    texts = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "享受待遇人员" in texts and "重度失能Ⅱ级" in texts
    pdf = client.get(reverse("reports:run_download", args=[run.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="export", object_id=str(run.pk)).count() == 2

    section = _beneficiaries(run)
    drill = client.get(
        reverse("reports:drill_down", args=[run.pk, "beneficiaries", 0]), {"row": "510107"}
    )
    assert drill.status_code == 200
    assert "郑国庆" in drill.content.decode() and "赵德明" not in drill.content.decode()
    grade = section["columns"][1]
    assert grade["by"] == "grade"
    drill = client.get(
        reverse("reports:drill_down", args=[run.pk, "beneficiaries", 1]),
        {"row": "510104", "key": "3"},
    )
    assert drill.status_code == 200 and "赵德明" in drill.content.decode()
    missing = client.get(reverse("reports:drill_down", args=[run.pk, "nope", 0]))
    assert missing.status_code == 404


def test_a_bad_period_or_district_is_refused_and_nothing_is_queued(shipped, users, in_november):
    client = _client(users.bureau_admin)
    url = reverse("reports:run_new", args=["ltci-monthly"])
    assert client.post(url, {"period": "2026-13"}).status_code == 422
    assert client.post(url, {"period": MONTH, "district": "999999"}).status_code == 422
    assert not ReportRun.objects.exists()
    assert client.get(reverse("reports:run_new", args=["no-such"])).status_code == 404


def test_an_insurer_counts_and_sees_only_its_districts(paid, users):
    # 甲保险 administers 锦江 and 青羊; the 武侯 beneficiary is not counted.
    run = _computed(
        services.report_run_request(actor=users.supervisor_a, code="ltci-monthly", period=MONTH)
    )
    assert run.result["summary"]["beneficiaries"]["total"] == 6
    labels = [row["label"] for row in _beneficiaries(run)["rows"]]
    assert labels == ["锦江区", "青羊区"]
    assert run.result["summary"]["beneficiaries"]["by_district"] == {"锦江区": 6, "青羊区": 0}
    # The same insurer's case worker reads it; 乙保险 (武侯) does not; the bureau does.
    assert (
        _client(users.worker_a).get(reverse("reports:run_detail", args=[run.pk])).status_code == 200
    )
    assert (
        _client(users.worker_b).get(reverse("reports:run_detail", args=[run.pk])).status_code == 404
    )
    assert (
        _client(users.bureau_admin).get(reverse("reports:run_detail", args=[run.pk])).status_code
        == 200
    )
    # The bureau's city-wide run is not the insurer's to read.
    city_run = _computed(
        services.report_run_request(actor=users.bureau_admin, code="ltci-monthly", period=MONTH)
    )
    assert city_run.result["summary"]["beneficiaries"]["total"] == 7
    worker_a = _client(users.worker_a)
    assert worker_a.get(reverse("reports:run_detail", args=[city_run.pk])).status_code == 404
    assert (
        worker_a.get(reverse("reports:run_download", args=[city_run.pk, "xlsx"])).status_code == 404
    )
    # An insurer asking for a district outside its scope is refused.
    with pytest.raises(Exception) as refused:
        services.report_run_request(
            actor=users.supervisor_a, code="ltci-monthly", period=MONTH, district="510107"
        )
    assert getattr(refused.value, "code", "") == "district_invalid"
    # Fund figures need the fund right: withheld from the insurer's run.
    fund = _computed(
        services.report_run_request(
            actor=users.supervisor_a, code="fund-income-expenditure", period=MONTH
        )
    )
    assert fund.result["summary"]["fund_benefit_expense"]["total"] == 0
    assert all(h["withheld"] for h in fund.result["sections"][0]["columns"])


def test_a_drill_down_lists_only_rows_the_reader_may_see(paid, users, orgs, city):
    from tests.factories import UserFactory

    # A bureau user scoped to one district counts that district and cannot read the city run.
    district_user = UserFactory(
        username="jinjiang_bureau",
        role="bureau_admin",
        organization=orgs.bureau,
        region_scope=city.jinjiang,
    )
    run = _computed(
        services.report_run_request(actor=district_user, code="ltci-monthly", period=MONTH)
    )
    assert run.scope_prefixes == ["510104"]
    drill = _client(district_user).get(
        reverse("reports:drill_down", args=[run.pk, "beneficiaries", 0]), {"row": "510104"}
    )
    assert drill.status_code == 200 and "赵德明" in drill.content.decode()
    city_run = _computed(
        services.report_run_request(actor=users.bureau_admin, code="ltci-monthly", period=MONTH)
    )
    response = _client(district_user).get(reverse("reports:run_detail", args=[city_run.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["care_admin", "caregiver", "assessor", "applicant"])
def test_outsiders_get_nothing(paid, users, who, in_november):
    run = _computed(
        services.report_run_request(actor=users.bureau_admin, code="ltci-monthly", period=MONTH)
    )
    client = _client(getattr(users, who))
    assert client.get(reverse("reports:list")).status_code == 403
    assert client.get(reverse("reports:run_detail", args=[run.pk])).status_code == 403
    posted = client.post(reverse("reports:run_new", args=["ltci-monthly"]), {"period": MONTH})
    assert posted.status_code == 403
    api = ApiClient(getattr(users, who))
    assert api.get(f"reports/runs/{run.pk}").status_code == 403
    assert api.post("reports/runs", {"name": "ltci-monthly", "period": MONTH}).status_code == 403
    assert ReportRun.objects.count() == 1


def _download(api: ApiClient, run_id: int):
    return api.client.get(f"/api/v1/reports/runs/{run_id}/download/xlsx", headers=api.headers)


def test_the_api_lists_runs_and_downloads(paid, users):
    api = ApiClient(users.bureau_admin)
    regulator = ApiClient(users.regulator)
    refused = regulator.post("reports/runs", {"name": "ltci-monthly", "period": MONTH})
    assert refused.status_code == 403
    definitions = api.get("reports/definitions")
    assert definitions.status_code == 200
    assert {d["code"] for d in definitions.json()} >= {"ltci-monthly", "ltci-annual"}
    created = api.post("reports/runs", {"name": "ltci-monthly", "period": MONTH})
    assert created.status_code == 201, created.body
    run_id = created.json()["id"]
    assert created.json()["status"] == "queued"
    assert _download(api, run_id).status_code == 409
    _computed(ReportRun.objects.get(pk=run_id))
    got = regulator.get(f"reports/runs/{run_id}").json()
    assert got["status"] == "done" and got["percent"] == 100
    assert got["summary"]["beneficiaries"]["total"] == 7
    listed = api.get("reports/runs", report="ltci-monthly").json()
    assert [item["id"] for item in listed["items"]] == [run_id]
    download = _download(api, run_id)
    assert download.status_code == 200 and download.content.startswith(b"PK")
    bad = api.post("reports/runs", {"name": "ltci-monthly", "period": "10/2026"})
    assert bad.status_code == 422 and bad.json()["code"] == "period_invalid"
    unknown = api.post("reports/runs", {"name": "nope", "period": MONTH})
    assert unknown.status_code == 404 and unknown.json()["code"] == "report_unknown"
