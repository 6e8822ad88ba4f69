"""A care institution's patroller records a patrol visit on a 360 px phone (checklist, a failed
item with a note, a photo, the position, a follow-up for the family caregiver), finds the
follow-up on the phone's list and on the work dashboard, and closes it with a note."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from changhu.core import clock
from changhu.visits import rulesets
from changhu.visits.models import FollowUpStatus, PatrolFollowUp, PatrolVisit
from changhu.visits.tests.fixtures import open_home_care
from tests.factories import jpeg_bytes, load_demo_catalogue, make_caregiver, make_institution
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
HOME = {"latitude": 30.6571, "longitude": 104.066, "accuracy": 12}


@pytest.fixture
def family(users, people, orgs, private_media):
    rulesets.clear_cache()
    rulesets.load_all_rule_sets()
    load_demo_catalogue()
    institution = make_institution(orgs.care)
    person = people.jinjiang
    open_home_care(users, person, institution, mode="family")
    make_caregiver(
        institution, kind="family", certificate="family_training", beneficiary=person, name="张小明"
    )
    yield person
    rulesets.clear_cache()


def test_a_patrol_with_a_follow_up_recorded_and_closed_on_a_phone(
    live_server, browser, users, family, screenshot
):
    context = browser.new_context(
        locale="zh-CN",
        viewport=PHONE,
        geolocation=HOME,
        permissions=["geolocation"],
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    checklist = rulesets.rules_on(clock.today()).checklist
    try:
        page.goto(f"{base}/login/")
        page.get_by_label("用户名").fill("care_admin")
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")

        page.goto(f"{base}/pwa/patrols/")
        expect(page.get_by_test_id("no-follow-ups")).to_have_text("没有待跟进事项")
        page.get_by_test_id("patrol-new").click()
        page.wait_for_url(f"{base}/pwa/patrols/new/")
        expect(page.get_by_test_id("gps")).to_contain_text("已定位")
        page.get_by_test_id("person").select_option(label=family.name)
        failed = checklist[0]
        for entry in checklist:
            row = page.get_by_test_id(f"check-{entry['code']}")
            row.get_by_text("不合格" if entry is failed else "合格", exact=True).click()
        page.get_by_test_id(f"check-{failed['code']}").get_by_placeholder("说明（可不填）").fill(
            "翻身间隔超过四小时"
        )
        page.get_by_label("参保人状况").fill("精神好，骶尾部皮肤发红")
        page.get_by_label("发现的问题与现场指导").fill("已现场示范翻身方法")
        page.get_by_test_id("photos").set_input_files(
            [{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(21)}]
        )
        page.get_by_label("跟进事项", exact=True).fill("教会家属每两小时翻身一次")
        due = clock.today() + dt.timedelta(days=5)
        page.get_by_label("完成期限").fill(due.isoformat())
        page.get_by_label("亲情护理员").check()
        # Nothing sticks out of the 360 px screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "patrol_phone_form")
        with page.expect_navigation():
            page.get_by_test_id("patrol-submit").click()
        page.wait_for_url(f"{base}/pwa/patrols/")
        expect(page.get_by_test_id("message")).to_contain_text("已登记对张建国的巡护")
        card = page.get_by_test_id("follow-up")
        expect(card).to_contain_text("教会家属每两小时翻身一次")
        expect(card).to_contain_text("亲情护理员跟进")

        patrol = PatrolVisit.objects.get()
        assert patrol.photos.count() == 1 and patrol.distance_m is not None
        assert [r["note"] for r in patrol.checklist if not r["ok"]] == ["翻身间隔超过四小时"]
        follow_up = PatrolFollowUp.objects.get()
        assert follow_up.due_on == due and follow_up.party == "family_caregiver"

        # The work dashboard's queue leads to the institution's follow-ups.
        page.goto(f"{base}/")
        page.get_by_role("link", name="巡护待跟进事项").first.click()
        expect(page.get_by_test_id("follow-up-row")).to_contain_text("教会家属每两小时翻身一次")

        # Closed on the phone with what was done.
        page.goto(f"{base}/pwa/patrols/")
        card = page.get_by_test_id("follow-up")
        card.get_by_text("已完成，填写完成情况").click()
        card.get_by_test_id("done-note").fill("家属已掌握，复查皮肤好转")
        with page.expect_navigation():
            card.get_by_test_id("done-submit").click()
        expect(page.get_by_test_id("message")).to_contain_text("已完成")
        expect(page.get_by_test_id("no-follow-ups")).to_be_visible()
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.DONE
        assert follow_up.done_note == "家属已掌握，复查皮肤好转"
        screenshot(page, "patrol_phone_closed")
        assert not errors, errors
    finally:
        context.close()
