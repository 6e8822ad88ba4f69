"""An institution enrols its care workers in the bureau's training session; the bureau enters
attendance and scores in one form, confirms what issuing will do, and issues the certificates;
the caregiver who passed now holds a valid certificate, the one who failed does not."""

from __future__ import annotations

import pytest
from django.db import connections
from playwright.sync_api import expect

from changhu.core import clock
from changhu.providers.models import Certificate
from changhu.providers.tests.fixtures import caregivers, institution, other  # noqa: F401
from changhu.training.tests.fixtures import course, held, trainees  # noqa: F401
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_enrol_score_and_issue_certificates(
    live_server,
    browser,
    users,
    held,  # noqa: F811
    trainees,  # noqa: F811
    screenshot,
):
    base = live_server.url
    care_context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    care = care_context.new_page()
    sign_in(care, base, "care_admin")
    care.get_by_role("link", name="培训课程").click()
    care.get_by_role("link", name=held.course.name).click()
    care.get_by_test_id("session-row").get_by_role("link").click()
    for name in (trainees.a.name, trainees.b.name):
        care.get_by_label("护理员").select_option(label=f"{name}（锦江康养护理院）")
        with care.expect_navigation():
            care.get_by_test_id("enrol").click()
        expect(care.locator(".alert-success")).to_contain_text(f"{name}已报名")
    expect(care.get_by_test_id("roll-row")).to_have_count(2)
    expect(care.get_by_test_id("roll-save")).to_have_count(0)
    care_context.close()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    sign_in(page, base, "bureau_admin")
    page.goto(f"{base}/training/sessions/{held.pk}/")
    page.get_by_label(f"{trainees.a.name}出勤").check()
    page.get_by_label(f"{trainees.a.name}成绩").fill("88")
    page.get_by_label(f"{trainees.b.name}出勤").check()
    page.get_by_label(f"{trainees.b.name}成绩").fill("45")
    with page.expect_navigation():
        page.get_by_test_id("roll-save").click()
    expect(page.locator(".alert-success")).to_contain_text("2人有变动")
    screenshot(page, "training-roll")

    page.get_by_test_id("issue").click()
    expect(page.get_by_test_id("to-issue")).to_have_text("1")
    expect(page.get_by_test_id("issue-plan")).to_contain_text(
        f"{trainees.b.name}成绩45.0分，未达到合格分数线60.0分，不能发证"
    )
    assert not Certificate.objects.exists()
    with page.expect_navigation():
        page.get_by_test_id("issue-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("已发证1人")
    passed_row = page.get_by_test_id("roll-row").filter(has_text=trainees.a.name)
    expect(passed_row.get_by_test_id("certificate-number")).to_contain_text("PX")
    cert = Certificate.objects.get(caregiver=trainees.a)
    assert cert.valid_on(clock.today())
    assert not Certificate.objects.filter(caregiver=trainees.b).exists()
    context.close()
    connections.close_all()
