"""The bureau's administrator opens a login on 系统管理; its owner signs in with the initial
password and must set their own before anything else."""

from __future__ import annotations

import pytest

from changhu.orgs.models import User
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Jianguan2026x"


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def test_admin_creates_a_login_whose_owner_must_change_the_password(
    live_server, browser, page, users, orgs
):
    sign_in(page, live_server.url, users.bureau_admin.username, PASSWORD)
    page.get_by_role("link", name="用户账号").first.click()
    page.get_by_test_id("user-new").click()
    page.get_by_label("登录名").fill("chenjian")
    page.get_by_label("姓名").fill("陈监管")
    page.get_by_label("所属机构").select_option(label=orgs.bureau.name)
    page.get_by_label("角色").select_option(label="医保局监管人员")
    with page.expect_navigation():
        page.get_by_role("button", name="开通").click()
    page.get_by_test_id("new-password").wait_for()
    password = page.get_by_test_id("password-value").inner_text().strip()
    assert User.objects.get(username="chenjian").must_change_password
    assert page.console_errors == []

    owner = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    other = owner.new_page()
    sign_in(other, live_server.url, "chenjian", password)
    assert other.url.endswith("/password/") or "/password/" in other.url
    other.get_by_test_id("password-forced").wait_for()
    other.locator('input[name="old_password"]').fill(password)
    other.locator('input[name="new_password1"]').fill(NEW_PASSWORD)
    other.locator('input[name="new_password2"]').fill(NEW_PASSWORD)
    with other.expect_navigation():
        other.get_by_role("button", name="保存新密码").click()
    assert "/password/" not in other.url
    user = User.objects.get(username="chenjian")
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)
    owner.close()
