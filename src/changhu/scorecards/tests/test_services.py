"""On-site points entered by inspectors, with evidence and a reason, audited."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from changhu.core.errors import NotFound, PermissionDenied, ValidationFailed
from changhu.core.models import AuditEntry
from changhu.scorecards import compute, services
from changhu.scorecards.demo import DEMO_PDF
from changhu.scorecards.models import ManualScore, Scorecard


def pdf(name="检查记录.pdf"):
    upload = io.BytesIO(DEMO_PDF)
    upload.name = name
    return upload


def enter(scored, actor, organization, **overrides):
    values = {
        "kind": "care-institution",
        "period": scored.quarter.key,
        "organization_id": organization.pk,
        "indicator_code": "inspection_points",
        "points": "12.5",
        "reason": "消防通道堆放杂物",
        "evidence": pdf(),
    }
    return services.manual_score_enter(actor=actor, **{**values, **overrides})


def test_an_inspector_enters_points_and_the_card_is_recomputed(scored, orgs, users, media_root):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    before = Scorecard.objects.get(organization=orgs.care).score
    entry = enter(scored, users.bureau_admin, orgs.care)
    assert entry.points == Decimal("12.50") and entry.evidence_type == "application/pdf"
    card = Scorecard.objects.get(organization=orgs.care)
    assert card.score == before + Decimal("12.50")
    assert card.indicators.get(code="inspection_points").points == Decimal("12.50")
    logged = AuditEntry.objects.get(object_type="scorecards.manualscore", object_id=str(entry.pk))
    assert logged.actor == users.bureau_admin and "消防通道" in logged.note
    # A second entry replaces the first in the score; both stay on record.
    enter(scored, users.bureau_admin, orgs.care, points="10")
    card = Scorecard.objects.get(organization=orgs.care)
    assert card.indicators.get(code="inspection_points").points == Decimal("10.00")
    assert ManualScore.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"points": "15.5"}, "points_invalid"),
        ({"points": "-1"}, "points_invalid"),
        ({"points": "abc"}, "points_invalid"),
        ({"points": "1.234"}, "points_invalid"),
        ({"reason": "  "}, "reason_required"),
        ({"evidence": None}, "evidence_required"),
        ({"indicator_code": "complaint_rate"}, "indicator_not_manual"),
        ({"period": "2025-Q9"}, "period_invalid"),
        ({"kind": "hospital"}, "kind_invalid"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_written(
    scored, orgs, users, media_root, overrides, code
):
    with pytest.raises(ValidationFailed) as caught:
        enter(scored, users.bureau_admin, orgs.care, **overrides)
    assert caught.value.code == code
    assert not ManualScore.objects.exists()


def test_an_image_that_is_not_one_is_refused(scored, orgs, users, media_root):
    fake = io.BytesIO(b"not a pdf at all")
    fake.name = "x.pdf"
    with pytest.raises(ValidationFailed):
        enter(scored, users.bureau_admin, orgs.care, evidence=fake)


def test_who_may_enter_points(scored, orgs, users, media_root):
    with pytest.raises(PermissionDenied):
        enter(scored, users.regulator, orgs.care)
    with pytest.raises(PermissionDenied):
        enter(scored, users.care_admin, orgs.care)
    with pytest.raises(NotFound):  # Wuhou is not insurer A's district
        enter(scored, users.worker_a, scored.other.organization)
    assert enter(scored, users.worker_a, orgs.care).entered_by == users.worker_a


def test_no_one_scores_their_own_organization_and_only_the_bureau_scores_insurers(
    scored, orgs, users, media_root
):
    insurer = {"kind": "insurer", "indicator_code": "audit_findings"}
    with pytest.raises(PermissionDenied):
        enter(scored, users.supervisor_a, orgs.insurer_a, **insurer)
    with pytest.raises(PermissionDenied):
        enter(scored, users.supervisor_a, orgs.insurer_b, **insurer)
    entry = enter(scored, users.bureau_admin, orgs.insurer_a, **insurer)
    assert entry.organization == orgs.insurer_a and ManualScore.objects.count() == 1
