"""Care's daily job (``changhu care-reconcile``), run by ``changhu worker``: entitlements
follow the register (death, loss of insured status) and end when their validity does."""

from __future__ import annotations

import datetime as dt

from changhu.care import services
from changhu.core import jobs


def reconcile(today: dt.date) -> dict[str, int]:
    # The same service call as ``changhu care-reconcile``.
    return services.entitlements_apply_lifecycle(today=today)


jobs.register_daily("care.reconcile", label="待遇资格核对", run=reconcile, order=20)
