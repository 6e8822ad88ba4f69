"""``changhu screen --period YYYY-MM``: screen a month's visits and bed-days; print a summary."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from changhu.core.errors import DomainError
from changhu.visits import screening, services


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a batch job: no URL or admin checks at start
    help = "Run the screening rules over a month (set-based SQL) and print findings per rule."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument(
            "--resume", type=int, default=None, help="resume the run with this id after a crash"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="institutions screened at a time on PostgreSQL (default 2; SQLite: 1)",
        )

    def handle(self, *args, period: str, resume: int | None, quiet: bool, workers: int, **options):
        def progress(run):
            if not quiet:
                sys.stderr.write(f"\r{run.done_chunks}/{run.total_chunks} institutions")
                sys.stderr.flush()

        try:
            if resume is None:
                run = services.screening_request(actor=None, period=period, source="cli")
                resume = run.pk
            run = screening.execute(resume, progress=progress, workers=workers)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        if not quiet:
            sys.stderr.write("\n")
        self.stdout.write(screening.run_to_json(run))
