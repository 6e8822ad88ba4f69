"""``changhu care-reconcile``: end entitlements on death, loss of insured status and expiry.

A thin wrapper over ``care.services.entitlements_apply_lifecycle`` (the daily job; idempotent).
"""

from __future__ import annotations

from changhu.care.services import entitlements_apply_lifecycle
from changhu.core.commands import CliCommand


class Command(CliCommand):
    help = "Terminate entitlements of deceased or no longer insured persons; expire those due."
    today_help = "run as of this day (YYYY-MM-DD); default today"

    def run(self, *args, today, **options):
        counts = entitlements_apply_lifecycle(today=today)
        yield (
            f"terminated on death: {counts['death']}, on loss of insured status: "
            f"{counts['insured_lost']}, expired: {counts['expired']}"
        )
