"""The audit trail for an auditor: who sees which entries, the filters, the Excel export (itself
audited), over the API and on the page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from changhu.core import audit, clock
from changhu.core.models import AuditEntry
from changhu.orgs import audit_trail
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import RIGHTS, Right, Role
from tests.api import ApiClient
from tests.factories import OrganizationFactory, UserFactory, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(users, orgs, city):
    """One entry by each of: a case worker of insurer A, a worker of its outlet, a case worker
    of insurer B, a care administrator, the system; and one of another city's insurer."""
    person = make_person(city.streets["510104001000"], name="张建国")
    deyang = OrganizationFactory(
        kind=OrgKind.INSURER, name="丙保险德阳分公司", region=_deyang(city)
    )
    stranger = UserFactory(username="deyang", role=Role.INSURER_CASE_WORKER, organization=deyang)
    by = {}
    for name, user in [
        ("worker_a", users.worker_a),
        ("outlet", users.outlet_worker),
        ("worker_b", users.worker_b),
        ("care", users.care_admin),
        ("deyang", stranger),
        ("system", None),
    ]:
        by[name] = audit.record(
            action="update",
            obj=person,
            user=user,
            changes={"phone": {"label": "联系电话", "old": "138****0000", "new": "139****1111"}},
            note=f"修改（{name}）",
        )
    return by


def _deyang(city):
    from changhu.orgs.models import Region, RegionLevel

    return Region.objects.create(code="510600", name="德阳市", level=RegionLevel.CITY)


def _notes(entries) -> set[str]:
    return {e.note for e in entries}


def _filters(**typed):
    return audit_trail.clean_filters(**typed)


def test_who_holds_the_right():
    holders = {role for role in Role if Right.AUDIT_EXPORT in RIGHTS[role]}
    assert holders == {Role.BUREAU_ADMIN, Role.BUREAU_REGULATOR, Role.INSURER_SUPERVISOR}


def test_the_bureau_sees_its_city_and_the_system_an_insurer_its_own_people(trail, users):
    bureau = audit_trail.audit_entries(fetched_by=users.regulator, filters=_filters())
    assert _notes(bureau) >= {
        "修改（worker_a）",
        "修改（outlet）",
        "修改（worker_b）",
        "修改（care）",
        "修改（system）",
    }
    assert "修改（deyang）" not in _notes(bureau)
    insurer = audit_trail.audit_entries(fetched_by=users.supervisor_a, filters=_filters())
    assert _notes(insurer) == {"修改（worker_a）", "修改（outlet）"}
    with pytest.raises(Exception) as refused:
        audit_trail.audit_entries(fetched_by=users.worker_a, filters=_filters())
    assert refused.value.status == 403


def test_filters_narrow_and_bad_ones_are_refused(trail, users):
    today = clock.today()
    by_actor = _filters(actor=users.worker_b.username)
    assert _notes(audit_trail.audit_entries(fetched_by=users.regulator, filters=by_actor)) == {
        "修改（worker_b）"
    }
    assert (
        audit_trail.audit_entries(
            fetched_by=users.regulator,
            filters=_filters(object_type="insured.person", action="update"),
        ).count()
        == 5
    )
    assert not audit_trail.audit_entries(
        fetched_by=users.regulator, filters=_filters(action="export")
    ).exists()
    yesterday = today - dt.timedelta(days=1)
    assert not audit_trail.audit_entries(
        fetched_by=users.regulator, filters=_filters(start=yesterday, end=yesterday)
    ).exists()
    for typed, code in [
        ({"start": "2026-13-01"}, "audit_date_invalid"),
        ({"start": today.isoformat(), "end": yesterday.isoformat()}, "audit_date_order"),
        ({"start": (today - dt.timedelta(days=400)).isoformat()}, "audit_range_too_long"),
        ({"end": (today + dt.timedelta(days=1)).isoformat()}, "audit_date_out_of_range"),
        ({"end": "9999-12-31"}, "audit_date_out_of_range"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "audit_date_out_of_range"),
        ({"object_type": "nothing.here"}, "audit_object_type_invalid"),
        ({"action": "delete_all"}, "audit_action_invalid"),
    ]:
        with pytest.raises(Exception) as refused:
            _filters(**typed)
        assert refused.value.code == code and refused.value.status == 422


def test_the_export_is_a_workbook_of_the_scope_and_is_itself_audited(trail, users):
    before = AuditEntry.objects.count()
    content, name = audit_trail.export_audit(actor=users.supervisor_a, filters=_filters())
    assert name.startswith("审计日志") and name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == audit_trail.HEADERS
    assert len(rows) == 3  # the two entries of insurer A's people
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["操作人"] == users.worker_a.real_name and first["登录名"] == "worker_a"
    assert first["对象类型"] == "参保人" and first["操作"] == "修改"
    assert first["变更内容（已脱敏）"] == "联系电话：138****0000 → 139****1111"
    assert AuditEntry.objects.count() == before + 1
    export = AuditEntry.objects.latest("pk")
    assert (export.action, export.actor, export.object_type) == (
        "export",
        users.supervisor_a,
        "core.auditentry",
    )
    assert export.changes["rows"]["new"] == 2 and "导出审计日志" in export.note


def test_the_api_lists_and_exports_for_holders_only(trail, users):
    regulator = ApiClient(users.regulator)
    listed = regulator.get("orgs/audit", actor="worker_a")
    assert listed.status_code == 200, listed.body
    assert [e["note"] for e in listed.body["items"]] == ["修改（worker_a）"]
    assert listed.body["items"][0]["object_type_label"] == "参保人"
    response = regulator.client.get(
        "/api/v1/orgs/audit.xlsx", {"object_type": "insured.person"}, headers=regulator.headers
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(action="export", actor=users.regulator).count() == 1
    refused = ApiClient(users.worker_a).client.get(
        "/api/v1/orgs/audit.xlsx", {"start": "bad"}, headers=ApiClient(users.worker_a).headers
    )
    assert refused.status_code == 403  # the right first, whatever the filters
    today = clock.today()
    bad = regulator.get(
        "orgs/audit", start=today.isoformat(), end=(today - dt.timedelta(days=10)).isoformat()
    )
    assert bad.status_code == 422 and bad.body["code"] == "audit_date_order"


def test_the_page_shows_the_entries_and_links_the_export(trail, users):
    client = Client()
    client.force_login(users.supervisor_a)
    page = client.get("/orgs/audit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "审计日志" in text and "修改（outlet）" in text and "修改（worker_b）" not in text
    assert 'data-testid="audit-export"' in text
    export = client.get("/orgs/audit/export/", {"actor": "worker_a"})
    assert export.status_code == 200 and export["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="export", actor=users.supervisor_a).exists()
    wrong = client.get("/orgs/audit/", {"end": "not-a-day"})
    assert wrong.status_code == 422 and "截止日期应为日期" in wrong.content.decode()
    worker = Client()
    worker.force_login(users.worker_a)
    assert worker.get("/orgs/audit/").status_code == 403
    assert worker.get("/orgs/audit/export/").status_code == 403
    assert "审计日志" not in worker.get("/").content.decode()
    assert "/orgs/audit/" in client.get("/").content.decode()
