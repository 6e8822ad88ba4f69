"""October 2026 of the settlement tests' small Chengdu (three institutions, eight beneficiaries
with visits, bed-days, a confirmed finding), settled and paid, for the reports."""

from __future__ import annotations

import pytest

from changhu.reports import definitions
from changhu.settlement import services as settlement_services
from changhu.settlement.models import Claim
from changhu.settlement.tests.conftest import MONTH, month, period, world  # noqa: F401


@pytest.fixture
def shipped(db):
    definitions.load_all()


@pytest.fixture
def paid(world, period, shipped):  # noqa: F811
    """October's period with every claim approved and paid (posted to the fund ledger)."""
    Claim.objects.filter(period=period).update(status="approved")
    settlement_services.period_pay(actor=world.users.bureau_admin, period_id=period.pk)
    period.refresh_from_db()
    return period


__all__ = ["MONTH"]
