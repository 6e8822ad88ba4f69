"""The bureau registers an assessor of the designated assessment centre on a phone-width
screen: without a certificate the assessor may not assess; with the assessor certificate
recorded, the register says they may assess today."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from playwright.sync_api import expect

from changhu.core import clock
from changhu.providers.models import Assessor
from tests.factories import valid_id_number
from tests.fixtures import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("designated_assessment"),
]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_register_an_assessor_and_record_the_certificate(
    live_server, browser, users, orgs, screenshot
):
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    page = context.new_page()
    sign_in(page, base, "bureau_admin")
    page.goto(f"{base}/providers/assessors/")
    expect(page.get_by_test_id("assessor-table")).to_contain_text(users.assessor.display_name)
    page.goto(f"{base}/providers/assessors/new/")
    page.get_by_label("所属评估机构").select_option(label=orgs.assessment.name)
    page.get_by_label("姓名").fill("林晓梅")
    page.get_by_label("身份证号码").fill(valid_id_number("510104", dt.date(1984, 5, 6)))
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_label("专业").select_option(label="护士")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("qualified")).to_have_text("今日不能参加评估")
    expect(page.get_by_test_id("qualification-reason")).to_contain_text("没有有效的评估人员资格证")
    today = clock.today()
    certificate = page.locator("form", has=page.get_by_role("button", name="保存")).first
    certificate.get_by_label("证书类别").select_option(label="长护险失能评估人员资格证")
    certificate.get_by_label("证书编号").fill("PG-2026-088")
    certificate.get_by_label("发证日期").fill(today.isoformat())
    certificate.get_by_label("有效期至").fill((today + dt.timedelta(days=730)).isoformat())
    with page.expect_navigation():
        certificate.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("qualified")).to_have_text("今日可参加评估")
    expect(page.get_by_test_id("certificates")).to_contain_text("PG-2026-088")
    screenshot(page, "assessor-register-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
    connections.close_all()
    assert Assessor.objects.get(name="林晓梅").certificates.count() == 1
