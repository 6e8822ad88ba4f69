"""The bureau computes a quarter's care-institution scorecards, finds an institution in its
district's ranking, opens its card with the trend chart, and drills down from the confirmed-finding
rate to the findings behind it; the institution's own administrator sees only its own card."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from changhu.providers.tests.fixtures import caregivers, institution, other  # noqa: F401
from changhu.scorecards.tests.fixtures import scored  # noqa: F401
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_a_quarters_care_institution_scorecard_with_a_drill_down(
    live_server,
    page,
    scored,  # noqa: F811
    orgs,
    users,
    screenshot,
):
    base = live_server.url
    quarter = scored.quarter.key
    sign_in(page, base, "bureau_admin")
    page.get_by_role("link", name="考核排名").click()
    page.get_by_test_id("compute").click()
    page.get_by_label("考核对象").select_option(label="定点护理机构")
    page.get_by_label("考核期").fill(quarter)
    with page.expect_navigation():
        page.get_by_role("button", name="计算").click()
    expect(page.locator(".alert-success")).to_contain_text("共2家机构")
    expect(page.get_by_test_id("ranking-row")).to_have_count(2)

    page.get_by_label("区县").select_option(label="锦江区")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("ranking-row")).to_have_count(1)
    page.get_by_role("link", name=orgs.care.name, exact=True).click()
    expect(page.get_by_test_id("card-score")).to_be_visible()
    expect(page.locator("[data-ch-scorecard-trend] canvas")).to_have_count(1)
    row = page.get_by_test_id("indicator-confirmed_finding_rate")
    expect(row).to_contain_text("50.00")
    expect(row).to_contain_text("1/2")
    screenshot(page, "scorecard-card")

    page.get_by_test_id("drill-confirmed_finding_rate").click()
    expect(page.get_by_role("heading", name="疑点查实率")).to_be_visible()
    rows = page.get_by_test_id("drill-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="计入")).to_have_count(1)
    expect(rows.filter(has_text="已确认违规")).to_have_count(1)
    screenshot(page, "scorecard-drill-down")
    assert not page.console_errors, page.console_errors

    page.context.clear_cookies()
    sign_in(page, base, "care_admin")
    page.goto(f"{base}/scorecards/?kind=care-institution&period={quarter}")
    expect(page.get_by_test_id("ranking-row")).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text(scored.other.organization.name)
