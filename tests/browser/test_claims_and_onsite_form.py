"""People finishing their work in the browser: a case worker passes and rejects claim lines and
is told the count and the amount first; a supervisor approves the same way; an assessor uploads
a photo in the middle of the form without losing an answer, and a reload brings the unsaved
answers back."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from changhu.assessment.models import Application, Status
from changhu.assessment.presets import load_rule_presets, load_scale_presets, scale_for
from changhu.assessment.tests.conftest import png_bytes, severe_answers
from changhu.assessment.tests.flow import advance, submit
from changhu.core import clock
from changhu.core.money import format_yuan
from changhu.settlement import services as settlement
from changhu.settlement.models import Claim, ClaimLine, ClaimStatus, LineStatus
from changhu.settlement.tests.conftest import MONTH, month, world  # noqa: F401 (fixtures)
from tests.factories import load_policies
from tests.fixtures import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("designated_assessment"),
]


@pytest.fixture
def sign_in(browser, live_server):
    """A fresh browser context signed in as a user; every dialog is recorded, then answered
    with ``page.answer`` (True: OK, False: cancel)."""
    contexts = []

    def open_as(username: str):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.answer = True
        page.console_errors = []

        def on_dialog(dialog):
            page.dialogs.append(dialog.message)
            dialog.accept() if page.answer else dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on(
            "console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()
    from django.db import connections

    connections.close_all()


def _payable(claim: Claim) -> tuple[int, str]:
    lines = ClaimLine.objects.filter(claim=claim, status=LineStatus.PAYABLE)
    return lines.count(), format_yuan(sum(line.fund_fen for line in lines))


def test_reviewers_are_told_the_count_and_the_amount_before_deciding(
    live_server,
    sign_in,
    world,  # noqa: F811 (the settlement tests' fixture)
    month,  # noqa: F811
    screenshot,
):
    period = settlement.period_open(
        actor=world.users.bureau_admin, month=MONTH, region_code="510100", policy_code="chengdu"
    )
    settlement.period_compute(actor=world.users.bureau_admin, period_id=period.pk)
    claim = Claim.objects.get(period=period, institution=world.a)
    settlement.claim_submit(actor=world.users.care_admin, claim_id=claim.pk)
    url = f"{live_server.url}/settlement/claims/{claim.pk}/"

    worker = sign_in("worker_a")
    worker.goto(url)
    # A line refused without a reason is stopped in the browser: no question, nothing sent.
    line = ClaimLine.objects.filter(claim=claim, status=LineStatus.PAYABLE).order_by("pk").first()
    row = worker.get_by_test_id("line-row").filter(
        has=worker.locator(f'a[href$="/lines/{line.pk}/"]')
    )
    row.get_by_text("拒付…").click()
    select = row.locator('select[name="reason_code"]')
    expect(select).to_have_value("")
    row.get_by_role("button", name="确认拒付").click()
    assert worker.dialogs == []
    assert select.evaluate("el => el.validity.valueMissing") is True
    select.select_option(label="重复申报")
    with worker.expect_navigation():
        row.get_by_role("button", name="确认拒付").click()
    assert worker.dialogs[-1].startswith(f"确认拒付 1 条、合计 ¥{format_yuan(line.fund_fen)}")
    line.refresh_from_db()
    assert line.status == LineStatus.REJECTED and line.reason_code == "duplicate"

    count, amount = _payable(claim)
    worker.answer = False  # first, think again
    worker.get_by_test_id("first-pass").click()
    assert worker.dialogs[-1] == f"确认初审通过 {count} 条、合计 ¥{amount}？通过后转复核。"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    worker.answer = True
    with worker.expect_navigation():
        worker.get_by_test_id("first-pass").click()
    expect(worker.get_by_test_id("claim-status")).to_have_text("初审通过待复核")

    supervisor = sign_in("supervisor_a")
    supervisor.goto(url)
    screenshot(supervisor, "claim_second_review")
    with supervisor.expect_navigation():
        supervisor.get_by_test_id("second-approve").click()
    assert supervisor.dialogs == [
        f"确认复核通过 {count} 条、合计 ¥{amount}？通过后待医保局拨付，不能再修改。"
    ]
    expect(supervisor.get_by_test_id("claim-status")).to_have_text("复核通过待拨付")
    assert worker.console_errors == [] and supervisor.console_errors == []


def _answer(page, answers: dict[str, int], names) -> None:
    for name in names:
        page.locator(f'fieldset[data-item="{name}"] input[value="{answers[name]}"]').check()


def _checked(page, answers: dict[str, int], names) -> bool:
    return all(
        page.locator(f'fieldset[data-item="{name}"] input[value="{answers[name]}"]').is_checked()
        for name in names
    )


def _drafts(page) -> list[str]:
    return page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('ch-assessment-draft'))"
    )


def test_the_assessor_uploads_mid_form_and_a_reload_keeps_the_answers(
    live_server, sign_in, users, people, orgs, private_media, tmp_path, screenshot
):
    load_scale_presets()
    load_rule_presets()
    load_policies()
    from changhu.orgs.roles import Role
    from tests.factories import UserFactory

    expert2 = UserFactory(
        username="expert2", role=Role.ASSESSMENT_EXPERT, organization=orgs.assessment
    )
    case = advance(
        submit(users.worker_a, people.jinjiang),
        Status.ASSIGNED,
        worker=users.worker_a,
        assessors=[users.assessor, users.expert],
        experts=[users.expert, expert2],
        institution=orgs.assessment,
    )
    answers = severe_answers(scale_for("national-2021").scale)
    names = list(answers)
    first, rest = names[:6], names[6:]

    assessor = sign_in("assessor")
    form_url = f"{live_server.url}/assessment/{case.pk}/form/"
    assessor.goto(form_url)
    _answer(assessor, answers, first)
    assessor.get_by_label("评估说明").fill("老人卧床，女儿在场协助回答")
    expect(assessor.locator("[data-ch-draft-status]")).to_contain_text("已自动保存在本机")

    # The photo goes in without leaving the page; the answers stay where they are.
    photo = tmp_path / "床旁照片.png"
    photo.write_bytes(png_bytes())
    assessor.locator("#id_photo").set_input_files(str(photo))
    assessor.get_by_role("button", name="上传照片").click()
    expect(assessor.get_by_test_id("upload-status")).to_contain_text("已上传：床旁照片.png")
    expect(assessor.get_by_test_id("onsite-photos")).to_contain_text("床旁照片.png")
    assert assessor.url == form_url
    assert _checked(assessor, answers, first)
    expect(assessor.get_by_label("评估说明")).to_have_value("老人卧床，女儿在场协助回答")

    # A reload (or a dropped connection) brings back what was not saved yet.
    assessor.reload()
    notice = assessor.get_by_test_id("draft-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("已恢复未提交的草稿")
    assert _checked(assessor, answers, first)
    expect(assessor.get_by_label("评估说明")).to_have_value("老人卧床，女儿在场协助回答")
    expect(assessor.get_by_test_id("live-score")).to_contain_text(f"已评 {len(first)}/17 项")
    screenshot(assessor, "assessment_draft_restored")
    assessor.get_by_role("button", name="知道了").click()
    expect(notice).to_be_hidden()

    # The rest of the form, then the submission, which asks first and says what happens.
    _answer(assessor, answers, rest)
    started = timezone.localtime(clock.now()) - dt.timedelta(hours=1)
    assessor.get_by_label("评估开始时间").fill(started.strftime("%Y-%m-%dT%H:%M"))
    assessor.get_by_label("评估结束时间").fill(
        (started + dt.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M")
    )
    assessor.get_by_label("纬度").fill("30.657100")
    assessor.get_by_label("经度").fill("104.081200")
    assessor.get_by_label("监护人/代理人在场").check()
    assessor.get_by_label("在场监护人/代理人姓名").fill("张小梅")
    assessor.get_by_label("现场录像编号/存储位置").fill("VID-2026-0002")
    present = assessor.locator('input[name="present_ids"]')
    for index in range(present.count()):
        present.nth(index).check()
    assert _drafts(assessor) != []
    assessor.get_by_test_id("submit-assessment").click()
    assessor.wait_for_url(re.compile(rf"/assessment/{case.pk}/$"))
    assert assessor.dialogs == ["提交后评估结果将交评估专家确认，不能再修改。确认提交？"]
    expect(assessor.get_by_test_id("case-status")).to_have_text("待专家确认")
    assert _drafts(assessor) == []  # the submitted draft leaves the device
    assert Application.objects.get(pk=case.pk).status == Status.ASSESSED
    assert assessor.console_errors == []


def test_saving_a_draft_asks_nothing_and_the_server_copy_wins(
    live_server, sign_in, users, people, orgs, private_media
):
    load_scale_presets()
    load_rule_presets()
    load_policies()
    case = advance(
        submit(users.worker_a, people.jinjiang),
        Status.ASSIGNED,
        worker=users.worker_a,
        assessors=[users.assessor, users.expert],
        experts=[users.expert],
        institution=orgs.assessment,
    )
    answers = severe_answers(scale_for("national-2021").scale)
    assessor = sign_in("assessor")
    assessor.goto(f"{live_server.url}/assessment/{case.pk}/form/")
    _answer(assessor, answers, list(answers)[:3])
    with assessor.expect_navigation():
        assessor.get_by_test_id("save-assessment").click()
    assert assessor.dialogs == []
    expect(assessor.locator("body")).to_contain_text("已保存评估表草稿")
    expect(assessor.get_by_test_id("draft-notice")).to_be_hidden()
    assert _drafts(assessor) == []  # the server holds exactly what the draft held
    assert len(Application.objects.get(pk=case.pk).current_assessment.answers) == 3
