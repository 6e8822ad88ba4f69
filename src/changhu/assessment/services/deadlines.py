"""The scheduled job: publicity that has ended, overdue steps flagged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from changhu.assessment.models import (
    OPEN_STATUSES,
    Application,
    Channel,
    Conclusion,
    Kind,
    Status,
)
from changhu.assessment.presets import rules_for
from changhu.assessment.services._common import _event, _notify, _today
from changhu.assessment.services.conclusion import _open_reassessment
from changhu.assessment.services.dispatch import _auto_dispatch
from changhu.assessment.services.review import _close_publicity_if_due
from changhu.core.errors import Conflict

# --- the scheduled job ----------------------------------------------------------------------------


@dataclass
class DeadlineReport:
    today: dt.date
    materials_overdue: int = 0
    assessments_overdue: int = 0
    publicity_closed: int = 0
    reassessments_opened: int = 0
    dispatched: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"run-deadlines {self.today:%Y-%m-%d}",
            f"materials overdue flagged: {self.materials_overdue}",
            f"assessments overdue flagged: {self.assessments_overdue}",
            f"publicity periods closed: {self.publicity_closed}",
            f"periodic re-assessments opened: {self.reassessments_opened}",
            f"cases dispatched automatically: {self.dispatched}",
            *[f"problem: {p}" for p in self.problems],
        ]


def _flag_overdue(today: dt.date, condition: Q, text: str, notice: str | None) -> int:
    count = 0
    for application in Application.objects.filter(condition, overdue_since__isnull=True):
        with transaction.atomic():
            changed = Application.objects.filter(
                pk=application.pk, overdue_since__isnull=True, status=application.status
            ).update(overdue_since=today)
            if not changed:
                continue
            _event(application, None, "overdue", text)
            if notice:
                _notify(application, "overdue", "办理期限已过", notice.format(a=application))
            count += 1
    return count


def periodic_reassessments_open(*, today: dt.date) -> int:
    """Open a re-assessment for each qualifying conclusion expiring within the lead days of
    its region's rules, unless the person already has an open case or one was opened for it."""
    opened = 0
    horizon = today + dt.timedelta(days=366)
    candidates = (
        Conclusion.objects.filter(
            qualifying=True,
            superseded_on__isnull=True,
            valid_until__gte=today,
            valid_until__lte=horizon,
        )
        .exclude(reassessments__kind=Kind.PERIODIC)
        .exclude(person__status="deceased")
        .select_related("person", "application")
        .order_by("valid_until", "id")
    )
    for conclusion in candidates:
        try:
            rules = rules_for(conclusion.region_code, today).rules
        except Conflict:
            continue  # no rules for the place: nothing to go by (load-presets reports it)
        if conclusion.valid_until > today + dt.timedelta(days=rules.reassessment_lead_days):
            continue
        if Application.objects.filter(
            person_id=conclusion.person_id, status__in=OPEN_STATUSES
        ).exists():
            continue
        try:
            _open_reassessment(
                conclusion,
                kind=Kind.PERIODIC,
                actor=None,
                channel=Channel.SYSTEM,
                reason=f"结论{conclusion.number}将于{conclusion.valid_until:%Y-%m-%d}到期",
            )
        except Conflict:
            continue
        opened += 1
    return opened


def run_deadlines(*, today: dt.date | None = None) -> DeadlineReport:
    """The scheduled job (``changhu run-deadlines``): flag overdue materials and assessments,
    close publicity periods that ended without an open objection, open periodic
    re-assessments, and dispatch automatically where the rules say so. Idempotent."""
    today = today or _today()
    report = DeadlineReport(today=today)
    report.materials_overdue = _flag_overdue(
        today,
        Q(status=Status.MATERIALS_REQUESTED, materials_due__lt=today),
        "补充材料期限已过",
        "申请{a.number}补充材料的期限（{a.materials_due:%Y-%m-%d}）已过，请尽快补充或联系经办机构。",
    )
    report.assessments_overdue = _flag_overdue(
        today,
        Q(status__in=[Status.DISPATCHED, Status.ASSIGNED], assessment_due__lt=today),
        "现场评估超过完成期限",
        None,
    )
    for application in Application.objects.filter(
        status=Status.PUBLICITY, publicity_until__lt=today
    ).select_related("rules"):
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            if _close_publicity_if_due(locked, today=today, actor=None):
                report.publicity_closed += 1
    report.reassessments_opened = periodic_reassessments_open(today=today)
    for application in Application.objects.filter(status=Status.ACCEPTED).select_related(
        "rules", "previous_conclusion__assessment"
    ):
        if not application.rules.rules.auto_dispatch:
            continue
        with transaction.atomic():
            locked = (
                Application.objects.select_for_update()
                .select_related("rules")
                .get(pk=application.pk)
            )
            if locked.status == Status.ACCEPTED and _auto_dispatch(
                locked, actor=None, note_failure=False
            ):
                report.dispatched += 1
    return report
