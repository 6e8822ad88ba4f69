"""Consequences of a score as rules: loading and refusing rule files, band matching, proposals
after a run, what confirming each does (a settlement deduction, a status change, a fee), and
who sees and decides them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.core.models import AuditEntry
from changhu.scorecards import compute, consequences, selectors, services
from changhu.scorecards import consequence_rules as rules
from changhu.scorecards.models import ConsequenceProposal, ConsequenceRuleSet
from changhu.scorecards.tests.fixtures import EVERY_ACTION, rule_file
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHIPPED = consequences.rules_dir() / "consequences-2026.1.json"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the rule files ---------------------------------------------------------------------------


def test_the_shipped_rules_load_once():
    lines = consequences.load_all_rule_sets()
    assert lines == ["考核结果运用规则（2026.1）：已加载"]
    assert consequences.load_all_rule_sets() == ["考核结果运用规则（2026.1）：未变化"]
    rule_set = ConsequenceRuleSet.objects.get()
    assert [b.get("below") for b in rule_set.kinds["care-institution"]] == [60, 70, 80, 90]


@pytest.mark.parametrize(
    ("kinds", "says"),
    [
        ({"nursing": [{"consequences": [{"action": "warning"}]}]}, "考核对象nursing不存在"),
        ({"care-institution": []}, "档次应为非空列表"),
        ({"care-institution": [{"below": 70, "consequences": [{"action": "fine"}]}]}, "action"),
        (
            {"insurer": [{"below": 70, "consequences": [{"action": "termination"}]}]},
            "不适用于insurer",
        ),
        (
            {"care-institution": [{"below": 70, "consequences": [{"action": "fee_factor"}]}]},
            "不适用于care-institution",
        ),
        (
            {
                "care-institution": [
                    {"below": 70, "consequences": [{"action": "withholding", "percent": 120}]}
                ]
            },
            "扣留比例percent",
        ),
        (
            {
                "care-institution": [
                    {"below": 80, "consequences": [{"action": "warning"}]},
                    {"below": 70, "consequences": [{"action": "interview"}]},
                ]
            },
            "应大于上一档",
        ),
        (
            {
                "care-institution": [
                    {"consequences": [{"action": "warning"}]},
                    {"below": 70, "consequences": [{"action": "interview"}]},
                ]
            },
            "只有最后一档可以省略",
        ),
        (
            {"insurer": [{"below": 70, "consequences": [{"action": "fee_factor", "factor": 3}]}]},
            "考核系数factor",
        ),
        ({"care-institution": [{"below": 70, "consequences": []}]}, "consequences应为非空列表"),
    ],
)
def test_a_bad_rule_file_is_refused_with_the_reason(tmp_path, kinds, says):
    with pytest.raises(ValidationFailed) as refused:
        consequences.load_rules_file(rule_file(tmp_path, kinds))
    assert refused.value.code == "preset_invalid"
    assert "rules.json" in refused.value.message and says in refused.value.message
    assert not ConsequenceRuleSet.objects.exists()


def test_unreadable_json_and_a_missing_field_are_refused(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="无法读取JSON"):
        consequences.load_rules_file(path)
    with pytest.raises(ValidationFailed, match="effective_from"):
        consequences.load_rules_file(
            rule_file(tmp_path, {"insurer": []}, effective_from="next week")
        )


def test_the_same_version_with_other_content_is_refused(tmp_path):
    kinds = {"care-institution": [{"below": 70, "consequences": [{"action": "warning"}]}]}
    consequences.load_rules_file(rule_file(tmp_path, kinds))
    kinds["care-institution"][0]["below"] = 75
    with pytest.raises(Conflict) as refused:
        consequences.load_rules_file(rule_file(tmp_path, kinds))
    assert refused.value.code == "preset_version_changed"


# --- band matching (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "actions", "label"),
    [
        ("0", ["termination", "withholding"], "低于60分"),
        ("59.99", ["termination", "withholding"], "低于60分"),
        ("60", ["suspension", "withholding", "interview"], "60分至70分以下"),
        ("79.99", ["withholding", "interview"], "70分至80分以下"),
        ("80", ["withholding", "warning"], "80分至90分以下"),
        ("89.99", ["withholding", "warning"], "80分至90分以下"),
        ("90", None, None),
        ("100", None, None),
    ],
)
def test_a_care_institution_score_falls_in_its_band(score, actions, label):
    bands = json.loads(SHIPPED.read_text(encoding="utf-8"))["kinds"]["care-institution"]
    band = rules.band_for(bands, Decimal(score))
    if actions is None:
        assert band is None
        return
    assert [c["action"] for c in band["consequences"]] == actions
    assert rules.band_label(band, bands) == label


@pytest.mark.parametrize(
    ("score", "factor", "label"),
    [("69.5", 0.8, "低于70分"), ("85", 0.95, "80分至90分以下"), ("90", 1.0, "90分及以上")],
)
def test_an_insurer_score_gives_its_fee_factor(score, factor, label):
    bands = json.loads(SHIPPED.read_text(encoding="utf-8"))["kinds"]["insurer"]
    band = rules.band_for(bands, Decimal(score))
    fee = next(c for c in band["consequences"] if c["action"] == "fee_factor")
    assert fee["factor"] == factor and rules.band_label(band, bands) == label


def test_shares_round_half_up_to_the_fen():
    assert rules.share(1_234_500, 5) == 61_725
    assert rules.share(101, Decimal("2.5")) == 3  # 2.525 fen
    assert rules.scaled(1_000_001, Decimal("0.95")) == 950_001  # 950000.95


# --- proposals and their effects --------------------------------------------------------------


def proposals(organization, action=None):
    qs = ConsequenceProposal.objects.filter(organization=organization)
    return qs.get(action=action) if action else qs


def test_a_run_proposes_what_the_rules_call_for(every_score, scored, orgs):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    mine = proposals(orgs.care)
    assert sorted(mine.values_list("action", flat=True)) == sorted(
        a["action"] for a in EVERY_ACTION
    )
    assert {p.status for p in mine} == {"proposed"}
    withholding = proposals(orgs.care, "withholding")
    assert withholding.percent == Decimal("5") and withholding.base_fen == 0
    assert withholding.band == "任何分数"


def test_a_period_under_way_gets_no_proposals(every_score, scored, orgs):
    compute.compute_run(kind="care-institution", period=scored.quarter.shift(1).key)
    assert not ConsequenceProposal.objects.exists()


def test_the_shipped_rules_propose_by_band(scored, orgs):
    consequences.load_all_rule_sets()
    run = compute.compute_run(kind="care-institution", period=scored.quarter.key)
    for card in run.cards.all():
        band = rules.band_for(
            ConsequenceRuleSet.objects.get().kinds["care-institution"], card.score
        )
        expected = len(band["consequences"]) if band else 0
        assert proposals(card.organization).count() == expected


def test_confirming_a_withholding_adds_a_deduction_to_the_next_settlement(
    every_score, settled, orgs, users
):
    from changhu.settlement import statements
    from changhu.settlement.models import Claim

    compute.compute_run(kind="care-institution", period=settled.quarter.key)
    proposal = proposals(orgs.care, "withholding")
    assert proposal.base_fen == 1_234_500 and proposal.amount_fen == 61_725
    said = consequences.effect(proposal, target=consequences.next_period(proposal))
    assert f"在{settled.next_period.month}结算中" in said and "扣款617.25元" in said

    done = services.consequence_confirm(actor=users.bureau_admin, proposal_id=proposal.pk)
    assert done.status == "confirmed" and done.decided_by == users.bureau_admin
    line = done.adjustment
    assert line.period_id == settled.next_period.pk and line.person_id is None
    assert line.fund_fen == -61_725 and line.source == "adjustment"
    assert "考核得分" in line.reason and "扣留质量保证金5%" in line.reason
    assert "12,345.00元为基数，扣留617.25元" in line.reason
    claim = Claim.objects.get(period=settled.next_period, institution=settled.institution)
    assert claim.fund_fen == -61_725
    assert AuditEntry.objects.filter(object_type="settlement.claimline", object_id=str(line.pk))
    assert f"{settled.next_period.month}结算中扣留" in done.outcome
    # The claim page and the statement show it, with its reason.
    page = client_for(users.bureau_admin).get(f"/settlement/claims/{claim.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "机构扣款" in text and "扣留质量保证金5%" in text
    response = statements.statement_xlsx(fetched_by=users.bureau_admin, claim_id=claim.pk)
    assert response.status_code == 200
    pdf = statements.statement_pdf(fetched_by=users.bureau_admin, claim_id=claim.pk)
    assert pdf.status_code == 200
    detail = client_for(users.care_admin).get(f"/settlement/lines/{line.pk}/")
    assert detail.status_code == 200 and "机构扣款：-617.25元" in detail.content.decode()
    api = client_for(users.care_admin).get(f"/api/v1/settlement/claims/{claim.pk}/lines")
    listed = next(i for i in api.json()["items"] if i["id"] == line.pk)
    assert listed["person_id"] is None and listed["person_name"] is None
    assert listed["fund_fen"] == -61_725 and "扣留质量保证金5%" in listed["reason"]
    # The institution cannot withdraw its deduction.
    from changhu.settlement import services as settlement_services

    with pytest.raises(Conflict) as refused:
        settlement_services.line_withdraw(actor=users.care_admin, line_id=line.pk, reason="不认")
    assert refused.value.code == "line_is_deduction"
    # A decided proposal cannot be decided again.
    with pytest.raises(Conflict) as again:
        services.consequence_confirm(actor=users.bureau_admin, proposal_id=proposal.pk)
    assert again.value.code == "consequence_decided"


def test_a_withholding_without_an_open_settlement_is_refused(every_score, settled, orgs, users):
    settled.next_period.delete()
    compute.compute_run(kind="care-institution", period=settled.quarter.key)
    proposal = proposals(orgs.care, "withholding")
    with pytest.raises(Conflict) as refused:
        services.consequence_confirm(actor=users.bureau_admin, proposal_id=proposal.pk)
    assert refused.value.code == "consequence_no_open_period"
    proposal.refresh_from_db()
    assert proposal.status == "proposed" and proposal.adjustment_id is None


def test_suspension_and_termination_go_through_the_institution_status(
    every_score, scored, orgs, users
):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    services.consequence_confirm(
        actor=users.bureau_admin, proposal_id=proposals(orgs.care, "suspension").pk
    )
    scored.institution.refresh_from_db()
    assert scored.institution.status == "suspended"
    assert "考核得分" in scored.institution.status_reason
    services.consequence_confirm(
        actor=users.bureau_admin, proposal_id=proposals(orgs.care, "termination").pk
    )
    scored.institution.refresh_from_db()
    assert scored.institution.status == "terminated"


def test_a_warning_is_a_notice_the_institution_sees(every_score, scored, orgs, users):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    warning = proposals(orgs.care, "warning")
    assert not selectors.consequence_list(fetched_by=users.care_admin).exists()
    services.consequence_confirm(actor=users.bureau_admin, proposal_id=warning.pk)
    seen = list(selectors.consequence_list(fetched_by=users.care_admin))
    assert [p.pk for p in seen] == [warning.pk]
    card = client_for(users.care_admin).get(
        f"/scorecards/care-institution/{scored.quarter.key}/{orgs.care.pk}/"
    )
    assert "警告" in card.content.decode() and "已确认执行" in card.content.decode()


def test_dismissing_needs_a_reason_and_a_rerun_keeps_decisions(every_score, scored, orgs, users):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    interview = proposals(orgs.care, "interview")
    with pytest.raises(ValidationFailed) as refused:
        services.consequence_dismiss(actor=users.bureau_admin, proposal_id=interview.pk, reason=" ")
    assert refused.value.code == "reason_required"
    services.consequence_dismiss(
        actor=users.bureau_admin, proposal_id=interview.pk, reason="已于上月约谈"
    )
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    interview.refresh_from_db()
    assert interview.status == "dismissed" and interview.reason == "已于上月约谈"
    assert proposals(orgs.care).count() == len(EVERY_ACTION)


def test_the_insurer_fee_is_the_contract_fee_times_the_factor(every_score, scored, orgs, users):
    from changhu.fund.models import Entry

    compute.compute_run(kind="insurer", period=scored.quarter.key)
    proposal = proposals(orgs.insurer_a, "fee_factor")
    assert proposal.factor == Decimal("0.9")
    with pytest.raises(ValidationFailed) as refused:
        services.consequence_confirm(actor=users.bureau_admin, proposal_id=proposal.pk)
    assert refused.value.code == "contract_fee_invalid"
    done = services.consequence_confirm(
        actor=users.bureau_admin, proposal_id=proposal.pk, contract_fee_fen=1_000_000
    )
    assert done.base_fen == 1_000_000 and done.amount_fen == 900_000
    entry = Entry.objects.get(kind="fee")
    assert "×考核系数0.9＝9,000.00元" in entry.memo


def test_only_the_bureau_decides_and_outsiders_get_nothing(every_score, scored, orgs, users):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    warning = proposals(orgs.care, "warning")
    for user in (users.care_admin, users.regulator, users.supervisor_a):
        with pytest.raises(PermissionDenied):
            services.consequence_confirm(actor=user, proposal_id=warning.pk)
    # 乙保险 administers Wuhou only; the other institution's administrator sees only its own.
    other_admin = UserFactory(
        username="other_admin", role="care_admin", organization=scored.other.organization
    )
    assert not selectors.consequence_list(fetched_by=users.worker_b).filter(organization=orgs.care)
    with pytest.raises(NotFound):
        selectors.consequence_get(fetched_by=other_admin, proposal_id=warning.pk)
    assert not selectors.consequence_list(fetched_by=users.applicant).exists()


def test_the_api_lists_confirms_and_dismisses_in_scope(every_score, scored, orgs, users):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    bureau = client_for(users.bureau_admin)
    body = bureau.get("/api/v1/scorecards/consequences?status=proposed").json()
    mine = [i for i in body["items"] if i["org_id"] == orgs.care.pk]
    assert len(mine) == len(EVERY_ACTION)
    warning = next(i for i in mine if i["action"] == "warning")
    assert "向锦江康养护理院发出警告" in warning["effect"]

    outsider = client_for(users.worker_b)
    assert outsider.post(
        f"/api/v1/scorecards/consequences/{warning['id']}/confirm",
        {},
        content_type="application/json",
    ).status_code in (403, 404)
    care = client_for(users.care_admin)
    assert care.get("/api/v1/scorecards/consequences").json()["total"] == 0
    assert client_for(users.applicant).get("/api/v1/scorecards/consequences").status_code == 403

    done = bureau.post(
        f"/api/v1/scorecards/consequences/{warning['id']}/confirm",
        {},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    assert [i["id"] for i in care.get("/api/v1/scorecards/consequences").json()["items"]] == [
        warning["id"]
    ]
    interview = next(i for i in mine if i["action"] == "interview")
    empty = bureau.post(
        f"/api/v1/scorecards/consequences/{interview['id']}/dismiss",
        {"reason": ""},
        content_type="application/json",
    )
    assert empty.status_code == 422 and "reason_required" in empty.content.decode()
    dismissed = bureau.post(
        f"/api/v1/scorecards/consequences/{interview['id']}/dismiss",
        {"reason": "整改已完成"},
        content_type="application/json",
    )
    assert dismissed.json()["status"] == "dismissed"
    again = bureau.post(
        f"/api/v1/scorecards/consequences/{interview['id']}/confirm",
        {},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_the_consequences_page_says_what_confirming_does(every_score, settled, orgs, users):
    compute.compute_run(kind="care-institution", period=settled.quarter.key)
    page = client_for(users.bureau_admin).get("/scorecards/consequences/?status=proposed")
    text = page.content.decode()
    assert page.status_code == 200
    assert f"在{settled.next_period.month}结算中从锦江康养护理院的申报扣留质量保证金5%" in text
    assert "此操作不可撤销" in text
    assert "withholding" not in text.replace('data-action="withholding"', "")
    care = client_for(users.care_admin).get("/scorecards/consequences/")
    assert care.status_code == 200 and "确认执行</button>" not in care.content.decode()
