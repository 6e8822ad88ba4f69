"""``changhu care-reconcile``: end entitlements on death, loss of insured status and expiry."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from changhu.care.services import entitlements_reconcile
from changhu.core import context


class Command(BaseCommand):
    help = "Terminate entitlements of deceased or no longer insured persons; expire those due."

    def handle(self, *args, **options):
        token = context.set_current(context.ActorContext(channel="cli"))
        try:
            counts = entitlements_reconcile()
        finally:
            context.reset(token)
        self.stdout.write(
            f"terminated on death: {counts['death']}, on loss of insured status: "
            f"{counts['insured_lost']}, expired: {counts['expired']}"
        )
