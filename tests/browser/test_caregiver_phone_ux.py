"""The caregiver's phone at a doorstep, on a 360×740 screen (issue 10): the whole address with a
number to call and a map for the caregiver's own homes, big targets and text, a large-text
switch that stays on, the check-in panel opening under the tapped person, and every answer
(a place warning with the distance, a wrong family code, a visit ended early) shown next to
the button that was tapped.

The system Chromium emulates a position about 850 m from the home; the phone's clock and the
server's move together (time_machine for the live server, which runs in this process).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connections
from playwright.sync_api import expect

from changhu.core import clock
from changhu.visits import rulesets
from changhu.visits.models import Visit
from changhu.visits.services import family_code_for
from changhu.visits.tests.fixtures import assign, link_caregiver, open_home_care
from tests.factories import jpeg_bytes, load_demo_catalogue, make_institution, make_person
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 0.0077° north of the home (30.657, 104.066): about 856 m away.
FAR = {"latitude": 30.6647, "longitude": 104.066, "accuracy": 15}
PHONE = {"width": 360, "height": 740}

# Every visible control and every visible piece of text, measured in the page.
MEASURE = """() => {
  const visible = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const controls = [...document.querySelectorAll('button, a[href], input, select, .item-row')]
    .filter(visible)
    .filter(e => !(e.matches('input[type=checkbox], input[type=radio]')))
    .map(e => ({what: e.outerHTML.slice(0, 80), height: e.getBoundingClientRect().height}));
  const texts = [...document.querySelectorAll('body *')].filter(visible)
    .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .map(e => ({what: e.outerHTML.slice(0, 80), size: parseFloat(getComputedStyle(e).fontSize)}));
  return {controls, texts};
}"""


@pytest.fixture
def homes(users, people, orgs, city):
    rulesets.clear_cache()
    rulesets.load_all_rule_sets()
    load_demo_catalogue()
    institution = make_institution(orgs.care)
    second = make_person(city.streets["510104001000"], name="赵德明")
    caregiver = link_caregiver(users.caregiver, institution)
    for person in (people.jinjiang, second):
        open_home_care(users, person, institution)
        assign(caregiver, person, institution)
    yield people.jinjiang, second
    rulesets.clear_cache()


def photo(seed: int) -> dict:
    return {"name": f"photo{seed}.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed)}


def in_view(page, locator) -> bool:
    """Wholly inside the 740-px screen (after any scrolling the page does)."""
    expect(locator).to_be_in_viewport(ratio=1)
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_the_doorstep_on_a_small_phone(live_server, browser, users, homes, screenshot):
    first, second = homes
    start = clock.now()
    context = browser.new_context(
        locale="zh-CN",
        viewport=PHONE,
        geolocation=FAR,
        permissions=["geolocation"],
        is_mobile=True,
        has_touch=True,
    )
    context.clock.install(time=start)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    try:
        page.goto(f"{base}/login/")
        page.get_by_label("用户名").fill("caregiver")
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/pwa/")
        card = page.get_by_test_id(f"person-{first.pk}")
        other = page.get_by_test_id(f"person-{second.pk}")
        card.wait_for()

        # The whole address, a number to call and a map, for the caregiver's own homes.
        assert card.get_by_test_id("address").inner_text() == first.address
        call = card.get_by_test_id("call").first
        assert call.get_attribute("href") == "tel:" + first.phone
        assert (
            card.get_by_test_id("map")
            .get_attribute("href")
            .startswith("https://uri.amap.com/marker?position=")
        )

        # Targets at least 44 px, text at least 16 px.
        measured = page.evaluate(MEASURE)
        small_targets = [c for c in measured["controls"] if c["height"] < 44]
        small_text = [t for t in measured["texts"] if t["size"] < 16]
        assert not small_targets, small_targets
        assert not small_text, small_text
        screenshot(page, "pwa_doorstep_list")

        # Large text: bigger at once, still on after a reload, off again.
        body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        page.get_by_test_id("large-text").click()
        large = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert large >= body_size * 1.2
        assert page.get_by_test_id("large-text").get_attribute("aria-pressed") == "true"
        page.reload()
        card.wait_for()
        assert page.evaluate("document.documentElement.classList.contains('pwa-large')")
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == large
        screenshot(page, "pwa_doorstep_large_text")
        page.get_by_test_id("large-text").click()
        assert page.evaluate("localStorage.getItem('ch.largeText')") == "0"
        assert not page.evaluate("document.documentElement.classList.contains('pwa-large')")

        # The panel opens under the tapped person, above the next one.
        card.get_by_role("button", name="签到", exact=True).click()
        panel = page.get_by_test_id("panel")
        panel.wait_for()
        assert card.get_by_test_id("panel").count() == 1
        assert panel.bounding_box()["y"] < other.bounding_box()["y"]
        page.get_by_test_id("gps").filter(has_text="已定位").wait_for()
        page.get_by_test_id("photo").set_input_files(photo(51))
        page.get_by_test_id("submit").click()

        # The answer, under the card's button: a success with a place warning that says how far
        # and what to do.
        message = card.get_by_test_id("message")
        message.filter(has_text="签到成功，但位置不符：距住址").wait_for()
        text = message.inner_text()
        assert "米。请确认是否在服务对象家中；如地址有误请联系机构管理员" in text
        assert message.get_attribute("role") == "alert"
        assert in_view(page, message)
        visit = Visit.objects.get()
        assert f"距住址 {visit.check_in_distance_m} 米" in text
        assert 800 <= visit.check_in_distance_m <= 900
        screenshot(page, "pwa_doorstep_place_warning")

        # Ten minutes of a 30-minute item: the check-out asks why, next to the button.
        with time_machine.travel(start + dt.timedelta(minutes=10, seconds=5), tick=True):
            page.clock.fast_forward("10:00")
            card.get_by_role("button", name="签退").click()
            page.get_by_test_id("gps").filter(has_text="已定位").wait_for()
            page.get_by_test_id("item-SH05").locator('input[type="checkbox"]').check()
            page.get_by_test_id("photo").set_input_files(photo(52))
            page.get_by_test_id("code").fill(family_code_for(first.pk, clock.now()))
            page.get_by_test_id("submit").click()
            in_panel = panel.get_by_test_id("message")
            in_panel.filter(has_text="不足所选项目参考时长30分钟的60%").wait_for()
            assert in_view(page, in_panel)
            reasons = page.get_by_test_id("short-reason")
            assert reasons.is_visible()
            reasons.get_by_label("服务对象临时送医").check()
            assert Visit.objects.get().status == "in_progress"

            # A wrong family code: said under the button, the panel stays open.
            page.get_by_test_id("code").fill("000000")
            page.get_by_test_id("submit").click()
            in_panel.filter(has_text="家属动态码不正确或已过期").wait_for()
            assert in_view(page, in_panel)
            screenshot(page, "pwa_doorstep_code_wrong")

            page.get_by_test_id("code").fill(family_code_for(first.pk, clock.now()))
            page.get_by_test_id("submit").click()
            message.filter(has_text="签退成功，服务时长10分钟").wait_for()
            assert in_view(page, message)
        visit.refresh_from_db()
        assert visit.status == "completed" and visit.short_reason == "hospital"
        assert errors == []
    finally:
        context.close()
        connections.close_all()


def test_a_password_set_by_the_institution_is_changed_first(live_server, browser, users):
    from changhu.orgs.models import User

    User.objects.filter(pk=users.caregiver.pk).update(must_change_password=True)
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    try:
        page.goto(f"{base}/pwa/")  # the phone app's icon: sign in, then change the password
        page.get_by_label("用户名").fill("caregiver")
        password = page.get_by_label("密码", exact=True)
        password.fill(PASSWORD)
        toggle = page.get_by_test_id("show-password")
        assert toggle.bounding_box()["height"] >= 44
        toggle.click()
        assert password.get_attribute("type") == "text"
        assert toggle.get_attribute("aria-pressed") == "true"
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/password/?next=%2Fpwa%2F")
        assert "请先设置自己的新密码" in page.get_by_test_id("password-forced").inner_text()
        # Nothing else opens before the change.
        page.goto(f"{base}/visits/")
        page.wait_for_url("**/password/?next=%2Fvisits%2F")
        page.goto(f"{base}/password/?next=/pwa/")

        page.get_by_label("当前密码").fill(PASSWORD)
        page.get_by_label("新密码", exact=True).fill("Xinmima2026ab")
        page.get_by_label("再次输入新密码").fill("Xinmima2026ax")
        page.get_by_test_id("show-password").click()
        assert page.get_by_label("新密码", exact=True).get_attribute("type") == "text"
        page.get_by_role("button", name="保存新密码").click()
        page.get_by_text("两次输入的新密码不一致").wait_for()
        page.get_by_label("当前密码").fill(PASSWORD)
        page.get_by_label("新密码", exact=True).fill("Xinmima2026ab")
        page.get_by_label("再次输入新密码").fill("Xinmima2026ab")
        page.get_by_role("button", name="保存新密码").click()
        page.wait_for_url(f"{base}/pwa/")
        page.get_by_test_id("persons").wait_for()
        user = User.objects.get(pk=users.caregiver.pk)
        assert user.check_password("Xinmima2026ab") and not user.must_change_password
        assert errors == []
    finally:
        context.close()
        connections.close_all()


def test_a_visit_begun_by_mistake_is_cancelled_on_the_phone(live_server, browser, users, homes):
    """Checked in at the wrong home: the check-out panel offers 取消本次记录, asks for a reason
    and a confirmation, and the visit is cancelled (never paid); the card offers 签到 again."""
    first, _second = homes
    context = browser.new_context(
        locale="zh-CN",
        viewport=PHONE,
        geolocation=FAR,
        permissions=["geolocation"],
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    errors: list[str] = []
    questions: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    base = live_server.url
    try:
        page.goto(f"{base}/login/")
        page.get_by_label("用户名").fill("caregiver")
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/pwa/")
        card = page.get_by_test_id(f"person-{first.pk}")
        card.get_by_role("button", name="签到", exact=True).click()
        page.get_by_test_id("gps").filter(has_text="已定位").wait_for()
        page.get_by_test_id("photo").set_input_files(photo(61))
        page.get_by_test_id("submit").click()
        card.get_by_test_id("message").filter(has_text="签到成功").wait_for()

        card.get_by_role("button", name="签退").click()
        panel = page.get_by_test_id("panel")
        void = panel.get_by_test_id("void")
        void.get_by_text("无法完成服务？取消本次记录").click()
        submit = void.get_by_test_id("void-submit")
        assert submit.bounding_box()["height"] >= 44
        submit.click()
        panel.get_by_test_id("message").filter(has_text="请选择取消原因").wait_for()
        assert not questions and Visit.objects.get().status == "in_progress"

        void.get_by_label("签到有误（签错服务对象或误操作）").check()
        submit.click()
        message = card.get_by_test_id("message")
        message.filter(has_text="已取消本次服务，不予结算").wait_for()
        assert in_view(page, message)
        assert questions and "取消后不予结算，且不能恢复" in questions[0]
        assert first.name in questions[0]
        visit = Visit.objects.get()
        assert visit.status == "cancelled" and not visit.payable
        assert visit.cancel_reason == "签到有误（签错服务对象或误操作）"
        expect(card.get_by_role("button", name="签到", exact=True)).to_be_enabled()
        assert errors == []
    finally:
        context.close()
        connections.close_all()
