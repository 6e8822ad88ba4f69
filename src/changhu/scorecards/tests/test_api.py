"""The scorecard endpoints: reads in scope, 422 for a bad kind or period, computing and manual
points."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from changhu.scorecards import compute
from changhu.scorecards.demo import DEMO_PDF

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def computed(scored):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    return scored


def test_the_ranking_in_scope(computed, orgs, users):
    url = f"/api/v1/scorecards?kind=care-institution&period={computed.quarter.key}"
    body = client_for(users.bureau_admin).get(url).json()
    assert body["total"] == 2
    assert {i["name"] for i in body["items"]} == {orgs.care.name, computed.other.organization.name}
    first = body["items"][0]
    assert abs(first["score"] - sum(i["points"] for i in first["indicators"])) < 0.001
    mine = client_for(users.care_admin).get(url).json()
    assert [i["org_id"] for i in mine["items"]] == [orgs.care.pk]
    assert client_for(users.applicant).get(url).status_code == 403


@pytest.mark.parametrize(
    "query",
    ["kind=hospital&period=2025-Q1", "kind=insurer&period=2025-Q5", "kind=insurer&period=x"],
)
def test_a_bad_kind_or_period_is_422(db, users, query):
    response = client_for(users.bureau_admin).get(f"/api/v1/scorecards?{query}")
    assert response.status_code == 422
    assert response.json()["code"] in ("kind_invalid", "period_invalid")


def test_a_card_with_its_trend_and_a_drill_down(computed, orgs, users):
    base = f"/api/v1/scorecards/care-institution/{computed.quarter.key}/{orgs.care.pk}"
    card = client_for(users.regulator).get(base).json()
    assert card["name"] == orgs.care.name and len(card["trend"]) == 6
    assert card["trend"][-1] == {"period": computed.quarter.key, "score": card["score"]}
    drill = client_for(users.regulator).get(f"{base}/indicators/confirmed_finding_rate").json()
    assert len(drill["rows"]) == 2 and sum(r["counted"] for r in drill["rows"]) == 1
    theirs = computed.other.organization.pk
    other = f"/api/v1/scorecards/care-institution/{computed.quarter.key}/{theirs}"
    assert client_for(users.care_admin).get(other).status_code == 404
    assert client_for(users.care_admin).get(f"{other}/indicators/complaint_rate").status_code == 404


def test_computing_and_manual_points(scored, orgs, users, media_root):
    bureau = client_for(users.bureau_admin)
    bad = bureau.post(
        "/api/v1/scorecards/runs", {"kind": "x", "period": "2025"}, content_type="application/json"
    )
    assert bad.status_code == 422
    done = bureau.post(
        "/api/v1/scorecards/runs",
        {"kind": "care-institution", "period": scored.quarter.key},
        content_type="application/json",
    )
    assert done.status_code == 201 and done.json()["organizations"] == 2
    url = f"/api/v1/scorecards/care-institution/{scored.quarter.key}/{orgs.care.pk}/manual"
    entered = bureau.post(
        url,
        {
            "indicator_code": "inspection_points",
            "points": "9",
            "reason": "现场抽查",
            "evidence": SimpleUploadedFile("记录.pdf", DEMO_PDF),
        },
    )
    assert entered.status_code == 201, entered.content
    card = bureau.get(url.removesuffix("/manual")).json()
    assert next(i for i in card["indicators"] if i["code"] == "inspection_points")["points"] == 9
