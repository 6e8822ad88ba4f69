"""The patroller's phone pages (record a patrol with its checklist, photos and a follow-up;
close a follow-up) and the back office's patrol page and follow-up queue."""

import datetime as dt
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from changhu.core import clock
from changhu.visits import services
from changhu.visits.models import FollowUpStatus, PatrolFollowUp, PatrolVisit
from changhu.visits.tests.fixtures import open_home_care
from tests.clock import on
from tests.factories import jpeg_bytes, make_caregiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(users, people, institution, rules, media_root):
    person = people.jinjiang
    open_home_care(users, person, institution, mode="family")
    make_caregiver(
        institution, kind="family", certificate="family_training", beneficiary=person, name="张小明"
    )
    return person


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(rules, person, **extra) -> dict:
    data = {
        "client_uuid": "6f1c0c8e-3a43-4a7e-9d0e-0b7a4c0f1a11",
        "person": str(person.pk),
        "condition_note": "精神好",
        "findings": "翻身间隔过长，已现场示范",
        "latitude": "30.6571",
        "longitude": "104.066",
        "accuracy_m": "12",
    }
    data.update({f"r_{entry['code']}": "1" for entry in rules.checklist})
    data.update(extra)
    return data


def test_a_patrol_with_a_follow_up_from_the_phone_and_closing_it(client, users, family, rules):
    client.force_login(users.care_admin)
    home = client.get(reverse("pwa:patrols"))
    assert home.status_code == 200 and "没有待跟进事项" in text(home)
    page = text(client.get(reverse("pwa:patrol_new")))
    assert family.name in page and all(e["label"] in page for e in rules.checklist)
    assert 'name="fu_action"' in page and "亲情护理员" in page and "护理机构" in page

    failed = rules.checklist[0]["code"]
    data = form_data(
        rules,
        family,
        **{
            f"r_{failed}": "0",
            f"n_{failed}": "翻身不及时",
            "fu_action": "教会家属每两小时翻身一次",
            "fu_due_on": (clock.today() + dt.timedelta(days=7)).isoformat(),
            "fu_party": "family_caregiver",
        },
    )
    data["photos"] = [SimpleUploadedFile("现场.jpg", jpeg_bytes(7), "image/jpeg")]
    saved = client.post(reverse("pwa:patrol_new"), data)
    assert saved.status_code == 302 and saved.url == reverse("pwa:patrols")
    patrol = PatrolVisit.objects.get()
    assert patrol.follow_up and patrol.photos.count() == 1 and patrol.distance_m is not None
    assert [r["note"] for r in patrol.checklist if not r["ok"]] == ["翻身不及时"]
    follow_up = PatrolFollowUp.objects.get()
    assert follow_up.party == "family_caregiver" and follow_up.patrol == patrol

    listed = text(client.get(reverse("pwa:patrols")))
    assert "已登记对张建国的巡护，设定跟进事项1项" in listed
    assert "教会家属每两小时翻身一次" in listed and "亲情护理员跟进" in listed

    closed = client.post(
        reverse("visits:follow_up_done", args=[follow_up.pk]),
        {"note": "家属已掌握", "next": reverse("pwa:patrols")},
    )
    assert closed.status_code == 302 and closed.url == reverse("pwa:patrols")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE and follow_up.done_note == "家属已掌握"
    assert "没有待跟进事项" in text(client.get(reverse("pwa:patrols")))


def test_the_phone_form_refuses_with_chinese_messages_and_writes_nothing(
    client, users, family, rules
):
    client.force_login(users.care_admin)
    url = reverse("pwa:patrol_new")
    data = form_data(rules, family)
    data.pop(f"r_{rules.checklist[0]['code']}")
    missing = client.post(url, data)
    assert missing.status_code == 422 and "请选择合格或不合格" in text(missing)
    late = client.post(
        url,
        form_data(
            rules,
            family,
            fu_action="复查",
            fu_due_on=(clock.today() - dt.timedelta(days=1)).isoformat(),
            fu_party="institution",
        ),
    )
    assert late.status_code == 422 and "完成期限不能早于今天" in text(late)
    no_party = client.post(url, form_data(rules, family, fu_action="复查"))
    assert no_party.status_code == 422
    assert not PatrolVisit.objects.exists() and not PatrolFollowUp.objects.exists()
    for page in (missing, late, no_party):
        assert "follow_up" not in text(page) and "due_date_passed" not in text(page)


def record(users, family, rules, **follow_up):
    patrol, _ = services.patrol_record(
        actor=users.care_admin,
        data=services.PatrolInput(
            client_uuid="0d7e8a52-52b4-4c55-9e8e-2ad6d0c3b0f4",
            person_id=family.pk,
            device_time=clock.now(),
            results={e["code"]: True for e in rules.checklist},
            follow_ups=[follow_up] if follow_up else [],
        ),
    )
    return patrol


