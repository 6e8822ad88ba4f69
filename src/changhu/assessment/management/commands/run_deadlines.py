"""``changhu run-deadlines [--today YYYY-MM-DD]``: the scheduled job of the assessment workflow.

Flags overdue materials and assessments, closes publicity periods that ended without an open
objection, opens periodic re-assessments and dispatches automatically where the rules say so.
Idempotent: run it daily from cron or a systemd timer (see docs/assessment.md).
"""

from __future__ import annotations

from changhu.assessment.services import run_deadlines
from changhu.core.commands import CliCommand


class Command(CliCommand):
    help = "处理评估流程的到期事项：标记逾期、结束公示期、发起到期复评、自动派单（可重复运行）"
    today_help = "按这一天处理（YYYY-MM-DD），默认今天"

    def run(self, *args, today, **options):
        return run_deadlines(today=today).lines()
