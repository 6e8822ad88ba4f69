"""The staff pages: the calculator, periods with the progress bar, a claim through its steps,
line explanations, statements, payments, and the fund; each only in the reader's scope."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client

from changhu.fund import services as fund_services
from changhu.settlement import services
from changhu.settlement.models import Claim, ClaimLine, PeriodStatus
from changhu.settlement.tests.conftest import MONTH


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_calculator_page(world):
    import datetime as dt

    from changhu.settlement import policies
    from tests.clock import on

    policies.load_all_policies()
    with on(dt.date(2026, 11, 10)):
        # Signed in on the day itself: a session opened weeks earlier (the suite's clock may
        # stand anywhere) would have expired.
        client = _client(world.users.worker_a)
        assert client.get("/settlement/calculator/").status_code == 200
        shown = client.post(
            "/settlement/calculator/",
            {
                "policy": "chengdu",
                "period": "2026-10",
                "grade": "5",
                "care_mode": "home_visit",
                "eligible_from": "2026-10-16",
                "institution_class": "",
            },
        )
        assert shown.status_code == 200
        assert "926.97" in shown.content.decode() and "258.06" in shown.content.decode()
        refused = client.post(
            "/settlement/calculator/",
            {
                "policy": "chengde",
                "period": "2026-10",
                "grade": "4",
                "care_mode": "family",
                "eligible_from": "2026-10-01",
            },
        )
        assert "本政策不支付该照护方式" in refused.content.decode()
        wrong = client.post(
            "/settlement/calculator/",
            {
                "policy": "chengdu",
                "period": "2026/10",
                "grade": "4",
                "care_mode": "family",
                "eligible_from": "2026-10-01",
            },
        )
        # The month is chosen from a list now; a month not in it asks for one that is.
        assert wrong.status_code == 422
        assert "请选择2023年1月至2027年11月之间的月份" in wrong.content.decode()
    assert _client(world.users.applicant).get("/settlement/calculator/").status_code == 403


def test_period_pages_and_background_run(world, month):
    from changhu.settlement import policies

    policies.load_all_policies()
    client = _client(world.users.worker_a)
    opened = client.post(
        "/settlement/periods/", {"month": MONTH, "region_code": "510100", "policy_code": "chengdu"}
    )
    assert opened.status_code == 302
    pk = int(opened.url.rstrip("/").split("/")[-1])
    page = client.get(f"/settlement/periods/{pk}/")
    assert page.status_code == 200 and "尚未计算" in page.content.decode()
    started = client.post(f"/settlement/periods/{pk}/run/", HTTP_HX_REQUEST="true")
    assert started.status_code == 200 and 'hx-trigger="every 2s"' in started.content.decode()
    call_command("settlement_worker", "--once", stdout=StringIO())
    run_id = started.content.decode().split("/settlement/runs/")[1].split("/")[0]
    done = client.get(f"/settlement/runs/{run_id}/")
    assert "100%" in done.content.decode() and "every 2s" not in done.content.decode()
    listed = client.get(f"/settlement/periods/{pk}/").content.decode()
    assert listed.count('data-testid="claim-row"') == 2  # Wuhou is not this insurer's
    assert _client(world.users.caregiver).get("/settlement/periods/").status_code == 403


def test_claim_page_through_the_steps(world, period):
    claim = Claim.objects.get(period=period, institution=world.a)
    url = f"/settlement/claims/{claim.pk}/"
    care = _client(world.users.care_admin)
    page = care.get(url).content.decode()
    assert 'data-testid="submit-claim"' in page and "撤回" in page
    assert _client(world.care_admin_b).get(url).status_code == 404
    line = ClaimLine.objects.filter(claim=claim, status="payable").first()
    care.post(f"/settlement/lines/{line.pk}/withdraw/", {"reason": "未提供服务"})
    line.refresh_from_db()
    assert line.status == "withdrawn"
    care.post(f"{url}submit/")
    worker = _client(world.users.worker_a)
    assert 'data-testid="first-pass"' in worker.get(url).content.decode()
    worker.post(f"{url}first_pass/")
    supervisor = _client(world.users.supervisor_a)
    assert 'data-testid="second-approve"' in supervisor.get(url).content.decode()
    supervisor.post(f"{url}second_approve/")
    claim.refresh_from_db()
    assert claim.status == "approved"
    explained = worker.get(f"/settlement/lines/{line.pk}/").content.decode()
    assert "成都市2023版 基础照护待遇" in explained and "月定额" in explained
    assert "chengdu@" not in explained
    xlsx = care.get(f"{url}statement.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")


def test_paid_period_pages_and_adjustment_form(world, period):
    for claim in Claim.objects.filter(period=period):
        Claim.objects.filter(pk=claim.pk).update(status="approved")
    admin = _client(world.users.bureau_admin)
    paid = admin.post(f"/settlement/periods/{period.pk}/pay/")
    assert paid.status_code == 302
    period.refresh_from_db()
    assert period.status == PeriodStatus.PAID
    assert "拨付单" in admin.get(f"/settlement/periods/{period.pk}/payments/").content.decode()
    november = services.period_open(
        actor=world.users.bureau_admin, month="2026-11", region_code="510100", policy_code="chengdu"
    )
    line = ClaimLine.objects.filter(period=period, status="payable").first()
    worker = _client(world.users.worker_a)
    page = worker.get(f"/settlement/lines/{line.pk}/").content.decode()
    assert 'data-testid="adjust-form"' in page
    done = worker.post(
        f"/settlement/lines/{line.pk}/",
        {"period_id": november.pk, "amount_yuan": "-10.00", "reason": "核减"},
    )
    assert done.status_code == 302
    assert ClaimLine.objects.get(period=november, adjusts=line).fund_fen == -1000


def test_fund_page_for_the_bureau_only(world):
    admin = world.users.bureau_admin
    fund_services.contribution_record(
        actor=admin, period="2026-09", source="employer", amount_fen=50_000_000
    )
    fund_services.contribution_record(
        actor=admin, period="2026-10", source="individual", amount_fen=20_000_000
    )
    fund_services.fee_record(actor=admin, period="2026-10", amount_fen=3_000_000)
    client = _client(admin)
    page = client.get("/fund/").content.decode()
    assert "700,000.00" in page  # income of the year
    assert 'data-testid="indicator-coverage_months"' in page and "fund-series" in page
    saved = client.post(
        "/fund/record/contribution/",
        {"fund": "ltci", "period": "2026-10", "source": "subsidy", "amount_yuan": "1000.50"},
    )
    assert saved.status_code == 302
    assert "1,000.50" in client.get("/fund/entries/?fund=ltci").content.decode()
    client.post(
        "/fund/record/threshold/",
        {"indicator": "coverage_months", "level": "warning", "value": "200"},
    )
    assert "预警" in client.get("/fund/").content.decode()
    assert _client(world.users.regulator).get("/fund/").status_code == 200
    assert _client(world.users.worker_a).get("/fund/").status_code == 403
    assert _client(world.users.regulator).post("/fund/record/fee/", {}).status_code == 403


def test_home_queues_count_the_claims_waiting_for_each_step(world, period):
    from changhu.web.queues import queues_for

    def counts(user):
        return {q.key: q.count for q in queues_for(user) if q.key.startswith("settlement")}

    assert counts(world.users.care_admin) == {"settlement_draft": 1}
    claim = Claim.objects.get(period=period, institution=world.a)
    services.claim_submit(actor=world.users.care_admin, claim_id=claim.pk)
    assert counts(world.users.worker_a)["settlement_first"] == 1
    services.claim_first_review(actor=world.users.supervisor_a, claim_id=claim.pk, approve=True)
    # The first reviewer may not review it again: nothing waits for them.
    assert counts(world.users.supervisor_a)["settlement_second"] == 0
    listed = _client(world.users.care_admin).get("/settlement/claims/?status=first_reviewed")
    assert 'data-testid="result-count">1<' in listed.content.decode()
