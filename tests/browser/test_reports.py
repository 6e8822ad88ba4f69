"""The bureau runs October's monthly operations report, waits for the worker, reads the
beneficiaries by grade, drills down to the people behind a figure and downloads the report as
Excel and PDF."""

from __future__ import annotations

import datetime as dt
import io
import threading

import openpyxl
import pytest
from playwright.sync_api import expect

from changhu.reports import services
from changhu.reports.tests.conftest import paid, shipped  # noqa: F401
from changhu.settlement.tests.conftest import MONTH, month, period, world  # noqa: F401
from tests.clock import on
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def _work_the_queue() -> None:
    """What ``changhu worker`` does with the queued run (in a thread of its own, like it)."""

    def work():
        run = services.claim_next()
        if run is not None:
            services.run_execute(run)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def test_the_bureau_runs_the_monthly_report_and_downloads_it(
    live_server,
    page,
    paid,  # noqa: F811
    screenshot,
):
    base = live_server.url
    with on(dt.date(2026, 11, 20)):
        sign_in(page, base, "bureau_admin")
        page.get_by_role("link", name="统计报表").click()
        expect(page.get_by_test_id("report-ltci-monthly")).to_be_visible()
        page.get_by_test_id("report-ltci-monthly").get_by_role("link", name="生成报表").click()
        page.get_by_label("报告期").select_option(MONTH)
        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            page.get_by_test_id("run-report").click()
        expect(page.locator(".alert-success")).to_contain_text("已提交")
        expect(page.get_by_test_id("run-progress")).to_contain_text("等待后台任务处理")
        _work_the_queue()
        # The progress fragment polls every 2 s and reloads the page once the run is done.
        section = page.get_by_test_id("section-beneficiaries")
        expect(section).to_be_visible(timeout=15000)
        expect(section).to_contain_text("重度失能Ⅱ级")
        total = section.get_by_test_id("total-row")
        expect(total.locator("td").first).to_have_text("7")
        screenshot(page, "report-monthly")

        with page.expect_download() as xlsx:
            page.get_by_test_id("download-xlsx").click()
        workbook = openpyxl.load_workbook(io.BytesIO(open(xlsx.value.path(), "rb").read()))
        assert xlsx.value.suggested_filename == f"长期护理保险月度运行报表-{MONTH}.xlsx"
        assert workbook.active.merged_cells.ranges
        with page.expect_download() as pdf:
            page.get_by_test_id("download-pdf").click()
        assert open(pdf.value.path(), "rb").read().startswith(b"%PDF")

        section.get_by_role("row", name="武侯区").get_by_test_id("figure").first.click()
        expect(page.get_by_test_id("drill-row")).to_have_count(1)
        expect(page.get_by_test_id("drill-row")).to_contain_text("郑国庆")
        assert not page.console_errors, page.console_errors
