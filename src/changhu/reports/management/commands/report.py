"""``changhu report --name CODE --period PERIOD [--format json|table]``: compute a statistics
report over the whole city for a month (``YYYY-MM``) or, for a yearly report, a year (``YYYY``),
store it as a run and print it.

JSON: ``{report, name, version, period, as_of, run, sections: [...], <measure>: {total,
by_<dimension>: {label: value}}}`` with one entry per measure of the definition's summary
(the monthly report's ``beneficiaries`` with ``by_grade``, ``by_care_mode``, ``by_district``).
An unknown report or a bad period: the reason on standard error, exit status 2, nothing on
standard output.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from changhu.core.commands import as_cli
from changhu.reports import services
from changhu.reports.exports import display, flat_headers, leaves

EXIT_INVALID = 2


def payload(run) -> dict:
    result = run.result
    return {
        "report": run.definition.code,
        "name": run.definition.name,
        "version": run.definition.version,
        "period": run.period,
        "as_of": timezone.localtime(run.as_of).isoformat(),
        "run": run.pk,
        "sections": result["sections"],
        **result.get("summary", {}),
    }


class Command(BaseCommand):
    help = "生成一张统计报表（全市范围）并输出"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="报表代码，如 ltci-monthly")
        parser.add_argument("--period", required=True, help="YYYY-MM（月报）或 YYYY（年报）")
        parser.add_argument("--format", choices=("json", "table"), default="json")

    def handle(self, *args, **options):
        try:
            with as_cli():
                run = services.report_run_city(code=options["name"], period=options["period"])
        except CommandError as exc:
            raise CommandError(str(exc), returncode=EXIT_INVALID) from None
        if options["format"] == "table":
            self._table(run)
            return
        self.stdout.write(json.dumps(payload(run), ensure_ascii=False, indent=2))

    def _table(self, run) -> None:
        self.stdout.write(f"{run.definition.name}（{run.period}，版本{run.definition.version}）")
        for section in run.result["sections"]:
            self.stdout.write("")
            self.stdout.write(f"【{section['title']}】")
            headers = [section["rows_title"], *flat_headers(section)]
            self.stdout.write(" | ".join(headers))
            figures = leaves(section)
            for row in [*section["rows"], section["total"]]:
                cells = [display(h, v) for (h, _, _), v in zip(figures, row["cells"], strict=True)]
                self.stdout.write(" | ".join([str(row["label"]), *cells]))
