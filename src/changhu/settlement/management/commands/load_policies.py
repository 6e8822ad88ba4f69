"""``changhu load-policies [FILE ...]``: load benefit policy versions (idempotent)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from changhu.core import context
from changhu.core.errors import DomainError
from changhu.settlement import policies


class Command(BaseCommand):
    help = (
        "Load benefit policy versions from presets/policies/*.json (or the given files). "
        "A version already loaded is left alone; the same version with other content is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE")

    def handle(self, *args, files, **options):
        token = context.set_current(context.ActorContext(channel="cli"))
        try:
            if files:
                results = [policies.load_policy_file(Path(f)) for f in files]
            else:
                results = policies.load_all_policies()
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        finally:
            context.reset(token)
        for result in results:
            self.stdout.write(str(result))
