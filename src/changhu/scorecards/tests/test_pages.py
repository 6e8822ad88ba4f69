"""The scorecard pages: the ranking with its export, an organization's card with its trend, the
drill-down within the viewer's scope, on-site points through the form, and outsiders."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from changhu.core.models import AuditEntry
from changhu.scorecards import compute
from changhu.scorecards.demo import DEMO_PDF
from changhu.scorecards.models import ManualScore, Scorecard

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def computed(scored):
    compute.compute_run(kind="care-institution", period=scored.quarter.key)
    compute.compute_run(kind="care-institution", period=scored.quarter.shift(-1).key)
    return scored


def _card_url(scored, org, suffix=""):
    return f"/scorecards/care-institution/{scored.quarter.key}/{org.pk}/{suffix}"


def test_the_ranking_per_district_and_its_export(computed, orgs, users):
    bureau = client_for(users.bureau_admin)
    query = f"?kind=care-institution&period={computed.quarter.key}"
    page = bureau.get(f"/scorecards/{query}").content.decode()
    assert orgs.care.name in page and computed.other.organization.name in page
    assert "考核排名" in page
    jinjiang = bureau.get(f"/scorecards/{query}&district=510104").content.decode()
    assert orgs.care.name in jinjiang and computed.other.organization.name not in jinjiang
    export = bureau.get(f"/scorecards/{query}&export=xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("名次", "机构", "所在区县", "总分") and "稽核疑点率" in rows[0]
    assert {r[1] for r in rows[1:]} == {orgs.care.name, computed.other.organization.name}
    assert AuditEntry.objects.filter(
        action="export", object_type="scorecards.scorecardrun"
    ).exists()


def test_a_care_admin_sees_only_its_own_card(computed, orgs, users):
    admin = client_for(users.care_admin)
    page = admin.get(f"/scorecards/?kind=care-institution&period={computed.quarter.key}")
    text = page.content.decode()
    assert orgs.care.name in text and computed.other.organization.name not in text
    assert admin.get(_card_url(computed, orgs.care)).status_code == 200
    assert admin.get(_card_url(computed, computed.other.organization)).status_code == 404
    drill = _card_url(computed, computed.other.organization, "indicators/complaint_rate/")
    assert admin.get(drill).status_code == 404


def test_outsiders_get_nothing(computed, orgs, users):
    for user in (users.applicant, users.caregiver, users.assessor):
        client = client_for(user)
        assert client.get("/scorecards/").status_code == 403
        assert client.get(_card_url(computed, orgs.care)).status_code == 403
    anonymous = Client().get("/scorecards/")
    assert anonymous.status_code == 302


def test_the_card_shows_indicators_and_the_trend(computed, orgs, users):
    page = client_for(users.regulator).get(_card_url(computed, orgs.care)).content.decode()
    assert "每百名服务对象投诉率" in page and "scorecard-trend" in page
    assert "echarts.min.js" in page
    # the period before is on the trend, by its Chinese name (escaped in the JSON script)
    assert json.dumps(computed.quarter.shift(-1).label)[1:-1] in page
    assert "录入现场评分" not in page  # the regulator reads only


def test_the_drill_down_lists_the_rows_behind_the_number(computed, orgs, users):
    bureau = client_for(users.bureau_admin)
    page = bureau.get(_card_url(computed, orgs.care, "indicators/confirmed_finding_rate/"))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('data-testid="drill-row"') == 2  # one confirmed, one dismissed
    assert text.count("badge text-bg-warning") == 1
    complaints = bureau.get(_card_url(computed, orgs.care, "indicators/complaint_rate/"))
    assert complaints.content.decode().count('data-testid="drill-row"') == 2
    assert bureau.get(_card_url(computed, orgs.care, "indicators/made_up/")).status_code == 404


def test_the_drill_down_keeps_to_the_viewers_scope(computed, orgs, users):
    """Insurer B administers Wuhou only: the Jinjiang card is not theirs to open."""
    worker_b = client_for(users.worker_b)
    url = _card_url(computed, orgs.care, "indicators/complaint_rate/")
    assert worker_b.get(url).status_code == 404
    mine = client_for(users.care_admin).get(url).content.decode()
    assert mine.count('data-testid="drill-row"') == 2


def test_manual_points_through_the_form(computed, orgs, users, media_root):
    worker = client_for(users.worker_a)
    url = _card_url(computed, orgs.care, "manual/")
    assert worker.get(url).status_code == 200
    refused = worker.post(
        url, {"indicator_code": "inspection_points", "points": "30", "reason": "x"}
    )
    assert refused.status_code == 422 and not ManualScore.objects.exists()
    upload = io.BytesIO(DEMO_PDF)
    upload.name = "记录.pdf"
    done = worker.post(
        url,
        {
            "indicator_code": "inspection_points",
            "points": "14",
            "reason": "台账齐全",
            "evidence": upload,
        },
    )
    assert done.status_code == 302
    card = Scorecard.objects.get(organization=orgs.care, period=computed.quarter.key)
    assert card.indicators.get(code="inspection_points").points == 14
    page = worker.get(_card_url(computed, orgs.care)).content.decode()
    assert "台账齐全" in page and "现场检查得分" in page
    entry = ManualScore.objects.get()
    evidence = worker.get(f"/scorecards/manual/{entry.pk}/evidence/")
    assert evidence.status_code == 200 and evidence.content == DEMO_PDF
    assert (
        client_for(users.worker_b).get(f"/scorecards/manual/{entry.pk}/evidence/").status_code
        == 404
    )
    assert client_for(users.regulator).post(url, {}).status_code == 403


def test_computing_through_the_page(scored, users):
    bureau = client_for(users.bureau_admin)
    bad = bureau.post("/scorecards/compute/", {"kind": "care-institution", "period": "2025-Q7"})
    assert bad.status_code == 422 and "考核期" in bad.content.decode()
    done = bureau.post(
        "/scorecards/compute/", {"kind": "care-institution", "period": scored.quarter.key}
    )
    assert done.status_code == 302
    assert Scorecard.objects.filter(period=scored.quarter.key).count() == 2
    assert client_for(users.care_admin).post("/scorecards/compute/", {}).status_code == 403


def test_an_insurer_does_not_score_itself(scored, orgs, users):
    compute.compute_run(kind="insurer", period=scored.quarter.key)
    url = f"/scorecards/insurer/{scored.quarter.key}/{orgs.insurer_a.pk}/"
    own = client_for(users.supervisor_a).get(url)
    assert own.status_code == 200 and "录入现场评分" not in own.content.decode()
    assert "录入现场评分" in client_for(users.bureau_admin).get(url).content.decode()
    assert client_for(users.supervisor_a).post(f"{url}manual/", {}).status_code == 403
