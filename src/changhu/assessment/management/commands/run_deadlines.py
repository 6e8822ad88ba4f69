"""``changhu run-deadlines [--today YYYY-MM-DD]``: the scheduled job of the assessment workflow.

Flags overdue materials and assessments, closes publicity periods that ended without an open
objection, opens periodic re-assessments and dispatches automatically where the rules say so.
Idempotent: run it daily from cron or a systemd timer (see docs/assessment.md).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from changhu.assessment.services import run_deadlines
from changhu.core import context
from changhu.core.errors import DomainError


class Command(BaseCommand):
    help = "处理评估流程的到期事项：标记逾期、结束公示期、发起到期复评、自动派单（可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按这一天处理（YYYY-MM-DD），默认今天")

    def handle(self, *args, today=None, **options):
        day = None
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"date_invalid: 日期“{today}”应为YYYY-MM-DD") from None
        token = context.set_current(context.ActorContext(channel="cli"))
        try:
            report = run_deadlines(today=day)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        finally:
            context.reset(token)
        for line in report.lines():
            self.stdout.write(line)
