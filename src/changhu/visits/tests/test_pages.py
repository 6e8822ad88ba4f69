"""Staff pages (monitor, evidence, track, findings queue, screening with progress, bed-days,
patrols) and the PWA's shell, manifest and service worker."""

import datetime as dt

import pytest

from changhu.core import clock
from changhu.visits import screening
from changhu.visits.models import Finding, RunStatus, ScreeningRun
from tests.factories import make_visit


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def visit(home):
    v = make_visit(
        caregiver=home.caregiver,
        person=home.person,
        start=clock.now() - dt.timedelta(hours=2),
        minutes=10,
        items=((home.items["SH05"], 1),),
        distance_m=900,
    )
    finding = Finding.objects.create(
        visit=v,
        person=home.person,
        institution=v.institution,
        caregiver=home.caregiver,
        region_code=home.person.region_code,
        period=v.service_date.strftime("%Y-%m"),
        service_date=v.service_date,
        rule_code="too_short",
        severity="medium",
        rule_version="2026.1",
        reason="服务时长10分钟，不足所记项目参考时长30分钟的60%",
    )
    v.finding = finding
    return v


@pytest.mark.django_db
def test_monitor_detail_and_track(client, users, visit):
    visit.short_reason, visit.short_reason_note = "other", "老人午睡"
    visit.save(update_fields=["short_reason", "short_reason_note"])
    login(client, users.supervisor_a)
    page = client.get("/visits/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "锦江区" in text and visit.person.name in text and "锦江康养护理院" in text
    detail = client.get(f"/visits/{visit.pk}/").content.decode()
    assert 'id="visit-positions"' in detail and "服务时长10分钟" in detail
    assert "提前结束原因" in detail and "其他（请说明）：老人午睡" in detail
    assert f"/visits/photos/{visit.check_in_photo_id}/" in detail
    photo = client.get(f"/visits/photos/{visit.check_in_photo_id}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    track = client.get(
        f"/visits/track/?caregiver={visit.caregiver_id}&date={visit.service_date.isoformat()}"
    )
    assert track.status_code == 200 and 'id="track-points"' in track.content.decode()


@pytest.mark.django_db
def test_pages_are_scoped(client, users, visit):
    login(client, users.worker_b)
    assert client.get(f"/visits/{visit.pk}/").status_code == 404
    assert client.get(f"/visits/photos/{visit.check_in_photo_id}/").status_code == 404
    assert visit.person.name not in client.get("/visits/").content.decode()
    client.logout()
    login(client, users.caregiver)
    assert client.get("/visits/").status_code == 403
    assert client.get("/visits/findings/").status_code == 403


@pytest.mark.django_db
def test_findings_queue_and_htmx_resolution(client, users, visit):
    login(client, users.supervisor_a)
    page = client.get("/visits/findings/").content.decode()
    assert "服务时长不足" in page and "确认违规" in page
    url = f"/visits/findings/{visit.finding.pk}/resolve/"
    empty = client.post(url, {"decision": "confirm", "reason": ""}, headers={"HX-Request": "true"})
    assert empty.status_code == 422 and "请填写处理意见" in empty.content.decode()
    done = client.post(
        url, {"decision": "confirm", "reason": "时长不足"}, headers={"HX-Request": "true"}
    )
    assert done.status_code == 200 and "已确认违规" in done.content.decode()
    visit.refresh_from_db()
    assert visit.payable is False


@pytest.mark.django_db
def test_screening_page_queues_a_run_and_shows_progress(client, users, visit):
    login(client, users.supervisor_a)
    period = visit.service_date.strftime("%Y-%m")
    bad = client.post("/visits/screening/", {"period": "2026-13"})
    assert bad.status_code == 422
    response = client.post("/visits/screening/", {"period": period})
    assert response.status_code == 302
    run = ScreeningRun.objects.get()
    assert run.status == RunStatus.QUEUED
    row = client.get(f"/visits/screening/{run.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in row and "<progress" in row
    again = client.post("/visits/screening/", {"period": period})
    assert again.status_code == 409
    screening.execute(run.pk)
    row = client.get(f"/visits/screening/{run.pk}/").content.decode()
    assert "hx-trigger" not in row and 'value="100"' in row


@pytest.mark.django_db
def test_bed_day_and_patrol_pages(client, users, home):
    login(client, users.care_admin)
    page = client.get("/visits/bed-days/")
    assert page.status_code == 200 and "登记入住" in page.content.decode()
    response = client.post(
        "/visits/bed-days/",
        {"action": "admit", "person_q": home.person.insured_no, "admitted_on": "2026-01-01"},
    )
    # A home-care beneficiary is not among the institution's residents to choose from.
    assert response.status_code == 422 and "没有找到" in response.content.decode()
    assert client.get("/visits/patrols/").status_code == 200


@pytest.mark.django_db
def test_pwa_shell_manifest_and_worker(client, users, home):
    assert client.get("/pwa/").status_code == 302  # sign in first
    manifest = client.get("/pwa/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.json()["scope"] == "/pwa/"
    worker = client.get("/pwa/sw.js")
    assert worker["Service-Worker-Allowed"] == "/pwa/"
    assert "changhu-pwa-" in worker.content.decode()
    login(client, users.caregiver)
    shell = client.get("/pwa/").content.decode()
    assert "visits/pwa/app.js" in shell and "<script>" not in shell
    client.logout()
    login(client, users.supervisor_a)
    assert client.get("/pwa/").status_code == 403
