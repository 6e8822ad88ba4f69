"""``changhu return-visits-draw [--month YYYY-MM]``: draw a month's return visits (回访抽样)
for every institution that served anyone that month; print one JSON object per run."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from changhu.core import clock, months
from changhu.core.errors import DomainError
from changhu.feedback import services


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Draw the month's return visits per institution (default: last month), weighted by risk "
        "and seeded, so drawing again gives the same list; prints a JSON summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", default="", help="YYYY-MM (default: last month)")

    def handle(self, *args, month: str, **options):
        month = month or months.key(months.shift(clock.today(), -1))
        try:
            draws = services.return_visits_draw(actor=None, period=month)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        summary = {
            "month": month,
            "institutions": len(draws),
            "drawn": sum(d.drawn for d in draws),
            "population": sum(d.population for d in draws),
            "draws": [
                {"institution_id": d.institution_id, "population": d.population, "drawn": d.drawn}
                for d in draws
            ],
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
