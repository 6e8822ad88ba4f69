"""``changhu care-reconcile``: end entitlements on death, loss of insured status and expiry.

A thin wrapper over ``care.services.entitlements_apply_lifecycle`` (the daily job; idempotent).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from changhu.care.services import entitlements_apply_lifecycle
from changhu.core import context


class Command(BaseCommand):
    help = "Terminate entitlements of deceased or no longer insured persons; expire those due."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="run as of this day (YYYY-MM-DD); default today")

    def handle(self, *args, today=None, **options):
        day = None
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError:
                raise CommandError("--today must be YYYY-MM-DD") from None
        token = context.set_current(context.ActorContext(channel="cli"))
        try:
            counts = entitlements_apply_lifecycle(today=day)
        finally:
            context.reset(token)
        self.stdout.write(
            f"terminated on death: {counts['death']}, on loss of insured status: "
            f"{counts['insured_lost']}, expired: {counts['expired']}"
        )
