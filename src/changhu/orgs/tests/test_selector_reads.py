"""An organization's detail and its branches, read in the reader's scope."""

import pytest

from changhu.core.errors import NotFound
from changhu.orgs import selectors


def test_organization_get_and_branches(users, orgs):
    insurer = selectors.organization_get(
        fetched_by=users.bureau_admin, organization_id=orgs.insurer_a.pk
    )
    assert insurer == orgs.insurer_a
    assert selectors.organization_branches(fetched_by=users.bureau_admin, organization=insurer) == [
        orgs.outlet_a
    ]
    assert (
        selectors.organization_branches(fetched_by=users.bureau_admin, organization=orgs.care) == []
    )


def test_organization_get_refuses_outsiders(users, orgs):
    own = selectors.organization_get(fetched_by=users.care_admin, organization_id=orgs.care.pk)
    assert own == orgs.care
    with pytest.raises(NotFound):
        selectors.organization_get(fetched_by=users.care_admin, organization_id=orgs.insurer_a.pk)
    with pytest.raises(NotFound):
        selectors.organization_get(fetched_by=users.worker_b, organization_id=orgs.outlet_a.pk)
    # A branch the reader may not see is not listed under a parent they may see.
    assert (
        selectors.organization_branches(fetched_by=users.worker_b, organization=orgs.insurer_a)
        == []
    )
    assert selectors.organization_branches(
        fetched_by=users.worker_a, organization=orgs.insurer_a
    ) == [orgs.outlet_a]
