"""``changhu seed-assessment-demo``: demo cases in every state (after ``seed-demo``; idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from changhu.assessment.demo import seed_assessment_demo
from changhu.core.errors import DomainError
from changhu.orgs.demo import demo_allowed


class Command(BaseCommand):
    help = "Create demo assessment cases in every workflow state (run after seed-demo)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even outside the demo profile (creates known passwords)",
        )

    def handle(self, *args, force, **options):
        if not demo_allowed() and not force:
            raise CommandError(
                "seed-assessment-demo creates logins with a published password; run it with "
                "CHANGHU_PROFILE=demo (or pass --force on a machine nobody else can reach)"
            )
        try:
            report = seed_assessment_demo()
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        for line in report.lines():
            self.stdout.write(line)
