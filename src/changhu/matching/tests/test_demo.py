"""The demo: a death list in review with every kind of row, one death confirmed with a recovery
proposal, a hospital feed; the API's write recipes run in this world too."""

from __future__ import annotations

import pytest

from changhu.insured.models import LifeEvent
from changhu.matching.demo import seed_matching_demo
from changhu.matching.models import MatchBatch, MatchRecord, RecoveryProposal

pytestmark = pytest.mark.django_db


def test_demo_has_a_list_in_review_and_a_confirmed_death(write_world):
    deaths = MatchBatch.objects.get(kind="deaths")
    assert deaths.status == "committed"
    assert deaths.matched_rows == 3 and deaths.unmatched_rows == 1 and deaths.error_rows == 2
    records = MatchRecord.objects.filter(batch=deaths)
    assert records.filter(status="pending").count() == 2
    assert records.filter(status="pending", name_mismatch=True).count() == 1
    confirmed = records.get(status="confirmed")
    event = LifeEvent.objects.get(pk=confirmed.life_event_id)
    assert event.kind == "death" and event.source == "match"
    assert event.start_date == confirmed.event_date
    proposals = RecoveryProposal.objects.filter(match=confirmed)
    assert proposals.exists()
    for proposal in proposals:
        assert proposal.status == "proposed" and 0 < proposal.amount_fen <= proposal.line.fund_fen
        assert proposal.line.person_id == confirmed.person_id
    hospital = MatchBatch.objects.get(kind="hospital")
    assert hospital.via_feed and hospital.matched_rows == 1
    # seeding again changes nothing
    seed_matching_demo()
    assert MatchBatch.objects.count() == 2
