"""A case worker uploads a civil-affairs death list, matches it and confirms a death: the person's
life event is on their page and the money paid after the death is proposed for recovery, which
she turns into a recovery line of the next settlement with one click."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import Exists, OuterRef
from playwright.sync_api import expect

from changhu.core import scope
from changhu.core.identity import make_id_number
from changhu.insured.models import LifeEvent
from changhu.matching.demo import _death_day
from changhu.matching.models import MatchRecord, RecoveryProposal
from changhu.matching.tests.helpers import DEATH_HEADER, bad_checksum, csv_bytes
from changhu.orgs.models import User
from changhu.settlement.models import Claim, ClaimLine
from tests.fixtures import seeded_demo_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Changhu2026"


def paid_line(worker) -> ClaimLine:
    """A line paid last-but-one month to a living person of the case worker's districts, whose
    institution's claim this month can still take a recovery."""
    s = scope.scope_of(worker)
    reviewed = Claim.objects.filter(
        institution_id=OuterRef("institution_id"), period__status="claiming"
    ).exclude(status__in=["draft", "submitted"])
    return (
        ClaimLine.objects.filter(
            period__status="paid",
            status="payable",
            source="computed",
            fund_fen__gt=1000,
            person__status="active",
        )
        .filter(s.region_q("person__region_code"))
        .exclude(Exists(reviewed))
        .select_related("person", "period")
        .order_by("pk")
        .first()
    )


@pytest.fixture
def demo_city(private_media):
    with seeded_demo_city(persons=30):
        yield


def test_a_death_list_matched_and_confirmed(live_server, page, demo_city, tmp_path, screenshot):
    line = paid_line(User.objects.get(username="caseworker"))
    person, died = line.person, _death_day(line)
    stranger = make_id_number(person.region_code[:6], dt.date(1937, 6, 1), 777)
    wrong = bad_checksum(make_id_number(person.region_code[:6], dt.date(1938, 6, 1), 778))
    rows = [
        [person.name, person.id_number, died.isoformat()],
        ["周某某", stranger, died.isoformat()],
        ["吴某某", wrong, died.isoformat()],
    ]
    path = tmp_path / "民政死亡名单.csv"
    path.write_bytes(csv_bytes(DEATH_HEADER, rows, "gb18030"))
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("caseworker")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    expect(page.locator('[data-queue="match.pending"]')).to_be_visible()

    page.get_by_role("link", name="数据比对", exact=True).click()
    page.get_by_role("link", name="上传名单").click()
    page.get_by_label("死亡名单").check()
    page.get_by_label("数据来源").select_option(label="民政部门")
    page.get_by_label("文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url(re.compile(r"/supervision/match/\d+/$"))
    expect(page.get_by_test_id("invalid-rows")).to_have_text("1")
    expect(page.get_by_test_id("error-table")).to_contain_text("校验位")
    assert person.id_number not in page.content()

    page.get_by_role("button", name="确认比对").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("已比对")
    expect(page.get_by_test_id("matched-rows")).to_have_text("1")
    expect(page.get_by_test_id("unmatched-rows")).to_have_text("1")
    expect(page.get_by_test_id("report-link")).to_be_visible()
    screenshot(page, "matching_batch")

    page.get_by_test_id("matched-table").get_by_role("link", name="核实").click()
    expect(page.get_by_test_id("event-date")).to_have_text(died.isoformat())
    page.get_by_role("button", name="确认并登记身故").click()
    expect(page.get_by_test_id("record-status")).to_have_text("已确认")
    expect(page.get_by_test_id("life-event")).to_contain_text(f"身故：{died.isoformat()}")
    amounts = page.get_by_test_id("recovery-amount")
    expect(amounts.first).to_be_visible()
    screenshot(page, "matching_record")

    record = MatchRecord.objects.get(person=person, status="confirmed")
    event = LifeEvent.objects.get(person=person, kind="death")
    assert record.life_event_id == event.pk and event.start_date == died
    proposal = RecoveryProposal.objects.filter(match=record).order_by("pk").first()
    assert proposal is not None and proposal.amount_fen > 0

    page.get_by_test_id("person-link").click()
    expect(page.locator("main")).to_contain_text(died.isoformat())
    page.go_back()

    page.locator(f'[data-proposal-id="{proposal.pk}"]').get_by_role(
        "button", name="生成追回明细"
    ).click()
    expect(page.locator(f'[data-proposal-id="{proposal.pk}"]')).to_contain_text("已生成追回")
    proposal.refresh_from_db()
    assert proposal.adjustment is not None
    assert proposal.adjustment.fund_fen == -proposal.amount_fen
    assert page.console_errors == []
