"""``changhu scorecard --kind KIND --period PERIOD [--format json|table]``: compute a kind's
scorecards for a month (``YYYY-MM``), quarter (``YYYY-Qn``) or year (``YYYY``), store them as the
period's run (recomputing replaces it) and print one entry per organization.

JSON: an array of ``{org_id, name, score, indicators: [{code, name, weight, value, points}]}``.
A bad kind or period: the reason on standard error, exit status 2, nothing on standard output.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from changhu.core.commands import as_cli
from changhu.core.errors import DomainError
from changhu.scorecards import compute, selectors
from changhu.scorecards.models import ScorecardKind

EXIT_INVALID = 2


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class Command(BaseCommand):
    help = "计算一类机构在一个考核期（月、季度或年度）的考核得分并输出"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, help="/".join(ScorecardKind.values))
        parser.add_argument("--period", required=True, help="YYYY-MM、YYYY-Qn 或 YYYY")
        parser.add_argument("--format", choices=("json", "table"), default="json")

    def handle(self, *args, **options):
        try:
            with as_cli():
                run = compute.compute_run(kind=options["kind"], period=options["period"])
        except CommandError as exc:
            raise CommandError(str(exc), returncode=EXIT_INVALID) from None
        except DomainError as exc:  # pragma: no cover - as_cli turns these into CommandError
            raise CommandError(f"{exc.code}: {exc.message}", returncode=EXIT_INVALID) from None
        cards = selectors.run_cards(run)
        if options["format"] == "table":
            self._table(run, cards)
            return
        payload = [
            {
                "org_id": card.organization_id,
                "name": card.organization.name,
                "score": float(card.score),
                "indicators": [
                    {
                        "code": i.code,
                        "name": i.name,
                        "weight": float(i.weight),
                        "value": _number(i.value),
                        "points": float(i.points),
                    }
                    for i in card.indicators.all()
                ],
            }
            for card in cards
        ]
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

    def _table(self, run, cards) -> None:
        self.stdout.write(f"{run}，{len(cards)}家机构")
        for card in cards:
            self.stdout.write(f"{card.rank:>3}. {card.organization.name}  {card.score}分")
            for i in card.indicators.all():
                value = "—" if i.value is None else f"{i.value}"
                weight = f"{i.weight.normalize():f}"
                self.stdout.write(f"       {i.name}（权重{weight}）：{value} → {i.points}分")
