"""The assessment fee pages: the menu entry, the fee table, a month previewed then computed after
confirming, a statement with its cases approved and paid, downloads, and who may see what."""

from __future__ import annotations

import pytest
from django.test import Client

from changhu.assessment_fees import services
from changhu.assessment_fees.models import FeeRun, StatementStatus
from changhu.assessment_fees.tests.conftest import conclude, in_month

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cases(people, second, fee_tables, month):
    conclude(people.jinjiang, on=in_month(month, 3))
    conclude(people.wuhou, on=in_month(month, 4), institution=second.org, place="institution")


def test_menu_and_fee_table(users, fee_tables):
    from changhu.assessment.presets import load_rule_presets

    load_rule_presets()
    page = client_for(users.bureau_admin).get("/").content.decode()
    assert "评估费用" in page and "/assessment-fees/" in page
    assert "/assessment-fees/" not in client_for(users.care_admin).get("/").content.decode()
    r = client_for(users.assessor).get("/assessment-fees/table/")
    text = r.content.decode()
    assert r.status_code == 200
    assert "失能评估费用标准（默认）" in text and "300.00" in text and "250.00" in text
    assert "对结论有异议的复评费用" in text and "200.00" in text  # from the assessment rules
    assert "reassessment" not in text and "terminated" not in text  # no internal codes


def test_preview_confirm_and_compute(users, cases, month):
    worker = client_for(users.worker_a)
    r = worker.get(f"/assessment-fees/runs/new/?month={month}")
    text = r.content.decode()
    assert r.status_code == 200 and "待结算：2件" in text and "data-confirm" in text
    assert not FeeRun.objects.exists()  # looking computes nothing
    r = worker.post("/assessment-fees/runs/new/", {"month": month})
    run = FeeRun.objects.get(month=month)
    assert r.status_code == 302 and r["Location"] == f"/assessment-fees/runs/{run.pk}/"
    text = worker.get(r["Location"]).content.decode()
    assert "成都市第一评估中心" in text and "武侯失能评估中心" in text and "作废" in text
    assert "成都市" in text  # the city settled, by name
    r = worker.get(f"/assessment-fees/runs/new/?month={month}")
    assert r.status_code == 422 and "已计算" in r.content.decode()
    r = worker.get("/assessment-fees/runs/new/?month=2026-99")
    assert r.status_code == 422 and "结算月份应为YYYY-MM" in r.content.decode()


def test_statement_approve_and_pay(users, orgs, cases, month):
    run = services.run_compute(actor=users.worker_a, month=month)
    statement = run.statements.get(institution=orgs.assessment)
    url = f"/assessment-fees/statements/{statement.pk}/"
    supervisor, bureau = client_for(users.supervisor_a), client_for(users.bureau_admin)
    text = supervisor.get(url).content.decode()
    assert "张建国" in text and "首次评估" in text and "审核通过" in text
    assert "下载PDF" in text and "下载Excel" in text
    r = supervisor.post(f"{url}approve/", {"note": "已核"})
    assert r.status_code == 302
    statement.refresh_from_db()
    assert statement.status == StatementStatus.APPROVED
    text = bureau.get(url).content.decode()
    assert "登记支付" in text and "不能撤销" in text
    r = bureau.post(f"{url}pay/", {"reference": ""}, follow=True)
    assert "请填写支付凭证号" in r.content.decode()
    bureau.post(f"{url}pay/", {"reference": "ZF-1"})
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PAID and statement.entry_id
    assert "已记入基金经办服务费支出" in bureau.get(url).content.decode()
    r = bureau.get(f"{url}statement.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_outsiders_get_nothing(users, orgs, second, cases, month):
    run = services.run_compute(actor=users.worker_a, month=month)
    theirs = run.statements.get(institution=second.org)
    ours = run.statements.get(institution=orgs.assessment)
    assessor = client_for(users.assessor)
    overview = assessor.get("/assessment-fees/").content.decode()
    assert ours.number in overview and theirs.number not in overview
    assert "月度结算" not in overview
    assert assessor.get(f"/assessment-fees/statements/{theirs.pk}/").status_code == 404
    assert assessor.get(f"/assessment-fees/statements/{theirs.pk}/statement.pdf").status_code == 404
    assert assessor.get(f"/assessment-fees/runs/{run.pk}/").status_code == 404
    text = assessor.get(f"/assessment-fees/statements/{ours.pk}/").content.decode()
    assert "审核通过" not in text and "登记支付" not in text
    care = client_for(users.care_admin)
    assert care.get("/assessment-fees/").status_code == 403
    assert care.get(f"/assessment-fees/statements/{ours.pk}/").status_code == 403
    assert care.post(f"/assessment-fees/statements/{ours.pk}/approve/").status_code == 403
    assert assessor.post("/assessment-fees/runs/new/", {"month": month}).status_code == 403
    assert (
        client_for(users.worker_a)
        .post(f"/assessment-fees/statements/{ours.pk}/pay/", {"reference": "x"})
        .status_code
        == 403
    )
    ours.refresh_from_db()
    assert ours.status == StatementStatus.DRAFT


def test_discard_from_the_run_page(users, cases, month):
    run = services.run_compute(actor=users.worker_a, month=month)
    worker = client_for(users.worker_a)
    r = worker.post(f"/assessment-fees/runs/{run.pk}/discard/", {"reason": "补录"})
    assert r.status_code == 302 and not FeeRun.objects.exists()