def test_the_patrol_page_sets_and_closes_follow_ups_for_the_institution_only(
    client, users, family, rules, other
):
    patrol = record(users, family, rules)
    url = reverse("visits:patrol_detail", args=[patrol.pk])
    client.force_login(users.care_admin)
    page = text(client.get(url))
    assert "没有设定跟进事项" in page and "设定跟进事项" in page
    add = reverse("visits:patrol_follow_up_add", args=[patrol.pk])
    bad = client.post(add, {"action": "送气垫床", "due_on": "", "party": "institution"})
    assert bad.status_code == 422 and not PatrolFollowUp.objects.exists()
    due = (clock.today() + dt.timedelta(days=2)).isoformat()
    added = client.post(add, {"action": "送气垫床", "due_on": due, "party": "institution"})
    assert added.status_code == 302
    follow_up = PatrolFollowUp.objects.get()
    page = text(client.get(url))
    row = page[page.index('data-testid="follow-up-row"') :]
    row = row[: row.index("</tr>")]
    assert "送气垫床" in row and "护理机构" in row and "待完成" in row

    client.force_login(users.supervisor_a)
    page = text(client.get(url))
    assert "送气垫床" in page and "设定跟进事项" not in page
    refused = client.post(add, {"action": "x", "due_on": due, "party": "institution"})
    assert refused.status_code == 403
    done_url = reverse("visits:follow_up_done", args=[follow_up.pk])
    assert client.post(done_url, {"note": "x"}).status_code == 403
    client.force_login(other.admin)
    assert client.get(url).status_code == 404
    assert client.post(done_url, {"note": "x"}).status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


def test_the_follow_up_queue_shows_overdue_ones_and_the_dashboard_card(
    client, users, family, rules
):
    due = (clock.today() + dt.timedelta(days=1)).isoformat()
    record(users, family, rules, action="复查皮肤", due_on=due, party="family_caregiver")
    client.force_login(users.care_admin)
    listing = text(client.get(reverse("visits:follow_up_list")))
    assert "复查皮肤" in listing and "张小明" in listing and 'data-testid="overdue"' not in listing
    assert "巡护待跟进事项" in text(client.get(reverse("web:home")))
    with on(clock.today() + dt.timedelta(days=3)):
        client.force_login(users.care_admin)  # the session idled out over three days
        listing = text(client.get(reverse("visits:follow_up_list") + "?status=overdue"))
        assert "复查皮肤" in listing and 'data-testid="overdue"' in listing
        assert 'data-testid="overdue"' in text(client.get(reverse("pwa:patrols")))
    assert "复查皮肤" not in text(client.get(reverse("visits:follow_up_list") + "?status=done"))
    client.force_login(users.worker_b)
    outside = client.get(reverse("visits:follow_up_list") + "?status=")
    assert outside.status_code == 200 and "复查皮肤" not in text(outside)
    client.force_login(users.applicant)
    assert client.get(reverse("visits:follow_up_list")).status_code == 403


def test_the_follow_up_list_costs_the_same_queries_for_more_rows(client, users, family, rules):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    due = (clock.today() + dt.timedelta(days=1)).isoformat()
    patrol = record(users, family, rules, action="复查一", due_on=due, party="institution")
    client.force_login(users.care_admin)
    url = reverse("visits:follow_up_list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(4):
        services.patrol_follow_up_add(
            actor=users.care_admin,
            patrol_id=patrol.pk,
            data=services.FollowUpInput(action=f"复查{n}", due_on=due, party="family_caregiver"),
        )
    with CaptureQueriesContext(connection) as five:
        page = text(client.get(url))
    assert page.count('data-testid="follow-up-row"') == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_follow_up_list_exports_to_excel_in_scope_and_audited(client, users, family, rules):
    import io

    from openpyxl import load_workbook

    from changhu.core.models import AuditEntry

    due = (clock.today() + dt.timedelta(days=1)).isoformat()
    record(users, family, rules, action="=复查皮肤", due_on=due, party="family_caregiver")
    client.force_login(users.care_admin)
    response = client.get(reverse("visits:follow_up_list") + "?status=open&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:5] == ["完成期限", "参保人", "跟进事项", "由谁跟进", "状态"]
    [line] = rows[1:]
    assert line[1] == "张建国" and line[2] == "'=复查皮肤"  # a formula is neutralised
    assert line[3] == "亲情护理员（张小明）" and line[4] == "待完成"
    entry = AuditEntry.objects.filter(action="export", object_type="visits.patrolfollowup").get()
    assert entry.actor_id == users.care_admin.pk and "待完成" in entry.note
    # Another district's case worker exports an empty sheet: nothing of this institution.
    client.force_login(users.worker_b)
    outside = client.get(reverse("visits:follow_up_list") + "?status=&export=xlsx")
    sheet = load_workbook(io.BytesIO(outside.content)).active
    assert [row for row in sheet.iter_rows(values_only=True)][1:] == []
