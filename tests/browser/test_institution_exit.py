"""An institution's exit with its beneficiaries transferred: the bureau terminates a care
institution on its page; the case worker finds its two beneficiaries on the home page's queue
(overdue, past the fifteen days), assigns each a new institution, completes the move after
confirming, and the queue empties."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from changhu.care import services
from changhu.care.models import Arrangement, Transfer
from changhu.core import clock
from changhu.orgs.models import OrgKind
from changhu.providers.tests.fixtures import caregivers, catalogue, institution  # noqa: F401
from tests.factories import OrganizationFactory, make_institution, make_person, open_entitlement
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TARGET = "锦江颐年居家照护中心"


@pytest.fixture
def beneficiaries(users, people, city, institution, caregivers, catalogue):  # noqa: F811
    """Two persons cared for at home by 锦江康养护理院 (one with a confirmed plan and a
    caregiver), and a home-care service in the same district that can take them over."""
    today = clock.today()
    term = {
        "valid_from": today - dt.timedelta(days=60),
        "valid_until": today + dt.timedelta(days=600),
    }
    second = make_person(city.streets["510104002000"], name="周玉珍")
    for person in (people.jinjiang, second):
        open_entitlement(users.worker_a, person, institution, **term)
    plan = services.care_plan_draft(
        actor=users.care_admin,
        person_id=people.jinjiang.pk,
        lines=[services.PlanLineInput(item_code="SH05", times=2, period="week")],
    )
    services.care_plan_confirm(
        actor=users.worker_a,
        plan_id=plan.pk,
        channel="counter",
        signer_name="张小梅",
        signer_relationship="child",
    )
    services.assignment_create(
        actor=users.care_admin,
        person_id=people.jinjiang.pk,
        caregiver_id=caregivers.worker.pk,
        start_date=today - dt.timedelta(days=30),
    )
    org = OrganizationFactory(
        kind=OrgKind.CARE, name=TARGET, region=city.jinjiang, care_kind="home_service"
    )
    make_institution(org, care_kind="home_service", care_modes=("home_visit",))
    return [people.jinjiang, second]


def _sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_an_institutions_exit_with_its_beneficiaries_transferred(
    live_server,
    page,
    users,
    institution,  # noqa: F811
    beneficiaries,
    screenshot,
):
    base = live_server.url
    today = clock.today()
    stopped = today - dt.timedelta(days=services.TRANSFER_DAYS + 1)
    page.on("dialog", lambda dialog: dialog.accept())

    # The bureau terminates the institution (淘汰), from a date past the transfer deadline.
    _sign_in(page, base, "bureau_admin")
    page.goto(f"{base}/providers/institutions/{institution.pk}/")
    page.get_by_label("操作").select_option("terminate")
    page.get_by_label("生效日期（默认今天）").fill(stopped.isoformat())
    page.get_by_label("原因").fill("年度考核不合格，退出定点")
    with page.expect_navigation():
        page.get_by_role("button", name="确认变更").click()
    expect(page.locator(".alert-success")).to_contain_text("机构状态已变更")
    assert Transfer.objects.filter(status="open").count() == 2
    page.get_by_role("button", name="退出").click()

    # The case worker sees them waiting, overdue, on the home page.
    _sign_in(page, base, "worker_a")
    card = page.locator('[data-queue="care.transfers"]')
    expect(card.locator("[data-queue-count]")).to_have_text("2")
    expect(card.locator("[data-queue-overdue]")).to_contain_text("已逾期 2")
    card.click()
    page.wait_for_url(re.compile(r"/care/transfers/"))
    expect(page.locator('tr[data-state="overdue"]')).to_have_count(2)
    expect(page.get_by_test_id("days-waiting").first).to_contain_text(
        f"{services.TRANSFER_DAYS + 1}天"
    )
    screenshot(page, "transfer_list")

    for person in beneficiaries:
        page.locator("tr[data-transfer]", has_text=person.name).get_by_role(
            "link", name="办理"
        ).click()
        page.wait_for_url(re.compile(r"/care/transfers/\d+/$"))
        # Only an institution that can serve is offered.
        options = page.get_by_label("新护理机构").locator("option")
        expect(options).to_have_count(2)  # 请选择 + the one
        page.get_by_label("新护理机构").select_option(label=TARGET)
        with page.expect_navigation():
            page.get_by_test_id("assign").click()
        expect(page.locator(".alert-success")).to_contain_text(f"已为{person.name}选定{TARGET}")
        expect(page.get_by_test_id("transfer-status")).to_have_text("已选定新机构")
        page.get_by_label("转入生效日期").fill(today.isoformat())
        with page.expect_navigation():
            page.get_by_test_id("complete").click()
        expect(page.locator(".alert-success")).to_contain_text(
            f"{person.name}自{today.isoformat()}起由{TARGET}提供服务"
        )
        expect(page.get_by_test_id("transfer-status")).to_have_text("已转移")
        screenshot(page, f"transfer_done_{person.pk}")
        page.get_by_role("link", name="转移安置").first.click()
        page.wait_for_url(re.compile(r"/care/transfers/"))

    expect(page.get_by_test_id("result-count")).to_have_text("0")
    page.goto(f"{base}/")
    expect(page.locator('[data-queue="care.transfers"] [data-queue-count]')).to_have_text("0")
    for person in beneficiaries:
        current = Arrangement.objects.get(person=person, end_date__isnull=True)
        assert current.institution.name == TARGET and current.start_date == today
    assert page.console_errors == []


def test_the_family_chooses_the_new_institution_on_a_phone(
    live_server,
    browser,
    users,
    institution,  # noqa: F811
    beneficiaries,
    screenshot,
):
    """At 360 px the family reads the notice, opens the case, picks the new institution among
    those that can serve and confirms; the case worker then finds it chosen."""
    from changhu.insured.models import ApplicantLink
    from changhu.providers import services as provider_services

    person = beneficiaries[0]
    ApplicantLink.objects.create(user=users.applicant, person=person, relationship="child")
    provider_services.institution_set_status(
        actor=users.bureau_admin,
        institution_id=institution.pk,
        action="terminate",
        reason="年度考核不合格，退出定点",
    )
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        _sign_in(page, live_server.url, "applicant")
        page.goto(f"{live_server.url}/care/family/transfers/")
        notice = page.get_by_test_id("family-notice").first
        expect(notice).to_contain_text("请为老人选择新的护理机构")
        size = notice.evaluate("e => parseFloat(getComputedStyle(e.querySelector('p')).fontSize)")
        assert float(size) >= 16
        card = page.get_by_test_id("family-transfer")
        expect(card).to_have_count(1)
        expect(card).to_contain_text(person.name)
        card.get_by_test_id("family-choose").click()
        page.get_by_label("新的护理机构").select_option(label=TARGET)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "family_transfer_phone")
        with page.expect_navigation():
            page.get_by_test_id("family-submit").click()
        expect(page.locator(".alert-success")).to_contain_text(f"已选择{TARGET}")
        expect(card).to_contain_text("已选定，等待办理")
    finally:
        context.close()
    transfer = Transfer.objects.get(person=person)
    assert transfer.status == "assigned" and transfer.choice_channel == "family"
