"""``changhu load-catalogue [FILE ...]``: load service catalogue versions (idempotent)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from changhu.care import catalogue
from changhu.core import context
from changhu.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Load service catalogue versions from presets/catalogues/*.json (or the given files). "
        "A version already loaded is left alone; the same version with other content is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE")

    def handle(self, *args, files, **options):
        token = context.set_current(context.ActorContext(channel="cli"))
        try:
            if files:
                results = [catalogue.load_catalogue_file(Path(f)) for f in files]
            else:
                results = catalogue.load_all_catalogues()
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        finally:
            context.reset(token)
        for result in results:
            self.stdout.write(str(result))
        if not results:
            self.stdout.write("no catalogue files found")
