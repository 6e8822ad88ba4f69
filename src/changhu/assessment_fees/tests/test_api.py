"""The assessment fee endpoints: run, approve, pay over HTTP; refusals with their codes; every
list and detail scoped (an institution sees its own statements only, outsiders nothing)."""

from __future__ import annotations

import pytest

from changhu.assessment_fees.models import FeeRun
from changhu.assessment_fees.tests.conftest import conclude, in_month
from changhu.core.audit import AuditEntry
from tests.api import ApiClient, assert_api_error

pytestmark = pytest.mark.django_db
BASE = "assessment-fees"


@pytest.fixture
def cases(people, second, fee_tables, month):
    conclude(people.jinjiang, on=in_month(month, 3))
    conclude(people.wuhou, on=in_month(month, 4), institution=second.org, place="institution")


def test_the_whole_path_over_http(users, orgs, cases, month):
    worker, supervisor = ApiClient(users.worker_a), ApiClient(users.supervisor_a)
    bureau = ApiClient(users.bureau_admin)
    r = worker.post(f"{BASE}/runs", {"month": month})
    assert r.status_code == 201, r.body
    assert (r.body["month"], r.body["case_count"], r.body["fund_fen"]) == (month, 2, 55000)
    run_id = r.body["id"]
    r = bureau.get(f"{BASE}/statements", run_id=run_id)
    assert r.body["total"] == 2
    mine = next(s for s in r.body["items"] if s["institution_id"] == orgs.assessment.pk)
    assert mine["fund_yuan"] == "300.00" and mine["status_label"] == "待审核"
    r = bureau.get(f"{BASE}/statements/{mine['id']}")
    assert r.body["lines"][0]["outcome_label"] == "首次评估"
    assert "*" in r.body["lines"][0]["id_number_masked"]
    r = supervisor.post(f"{BASE}/statements/{mine['id']}/approve", {"note": "已核对"})
    assert r.status_code == 200 and r.body["status"] == "approved", r.body
    r = bureau.post(f"{BASE}/statements/{mine['id']}/pay", {"reference": "ZF-9"})
    assert r.status_code == 200 and r.body["status"] == "paid" and r.body["entry_id"]
    assert bureau.get(f"{BASE}/runs").body["items"][0]["statement_ids"]


def test_refusals_carry_their_codes(users, cases, month):
    worker, bureau = ApiClient(users.worker_a), ApiClient(users.bureau_admin)
    assert_api_error(worker.post(f"{BASE}/runs", {"month": "2026/10"}), 422, "month_invalid")
    run = worker.post(f"{BASE}/runs", {"month": month}).body
    assert_api_error(worker.post(f"{BASE}/runs", {"month": month}), 409, "run_exists")
    statement = run["statement_ids"][0]
    assert_api_error(
        bureau.post(f"{BASE}/statements/{statement}/pay", {"reference": "x"}),
        409,
        "statement_not_approved",
    )
    assert_api_error(
        worker.post(f"{BASE}/runs/{run['id']}/discard", {"reason": ""}), 422, "reason_required"
    )
    r = worker.post(f"{BASE}/runs/{run['id']}/discard", {"reason": "重算"})
    assert r.status_code == 200 and r.body == {"month": month, "discarded": True}
    assert not FeeRun.objects.exists()


def test_rights_are_checked_before_anything(users, cases, month):
    assert ApiClient(users.assessor).post(f"{BASE}/runs", {"month": month}).status_code == 403
    assert ApiClient(users.care_admin).get(f"{BASE}/statements").status_code == 403
    assert ApiClient(users.care_admin).get(f"{BASE}/tables").status_code == 403
    assert ApiClient().get(f"{BASE}/statements").status_code == 401
    assert not FeeRun.objects.exists()


