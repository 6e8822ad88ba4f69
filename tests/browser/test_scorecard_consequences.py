"""A withholding adjustment appearing in settlement: the bureau computes a quarter's cards, opens
the consequences queue, reads in the confirmation dialog exactly what confirming the withholding
will do, confirms it, and the next settlement's claim page shows the deduction line with its
explanation; the institution's administrator sees the notice on its own card."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from changhu.providers.tests.fixtures import caregivers, institution, other  # noqa: F401
from changhu.scorecards import compute
from changhu.scorecards.tests.fixtures import every_score, scored, settled  # noqa: F401
from changhu.settlement.models import Claim
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_a_withholding_adjustment_appearing_in_settlement(
    live_server,
    page,
    every_score,  # noqa: F811
    settled,  # noqa: F811
    orgs,
    users,
    screenshot,
):
    base = live_server.url
    quarter = settled.quarter
    compute.compute_run(kind="care-institution", period=quarter.key, actor=users.bureau_admin)
    next_month = settled.next_period.month

    sign_in(page, base, "bureau_admin")
    page.get_by_role("link", name="考核处理").first.click()
    page.get_by_role("link", name="待确认").click()
    row = (
        page.get_by_test_id("consequence-row")
        .filter(has_text=orgs.care.name)
        .filter(has_text="扣留质量保证金")
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text("617.25")
    expect(row).to_contain_text("基数 12,345.00")
    screenshot(page, "consequences-queue")

    questions: list[str] = []

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    with page.expect_navigation():
        row.get_by_test_id("confirm").click()
    assert len(questions) == 1
    question = questions[0]
    assert f"在{next_month}结算中从{orgs.care.name}的申报扣留质量保证金5%" in question
    assert "基金支付12,345.00元为基数扣款617.25元" in question
    expect(page.locator(".alert-success")).to_contain_text(f"已在{next_month}结算中扣留")

    claim = Claim.objects.get(period=settled.next_period, institution=settled.institution)
    page.goto(f"{base}/settlement/claims/{claim.pk}/")
    deduction = page.get_by_test_id("line-row").filter(has_text="机构扣款")
    expect(deduction).to_have_count(1)
    expect(deduction).to_contain_text("质量保证金扣留")
    expect(deduction).to_contain_text("-617.25")
    expect(deduction).to_contain_text("扣留质量保证金5%")
    expect(deduction).to_contain_text("以该考核期基金支付12,345.00元为基数，扣留617.25元")
    expect(page.get_by_test_id("claim-fund")).to_contain_text("-617.25")
    screenshot(page, "consequences-settlement-claim")
    deduction.get_by_role("link", name="质量保证金扣留").click()
    expect(page.locator("main")).to_contain_text("机构扣款：-617.25元")
    assert not page.console_errors, page.console_errors

    page.context.clear_cookies()
    sign_in(page, base, "care_admin")
    page.goto(f"{base}/scorecards/care-institution/{quarter.key}/{orgs.care.pk}/")
    notices = page.get_by_test_id("card-consequences")
    expect(notices).to_contain_text("扣留质量保证金")
    expect(notices).to_contain_text("已确认执行")
    expect(notices).not_to_contain_text("待确认")
