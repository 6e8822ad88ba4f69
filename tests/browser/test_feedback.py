"""A case worker takes a complaint on the hotline, answers it and records the complainant's
satisfaction; another draws the month's return visits, calls one, hears that the caregiver did
not come on the 12th, and the visit named becomes a finding that, once confirmed, is not paid."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from changhu.feedback.models import Complaint, ReturnVisit, SurveyResponse
from changhu.feedback.tests.conftest import institution, last_month, served  # noqa: F401
from changhu.visits.models import Finding, Visit
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_a_hotline_complaint_to_a_reply_and_the_complainants_satisfaction(
    live_server,
    page,
    served,  # noqa: F811
    screenshot,
):
    base = live_server.url
    person = served.persons[0]
    sign_in(page, base, "worker_a")
    page.get_by_role("link", name="投诉", exact=True).click()
    page.get_by_test_id("complaint-new").click()
    page.get_by_label("渠道").select_option(label="服务热线")
    page.get_by_label("投诉类别").select_option(label="未按约上门")
    box = page.get_by_role("combobox", name="服务对象（参保人）")
    box.fill(person.name[:2])
    page.get_by_role("option", name=person.name).click()
    caregiver_box = page.get_by_role("combobox", name="被投诉的护理员")
    caregiver_box.fill(served.caregiver.name[:1])
    page.get_by_role("option", name=served.caregiver.name).click()
    page.get_by_label("投诉内容").fill("护理员说好每周上门两次，本周一次都没来")
    page.get_by_label("投诉人姓名").fill("张小明")
    page.get_by_label("联系电话").fill("13800138000")
    with page.expect_navigation():
        page.get_by_test_id("complaint-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记投诉")
    expect(page.get_by_test_id("complaint-status")).to_have_text("待受理")
    main = page.locator("main")
    expect(main).to_contain_text(served.institution.organization.name)  # from the caregiver
    expect(main).not_to_contain_text("13800138000")  # masked until asked for

    with page.expect_navigation():
        page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("处理中")
    page.get_by_label("答复内容").fill("经核实，护理员因病缺勤未另行安排，已责令机构补足服务。")
    page.get_by_label("答复方式").select_option(label="电话告知")
    page.get_by_label("投诉属实").check()
    with page.expect_navigation():
        page.get_by_test_id("reply").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("已答复")
    expect(page.get_by_test_id("complaint-reply")).to_contain_text("已责令机构补足服务")
    page.get_by_label("满意", exact=True).check()
    with page.expect_navigation():
        page.get_by_test_id("close").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("已办结")
    expect(page.get_by_test_id("complaint-satisfaction")).to_contain_text("4 分")
    screenshot(page, "complaint_closed")
    complaint = Complaint.objects.get()
    assert complaint.status == "closed" and complaint.satisfaction == 4
    assert complaint.channel == "hotline" and complaint.substantiated is True
    assert not page.console_errors, page.console_errors


def test_a_return_visit_that_opens_a_finding(live_server, page, served, screenshot):  # noqa: F811
    base = live_server.url
    sign_in(page, base, "worker_a")
    page.get_by_role("link", name="回访", exact=True).click()
    page.get_by_label("抽取月份").fill(last_month())
    with page.expect_navigation():
        page.get_by_test_id("draw").click()
    expect(page.locator(".alert-success")).to_contain_text("已抽取1家机构、2人")
    rows = page.get_by_test_id("return-visit-row")
    expect(rows).to_have_count(2)
    rows.first.get_by_role("link", name="回访").click()
    rv = ReturnVisit.objects.order_by("period", "institution_id", "pk").first()
    expect(page.get_by_test_id("opening")).to_contain_text("回访员")

    page.get_by_label("已接通").check()
    page.get_by_label("家属", exact=True).check()
    answers = {
        "visits_as_agreed": "否",
        "duration_enough": "是",
        "items_done": "是",
        "asked_to_sign": "否",
        "extra_charge": "否",
    }
    for code, label in answers.items():
        page.locator(f"#q-{code}-{'no' if label == '否' else 'yes'}").check()
    visit = served.visits[(rv.person_id, 12)]
    page.locator(f"#v-{visit.pk}").check()
    page.get_by_label("情况说明").fill("家属说护理员12日没有来")
    for code in ("caregiver_attitude", "caregiver_skill", "caregiver_punctual"):
        page.locator(f"#s-{code}-2").check()
    for code in ("institution_arrangement", "institution_response", "overall"):
        page.locator(f"#s-{code}-4").check()
    with page.expect_navigation():
        page.get_by_test_id("call-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("已生成稽核发现")
    expect(page.get_by_test_id("return-visit-status")).to_have_text("已接通")
    screenshot(page, "return_visit_done")
    finding = Finding.objects.get(rule_code="return_visit_discrepancy")
    assert finding.visit_id == visit.pk and finding.status == "open"

    # The finding is in the supervisor's queue with its Chinese rule name; confirmed, unpaid.
    page.get_by_role("link", name="到稽核发现处理").click()
    row = page.locator(f"#finding-{finding.pk}")
    expect(row).to_contain_text("回访发现服务不实")
    row.get_by_label("处理意见").fill("经核实属实")
    row.get_by_role("button", name="确认违规").click()
    expect(row.get_by_test_id("finding-status")).to_have_text("已确认违规")
    assert Visit.objects.get(pk=visit.pk).payable is False
    assert not page.console_errors, page.console_errors


def test_the_family_rates_the_service_on_a_phone(live_server, browser, served, screenshot):  # noqa: F811
    """At 360 px each score is a radio with its label beside it, big enough for a finger and
    read in 16 px or more; tapping the words picks the score."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "applicant")
        page.goto(f"{live_server.url}/supervision/surveys/mine/")
        groups = page.locator("fieldset:has(input[type=radio])")
        assert groups.count() >= 3
        for index in range(groups.count()):
            group = groups.nth(index)
            radio = group.get_by_role("radio").first
            assert "form-control" not in (radio.get_attribute("class") or "")
            box = radio.bounding_box()
            assert box and box["width"] >= 20 and box["height"] >= 20, box
            label = group.get_by_text("非常满意", exact=True)
            assert float(label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 16
            label.click()
            expect(radio).to_be_checked()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, width
        screenshot(page, "family_survey_phone")
        with page.expect_navigation():
            page.get_by_test_id("family-survey-submit").click()
        expect(page.locator(".alert-success")).to_be_visible()
    finally:
        context.close()
    response = SurveyResponse.objects.get()
    assert response.channel == "family" and set(response.answers.values()) == {5}
