"""A month's assessment fees from the pages: the case worker previews last month and confirms
(a question first: refusing it computes nothing), the supervisor approves the institution's
statement, the bureau records the payment (a fund expense) and downloads the PDF; the
institution's assessor sees its own statement and not the other institution's."""

from __future__ import annotations

import pytest
from django.db import connections
from playwright.sync_api import expect

from changhu.assessment_fees.models import FeeRun, StatementStatus
from changhu.assessment_fees.tests.conftest import conclude, in_month
from changhu.core import clock, months
from changhu.fund.models import Entry
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, base: str, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    return context, page


def test_compute_approve_and_pay_a_month(live_server, browser, users, orgs, people, screenshot):
    from changhu.assessment_fees import tables
    from changhu.orgs.models import OrgKind
    from tests.factories import OrganizationFactory

    tables.load_fee_tables()
    month = months.key(clock.previous_month_start())
    other = OrganizationFactory(
        kind=OrgKind.ASSESSMENT, name="武侯失能评估中心", region=people.wuhou.region
    )
    conclude(people.jinjiang, on=in_month(month, 3))
    conclude(people.wuhou, on=in_month(month, 8), institution=other, place="institution")
    base = live_server.url

    context, page = sign_in(browser, base, "worker_a")
    page.get_by_role("link", name="评估费用").click()
    page.get_by_test_id("run-new").click()
    page.get_by_label("结算月份", exact=True).fill(month)
    page.get_by_test_id("preview").click()
    expect(page.get_by_test_id("preview-table")).to_contain_text("待结算：2件")
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.get_by_test_id("run-confirm").click()
    assert questions and "确认计算" in questions[0]
    assert not FeeRun.objects.exists()
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.get_by_test_id("run-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("评估费用已计算：2件")
    expect(page.get_by_test_id("statement-row")).to_have_count(2)
    screenshot(page, "assessment-fees-run")
    context.close()

    run = FeeRun.objects.get()
    statement = run.statements.get(institution=orgs.assessment)
    context, page = sign_in(browser, base, "supervisor_a")
    page.goto(f"{base}/assessment-fees/statements/{statement.pk}/")
    expect(page.get_by_test_id("line-row")).to_have_count(1)
    expect(page.get_by_test_id("lines")).to_contain_text(people.jinjiang.name)
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("statement-status")).to_have_text("已审核待支付")
    context.close()

    context, page = sign_in(browser, base, "bureau_admin")
    page.goto(f"{base}/assessment-fees/statements/{statement.pk}/")
    page.get_by_label("支付凭证号").fill("ZF-2026-001")
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("statement-status")).to_have_text("已支付")
    expect(page.get_by_test_id("payment")).to_contain_text("已记入基金经办服务费支出")
    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    screenshot(page, "assessment-fees-statement")
    context.close()
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PAID
    assert Entry.objects.filter(source_type="assessment_fees.statement").count() == 1

    context, page = sign_in(browser, base, "assessor")
    page.get_by_role("link", name="评估费用").click()
    expect(page.get_by_test_id("statement-row")).to_have_count(1)
    expect(page.get_by_test_id("statement-row")).to_contain_text(statement.number)
    expect(page.get_by_test_id("runs")).to_have_count(0)
    context.close()
    connections.close_all()
