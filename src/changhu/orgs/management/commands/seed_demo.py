"""``changhu seed-demo``: build the demo city on Chengdu's regions (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from changhu.core.commands import as_cli
from changhu.orgs import demo


class Command(BaseCommand):
    help = "Create the demo city: organizations, one user per role, insured persons."

    def add_arguments(self, parser):
        parser.add_argument(
            "--persons",
            type=int,
            default=2000,
            help="how many insured persons to generate (default 2000)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even outside the demo profile (creates known passwords)",
        )

    def handle(self, *args, persons, force, **options):
        if persons < 0:
            raise CommandError("--persons must be zero or more")
        if not demo.demo_allowed() and not force:
            raise CommandError(
                "seed-demo creates logins with a published password; run it with "
                "CHANGHU_PROFILE=demo (or pass --force on a machine nobody else can reach)"
            )
        with as_cli():
            report = demo.seed_demo(persons=persons)
            for line in report.lines():
                self.stdout.write(line)
            for name, seeder in demo.demo_seeders():
                result = seeder()
                lines = result.lines() if hasattr(result, "lines") else str(result).splitlines()
                self.stdout.write(f"[{name}]")
                for line in lines:
                    self.stdout.write(f"  {line}")
