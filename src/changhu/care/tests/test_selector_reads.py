"""The care-plan page's reads: who already has a plan, and one beneficiary's arrangement."""

import datetime as dt

import pytest

from changhu.care import selectors, services
from changhu.core import clock
from tests.factories import open_entitlement


@pytest.fixture
def beneficiary(users, people, institution, catalogue):
    first = clock.today().replace(day=1)
    open_entitlement(
        users.worker_a,
        people.jinjiang,
        institution,
        grade=5,
        valid_from=first,
        valid_until=first + dt.timedelta(days=700),
    )
    return people.jinjiang


def test_beneficiary_arrangement_is_scoped(users, beneficiary, other):
    found = selectors.beneficiary_arrangement(fetched_by=users.care_admin, person_id=beneficiary.pk)
    assert found is not None and found.person_id == beneficiary.pk
    assert (
        selectors.beneficiary_arrangement(fetched_by=other.admin, person_id=beneficiary.pk) is None
    )
    late = clock.today() + dt.timedelta(days=800)
    assert (
        selectors.beneficiary_arrangement(
            fetched_by=users.care_admin, person_id=beneficiary.pk, day=late
        )
        is None
    )


def test_planned_person_ids_counts_drafts_and_confirmed_plans(users, beneficiary, other):
    assert selectors.planned_person_ids(fetched_by=users.care_admin) == set()
    services.care_plan_draft(
        actor=users.care_admin,
        person_id=beneficiary.pk,
        lines=[services.PlanLineInput(item_code="SH05", times=2, period="week")],
    )
    assert selectors.planned_person_ids(fetched_by=users.care_admin) == {beneficiary.pk}
    assert selectors.planned_person_ids(fetched_by=other.admin) == set()
