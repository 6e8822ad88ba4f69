"""Background runs kept in an app's own table (a screening run, a settlement run): their states,
their progress, and how a worker claims one and gives one back, written once.

A run is a row with ``status``, ``heartbeat_at`` and chunk counters (``done_chunks`` of
``total_chunks``); its chunks are rows of the app's own, each done in its own transaction, so a
run stopped at any point (a crash, ``kill -9``, a redeploy) resumes with the chunks not yet done.
A worker takes the oldest queued run, or a running one whose worker stopped reporting for
``stale_after``, with ``SELECT … FOR UPDATE SKIP LOCKED`` where the database has it (PostgreSQL),
so any number of workers never take the same run twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, models, transaction
from django.db.models import Q

from changhu.core import clock
from changhu.core.fields import user_fk


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class Run(models.Model):
    """The columns every kind of run has; an app's run adds what it computes."""

    status = models.CharField(
        "状态", max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    source = models.CharField("发起方式", max_length=8, default="web")
    requested_by = user_fk()
    total_chunks = models.PositiveIntegerField("批次数", default=0)
    done_chunks = models.PositiveIntegerField("已完成批次", default=0)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int:
        return percent(self.status, self.done_chunks, self.total_chunks)


class Chunk(models.Model):
    """A chunk of a run (its ``run`` foreign key is the app's): done once, in one transaction."""

    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


def percent(status: str, done: int, total: int) -> int:
    """Progress shown on a page: 100 only once the run is done (its last step may follow the
    last chunk), 0 before it is planned."""
    if status == RunStatus.DONE:
        return 100
    if not total:
        return 0
    return min(99, int(100 * done / total))


def claim(model: type[models.Model], *, stale_after: dt.timedelta, run_id: int | None = None):
    """Take the next run of ``model`` for this process (marked running, heartbeat now), or
    None. ``run_id`` takes that run only (when it is claimable)."""
    stale = clock.now() - stale_after
    with transaction.atomic():
        qs = model.objects.filter(
            Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale)
        ).order_by("created_at", "id")
        if run_id is not None:
            qs = qs.filter(pk=run_id)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        run = qs.first()
        if run is None:
            return None
        now = clock.now()
        model.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, heartbeat_at=now)
        run.status, run.heartbeat_at = RunStatus.RUNNING, now
        return run


def requeue(model: type[models.Model], run, **reset) -> None:
    """Put a run its worker gave up (stopped halfway, or failed) back in the queue; the next
    worker resumes it. ``reset`` clears fields of the model's own (the error, …)."""
    model.objects.filter(pk=run.pk, status__in=[RunStatus.RUNNING, RunStatus.FAILED]).update(
        status=RunStatus.QUEUED, **reset
    )
