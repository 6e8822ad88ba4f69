"""Lists cost the same number of queries whatever the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api import ApiClient
from tests.factories import make_caregiver, make_person, open_entitlement


def queries(api, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_beneficiaries(users, city, institution, count, start):
    for n in range(count):
        person = make_person(city.streets["510104001000"])
        open_entitlement(
            users.worker_a,
            person,
            institution,
            grade=3 + n % 3,
            care_mode=["home_visit", "family", "institutional"][n % 3],
        )
        make_caregiver(institution)


@pytest.mark.django_db
def test_lists_do_not_grow_with_rows(users, city, institution):
    api = ApiClient(users.worker_a)
    api.get("auth/me")  # the token's first use records itself; keep that out of the counts
    add_beneficiaries(users, city, institution, 2, 0)
    paths = ["care/entitlements", "care/plans", "providers/caregivers", "providers/institutions"]
    few = {path: queries(api, path) for path in paths}
    add_beneficiaries(users, city, institution, 6, 100)
    many = {path: queries(api, path) for path in paths}
    assert many == few
