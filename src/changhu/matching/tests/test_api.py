"""The matching API end to end: a feed, the queue, a confirmation, the report; who sees what;
the queue's query count does not grow with its rows."""

from __future__ import annotations

import datetime as dt

import pytest

from changhu.core import clock
from changhu.insured.models import LifeEvent
from tests.api import ApiClient
from tests.factories import make_person, valid_id_number

pytestmark = pytest.mark.django_db

BASE = "supervision/match"


def _feed(client, people, *extra):
    day = (clock.today() - dt.timedelta(days=2)).isoformat()
    rows = [
        {"name": people.jinjiang.name, "id_number": people.jinjiang.id_number, "event_date": day},
        {"name": "赵某", "id_number": valid_id_number("510104"), "event_date": day},
        {"name": "钱某", "id_number": "51010419400101001", "event_date": day},
        *extra,
    ]
    return client.post(
        f"{BASE}/feed", {"kind": "deaths", "source": "public_security", "rows": rows}
    )


def test_feed_queue_confirm_and_report(users, people):
    api = ApiClient(users.worker_a)
    response = _feed(api, people)
    assert response.status_code == 201, response.body
    batch = response.body
    assert (batch["matched_rows"], batch["unmatched_rows"], batch["invalid_rows"]) == (1, 1, 1)
    assert batch["errors"][0]["code"] == "id_number_length" and batch["via_feed"]
    queue = api.get(f"{BASE}/records", status="pending").body
    assert queue["total"] == 1
    item = queue["items"][0]
    assert item["id_number"] == people.jinjiang.id_number_masked
    assert people.jinjiang.id_number not in str(queue)
    confirmed = api.post(f"{BASE}/records/{item['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.body["status"] == "confirmed"
    assert LifeEvent.objects.get(pk=confirmed.body["life_event_id"]).kind == "death"
    again = api.post(f"{BASE}/records/{item['id']}/confirm")
    assert again.status_code == 409
    report = api.client.get(
        f"/api/v1/{BASE}/batches/{batch['id']}/report.xlsx", headers=api.headers
    )
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd")


def test_outsiders_and_care_institutions(users, people):
    batch = _feed(ApiClient(users.worker_a), people).body
    record = ApiClient(users.worker_a).get(f"{BASE}/records").body["items"][0]
    other = ApiClient(users.worker_b)  # the other insurer: Wuhou only
    assert other.get(f"{BASE}/records/{record['id']}").status_code == 404
    assert other.post(f"{BASE}/records/{record['id']}/confirm").status_code == 404
    assert other.get(f"{BASE}/batches/{batch['id']}").status_code == 404
    care = ApiClient(users.care_admin)
    assert care.get(f"{BASE}/records").status_code == 403
    assert care.get(f"{BASE}/batches/{batch['id']}").status_code == 404
    assert care.post(f"{BASE}/records/{record['id']}/reject", {"reason": "x"}).status_code == 403
    reader = ApiClient(users.regulator)
    assert reader.get(f"{BASE}/records/{record['id']}").status_code == 200
    assert reader.post(f"{BASE}/records/{record['id']}/confirm").status_code == 403


def test_the_queue_reads_in_constant_queries(users, people, city, django_assert_max_num_queries):
    api = ApiClient(users.worker_a)
    _feed(api, people)
    api.get(f"{BASE}/records")  # warm the token and scope
    with django_assert_max_num_queries(12) as few:
        api.get(f"{BASE}/records")
    baseline = len(few.captured_queries)  # read now: the next request clears the log
    assert baseline > 0
    more = [
        make_person(city.streets["510104002000"], name=f"孙{n}")
        for n in ("一", "二", "三", "四", "五")
    ]
    day = (clock.today() - dt.timedelta(days=1)).isoformat()
    _feed(
        api, people, *({"name": p.name, "id_number": p.id_number, "event_date": day} for p in more)
    )
    with django_assert_max_num_queries(baseline):
        body = api.get(f"{BASE}/records").body
    assert body["total"] >= 6
