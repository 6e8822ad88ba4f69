"""An inspection from plan to closed rectification, each step on the pages of the role that does
it: the supervisor plans and the sample is drawn; the inspector records a problem on the phone
page (360 px wide, GPS from the phone, a photo); the institution's administrator finds the
notice on the home page and answers with a PDF; the supervisor re-checks and accepts.

Nothing but pages, in Chinese, reached through the menu and the home page's queues."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from changhu.providers.tests.fixtures import caregivers, institution, other  # noqa: F401
from changhu.supervision.models import Rectification
from changhu.supervision.tests.fixtures import PDF, field  # noqa: F401
from tests.factories import jpeg_bytes
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
AT_THE_DOOR = {"latitude": 30.6571, "longitude": 104.0806, "accuracy": 12}


def sign_in(browser, base: str, username: str, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    page.js_errors = errors
    return context, page


def test_an_inspection_from_plan_to_closed_rectification(
    live_server,
    browser,
    field,  # noqa: F811 (the fixture imported above)
    private_media,
    screenshot,
):
    base = live_server.url
    institution_name = field.institution.organization.name

    # 1. The supervisor plans a routine inspection of Jinjiang; one institution is drawn.
    context, page = sign_in(browser, base, "supervisor_a", viewport={"width": 1366, "height": 860})
    page.get_by_role("link", name="检查任务").click()
    page.get_by_role("link", name="制定检查计划").click()
    page.get_by_label("任务名称").fill("锦江区定点机构日常巡查")
    page.get_by_label("检查类型").select_option(label="日常巡查")
    page.get_by_label("检查范围").select_option(label="锦江区")
    page.get_by_label("抽查机构数").fill("1")
    page.get_by_label("抽查居家服务对象数").fill("0")
    page.get_by_role("button", name="保存并抽样").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已计划")
    expect(page.get_by_test_id("target-row")).to_contain_text(institution_name)
    expect(page.get_by_test_id("target-row")).to_contain_text("无风险记录，随机抽取")
    screenshot(page, "inspection_planned")
    assert not page.js_errors
    context.close()

    # 2. The inspector records it on the phone: one item not met, a photo, the phone's position.
    context, page = sign_in(
        browser,
        base,
        "worker_a",
        viewport=PHONE,
        geolocation=AT_THE_DOOR,
        permissions=["geolocation"],
        has_touch=True,
        is_mobile=True,
    )
    page.get_by_role("link", name="待现场检查").click()
    page.get_by_test_id("phone-target").filter(has_text=institution_name).click()
    expect(page.locator("#gps-status")).to_contain_text("已定位")
    items = page.get_by_test_id("checklist-item")
    for index in range(items.count()):
        item = items.nth(index)
        if "消防设施" in item.inner_text():
            item.get_by_text("不合格", exact=True).click()
            item.get_by_label("发现的问题").fill("二楼疏散通道堆放轮椅和杂物")
        else:
            item.get_by_text("合格", exact=True).click()
    page.get_by_label("现场照片").set_input_files(
        {"name": "通道.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(5)}
    )
    font_size = page.evaluate("getComputedStyle(document.body).fontSize")
    assert font_size == "16px"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "inspection_phone")
    page.get_by_role("button", name="提交检查结果").click()
    expect(page.get_by_role("status")).to_contain_text("发现问题1项，已下达整改通知")
    assert not page.js_errors
    context.close()
    notice = Rectification.objects.get()
    assert notice.finding.target.latitude == pytest.approx(30.6571)

    # 3. The institution finds the notice on its home page and answers with a PDF.
    context, page = sign_in(browser, base, "care_admin", viewport={"width": 1366, "height": 860})
    page.locator('[data-queue="supervision.to_answer"]').click()
    page.get_by_test_id("rectification-row").get_by_role("link").click()
    expect(page.get_by_test_id("finding-description")).to_have_text("二楼疏散通道堆放轮椅和杂物")
    page.get_by_label("整改情况").fill("已清理通道，杂物移至库房，并安排专人每日巡查")
    page.get_by_label("佐证材料").set_input_files(
        {"name": "整改报告.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="提交整改情况").click()
    expect(page.get_by_test_id("rectification-status")).to_have_text("待复查")
    assert not page.js_errors
    context.close()

    # 4. The supervisor re-checks from the home page and accepts: the notice is closed.
    context, page = sign_in(browser, base, "supervisor_a", viewport={"width": 1366, "height": 860})
    page.locator('[data-queue="supervision.to_review"]').click()
    page.get_by_test_id("rectification-row").get_by_role("link").click()
    expect(page.get_by_role("link", name="整改报告.pdf")).to_be_visible()
    page.get_by_label("通过，销号").check()
    page.get_by_label("复查意见").fill("现场复查通道已畅通")
    page.get_by_role("button", name="提交复查结果").click()
    expect(page.get_by_test_id("rectification-status")).to_have_text("已整改销号")
    screenshot(page, "inspection_closed")
    assert not page.js_errors
    context.close()
    notice.refresh_from_db()
    assert notice.status == "accepted" and notice.finding.status == "closed"
