"""``changhu run-jobs``: the background worker for screening runs queued from the web pages.

Several workers may run against one PostgreSQL database: each claims a run with
``SELECT … FOR UPDATE SKIP LOCKED``. A run whose worker stopped reporting for ten minutes is
claimed again and resumes with the institutions not yet done. Each loop also writes the in-bed
days of open stays up to today.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from changhu.visits import screening, services


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a batch job: no URL or admin checks at start
    help = "Process queued screening runs (and fill bed-days); --once to stop when idle."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="stop when no run is waiting")
        parser.add_argument("--sleep", type=float, default=5.0, help="seconds between polls")
        parser.add_argument(
            "--max-seconds", type=float, default=0, help="stop after this long (0: never)"
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="institutions at a time (PostgreSQL)"
        )

    def handle(self, *args, once: bool, sleep: float, max_seconds: float, workers: int, **options):
        started = time.monotonic()
        services.bed_days_fill()
        while True:
            run = screening.claim_next()
            if run is not None:
                self.stdout.write(f"screening run {run.pk} ({run.period})…")
                try:
                    done = screening.execute(run.pk, workers=workers)
                except Exception as exc:  # recorded on the run; keep serving the queue
                    self.stderr.write(f"run {run.pk} failed: {exc}")
                else:
                    self.stdout.write(f"run {done.pk}: {done.findings_count} findings")
                continue
            if once or (max_seconds and time.monotonic() - started > max_seconds):
                return
            time.sleep(sleep)
