"""The bureau's regulator reads everything in its scope and writes nothing."""

from __future__ import annotations

import pytest

from changhu.orgs.roles import READ_ONLY_RIGHTS, RIGHTS, Role
from changhu.visits.models import ScreeningRun
from tests.api import ApiClient
from tests.commands import assert_generated_file_current


def test_the_regulator_holds_only_read_rights():
    assert RIGHTS[Role.BUREAU_REGULATOR] <= READ_ONLY_RIGHTS
    assert RIGHTS[Role.BUREAU_REGULATOR]  # and can still read


@pytest.mark.django_db
def test_the_regulator_cannot_start_a_screening_run_or_resolve_a_finding(users):
    client = ApiClient(users.regulator)
    response = client.post("visits/screening-runs", {"period": "2026-11"})
    assert response.status_code == 403, response.body
    assert not ScreeningRun.objects.exists()
    response = client.post("visits/findings/1/resolve", {"decision": "dismiss", "reason": "无"})
    assert response.status_code in (403, 404), response.body
    assert client.get("visits/findings").status_code == 200


def test_every_right_has_a_label_and_the_rights_table_is_current():

    from changhu.orgs.roles import RIGHT_LABELS, all_rights

    assert set(RIGHT_LABELS) == set(all_rights())
    assert_generated_file_current("rights_table")
