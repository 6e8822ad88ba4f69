"""A case worker finds a person by ID number, sees it masked, and reveals it (audited)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from changhu.core.models import AuditEntry
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def masked_pattern(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def test_case_worker_searches_and_reveals(live_server, users, people, page, screenshot):
    person = people.jinjiang
    full_number = person.id_number
    base = live_server.url

    log_in(page, base, "worker_a")
    expect(page.locator("h1")).to_have_text("工作台")
    assert page.get_by_test_id("current-user").inner_text().count("商保经办人员") == 1
    special = page.locator('[data-queue="insured.special_groups"] [data-queue-count]')
    assert special.inner_text() == "1"
    # Bootstrap and our stylesheet really loaded: the sidebar has its fixed width.
    assert page.locator(".ch-sidebar").evaluate("e => getComputedStyle(e).width") == "216px"
    screenshot(page, "changhu_home")

    page.get_by_role("link", name="参保人", exact=True).click()
    page.wait_for_url(re.compile(r"/insured/$"))
    page.get_by_label("姓名或身份证号").fill(full_number)
    page.get_by_role("button", name="查询").click()
    rows = page.locator("tbody tr[data-person-id]")
    expect(rows).to_have_count(1)
    assert full_number not in page.locator("table").inner_text()
    assert masked_pattern(full_number) in rows.first.inner_text()
    rows.first.get_by_role("link", name="张建国").click()

    page.wait_for_url(re.compile(rf"/insured/{person.pk}/$"))
    masked = page.get_by_test_id("masked-id_number").inner_text()
    assert re.fullmatch(r"5101\*{10}[0-9X]{4}", masked)
    assert masked == masked_pattern(full_number)
    assert full_number not in page.content()
    screenshot(page, "changhu_person_detail")

    page.get_by_test_id("reveal-id_number").click()
    revealed = page.get_by_test_id("revealed-id_number")
    revealed.wait_for()
    assert full_number in revealed.inner_text()
    assert "本次查看已记入审计" in revealed.inner_text()
    screenshot(page, "changhu_person_revealed")

    entry = AuditEntry.objects.get(object_id=str(person.pk), action="view_full")
    assert entry.actor_id == users.worker_a.pk and entry.channel == "web"
    assert page.console_errors == []


def test_case_worker_registers_with_inline_errors(live_server, users, city, page, screenshot):
    from changhu.insured.models import Person
    from tests.factories import valid_id_number

    base = live_server.url
    number = valid_id_number("510105")
    log_in(page, base, "worker_a")
    page.goto(f"{base}/insured/new/")
    page.get_by_label("姓名").fill("陈志强")
    page.get_by_label("身份证号码").fill(number[:17] + ("1" if number[17] == "0" else "0"))
    page.get_by_label("区县").select_option("510105")
    # htmx reloads the streets of the chosen district.
    street = page.get_by_label("街道/乡镇")
    street.locator("option", has_text="太升路街道").wait_for(state="attached")
    street.select_option("510105001000")
    page.get_by_label("居民").check()
    page.get_by_role("button", name="登记", exact=True).click()

    error = page.locator('[data-field-error="id_number"]')
    expect(error).to_have_text("身份证号码校验位错误，请核对最后一位")
    assert page.get_by_label("姓名").input_value() == "陈志强"
    assert not Person.objects.exists()
    screenshot(page, "changhu_person_form_error")

    page.get_by_label("身份证号码").fill(number)
    page.get_by_label("街道/乡镇").select_option("510105001000")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r"/insured/\d+/$"))
    assert "已登记参保人：陈志强" in page.locator(".alert-success").inner_text()
    person = Person.objects.get()
    assert person.region_code == "510105001000" and person.id_number == number

    page.goto(f"{base}/insured/")
    screenshot(page, "changhu_person_list")
    assert page.console_errors == []