def test_each_sees_only_its_own(users, orgs, second, cases, month, outsider_worker):
    run = ApiClient(users.worker_a).post(f"{BASE}/runs", {"month": month}).body
    ids = {}
    for sid in run["statement_ids"]:
        body = ApiClient(users.bureau_admin).get(f"{BASE}/statements/{sid}").body
        ids[body["institution_id"]] = sid
    ours, theirs = ids[orgs.assessment.pk], ids[second.org.pk]
    assessor = ApiClient(users.assessor)
    listed = assessor.get(f"{BASE}/statements").body["items"]
    assert [s["id"] for s in listed] == [ours]
    assert assessor.get(f"{BASE}/statements/{theirs}").status_code == 404
    assert assessor.get(f"{BASE}/statements/{theirs}/statement.xlsx").status_code == 404
    assert assessor.get(f"{BASE}/runs").body["total"] == 0
    assert assessor.get(f"{BASE}/runs/{run['id']}").status_code == 404
    other = ApiClient(second.assessor)
    assert [s["id"] for s in other.get(f"{BASE}/statements").body["items"]] == [theirs]
    # fees are the city's: both insurers of Chengdu see both statements; another city's nothing
    worker_b = ApiClient(users.worker_b)
    assert {s["id"] for s in worker_b.get(f"{BASE}/statements").body["items"]} == {ours, theirs}
    outsider = ApiClient(outsider_worker)
    assert outsider.get(f"{BASE}/statements").body["total"] == 0
    assert outsider.get(f"{BASE}/statements/{ours}").status_code == 404
    assert outsider.get(f"{BASE}/runs/{run['id']}").status_code == 404
    r = outsider.post(f"{BASE}/statements/{ours}/approve", {})
    assert r.status_code in (403, 404)
    r = outsider.post(f"{BASE}/runs/{run['id']}/discard", {"reason": "x"})
    assert r.status_code == 404
    # the regulator reads, and may not approve
    regulator = ApiClient(users.regulator)
    assert regulator.get(f"{BASE}/statements").body["total"] == 2
    assert regulator.post(f"{BASE}/statements/{ours}/approve", {}).status_code == 403


def test_a_city_is_chosen_within_the_callers_regions(users, cases, month, outsider_worker):
    worker = ApiClient(users.worker_a)
    assert_api_error(
        worker.post(f"{BASE}/runs", {"month": month, "city": "5301"}), 422, "city_out_of_scope"
    )
    assert_api_error(
        worker.post(f"{BASE}/runs", {"month": month, "city": "51"}), 422, "city_invalid"
    )
    # the other city has no case yet: nothing of Chengdu is settled by Kunming
    r = ApiClient(outsider_worker).post(f"{BASE}/runs", {"month": month})
    assert_api_error(r, 409, "no_fee_cases")
    r = worker.post(f"{BASE}/runs", {"month": month, "city": "5101"})
    assert r.status_code == 201 and r.body["city_code"] == "5101"


def test_the_fee_table_endpoint(users, fee_tables):
    body = ApiClient(users.assessor).get(f"{BASE}/tables").body
    assert body[0]["fees_fen"]["initial"] == {"home": 30000, "institution": 25000}
    assert body[0]["appeal_fee_source"] == "assessment_rules"


def test_downloads_are_real_files_and_audited(users, cases, month):
    from io import BytesIO

    from openpyxl import load_workbook

    run = ApiClient(users.worker_a).post(f"{BASE}/runs", {"month": month}).body
    bureau = ApiClient(users.bureau_admin)
    sid = run["statement_ids"][0]
    r = bureau.client.get(f"/api/v1/{BASE}/statements/{sid}/statement.xlsx", headers=bureau.headers)
    assert r.status_code == 200
    book = load_workbook(BytesIO(r.content))
    assert book.sheetnames == ["汇总", "案件明细"]
    detail = list(book["案件明细"].iter_rows(values_only=True))
    assert detail[0][0] == "申请编号" and len(detail) == 2
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[-1][0] == "合计"
    r = bureau.client.get(f"/api/v1/{BASE}/statements/{sid}/statement.pdf", headers=bureau.headers)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert "attachment" in r["Content-Disposition"]
    assert (
        AuditEntry.objects.filter(
            object_type="assessment_fees.feestatement", action="export"
        ).count()
        == 2
    )
