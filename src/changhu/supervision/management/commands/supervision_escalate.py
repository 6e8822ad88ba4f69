"""``changhu supervision-escalate``: escalate every rectification notice past its deadline.

Run daily by cron or the worker's host (idempotent: a notice is escalated once). Prints one JSON
object: how many were escalated and their notice numbers.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from changhu.supervision import services


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "Escalate (逾期督办) rectification notices still unanswered after their deadline."

    def handle(self, *args, **options):
        escalated = services.escalate_overdue()
        self.stdout.write(
            json.dumps(
                {
                    "escalated": len(escalated),
                    "notices": [r.notice_number for r in escalated],
                },
                ensure_ascii=False,
            )
        )
