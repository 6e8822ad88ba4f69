"""A care institution's admin assigns a caregiver to a beneficiary by name, sees a refusal for
one whose certificate expired, and ends the assignment after confirming."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from changhu.care.models import Assignment
from changhu.core import clock
from changhu.providers.tests.fixtures import caregivers, catalogue, institution  # noqa: F401
from tests.factories import open_entitlement
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def beneficiary(users, people, institution, catalogue):  # noqa: F811
    start = clock.today().replace(day=1)
    open_entitlement(
        users.worker_a,
        people.jinjiang,
        institution,
        valid_from=start,
        valid_until=start + dt.timedelta(days=700),
    )
    return people.jinjiang


def test_care_admin_assigns_and_ends(live_server, page, beneficiary, caregivers, screenshot):  # noqa: F811
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("care_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")

    page.get_by_role("link", name="护理员派定", exact=True).click()
    row = page.locator(f'tr[data-person-id="{beneficiary.pk}"]')
    expect(row.get_by_test_id("assigned-caregivers")).to_have_text("未派定")
    row.get_by_role("link", name="派定护理员").click()
    page.wait_for_url(re.compile(rf"/care/assignments/persons/{beneficiary.pk}/$"))

    # A caregiver whose certificate expired is listed with the reason, and refused.
    expect(page.get_by_test_id(f"refusal-{caregivers.expired.pk}")).to_contain_text(
        "过期，不能派单"
    )
    page.get_by_label("赵红梅").check()
    with page.expect_navigation():
        page.get_by_test_id("assign").click()
    problem = page.get_by_test_id("assignment-problem")
    expect(problem).to_contain_text("不能派单")
    expect(problem).to_have_attribute("data-error-code", "caregiver_certificate_expired")
    assert not Assignment.objects.exists()

    page.get_by_label("按姓名或身份证号码查找护理员").fill("刘")
    with page.expect_navigation():
        page.get_by_role("button", name="查找").click()
    expect(page.locator("tr[data-caregiver]")).to_have_count(1)
    page.get_by_label("刘桂芳").check()
    expect(page.get_by_label("起始日")).to_have_value(clock.today().isoformat())
    with page.expect_navigation():
        page.get_by_test_id("assign").click()
    expect(page.locator(".alert-success")).to_contain_text("已派定护理员刘桂芳为张建国服务")
    current = page.locator('tr[data-state="current"]')
    expect(current).to_have_count(1)
    expect(current).to_contain_text("刘桂芳")
    screenshot(page, "care_assignment")

    assignment = Assignment.objects.get()
    with page.expect_navigation():
        page.get_by_test_id(f"end-{assignment.pk}").click()
    expect(page.locator(".alert-success")).to_contain_text("已结束护理员刘桂芳对张建国的派定")
    assignment.refresh_from_db()
    assert assignment.end_date == clock.today()
    assert page.console_errors == []
