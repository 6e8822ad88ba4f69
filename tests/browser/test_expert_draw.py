"""An expert draw with recusal: the bureau draws a case's confirming experts from the city's
pool, sees the expert who declared a relative excluded with the reason, and a drawn expert of
another institution finds the case in 待我确认 and confirms it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from changhu.assessment import services
from changhu.assessment.models import Confirmation, ExpertDraw, Status
from changhu.assessment.presets import load_rule_presets, load_scale_presets
from changhu.assessment.tests.flow import advance, submit
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Role
from tests.factories import OrganizationFactory, UserFactory, load_policies
from tests.fixtures import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("designated_assessment"),
]


@pytest.fixture
def sign_in(browser, live_server):
    """A fresh browser context (its own cookies) signed in as a user; all closed at the end."""
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
    from django.db import connections

    connections.close_all()


def test_an_expert_draw_with_recusal(
    live_server, sign_in, users, people, orgs, city, private_media
):
    load_scale_presets()
    load_rule_presets()
    load_policies()
    hospital = OrganizationFactory(
        kind=OrgKind.ASSESSMENT, name="成都市第三人民医院专家组", region=city.qingyang
    )
    doctors = [
        UserFactory(
            username=f"doctor{i}",
            real_name=name,
            role=Role.ASSESSMENT_EXPERT,
            organization=hospital,
        )
        for i, name in enumerate(["林志强", "高秀珍", "马文涛"], start=1)
    ]
    for user in (users.expert, *doctors):
        services.expert_add(
            actor=users.bureau_admin,
            data=services.ExpertInput(user_id=user.pk, profession="physician"),
        )
    entry = doctors[0].pool_entries.get(active=True)
    services.conflict_declare(
        actor=users.bureau_admin,
        expert_id=entry.pk,
        kind="relative",
        person_id=people.jinjiang.pk,
        note="被评估人的外甥",
    )
    case = advance(
        submit(users.worker_a, people.jinjiang),
        Status.ASSESSED,
        worker=users.worker_a,
        assessors=[users.assessor, users.expert],
        institution=orgs.assessment,
    )

    # The bureau opens the case, draws (confirming the dialog) and sees who was excluded.
    bureau = sign_in("bureau_admin")
    bureau.goto(f"{live_server.url}/assessment/{case.pk}/")
    card = bureau.get_by_test_id("expert-draw")
    expect(card).to_contain_text("尚未抽取确认专家")
    with bureau.expect_navigation():
        card.get_by_test_id("draw").click()
    card = bureau.get_by_test_id("expert-draw")
    excluded = card.get_by_test_id("excluded-experts")
    expect(excluded).to_contain_text(
        "林志强（成都市第三人民医院专家组）：申报与参保人有亲属关系（被评估人的外甥）"
    )
    expect(excluded).to_contain_text(f"{users.expert.display_name}（{orgs.assessment.name}）")
    draw = ExpertDraw.objects.get(application=case)
    drawn = [pick.user for pick in draw.picks.order_by("position")]
    assert {u.username for u in drawn} == {"doctor2", "doctor3"}
    for user in drawn:
        expect(card.get_by_test_id("drawn-experts")).to_contain_text(user.display_name)
    # The record page re-computes the draw from its seed.
    card.get_by_test_id("draw-record").click()
    bureau.wait_for_url(re.compile(r"/assessment/draws/\d+/$"))
    expect(bureau.get_by_test_id("verified")).to_have_text(re.compile("复算一致"))

    # A drawn expert of another institution finds the case in 待我确认 and confirms it.
    expert = sign_in(drawn[0].username)
    expert.goto(f"{live_server.url}/assessment/?queue=my_confirmations")
    expert.get_by_role("link", name=case.number).click()
    expect(expert.get_by_test_id("confirm-form")).to_be_visible()
    with expert.expect_navigation():
        expert.get_by_test_id("confirm").click()
    assert Confirmation.objects.filter(assessment=draw.assessment, expert=drawn[0]).exists()

    # The related doctor, not drawn, does not even see the case.
    outsider = sign_in("doctor1")
    response = outsider.goto(f"{live_server.url}/assessment/{case.pk}/")
    assert response.status == 404
    assert bureau.console_errors == [] and expert.console_errors == []
