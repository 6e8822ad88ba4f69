"""A citizen on a 360 px phone, not signed in: from the sign-in page to the public site, finds
a designated institution offering family care in their district, reads the guide and leaves a
consultation, which lands in the case worker's queue."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from changhu.providers.tests.fixtures import institution, other  # noqa: F401
from changhu.public.models import Article, Consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 4" not in m.text else None
        ),
    )
    page.console_errors = errors
    try:
        yield page
    finally:
        context.close()


def fits_the_phone(page) -> None:
    """Nothing wider than the screen; body text at least 16 px; the menu's targets 44 px."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 16, size
    heights = page.evaluate(
        "[...document.querySelectorAll('.ch-site-nav a')]"
        ".map(a => a.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights


def test_a_citizen_on_a_phone_finds_an_institution_and_asks_a_question(
    live_server,
    phone,
    settings,
    city,
    users,
    institution,  # noqa: F811
    other,  # noqa: F811
    screenshot,
):
    settings.PUBLIC_FORM_MIN_SECONDS = 0
    cache.clear()
    Article.objects.create(
        kind="guide",
        title="怎样申请长期护理保险待遇",
        body="## 要准备的材料\n1. 身份证\n2. 病历",
        published=True,
    )
    page = phone
    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_test_id("public-site-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("长期护理保险信息公开")
    fits_the_phone(page)

    page.get_by_test_id("tile-institutions").click()
    expect(page.get_by_test_id("institution")).to_have_count(2)
    page.get_by_label("所在区（县）").select_option(label="武侯区")
    page.get_by_label("照护方式").select_option(label="亲情照护")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("institution")).to_have_count(1)
    expect(page.get_by_test_id("institution")).to_contain_text("武侯居家照护服务中心")
    expect(page.get_by_test_id("institution")).to_contain_text("协议有效")
    fits_the_phone(page)
    screenshot(page, "public_institutions_360")

    page.get_by_role("link", name="办事指南").click()
    page.get_by_role("link", name="怎样申请长期护理保险待遇").click()
    expect(page.get_by_test_id("article-body").get_by_role("listitem")).to_have_count(2)

    page.get_by_role("link", name="我要咨询").first.click()
    page.get_by_label("您的姓名").fill("周阿姨")
    page.get_by_label("联系电话").fill("1390000")
    page.get_by_label("您想咨询的问题").fill("母亲中风卧床半年了，可以申请吗？")
    page.get_by_test_id("consult-submit").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("电话号码格式不正确")
    expect(page.get_by_label("您想咨询的问题")).to_have_value("母亲中风卧床半年了，可以申请吗？")
    page.get_by_label("联系电话").fill("13900001111")
    page.get_by_label("您所在的区（县）").select_option(label="锦江区")
    fits_the_phone(page)
    page.get_by_test_id("consult-submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您的咨询已收到")
    number = page.get_by_test_id("consultation-number").inner_text()
    screenshot(page, "public_consult_done_360")
    consultation = Consultation.objects.get()
    assert consultation.number == number and consultation.region_code == "510104"
    assert consultation.phone_masked == "139****1111"
    assert not page.console_errors, page.console_errors
