"""The four steps through the API, each by a different person, with their data scopes; the
locked paid period; adjustments in a later month; the ledger against the payments."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from changhu.fund import selectors as fund_selectors
from changhu.fund.models import Account, Posting
from changhu.settlement import services
from changhu.settlement.models import Claim, ClaimLine, PaymentOrder
from changhu.settlement.tests.conftest import MONTH
from tests.api import ApiClient
from tests.factories import UserFactory


@pytest.fixture
def people(world):
    users = world.users
    return {
        "admin": ApiClient(users.bureau_admin),
        "regulator": ApiClient(users.regulator),
        "care_a": ApiClient(users.care_admin),
        "care_b": ApiClient(world.care_admin_b),
        "care_c": ApiClient(
            UserFactory(
                username="care_admin_c", role="care_admin", organization=world.c.organization
            )
        ),
        "worker_a": ApiClient(users.worker_a),
        "supervisor_a": ApiClient(users.supervisor_a),
        "worker_b": ApiClient(users.worker_b),
        "supervisor_a2": ApiClient(
            UserFactory(
                username="supervisor_a2",
                role="insurer_supervisor",
                organization=world.orgs.insurer_a,
            )
        ),
        "supervisor_b": ApiClient(
            UserFactory(
                username="supervisor_b",
                role="insurer_supervisor",
                organization=world.orgs.insurer_b,
            )
        ),
        "applicant": ApiClient(users.applicant),
    }


def _computed_period(people, month=MONTH, code="chengdu") -> int:
    created = people["admin"].post(
        "settlement/periods", {"month": month, "region_code": "510100", "policy_code": code}
    )
    assert created.status_code == 201, created.body
    run = people["worker_a"].post(f"settlement/periods/{created.body['id']}/runs")
    assert run.status_code == 202 and run.body["status"] == "queued"
    call_command("settlement_worker", "--once", stdout=StringIO())
    progress = people["worker_a"].get(f"settlement/runs/{run.body['id']}")
    assert (progress.body["status"], progress.body["percent"]) == ("done", 100)
    return created.body["id"]


def _claim(world, period_id, institution):
    return Claim.objects.get(period_id=period_id, institution=institution).pk


def _through_review(people, world, period_id, *, skip=()):
    plan = [
        ("a", "care_a", "worker_a", "supervisor_a"),
        ("b", "care_b", "worker_a", "supervisor_a"),
        ("c", "care_c", "worker_b", "supervisor_b"),
    ]
    for inst, care, first, second in plan:
        if inst in skip:
            continue
        claim = _claim(world, period_id, getattr(world, inst))
        base = f"settlement/claims/{claim}"
        assert people[care].post(f"{base}/submit").status_code == 200
        assert people[first].post(f"{base}/first-review", {"approve": True}).status_code == 200
        assert people[second].post(f"{base}/second-review", {"approve": True}).status_code == 200


def test_four_steps_by_different_people(world, month, people):
    period_id = _computed_period(people)
    claim_a, claim_b = _claim(world, period_id, world.a), _claim(world, period_id, world.b)

    # 申报: the institution sees only its own claim and lines.
    mine = people["care_a"].get("settlement/claims", period_id=period_id).body
    assert [c["id"] for c in mine["items"]] == [claim_a]
    assert people["care_a"].get(f"settlement/claims/{claim_b}").status_code == 404
    other_line = ClaimLine.objects.filter(claim_id=claim_b).first()
    assert people["care_a"].get(f"settlement/lines/{other_line.pk}").status_code == 404
    refused = people["care_a"].post(f"settlement/lines/{other_line.pk}/withdraw", {"reason": "x"})
    assert refused.status_code == 404
    line = ClaimLine.objects.get(claim_id=claim_a, person=month.home, benefit="basic_care")
    no_reason = people["care_a"].post(f"settlement/lines/{line.pk}/withdraw", {"reason": " "})
    assert (no_reason.status_code, no_reason.body["code"]) == (422, "reason_required")
    withdrawn = people["care_a"].post(
        f"settlement/lines/{line.pk}/withdraw", {"reason": "服务未开始"}
    )
    assert (withdrawn.body["status"], withdrawn.body["reason"]) == ("withdrawn", "服务未开始")
    before = people["care_a"].get(f"settlement/claims/{claim_a}").body
    assert before["withdrawn_fen"] == line.fund_fen
    assert (
        people["care_a"]
        .post(f"settlement/claims/{claim_a}/first-review", {"approve": True})
        .status_code
        == 403
    )
    submitted = people["care_a"].post(f"settlement/claims/{claim_a}/submit")
    assert submitted.body["status"] == "submitted"
    again = people["care_a"].post(f"settlement/claims/{claim_a}/submit")
    assert (again.status_code, again.body["code"]) == (409, "illegal_transition")
    late = people["care_a"].post(f"settlement/lines/{line.pk}/restore")
    assert late.status_code == 409

    # 初审: a case worker of the insurer covering Jinjiang; Wuhou's insurer sees nothing.
    assert people["worker_b"].get(f"settlement/claims/{claim_a}").status_code == 404
    reject = ClaimLine.objects.get(claim_id=claim_a, person=month.inst, benefit="professional_care")
    rejected = people["worker_a"].post(
        f"settlement/lines/{reject.pk}/reject",
        {"reason_code": "service_not_verified", "reason": "抽查未见服务记录"},
    )
    assert (rejected.body["status"], rejected.body["reason_code"]) == (
        "rejected",
        "service_not_verified",
    )
    passed = people["worker_a"].post(f"settlement/claims/{claim_a}/first-review", {"approve": True})
    assert passed.body["status"] == "first_reviewed"
    assert passed.body["first_reviewer"] == world.users.worker_a.display_name

    # 复核: not by a case worker, not by the first reviewer; a supervisor approves.
    assert (
        people["worker_a"]
        .post(f"settlement/claims/{claim_a}/second-review", {"approve": True})
        .status_code
        == 403
    )
    approved = people["supervisor_a"].post(
        f"settlement/claims/{claim_a}/second-review", {"approve": True}
    )
    assert approved.body["status"] == "approved"
    people["care_b"].post(f"settlement/claims/{claim_b}/submit")
    people["supervisor_a"].post(f"settlement/claims/{claim_b}/first-review", {"approve": True})
    same = people["supervisor_a"].post(
        f"settlement/claims/{claim_b}/second-review", {"approve": True}
    )
    assert (same.status_code, same.body["code"]) == (403, "same_reviewer")
    back = people["worker_a"].post(
        f"settlement/claims/{claim_b}/first-review", {"approve": False, "reason": "x"}
    )
    assert back.status_code == 409  # already past the first review

    # 拨付: only the bureau, only when every claim is approved; then the period is locked.
    assert people["regulator"].post(f"settlement/periods/{period_id}/pay").status_code == 403
    pending = people["admin"].post(f"settlement/periods/{period_id}/pay")
    assert (pending.status_code, pending.body["code"]) == (409, "claims_pending")
    other = people["supervisor_a2"].post(
        f"settlement/claims/{claim_b}/second-review", {"approve": True}
    )
    assert other.body["status"] == "approved"
    _through_review(people, world, period_id, skip=("a", "b"))
    paid = people["admin"].post(f"settlement/periods/{period_id}/pay")
    assert paid.status_code == 200, paid.body
    orders = PaymentOrder.objects.filter(period_id=period_id)
    assert paid.body["orders"] == orders.count() > 0
    assert not orders.filter(person=month.home).exists()  # withdrawn
    person_order = orders.get(person=month.individual)
    assert person_order.amount_fen == 120523 and person_order.payee_kind == "person"
    locked = people["care_a"].post(f"settlement/lines/{line.pk}/restore")
    assert (locked.status_code, locked.body["code"]) == (409, "period_locked")
    rerun = people["admin"].post(f"settlement/periods/{period_id}/runs")
    assert (rerun.status_code, rerun.body["code"]) == (409, "period_locked")
    assert people["regulator"].get(f"settlement/periods/{period_id}/payments").body["total"] == (
        orders.count()
    )

    # The ledger: benefit expense equals the sum of payment orders, and it balances.
    total = orders.aggregate(s=Sum("amount_fen"))["s"]
    assert (
        fund_selectors.benefit_paid_total(fetched_by=world.users.bureau_admin, period=MONTH)
        == total
    )
    sums = Posting.objects.aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    assert sums["d"] == sums["c"]
    bank = Posting.objects.filter(account=Account.BANK).aggregate(c=Sum("credit_fen"))["c"]
    assert bank == orders.filter(amount_fen__gt=0).aggregate(s=Sum("amount_fen"))["s"]
    summary = people["admin"].get("fund/summary").body
    assert summary["balance_fen"] == -total
    assert people["care_a"].get("fund/summary").status_code == 403


def test_recovery_after_payment_is_a_line_in_a_later_month(world, month, people):
    october = _computed_period(people)
    _through_review(people, world, october)
    assert people["admin"].post(f"settlement/periods/{october}/pay").status_code == 200
    november = _computed_period(people, month="2026-11")
    paid_line = ClaimLine.objects.get(
        period_id=october, person=month.inst, benefit="professional_care"
    )
    too_much = people["worker_a"].post(
        "settlement/adjustments",
        {"line_id": paid_line.pk, "period_id": november, "amount_fen": -30001, "reason": "追回"},
    )
    assert (too_much.status_code, too_much.body["code"]) == (422, "recovery_too_large")
    into_paid = people["worker_a"].post(
        "settlement/adjustments",
        {"line_id": paid_line.pk, "period_id": october, "amount_fen": -100, "reason": "追回"},
    )
    assert into_paid.status_code == 409
    recovery = people["worker_a"].post(
        "settlement/adjustments",
        {
            "line_id": paid_line.pk,
            "period_id": november,
            "amount_fen": -12000,
            "reason": "10月部分天数未提供专业照护服务",
        },
    )
    assert recovery.status_code == 201, recovery.body
    assert (recovery.body["fund_fen"], recovery.body["adjusts_id"]) == (-12000, paid_line.pk)
    paid_line.refresh_from_db()
    assert paid_line.fund_fen == 30000  # the paid month is never edited
    explained = people["care_a"].get(f"settlement/lines/{recovery.body['id']}").body
    assert "追回" in explained["steps"][0]
    # A re-computation of November keeps the adjustment.
    people["admin"].post(f"settlement/periods/{november}/runs")
    call_command("settlement_worker", "--once", stdout=StringIO())
    assert ClaimLine.objects.filter(period_id=november, source="adjustment").count() == 1
    _through_review(people, world, november)
    paid = people["admin"].post(f"settlement/periods/{november}/pay")
    assert paid.status_code == 200
    recovered = Posting.objects.filter(period="2026-11", account=Account.RECOVERY)
    assert recovered.aggregate(c=Sum("credit_fen"))["c"] == 12000
    total = PaymentOrder.objects.filter(period_id=november).aggregate(s=Sum("amount_fen"))["s"]
    assert (
        fund_selectors.benefit_paid_total(fetched_by=world.users.bureau_admin, period="2026-11")
        == total
    )


def test_supplementary_payer_lines_are_separate_and_reconcile(world, month, people):
    period_id = _computed_period(people, code="lishui")
    lines = ClaimLine.objects.filter(period_id=period_id, status="payable")
    tier1, tier2 = lines.filter(tier=1), lines.filter(tier=2)
    assert tier2.exists() and set(tier2.values_list("payer", flat=True)) == {"lishui-hmb"}
    keys = ("person", "benefit", "institution", "care_mode", "grade")  # the tier-1 line it tops up
    for line in tier2:
        base = tier1.get(**{key: getattr(line, key) for key in keys})
        assert line.eligible_cost_fen == base.personal_fen
        assert line.fund_fen + line.personal_fen == base.personal_fen
    claim = Claim.objects.get(period_id=period_id, institution=world.a)
    cost = tier1.filter(claim=claim).aggregate(s=Sum("eligible_cost_fen"))["s"]
    assert claim.fund_fen + claim.supplementary_fen + claim.personal_fen == cost
    # Withdrawing a tier-1 line takes its supplement with it.
    base = tier2.filter(claim=claim).first()
    base_line = tier1.get(person=base.person, benefit=base.benefit, institution=base.institution)
    services.line_withdraw(actor=world.users.care_admin, line_id=base_line.pk, reason="撤回")
    assert not ClaimLine.objects.filter(
        period_id=period_id, tier=2, person=base.person, benefit=base.benefit, status="payable"
    ).exists()
    _through_review(people, world, period_id)
    assert people["admin"].post(f"settlement/periods/{period_id}/pay").status_code == 200
    hmb = Posting.objects.filter(fund="lishui-hmb", account=Account.BENEFIT_EXPENSE)
    paid = PaymentOrder.objects.filter(period_id=period_id, payer="lishui-hmb")
    assert hmb.aggregate(d=Sum("debit_fen"))["d"] == paid.aggregate(s=Sum("amount_fen"))["s"]


def test_regulator_reads_but_changes_nothing(world, month, people):
    period_id = _computed_period(people)
    claim = _claim(world, period_id, world.a)
    assert people["regulator"].get("settlement/claims", period_id=period_id).body["total"] == 3
    assert people["regulator"].get(f"settlement/claims/{claim}/lines").status_code == 200
    line = ClaimLine.objects.filter(claim_id=claim).first()
    assert (
        people["regulator"]
        .post(f"settlement/lines/{line.pk}/withdraw", {"reason": "x"})
        .status_code
        == 403
    )
    assert (
        people["regulator"]
        .post("settlement/periods", {"month": "2026-12", "region_code": "510100"})
        .status_code
        == 403
    )
    assert people["care_a"].get("settlement/periods").body[0]["id"] == period_id


def test_calculator_over_the_api_and_the_command_line(world, people, tmp_path):
    body = {
        "policy": "chengdu",
        "period": "2026-10",
        "input": {"grade": 5, "care_mode": "home_visit", "eligible_from": "2026-10-16"},
    }
    answer = people["worker_a"].post("settlement/benefit/calculate", body)
    assert answer.status_code == 200
    assert [x["fund_fen"] for x in answer.body["lines"]] == [92697, 25806]
    bad = people["worker_a"].post(
        "settlement/benefit/calculate", {**body, "input": {"grade": 9, "care_mode": "family"}}
    )
    assert bad.status_code == 422 and "grade" in bad.body["fields"]
    many = [f"2026-10-{d:02d}" for d in range(1, 32)] * 3226  # 100,006 hospital days
    for hospital in (many, ["2026-11-01"]):
        bad = people["worker_a"].post(
            "settlement/benefit/calculate",
            {**body, "input": {**body["input"], "hospital_days": hospital}},
        )
        assert bad.status_code == 422 and "hospital_days" in bad.body["fields"], bad.body
    assert people["applicant"].post("settlement/benefit/calculate", body).status_code == 403
    path = tmp_path / "person.json"
    path.write_text(json.dumps(body["input"]), encoding="utf-8")
    out = StringIO()
    call_command("benefit", str(path), "--policy", "tengzhou", "--period", "2026-10", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["lines"] == [] and printed["reason"] == "no_costs"
    path.write_text(json.dumps({"grade": 4, "care_mode": "family"}), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("benefit", str(path), "--policy", "chengdu", "--period", "2026-10")
    assert caught.value.returncode == 2 and "eligible_from" in str(caught.value)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("benefit", str(path), "--policy", "chengdu", "--period", "2026-10")
    assert caught.value.returncode == 2


def test_statements_as_excel_and_pdf(world, month, people):
    from changhu.core.pdf import cjk_font_missing

    period_id = _computed_period(people)
    claim = _claim(world, period_id, world.b)
    xlsx = people["care_b"].client.get(
        f"/api/v1/settlement/claims/{claim}/statement.xlsx", headers=people["care_b"].headers
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["汇总", "明细", "剔除记录"]
    assert any(
        row[4] == "duration_too_short" for row in book["剔除记录"].iter_rows(values_only=True)
    )
    assert (
        people["care_a"]
        .client.get(
            f"/api/v1/settlement/claims/{claim}/statement.xlsx", headers=people["care_a"].headers
        )
        .status_code
        == 404
    )
    if cjk_font_missing():
        pytest.skip("CJK fonts not installed")
    pdf = people["care_b"].client.get(
        f"/api/v1/settlement/claims/{claim}/statement.pdf", headers=people["care_b"].headers
    )
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
