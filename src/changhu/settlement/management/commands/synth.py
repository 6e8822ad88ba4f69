"""``changhu synth``: generate a synthetic city and a month of visits for settlement at scale.

    changhu synth --persons 100000 --institutions 300 --month 2026-10 --city lishui

Bulk-loads with COPY on PostgreSQL (see ``changhu.settlement.synth``); on SQLite keep it small.
Needs the presets (catalogue, policies) loaded: ``changhu load-presets``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from changhu.settlement import synth


class Command(BaseCommand):
    help = "Generate a synthetic city (beneficiaries, institutions, a month of visits, bed-days)."

    def add_arguments(self, parser):
        defaults = synth.SynthConfig()
        parser.add_argument("--persons", type=int, default=defaults.persons)
        parser.add_argument("--institutions", type=int, default=defaults.institutions)
        parser.add_argument("--month", default=defaults.month)
        parser.add_argument("--city", default=defaults.city, choices=sorted(synth.CITIES))
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--anomaly-share", type=float, default=defaults.anomaly_share)

    def handle(self, *args, persons, institutions, month, city, seed, anomaly_share, **options):
        if persons < 1 or institutions < 1 or persons < institutions:
            raise CommandError("need at least one person per institution")
        config = synth.SynthConfig(
            persons=persons,
            institutions=institutions,
            month=month,
            city=city,
            seed=seed,
            anomaly_share=anomaly_share,
        )
        try:
            report = synth.generate(config, log=lambda text: self.stdout.write(text))
        except synth.SynthRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(report))
