"""Supervision's daily job, run by ``changhu worker`` (and by hand as ``changhu
supervision-escalate``): rectification notices still unanswered after their deadline are
escalated (逾期督办) once, so they reach the supervisor's queue without anyone remembering to."""

from __future__ import annotations

import datetime as dt

from changhu.core import jobs
from changhu.supervision import services


def escalate(today: dt.date) -> dict[str, int]:
    return {"escalated": len(services.escalate_overdue(today=today))}


jobs.register_daily("supervision.escalate", label="整改逾期督办", run=escalate, order=40)
