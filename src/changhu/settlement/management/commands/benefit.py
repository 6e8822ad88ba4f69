"""``changhu benefit --policy chengdu --period 2026-10 FILE``: one person's month, as JSON.

FILE (or ``-`` for standard input) describes the person's month; see docs/benefit-calculator.md.
Prints one line per benefit and the totals. Malformed input: an error naming the field on
standard error and exit code 2.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from changhu.core.errors import DomainError
from changhu.settlement import calculator, policies


class Command(BaseCommand):
    help = "Compute one person's month under a benefit policy from a JSON description."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="JSON file, or - for standard input")
        parser.add_argument("--policy", required=True, help="policy code, e.g. chengdu")
        parser.add_argument("--period", required=True, help="month, YYYY-MM")

    def handle(self, *args, file: str, policy: str, period: str, **options):
        try:
            text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=2) from exc
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"body: 不是有效的JSON（{exc.msg}，第{exc.lineno}行）", returncode=2
            ) from exc
        try:
            first, _ = calculator.month_bounds(period)
            rules = policies.policy_for_calculator(policy, first)
            answer = calculator.calculate(
                raw,
                rules,
                period,
                supplementary=lambda code, day: policies.policy_for_calculator(code, day),
            )
        except DomainError as exc:
            where = ", ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
            raise CommandError(f"{exc.code}: {where}", returncode=2) from exc
        self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
