"""Pages people can finish their work on: figures that add up over what the reader sees, money
decisions that state the count and the amount, reasons chosen (never preselected) for a
rejection or a return, a returned claim explained at the top of its page and on the queue card,
and Chinese labels instead of codes."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from changhu.core.errors import ValidationFailed
from changhu.core.money import format_yuan
from changhu.fund import services as fund_services
from changhu.settlement import forms, selectors, services
from changhu.settlement.models import Claim, ClaimLine, ClaimStatus, LineStatus
from changhu.settlement.tests.conftest import MONTH
from changhu.web.queues import queues_for

CODES = ("home_visit", "institutional", "individual", "chengdu@", ">chengdu<", "draft →", "→ draft")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def _viewers(world):
    return {
        "caseworker": world.users.worker_a,
        "careadmin": world.users.care_admin,
        "bureau": world.users.bureau_admin,
    }


def _cell(text: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', text)
    assert found, testid
    return found.group(1).strip()


@pytest.mark.parametrize("role", ["caseworker", "careadmin", "bureau"])
def test_totals_above_each_list_are_the_sums_of_the_rows_the_viewer_sees(world, period, role):
    user = _viewers(world)[role]
    client = _client(user)
    seen = list(selectors.claim_list(fetched_by=user).filter(period=period))
    expected = {"caseworker": {world.a, world.b}, "careadmin": {world.a}}
    everyone = set(Claim.objects.filter(period=period).values_list("institution_id", flat=True))
    assert {c.institution_id for c in seen} == (
        {i.pk for i in expected[role]} if role in expected else everyone
    )
    fund = sum(c.fund_fen for c in seen)
    lines = sum(c.line_count for c in seen)
    if role != "bureau":
        assert fund < period.fund_fen  # the city-wide figure is not theirs to see

    # The period's page: the cards and the footer are the sums of the listed claims.
    response = client.get(f"/settlement/periods/{period.pk}/")
    rows = list(response.context["page"])
    assert {c.pk for c in rows} == {c.pk for c in seen}
    totals = response.context["totals"]
    assert totals.fund_fen == sum(c.fund_fen for c in rows) == fund
    assert totals.personal_fen == sum(c.personal_fen for c in rows)
    assert totals.lines == lines
    page = html.unescape(response.content.decode())
    assert _cell(page, "period-fund") == format_yuan(fund)
    assert f"您可查看的 {len(seen)} 家机构" in page

    # Filtered by a state, the figures follow the filter.
    draft = client.get(f"/settlement/periods/{period.pk}/?status=draft")
    draft_rows = list(draft.context["page"])
    assert draft.context["totals"].fund_fen == sum(c.fund_fen for c in draft_rows)

    # The list of periods shows, per period, the same sums as the period's page.
    listed = client.get("/settlement/periods/")
    (row,) = [p for p in listed.context["page"] if p.pk == period.pk]
    assert (row.shown.fund_fen, row.shown.lines) == (fund, lines)
    assert format_yuan(fund) in html.unescape(listed.content.decode())

    # The list of claims: its total is the sum of its rows.
    claims = client.get("/settlement/claims/")
    claim_rows = list(claims.context["page"])
    assert claims.context["totals"].fund_fen == sum(c.fund_fen for c in claim_rows)
    assert _cell(html.unescape(claims.content.decode()), "claims-fund-total") == format_yuan(
        sum(c.fund_fen for c in claim_rows)
    )


@pytest.mark.parametrize("role", ["caseworker", "careadmin", "bureau"])
def test_payment_and_fund_totals_are_the_sums_of_their_rows(world, period, role):
    Claim.objects.filter(period=period).update(status=ClaimStatus.APPROVED)
    services.period_pay(actor=world.users.bureau_admin, period_id=period.pk)
    user = _viewers(world)[role]
    response = _client(user).get(f"/settlement/periods/{period.pk}/payments/")
    rows = list(response.context["page"])
    visible = list(selectors.payment_list(fetched_by=user, period_id=period.pk))
    assert {o.pk for o in rows} == {o.pk for o in visible}
    page = html.unescape(response.content.decode())
    assert _cell(page, "payments-total") == format_yuan(sum(o.amount_fen for o in rows))
    assert _cell(page, "payments-count") == str(len(rows))
    assert ">chengdu<" not in page and "长期护理保险基金" in page
    if role == "bureau":
        fund_services.contribution_record(
            actor=user, period=MONTH, source="individual", amount_fen=10_000_000
        )
        overview = _client(user).get(f"/fund/?month={MONTH}")
        months = [m for m in overview.context["rows"] if m.month.startswith(MONTH[:4])]
        assert overview.context["income_fen"] == sum(m.income_fen for m in months)
        assert overview.context["expenditure_fen"] == sum(m.expenditure_fen for m in months)
    else:
        assert _client(user).get("/fund/").status_code == 403


def _payable_summary(claim: Claim) -> tuple[int, int]:
    lines = ClaimLine.objects.filter(claim=claim, status=LineStatus.PAYABLE)
    return lines.count(), sum(line.fund_fen for line in lines)


def test_money_decisions_state_the_count_and_the_amount(world, period):
    claim = Claim.objects.get(period=period, institution=world.a)
    url = f"/settlement/claims/{claim.pk}/"
    services.claim_submit(actor=world.users.care_admin, claim_id=claim.pk)
    count, amount = _payable_summary(claim)
    page = _page(_client(world.users.worker_a), url)
    assert f'data-confirm="确认初审通过 {count} 条、合计 ¥{format_yuan(amount)}？' in page
    line = ClaimLine.objects.filter(claim=claim, status=LineStatus.PAYABLE).first()
    assert f"确认拒付 1 条、合计 ¥{format_yuan(line.fund_fen)}" in page
    services.claim_first_review(actor=world.users.worker_a, claim_id=claim.pk, approve=True)
    page = _page(_client(world.users.supervisor_a), url)
    assert f'data-confirm="确认复核通过 {count} 条、合计 ¥{format_yuan(amount)}？' in page
    Claim.objects.filter(period=period).update(status=ClaimStatus.APPROVED)
    pay = _page(_client(world.users.bureau_admin), f"/settlement/periods/{period.pk}/")
    total = selectors.payable(fetched_by=world.users.bureau_admin, period_id=period.pk)
    assert (
        f"确认拨付{MONTH} 3 家机构的 {total.lines} 条明细、合计 ¥{format_yuan(total.total_fen)}"
        in pay
    )


def test_rejecting_a_line_needs_a_reason_the_reviewer_chose(world, period):
    claim = Claim.objects.get(period=period, institution=world.a)
    services.claim_submit(actor=world.users.care_admin, claim_id=claim.pk)
    worker = _client(world.users.worker_a)
    page = _page(worker, f"/settlement/claims/{claim.pk}/")
    # A placeholder is the only choice made for them; no accusation is preselected.
    assert '<option value="" selected disabled>请选择拒付原因</option>' in page
    assert re.search(r'<option value="service_not_verified"[^>]*selected', page) is None
    assert 'name="reason_code" required' in page
    line = ClaimLine.objects.filter(claim=claim, status=LineStatus.PAYABLE).first()
    refused = worker.post(
        f"/settlement/lines/{line.pk}/reject/", {"note": "看不出问题"}, follow=True
    )
    assert "请选择拒付原因" in refused.content.decode()
    line.refresh_from_db()
    assert line.status == LineStatus.PAYABLE
    worker.post(f"/settlement/lines/{line.pk}/reject/", {"reason_code": "other"})
    line.refresh_from_db()
    assert line.status == LineStatus.PAYABLE  # 其他 needs the reviewer's words
    worker.post(
        f"/settlement/lines/{line.pk}/reject/",
        {"reason_code": "duplicate", "note": "与上月明细重复"},
    )
    line.refresh_from_db()
    assert (line.status, line.reason_code, line.reason) == (
        "rejected",
        "duplicate",
        "与上月明细重复",
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, "reason_required"),
        ({"reason_code": ""}, "reason_required"),
        ({"reason_code": "made_up"}, "reason_code_invalid"),
        ({"reason_code": "other", "note": " "}, "reason_required"),
        ({"reason_code": "duplicate", "note": "长" * 281}, "reason_too_long"),
    ],
)
def test_reason_forms_refuse_with_a_chinese_message_and_a_code(data, code):
    with pytest.raises(ValidationFailed) as caught:
        forms.LineRejectForm(data).validated()
    assert caught.value.code == code
    assert re.search(r"[\u4e00-\u9fff]", caught.value.message)
    with pytest.raises(ValidationFailed) as caught:
        forms.ClaimReturnForm(data).validated()
    assert caught.value.code == code


def test_a_returned_claim_says_why_at_the_top_and_on_the_queue_card(world, period):
    claim = Claim.objects.get(period=period, institution=world.a)
    url = f"/settlement/claims/{claim.pk}/"
    services.claim_submit(actor=world.users.care_admin, claim_id=claim.pk)
    worker = _client(world.users.worker_a)
    page = _page(worker, url)
    assert '<option value="" selected disabled>请选择退回原因</option>' in page
    worker.post(f"{url}first_return/", {"note": "请补充"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED  # no reason chosen: nothing happens
    worker.post(
        f"{url}first_return/", {"reason_code": "care_records_missing", "note": "缺10月护理日志"}
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT

    care = _client(world.users.care_admin)
    page = _page(care, url)
    top = page.index('data-testid="returned-alert"')
    assert top < page.index('data-testid="line-row"')
    alert = page[top : page.index("</div>\n    </div>", top)]
    assert "初审退回机构" in alert and "缺少护理记录：缺10月护理日志" in alert
    assert world.users.worker_a.display_name in alert
    history = page[page.index('data-testid="claim-history"') :]
    assert "机构申报" in history and "待机构申报 → 已申报待初审" in history
    for code in CODES:
        assert code not in page, code

    cards = {q.key: q for q in queues_for(world.users.care_admin)}
    assert cards["settlement_draft"].hint == "1 份申报被退回：缺少护理记录"
    assert "1 份申报被退回：缺少护理记录" in _page(care, "/")
    listed = _page(care, "/settlement/claims/?status=draft&returned=1")
    assert "缺少护理记录：缺10月护理日志" in listed

    # Submitted again, it is no longer "returned".
    services.claim_submit(actor=world.users.care_admin, claim_id=claim.pk)
    assert "returned-alert" not in _page(care, url)
    cards = {q.key: q for q in queues_for(world.users.care_admin)}
    assert cards["settlement_draft"].hint == "本机构已计算、尚未申报的结算单"

    # The second review sends it back to the first: the case worker's card says so.
    services.claim_first_review(actor=world.users.worker_a, claim_id=claim.pk, approve=True)
    supervisor = _client(world.users.supervisor_a)
    supervisor.post(f"{url}second_return/", {"reason_code": "lines_to_recheck"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    cards = {q.key: q for q in queues_for(world.users.worker_a)}
    assert cards["settlement_first"].hint == "1 份申报被退回：部分明细需重新审核"
    assert "复核退回初审" in _page(worker, url)


def test_period_and_line_pages_show_labels_not_codes(world, period):
    worker = _client(world.users.worker_a)
    listed = _page(worker, "/settlement/periods/")
    assert "成都市2023版" in listed and "chengdu@" not in listed
    detail = _page(worker, f"/settlement/periods/{period.pk}/")
    assert "成都市2023版" in detail and "chengdu@" not in detail
    line = ClaimLine.objects.filter(period=period, institution=world.a, tier=1).first()
    page = _page(worker, f"/settlement/lines/{line.pk}/")
    assert "成都市2023版" in page and "长期护理保险基金" in page
    for code in CODES:
        assert code not in page, code


def test_page_queries_do_not_grow_with_the_rows(world, period):
    """Labels, totals and returned reasons are read once per page, not once per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world.users.bureau_admin)
    big = Claim.objects.get(period=period, institution=world.a)
    small = Claim.objects.filter(period=period).exclude(pk=big.pk).order_by("line_count").first()
    assert big.line_count > small.line_count

    def count(url: str) -> int:
        client.get(url)  # warm the session and the per-process caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count(f"/settlement/claims/{big.pk}/") == count(f"/settlement/claims/{small.pk}/")
    services.claim_submit(actor=world.users.care_admin, claim_id=big.pk)
    drafts = count(f"/settlement/periods/{period.pk}/?status=draft")  # two rows
    assert count(f"/settlement/periods/{period.pk}/") == drafts  # three rows
    assert count("/settlement/claims/?status=draft") == count("/settlement/claims/")
