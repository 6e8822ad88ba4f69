"""The settlement pages' reads: policies and regions to open a period with, the later periods an
adjustment can go to, and the claims a reviewer sent back."""

from __future__ import annotations

from changhu.settlement import selectors, services
from changhu.settlement.models import Claim, ClaimStatus, PolicyKind, PolicyVersion
from changhu.settlement.tests.conftest import MONTH


def test_policy_names_and_regions_need_a_settlement_right(world):
    bureau = world.users.bureau_admin
    names = dict(selectors.policy_names(fetched_by=bureau, kind=PolicyKind.BENEFIT))
    latest = PolicyVersion.objects.filter(code="chengdu").order_by("-effective_from").first()
    assert names["chengdu"] == latest.name
    regions = selectors.regions_with_benefit_policy(fetched_by=bureau)
    assert world.city.city in regions
    assert [r.code for r in regions] == sorted(r.code for r in regions)
    applicant = world.users.applicant
    assert selectors.policy_names(fetched_by=applicant, kind=PolicyKind.BENEFIT) == []
    assert selectors.regions_with_benefit_policy(fetched_by=applicant) == []


def test_periods_open_after_are_the_regions_later_unpaid_periods(world):
    bureau = world.users.bureau_admin
    opened = {
        month: services.period_open(
            actor=bureau, month=month, region_code="510100", policy_code="chengdu"
        )
        for month in ("2026-09", MONTH, "2026-11")
    }
    later = selectors.periods_open_after(fetched_by=bureau, period=opened[MONTH])
    assert later == [opened["2026-11"]]
    assert (
        selectors.periods_open_after(fetched_by=world.users.applicant, period=opened[MONTH]) == []
    )


def test_claims_sent_back_are_only_the_returned_ones(world, period):
    care = world.users.care_admin
    claim = Claim.objects.get(period=period, institution=world.a)
    assert selectors.claims_sent_back(care, ClaimStatus.DRAFT).count() == 0
    services.claim_submit(actor=care, claim_id=claim.pk)
    services.claim_first_review(
        actor=world.users.worker_a, claim_id=claim.pk, approve=False, reason="缺10月护理日志"
    )
    assert list(selectors.claims_sent_back(care, ClaimStatus.DRAFT)) == [claim]
    assert selectors.claims_sent_back(world.care_admin_b, ClaimStatus.DRAFT).count() == 0
