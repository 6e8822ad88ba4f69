"""Lists through the pipeline, the review queue, the feed, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from changhu.core import clock
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.core.models import AuditEntry
from changhu.insured.models import LifeEvent
from changhu.matching import selectors, services
from changhu.matching.models import MatchRecord, MatchStatus
from changhu.matching.tests.helpers import DEATH_HEADER, bad_checksum, csv_bytes
from tests.factories import valid_id_number

pytestmark = pytest.mark.django_db


def _day(back: int) -> str:
    return (clock.today() - dt.timedelta(days=back)).isoformat()


def _list(people, actor) -> MatchRecord:
    rows = [
        [people.jinjiang.name, people.jinjiang.id_number, _day(3)],
        ["王某", people.wuhou.id_number, _day(4)],
        ["赵某", valid_id_number("510104", dt.date(1950, 1, 1)), _day(3)],
        ["钱某", bad_checksum(valid_id_number("510104", dt.date(1951, 1, 1))), _day(3)],
    ]
    upload = SimpleUploadedFile("deaths.csv", csv_bytes(DEATH_HEADER, rows, "gb18030"))
    batch = services.list_upload(
        actor=actor, kind="deaths", source="civil_affairs", upload=upload, file_name="d.csv"
    )
    assert MatchRecord.objects.count() == 0  # the preview writes no match
    assert "匹配到参保人2行" in batch.warnings[0]
    return services.list_commit(actor=actor, batch_id=batch.pk)


def test_confirm_records_the_death_through_the_register(users, people):
    batch = _list(people, users.bureau_admin)
    assert (batch.matched_rows, batch.unmatched_rows, batch.error_rows) == (2, 1, 1)
    record = MatchRecord.objects.get(batch=batch, person=people.jinjiang)
    services.match_confirm(actor=users.worker_a, record_id=record.pk)
    record.refresh_from_db()
    people.jinjiang.refresh_from_db()
    assert record.status == MatchStatus.CONFIRMED and record.reviewed_by == users.worker_a
    assert people.jinjiang.status == "deceased"
    assert people.jinjiang.died_on.isoformat() == _day(3)
    event = LifeEvent.objects.get(person=people.jinjiang)
    assert (event.kind, event.source, record.life_event_id) == ("death", "match", event.pk)
    assert AuditEntry.objects.filter(object_type="matching.matchrecord", object_id=str(record.pk))
    with pytest.raises(Conflict):
        services.match_confirm(actor=users.worker_a, record_id=record.pk)


def test_reject_needs_a_reason_and_writes_no_event(users, people):
    batch = _list(people, users.bureau_admin)
    record = MatchRecord.objects.get(batch=batch, person=people.wuhou)
    assert record.name_mismatch
    with pytest.raises(ValidationFailed) as empty:
        services.match_reject(actor=users.worker_b, record_id=record.pk, reason=" ")
    assert empty.value.code == "reason_required"
    services.match_reject(actor=users.worker_b, record_id=record.pk, reason="同名，出生日期不符")
    record.refresh_from_db()
    assert record.status == MatchStatus.REJECTED and record.reason == "同名，出生日期不符"
    assert not LifeEvent.objects.exists()


def test_scope_insurer_sees_its_districts_care_sees_nothing(users, people):
    batch = _list(people, users.bureau_admin)
    jinjiang = MatchRecord.objects.get(batch=batch, person=people.jinjiang)
    wuhou = MatchRecord.objects.get(batch=batch, person=people.wuhou)
    seen_a = set(selectors.record_list(fetched_by=users.worker_a).values_list("pk", flat=True))
    assert jinjiang.pk in seen_a and wuhou.pk not in seen_a
    with pytest.raises(NotFound):
        services.match_confirm(actor=users.worker_a, record_id=wuhou.pk)
    with pytest.raises(NotFound):
        selectors.batch_get(fetched_by=users.worker_a, batch_id=batch.pk)  # the bureau's list
    assert selectors.record_get(fetched_by=users.regulator, record_id=wuhou.pk)
    with pytest.raises(PermissionDenied):
        services.match_confirm(actor=users.regulator, record_id=wuhou.pk)
    for outsider in (users.care_admin, users.caregiver, users.applicant):
        with pytest.raises(PermissionDenied):
            selectors.record_list(fetched_by=outsider)
        with pytest.raises(NotFound):
            selectors.record_get(fetched_by=outsider, record_id=jinjiang.pk)
    assert wuhou.status == MatchStatus.PENDING


def test_feed_runs_the_same_checks(users, people):
    rows = [
        {
            "name": people.qingyang.name,
            "id_number": people.qingyang.id_number,
            "event_date": _day(5),
            "end_date": _day(2),
            "hospital": "市一医院",
        },
        {"name": "某", "id_number": "123", "event_date": _day(5)},
    ]
    batch = services.feed_receive(
        actor=users.worker_a, kind="hospital", source="medical_settlement", rows=rows
    )
    assert batch.status == "committed" and batch.matched_rows == 1 and batch.error_rows == 1
    record = MatchRecord.objects.get(batch=batch)
    services.match_confirm(actor=users.worker_a, record_id=record.pk)
    stay = LifeEvent.objects.get(person=people.qingyang)
    assert (stay.kind, stay.start_date.isoformat(), stay.end_date.isoformat()) == (
        "hospital_stay",
        _day(5),
        _day(2),
    )
    assert stay.institution == "市一医院"
    bad = services.feed_receive(
        actor=users.worker_a, kind="hospital", source="medical_settlement", rows=rows[1:]
    )
    assert bad.status == "discarded" and bad.error_rows == 1
    with pytest.raises(ValidationFailed):
        services.feed_receive(actor=users.worker_a, kind="hospital", source="x", rows=rows)
    with pytest.raises(PermissionDenied):
        services.feed_receive(
            actor=users.care_admin, kind="hospital", source="medical_settlement", rows=rows
        )


@pytest.mark.parametrize(
    ("day", "hour"),
    [(dt.date(2027, 1, 1), 0), (dt.date(2028, 2, 29), 23), (dt.date(2027, 2, 6), 7)],
)
def test_a_death_today_is_not_in_the_future_whatever_the_hour(users, people, day, hour):
    """Shanghai's day, at midnight, late at night and on a Saturday of the Spring Festival."""
    from tests.clock import on

    with on(day, hour):
        today = clock.today().isoformat()
        assert today == day.isoformat()
        rows = [
            {
                "name": people.jinjiang.name,
                "id_number": people.jinjiang.id_number,
                "event_date": today,
            },
            {
                "name": people.qingyang.name,
                "id_number": people.qingyang.id_number,
                "event_date": (day + dt.timedelta(days=1)).isoformat(),
            },
        ]
        batch = services.feed_receive(
            actor=users.worker_a, kind="deaths", source="civil_affairs", rows=rows
        )
        assert batch.matched_rows == 1 and batch.errors[0]["code"] == "date_in_future"
        record = MatchRecord.objects.get(batch=batch)
        services.match_confirm(actor=users.worker_a, record_id=record.pk)
        people.jinjiang.refresh_from_db()
        assert people.jinjiang.died_on == day
