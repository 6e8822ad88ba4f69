"""The reads the provider pages and the API take from the selectors."""

import pytest

from changhu.core.errors import NotFound
from changhu.providers import selectors
from changhu.providers.models import CaregiverStatus


def test_active_caregiver_count_counts_those_in_post(institution, caregivers, other):
    assert selectors.active_caregiver_count(institution) == 3
    caregivers.nurse.status = CaregiverStatus.LEFT
    caregivers.nurse.save(update_fields=["status"])
    assert selectors.active_caregiver_count(institution) == 2
    assert selectors.active_caregiver_count(other.institution) == 0


def test_agreement_get_is_scoped(users, institution, other):
    own = institution.agreements.get()
    assert selectors.agreement_get(fetched_by=users.care_admin, agreement_id=own.pk) == own
    assert selectors.agreement_get(fetched_by=users.bureau_admin, agreement_id=own.pk) == own
    with pytest.raises(NotFound):
        selectors.agreement_get(fetched_by=other.admin, agreement_id=own.pk)
    with pytest.raises(NotFound):
        selectors.agreement_get(fetched_by=users.care_admin, agreement_id=own.pk + 10_000)
