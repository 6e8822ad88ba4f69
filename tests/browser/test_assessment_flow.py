"""A case worker accepts and dispatches, an assessor fills the form and watches the live grade,
two experts confirm, and the case worker issues and downloads the conclusion letter."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from changhu.assessment import services
from changhu.assessment.models import Application, Status
from changhu.assessment.presets import load_rule_presets, load_scale_presets, scale_for
from changhu.assessment.tests.conftest import answers_for, png_bytes
from changhu.core import clock
from changhu.orgs.roles import Role
from tests.factories import UserFactory, load_policies
from tests.fixtures import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("designated_assessment"),
]


@pytest.fixture
def sign_in(browser, live_server):
    """Opens a fresh browser context (its own cookies) signed in as a user; closes them all."""
    contexts = []

    def open_as(username: str):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: dialog.accept())
        page.console_errors = errors
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()
    # While Playwright's event loop runs in this thread, Django keeps this thread's database
    # connections in a context-local store; close them here, or PostgreSQL still has a
    # session open on the test database when pytest-django drops it.
    from django.db import connections

    connections.close_all()


def open_case(page, base_url: str, case: Application) -> None:
    page.goto(f"{base_url}/assessment/{case.pk}/")
    page.get_by_test_id("case-status").wait_for()


def test_from_acceptance_to_the_conclusion_letter(
    live_server, sign_in, users, people, orgs, private_media, tmp_path, screenshot
):
    load_scale_presets()
    load_rule_presets()
    load_policies()
    expert2 = UserFactory(
        username="expert2", role=Role.ASSESSMENT_EXPERT, organization=orgs.assessment
    )
    base = live_server.url
    case = services.application_submit(
        actor=users.worker_a,
        data=services.ApplicationInput(
            person_id=people.jinjiang.pk,
            applicant_name="张小梅",
            relationship="child",
            phone="13812345678",
            address="锦江区督院街街道南糠市街18号",
            channel="counter",
        ),
    )

    # The case worker finds the case in the 待受理 queue, accepts it and dispatches it.
    worker = sign_in("worker_a")
    worker.locator('[data-queue="assessment.intake"]').click()
    worker.get_by_role("link", name=case.number).click()
    worker.get_by_test_id("accept").click()
    expect(worker.get_by_test_id("case-status")).to_have_text("待派单")
    worker.get_by_label("评估机构").select_option(label="成都市第一评估中心")
    worker.get_by_test_id("dispatch").click()
    expect(worker.get_by_test_id("case-status")).to_have_text("待指派评估人员")
    screenshot(worker, "assessment_dispatched")

    # The assessor names the team, uploads a photo and fills the form with the live score.
    assessor = sign_in("assessor")
    open_case(assessor, base, case)
    team = assessor.get_by_test_id("team-form")
    team.get_by_label(re.compile(users.assessor.real_name)).check()
    team.get_by_label(re.compile(users.expert.real_name)).check()
    with assessor.expect_navigation():
        assessor.get_by_test_id("assign").click()
    assessor.get_by_test_id("fill-form").click()
    assessor.wait_for_url(re.compile(r"/form/$"))
    photo = tmp_path / "现场.png"
    photo.write_bytes(png_bytes())
    assessor.locator("#id_photo").set_input_files(str(photo))
    assessor.get_by_role("button", name="上传照片").click()
    # The upload posts back to the same URL: wait for the page that lists the photo.
    expect(assessor.locator("body")).to_contain_text("现场.png")

    answers = answers_for(scale_for("national-2021").scale, adl=35, cognition=8, perception=9)
    for legend_name, points in answers.items():
        group = assessor.locator(f'fieldset[data-item="{legend_name}"]')
        group.locator(f'input[value="{points}"]').check()
    live = assessor.get_by_test_id("live-grade")
    expect(live).to_have_text("重度失能Ⅱ级")
    started = timezone.localtime(clock.now()) - dt.timedelta(hours=1)
    assessor.get_by_label("评估开始时间").fill(started.strftime("%Y-%m-%dT%H:%M"))
    assessor.get_by_label("评估结束时间").fill(
        (started + dt.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M")
    )
    assessor.get_by_label("纬度").fill("30.657100")
    assessor.get_by_label("经度").fill("104.081200")
    assessor.get_by_label("监护人/代理人在场").check()
    assessor.get_by_label("在场监护人/代理人姓名").fill("张小梅")
    assessor.get_by_label("现场录像编号/存储位置").fill("VID-2026-0001")
    present = assessor.locator('input[name="present_ids"]')
    for index in range(present.count()):
        present.nth(index).check()
    screenshot(assessor, "assessment_form")
    # Every change re-scored the form (htmx); on SQLite's shared in-memory test database a
    # score still being read when the submit writes fails with "table is locked": let them end.
    assessor.wait_for_load_state("networkidle")
    assessor.get_by_test_id("submit-assessment").click()
    assessor.wait_for_url(re.compile(rf"/assessment/{case.pk}/$"))
    expect(assessor.get_by_test_id("case-status")).to_have_text("待专家确认")
    expect(assessor.get_by_test_id("grade")).to_have_text("重度失能Ⅱ级")

    # Two experts confirm.
    for username in ("expert", expert2.username):
        expert = sign_in(username)
        open_case(expert, base, case)
        with expert.expect_navigation():  # the confirmation posts, then redirects back
            expert.get_by_test_id("confirm").click()
        assert expert.console_errors == []
    assert Application.objects.get(pk=case.pk).status == Status.CONFIRMED

    # The case worker reviews; after the publicity period the job moves the case on.
    open_case(worker, base, case)
    worker.get_by_test_id("review").click()
    expect(worker.get_by_test_id("case-status")).to_have_text("公示中")
    until = Application.objects.get(pk=case.pk).publicity_until
    services.run_deadlines(today=until + dt.timedelta(days=1))
    open_case(worker, base, case)
    worker.get_by_test_id("issue").click()
    expect(worker.get_by_test_id("case-status")).to_have_text("已出结论")
    with worker.expect_download() as download_info:
        worker.get_by_test_id("download-letter").click()
    download = download_info.value
    letter = tmp_path / "letter.pdf"
    download.save_as(str(letter))
    assert download.suggested_filename.startswith("评估结论书JL")
    assert letter.read_bytes().startswith(b"%PDF")
    screenshot(worker, "assessment_concluded")
    assert worker.console_errors == [] and assessor.console_errors == []
