"""A caregiver's phone: one visit online, one made offline and synced when the network returns;
a check-in refused because another caregiver's visit is in progress shows why, online and
after an offline sync.

The system Chromium emulates the phone's position near the beneficiary's home; photos are
chosen through the camera input; the family's code is the one the family's phone would show.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connections

from changhu.core import clock
from changhu.providers.models import Caregiver
from changhu.visits import rulesets
from changhu.visits.models import Visit
from changhu.visits.services import family_code_for
from changhu.visits.tests.fixtures import assign, link_caregiver, open_home_care
from tests.factories import (
    jpeg_bytes,
    load_demo_catalogue,
    make_caregiver,
    make_institution,
    make_visit,
)
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME = {"latitude": 30.6571, "longitude": 104.0661, "accuracy": 18}


@pytest.fixture
def beneficiary(users, people, orgs):
    rulesets.clear_cache()
    rulesets.load_all_rule_sets()
    load_demo_catalogue()
    institution = make_institution(orgs.care)
    open_home_care(users, people.jinjiang, institution)
    caregiver = link_caregiver(users.caregiver, institution)
    assign(caregiver, people.jinjiang, institution)
    yield people.jinjiang
    rulesets.clear_cache()


def photo(seed: int) -> dict:
    return {"name": f"photo{seed}.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed)}


def do_check_in(page, person, *, seed: int) -> None:
    card = page.get_by_test_id(f"person-{person.pk}")
    card.get_by_role("button", name="签到", exact=True).click()
    page.get_by_test_id("gps").filter(has_text="已定位").wait_for()
    page.get_by_test_id("photo").set_input_files(photo(seed))
    page.get_by_test_id("submit").click()
    card.get_by_role("button", name="签退").wait_for()


def do_check_out(page, person, *, seed: int, at=None) -> None:
    card = page.get_by_test_id(f"person-{person.pk}")
    card.get_by_role("button", name="签退").click()
    page.get_by_test_id("gps").filter(has_text="已定位").wait_for()
    page.get_by_test_id("item-SH05").locator('input[type="checkbox"]').check()
    page.get_by_test_id("item-YL06").locator('input[type="checkbox"]').check()
    page.get_by_test_id("photo").set_input_files(photo(seed + 1))
    page.get_by_test_id("code").fill(family_code_for(person.pk, at or clock.now()))
    page.get_by_test_id("submit").click()


def test_one_visit_online_and_one_offline_synced_later(
    live_server, browser, users, beneficiary, screenshot
):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 412, "height": 915},
        geolocation=HOME,
        permissions=["geolocation"],
    )
    # The phone's clock moves with the server's: a visit checked out at once is refused.
    start = clock.now()
    context.clock.install(time=start)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        base = live_server.url
        page.goto(f"{base}/login/")
        page.get_by_label("用户名").fill("caregiver")
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/pwa/")
        page.get_by_test_id(f"person-{beneficiary.pk}").wait_for()
        assert page.evaluate(
            "navigator.serviceWorker.register('/pwa/sw.js', {scope: '/pwa/'})"
            ".then(() => navigator.serviceWorker.ready).then(r => r.active !== null)"
        )

        do_check_in(page, beneficiary, seed=11)
        with time_machine.travel(start + dt.timedelta(minutes=50), tick=True):
            page.clock.fast_forward("50:00")
            do_check_out(page, beneficiary, seed=11)
            page.get_by_test_id("message").filter(has_text="签退成功").wait_for()
            online = Visit.objects.get()
            assert online.status == "completed" and not online.offline
            assert online.place_result == "compliant" and online.items.count() == 2
            screenshot(page, "pwa_online_visit")

            context.set_offline(True)
            page.get_by_test_id("network").filter(has_text="离线").wait_for()
            do_check_in(page, beneficiary, seed=21)
            page.clock.fast_forward("50:00")
            # The code the family's phone shows at the phone's time of the check-out.
            do_check_out(page, beneficiary, seed=21, at=start + dt.timedelta(minutes=100))
            page.get_by_test_id("queue-count").filter(has_text="2").wait_for()
            assert Visit.objects.count() == 1
            screenshot(page, "pwa_offline_queue")

        with time_machine.travel(start + dt.timedelta(minutes=101), tick=True):
            context.set_offline(False)
            page.get_by_test_id("message").filter(has_text="已上传2条离线记录").wait_for()
            page.get_by_test_id("queue-count").filter(has_text="0").wait_for()
            synced = Visit.objects.exclude(pk=online.pk).get()
        assert synced.offline and synced.status == "completed"
        assert synced.confirmation_method == "code" and synced.items.count() == 2
        assert synced.check_in_photo_id and synced.check_out_photo_id
        assert errors == []
    finally:
        context.close()
        # As the page fixture does: connections opened beside Playwright's loop close here.
        connections.close_all()


def sign_in_to_the_phone_app(page, base: str, person) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("caregiver")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/pwa/")
    page.get_by_test_id(f"person-{person.pk}").wait_for()


def check_in(page, person, *, seed: int) -> None:
    card = page.get_by_test_id(f"person-{person.pk}")
    card.get_by_role("button", name="签到", exact=True).click()
    page.get_by_test_id("gps").filter(has_text="已定位").wait_for()
    page.get_by_test_id("photo").set_input_files(photo(seed))
    page.get_by_test_id("submit").click()


def test_a_check_in_while_another_caregiver_is_there_says_why(
    live_server, browser, users, beneficiary, screenshot
):
    institution = Caregiver.objects.get(user=users.caregiver).institution
    colleague = make_caregiver(institution, name="王芳")
    assign(colleague, beneficiary, institution)
    theirs = make_visit(
        caregiver=colleague,
        person=beneficiary,
        start=clock.now() - dt.timedelta(minutes=20),
        status="in_progress",
    )
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 412, "height": 915},
        geolocation=HOME,
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    card = page.get_by_test_id(f"person-{beneficiary.pk}")
    message = page.get_by_test_id("message")
    try:
        sign_in_to_the_phone_app(page, live_server.url, beneficiary)
        check_in(page, beneficiary, seed=31)
        message.filter(has_text="张建国正在接受护理员王芳的上门服务").wait_for()
        assert "尚未签退" in message.inner_text()
        card.get_by_role("button", name="签到", exact=True).wait_for()
        screenshot(page, "pwa_visit_overlaps")

        # Offline, the check-in is queued; on sync it is refused and the phone says so, and
        # the beneficiary is not left marked as in a visit on this phone.
        context.set_offline(True)
        page.get_by_test_id("network").filter(has_text="离线").wait_for()
        check_in(page, beneficiary, seed=41)
        card.get_by_role("button", name="签退").wait_for()
        context.set_offline(False)
        message.filter(has_text="1条未通过").wait_for()
        assert "张建国正在接受护理员王芳的上门服务" in message.inner_text()
        card.get_by_role("button", name="签到", exact=True).wait_for()
        page.get_by_test_id("queue-count").filter(has_text="0").wait_for()
        assert not Visit.objects.exclude(pk=theirs.pk).exists()
        assert errors == []
    finally:
        context.close()
        connections.close_all()
