"""``changhu worker``: the one process that does the background work.

Each loop it first runs the daily jobs that have not run today (the first loop after the date
changes; a ``DailyJobRun`` row is the claim, so several workers or a restarted one run each job
once a day), then takes one item from each queue (screening runs, settlement runs, … whatever
the apps registered in ``core.jobs``) and executes it. When no queue has work it sleeps;
``once`` stops instead (tests, cron).

Stopping (SIGTERM from systemd or honcho, Ctrl-C) interrupts the item in hand; it goes back to
its queue (the app's ``release``) and a later worker resumes it from its last finished chunk.
A daily job stopped halfway gives up its claim and runs again at the next start (daily jobs
are idempotent).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator

from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q

from changhu.core import clock, context, jobs
from changhu.core.models import DailyJobRun

# A failed daily job is tried again after this long (the same day only).
RETRY_AFTER = dt.timedelta(hours=1)
# A daily job "running" this long belongs to a worker that died without a word: take it over.
STALE_AFTER = dt.timedelta(hours=1)

_Status = DailyJobRun.Status


class WorkerStopped(BaseException):
    """The worker was asked to stop (a signal) while it was working."""

    def __str__(self) -> str:
        return "后台任务进程已停止"


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn the first SIGTERM or SIGINT into ``WorkerStopped`` (the item in hand is released);
    later ones are ignored so the release itself is not interrupted."""
    stopping = False

    def handler(signum, frame):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise WorkerStopped()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _fresh_connection() -> None:
    # A long-lived process must drop connections the server closed or that outlived
    # CONN_MAX_AGE, as Django does around each request; never inside a transaction (tests).
    if not connection.in_atomic_block:
        close_old_connections()


class Worker:
    """Runs the registered jobs; ``out`` and ``err`` receive one line per thing done."""

    def __init__(
        self,
        *,
        options: jobs.WorkerOptions | None = None,
        out: Callable[[str], None] = print,
        err: Callable[[str], None] = print,
    ) -> None:
        jobs.discover()
        self.options = options or jobs.WorkerOptions()
        self.out, self.err = out, err
        self.identity = f"{socket.gethostname()}:{os.getpid()}"[:120]
        self._settled: dict[str, dt.date] = {}  # daily jobs known to be done for that day

    # --- the loop -------------------------------------------------------------------------

    def run(self, *, once: bool = False, sleep: float = 5.0, max_seconds: float = 0) -> None:
        """Loop until stopped; with ``once``, until there is nothing left to do."""
        started = time.monotonic()
        token = context.set_current(context.ActorContext(channel="system"))
        try:
            while True:
                _fresh_connection()
                self.run_daily()
                if self.run_queues():
                    continue
                if once or (max_seconds and time.monotonic() - started > max_seconds):
                    return
                time.sleep(sleep)
        finally:
            context.reset(token)

    # --- queues ---------------------------------------------------------------------------

    def run_queues(self) -> int:
        """Take and execute at most one item of each queue; how many were taken."""
        taken = 0
        for queue in jobs.queues():
            item = queue.claim()
            if item is None:
                continue
            taken += 1
            try:
                line = queue.execute(item, self.options)
            except WorkerStopped:
                if queue.release is not None:
                    queue.release(item)
                self.err(f"{queue.label}：进程停止，{item} 已放回队列，下次启动时继续")
                raise
            except Exception as exc:  # recorded on the item by the app; keep serving
                self.err(f"{queue.label}：{item} 失败：{type(exc).__name__}: {exc}")
            else:
                self.out(f"{queue.label}：{line}")
        return taken

    # --- daily jobs -----------------------------------------------------------------------

    def run_daily(self) -> int:
        """Run each daily job not yet run today (by any worker); how many this call ran."""
        today = clock.today()
        ran = 0
        for job in jobs.daily_jobs():
            if self._settled.get(job.name) == today:
                continue
            claim = self._claim(job.name, today)
            if claim is None:
                continue
            if claim is True:
                self._settled[job.name] = today
                continue
            ran += 1
            self._run_one(job, claim, today)
        return ran

    def _claim(self, name: str, day: dt.date) -> DailyJobRun | bool | None:
        """This worker's claim on the day's run of the job; True when it is done already,
        None when another worker has it (or it failed recently: try again later)."""
        now = clock.now()
        row = DailyJobRun.objects.filter(name=name, day=day).first()
        if row is None:
            try:
                with transaction.atomic():
                    return DailyJobRun.objects.create(
                        name=name,
                        day=day,
                        status=_Status.RUNNING,
                        worker=self.identity,
                        started_at=now,
                    )
            except IntegrityError:  # another worker claimed it a moment ago
                return None
        if row.status == _Status.DONE:
            return True
        taken = (
            DailyJobRun.objects.filter(pk=row.pk)
            .filter(
                Q(status=_Status.FAILED, finished_at__lt=now - RETRY_AFTER)
                | Q(status=_Status.RUNNING, started_at__lt=now - STALE_AFTER)
            )
            .update(
                status=_Status.RUNNING,
                worker=self.identity,
                started_at=now,
                finished_at=None,
                attempts=F("attempts") + 1,
                error="",
            )
        )
        return DailyJobRun.objects.get(pk=row.pk) if taken else None

    def _run_one(self, job: jobs.DailyJob, record: DailyJobRun, today: dt.date) -> None:
        try:
            result = job.run(today)
        except WorkerStopped:
            DailyJobRun.objects.filter(pk=record.pk, worker=self.identity).delete()
            self.err(f"{job.label}：进程停止，下次启动时重新运行")
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            DailyJobRun.objects.filter(pk=record.pk).update(
                status=_Status.FAILED, finished_at=clock.now(), error=error[:4000]
            )
            minutes = int(RETRY_AFTER.total_seconds() // 60)
            self.err(f"{job.label}（{today}）失败，{minutes}分钟后重试：{error}")
            return
        text = jobs.describe(result)
        DailyJobRun.objects.filter(pk=record.pk).update(
            status=_Status.DONE, finished_at=clock.now(), output=text[:4000]
        )
        self._settled[job.name] = today
        self.out(f"{job.label}（{today}）：{text or '完成'}")
