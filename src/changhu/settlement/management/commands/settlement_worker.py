"""``changhu settlement-worker``: executes settlement runs queued from the web pages.

Several workers may share one PostgreSQL database: each takes a run with ``SELECT … FOR UPDATE
SKIP LOCKED``; a run whose worker went silent for ten minutes is taken again and resumes.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from changhu.settlement import services


class Command(BaseCommand):
    help = "Process queued settlement runs; --once to stop when idle."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="stop when no run is waiting")
        parser.add_argument("--sleep", type=float, default=3.0, help="seconds between polls")

    def handle(self, *args, once: bool, sleep: float, **options):
        while True:
            run = services.claim_run()
            if run is not None:
                self.stdout.write(f"settlement run {run.pk} ({run.period.month})…")
                try:
                    done = services.run_execute(run)
                except Exception as exc:  # recorded on the run; keep serving the queue
                    self.stderr.write(f"run {run.pk} failed: {exc}")
                else:
                    self.stdout.write(f"run {done.pk}: {done.line_count} lines")
                continue
            if once:
                return
            time.sleep(sleep)
