"""After a failed submit the error banner has the focus, and each of its links moves the focus
to the field it names."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_banner_takes_the_focus_and_links_to_each_field(live_server, page, users, city):
    from tests.fixtures import PASSWORD

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(users.worker_a.username)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/insured/new/")
    page.get_by_label("姓名").fill("陈志强")
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()

    banner = page.get_by_test_id("form-errors")
    assert banner.is_visible()
    assert page.evaluate("document.activeElement.dataset.testid") == "form-errors"
    text = banner.inner_text()
    assert "请选择参保类型" in text and "街道/乡镇" not in text  # not the optional street

    banner.get_by_role("link", name="区县").click()
    assert page.evaluate("document.activeElement.id") == "id_district"
    banner.get_by_role("link", name="参保类型").click()
    assert page.evaluate("document.activeElement.id") == "id_insurance_type_0"
    assert page.console_errors == []
