"""``changhu load-presets``: load every registered preset (regions first), idempotently."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from changhu.core.commands import as_cli
from changhu.orgs import presets


class Command(BaseCommand):
    # It loads the calendars the holiday check would warn about: no checks before it runs.
    requires_system_checks: list[str] = []
    help = "Load shipped preset data (region divisions, and what other apps register)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="NAME",
            help="run only this loader (repeatable); known: "
            + ", ".join(name for name, _ in presets.preset_loaders()),
        )

    def handle(self, *args, only, **options):
        started = time.monotonic()
        with as_cli():
            report = presets.run_preset_loaders(only)
        for name, lines in report:
            for line in lines or [f"{name}: nothing to load"]:
                self.stdout.write(str(line))
        self.stdout.write(
            self.style.SUCCESS(f"presets loaded in {time.monotonic() - started:.1f}s")
        )
