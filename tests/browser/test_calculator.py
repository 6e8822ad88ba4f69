"""待遇测算 as a case worker uses it: the policy of their region is chosen for them; they pick
another city's policy and a month, type a few days' costs in yuan into the calendar, tick a
hospital day, and read each line of the answer in words. No code, pinyin or unit of the
system's own reaches the screen, and nothing wraps or spills over at 1366×768."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from changhu.settlement import policies
from changhu.settlement.policy import CARE_MODES, COST_KINDS, INSTITUTION_CLASSES
from changhu.web import labels
from changhu.web.tests.test_no_internal_codes import _forbidden_codes, leaks
from tests.browser.test_layout import MEASURE
from tests.browser.test_shell_accessibility import axe_source, violations
from tests.clock import on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOVEMBER_10 = dt.date(2026, 11, 10)


def _sign_in(page, base_url: str, username: str) -> None:
    from tests.fixtures import PASSWORD

    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def _selected(page, label: str) -> str:
    return page.get_by_label(label, exact=True).evaluate("s => s.selectedOptions[0].textContent")


def _no_codes(text: str) -> set[str]:
    found = leaks(text, _forbidden_codes())
    words = set(re.findall(r"[A-Za-z_@]+", text))
    internal = {"fen", "changhu", "json", "JSON", *CARE_MODES, *COST_KINDS, *INSTITUTION_CLASSES}
    return found | (words & internal) | ({"@"} if "@" in text else set())


def test_case_worker_calculates_a_month_from_the_calendar(
    live_server, page, users, city, screenshot
):
    policies.load_all_policies()
    labels.clear_cache()
    with on(NOVEMBER_10):
        _sign_in(page, live_server.url, users.worker_a.username)
        page.get_by_role("link", name="待遇测算").click()
        page.wait_for_selector('[data-testid="calc-calendar"]')

        # The insurer works in Chengdu: Chengdu's policy and this month are chosen.
        assert _selected(page, "待遇政策") == "成都市长期照护保险待遇标准（重度失能）"
        assert _selected(page, "测算月份") == "2026年11月"
        assert page.get_by_label("失能等级", exact=True).locator("option").all_inner_texts() == [
            "请选择…",
            "基本正常（本政策不支付）",
            "轻度失能（本政策不支付）",
            "中度失能（本政策不支付）",
            "重度失能Ⅰ级",
            "重度失能Ⅱ级",
            "重度失能Ⅲ级",
        ]

        # Another city's policy, paid per bed day, and October: the form is drawn again.
        page.get_by_label("待遇政策").select_option(label="滕州市长期护理保险床日支付标准")
        page.wait_for_selector('[name="bed_days_2026-11-10"]')
        page.get_by_label("测算月份").select_option(label="2026年10月")
        page.wait_for_selector('[name="bed_days_2026-10-10"]')
        assert page.get_by_label("待遇起始日").input_value() == "2026-10-01"
        # October 2026 starts on a Thursday: the first row has three empty days.
        first_week = page.locator('[data-testid="calc-calendar"] tbody tr').first
        assert first_week.locator("td.ch-cal-pad").count() == 3
        assert page.locator('[data-testid="calc-calendar"] tbody tr').count() == 5

        page.get_by_label("失能等级", exact=True).select_option(label="重度失能Ⅱ级")
        page.get_by_label("照护方式", exact=True).select_option(label="机构照护")
        page.get_by_label("机构结算类别", exact=True).select_option(label="二级医疗机构")
        # Home-visit nursing costs do not concern a month in an institution.
        nursing = page.locator('[name="services_2026-10-10"]')
        assert nursing.count() == 1 and nursing.is_hidden()
        assert page.get_by_role("textbox", name="10月10日 床日费用").is_visible()

        page.get_by_role("textbox", name="10月10日 床日费用").fill("150")
        page.get_by_role("textbox", name="10月11日 床日费用").fill("150")
        page.get_by_role("textbox", name="10月12日 床日费用").fill("90.5")
        page.get_by_role("checkbox", name="10月11日 住院").check()
        hospital_day = page.locator('[data-calc-day="2026-10-11"]')
        assert "ch-cal-hospital" in hospital_day.get_attribute("class")
        assert hospital_day.locator("[data-calc-status]").inner_text() == "住院"
        page.get_by_label("待遇截止日").fill("2026-10-30")
        last_day = page.locator('[data-calc-day="2026-10-31"]')
        assert "ch-cal-off" in last_day.get_attribute("class")
        assert last_day.locator("[data-calc-status]").inner_text() == "待遇截止后"

        with page.expect_navigation():
            page.get_by_role("button", name="计算").click()
        screenshot(page, "calculator-result")

        lines = page.get_by_test_id("calc-lines").inner_text()
        assert (
            "重度失能Ⅱ级、机构照护（二级医疗机构）的医疗专护（定点医院）：10月10日、12日共2天"
            in lines
        )
        assert "费用240.50元，基金支付167.88元，个人负担72.62元" in lines
        notes = page.get_by_test_id("calc-notes").inner_text()
        assert "住院1天（10月11日）不享受待遇" in notes
        assert "不享受待遇的日子（10月11日）填写的床日费用150.00元未计入" in notes
        assert "待遇至10月30日截止" in notes
        result = page.get_by_test_id("calc-result").inner_text()
        assert "长期护理保险基金" in result and "护理机构" in result
        # The form keeps what was typed, for the next try.
        assert page.get_by_role("textbox", name="10月12日 床日费用").input_value() == "90.5"
        assert page.get_by_role("checkbox", name="10月11日 住院").is_checked()

        visible = page.locator("main").inner_text()
        assert _no_codes(visible) == set(), visible

        page.set_viewport_size({"width": 1366, "height": 768})
        assert page.evaluate(MEASURE) == []
        assert violations(page, axe_source()) == []
        assert page.console_errors == []


def test_a_wrong_amount_is_marked_at_its_day(live_server, page, users, city):
    policies.load_all_policies()
    labels.clear_cache()
    with on(NOVEMBER_10):
        _sign_in(page, live_server.url, users.worker_a.username)
        page.goto(f"{live_server.url}/settlement/calculator/?policy=tengzhou&period=2026-10")
        page.get_by_label("照护方式", exact=True).select_option(label="机构照护")
        page.get_by_role("textbox", name="10月3日 床日费用").fill("一百")
        with page.expect_navigation():
            page.get_by_role("button", name="计算").click()

        banner = page.get_by_test_id("form-errors")
        assert "请选择失能等级" in banner.inner_text()
        assert "10月3日床日费用：金额应为数字（元）" in banner.inner_text()
        cell = page.get_by_role("textbox", name="10月3日 床日费用")
        assert "is-invalid" in cell.get_attribute("class")
        assert page.locator('[data-field-error="bed_days_2026-10-03"]').is_visible()
        banner.get_by_role("link", name="10月3日床日费用").click()
        assert page.evaluate("document.activeElement.name") == "bed_days_2026-10-03"
        page.set_viewport_size({"width": 1366, "height": 768})
        assert page.evaluate(MEASURE) == []
        assert violations(page, axe_source()) == []
        assert page.console_errors == []
