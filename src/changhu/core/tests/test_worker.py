"""``changhu worker``'s daily jobs: once a day whoever runs them, again the next day, a failure
retried later the same day; and the apps' jobs are all registered."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command

from changhu.core import clock, jobs
from changhu.core.models import DailyJobRun
from changhu.core.worker import RETRY_AFTER, Worker

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def counted():
    """A daily job of our own that counts its runs (registered for the test only)."""
    calls: list[dt.date] = []
    jobs.discover()
    jobs.register_daily("test.counted", label="测试任务", run=calls.append, order=0)
    yield calls
    jobs.unregister("test.counted")


def _worker() -> str:
    out = StringIO()
    call_command("worker", "--once", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_every_app_registers_its_jobs():
    jobs.discover()
    assert [q.name for q in jobs.queues()] == [
        "visits.screening",
        "settlement.runs",
        "reports.runs",
    ]
    assert [d.name for d in jobs.daily_jobs()] == [
        "assessment.deadlines",
        "care.reconcile",
        "visits.bed_days",
        "supervision.escalate",
        "core.purge_imports",
    ]


def test_daily_jobs_run_once_a_day(counted, time_machine):
    today = clock.today()
    time_machine.move_to(_at(today, 9), tick=False)
    first = _worker()
    assert counted == [today]
    assert "评估流程到期处理" in first and "清理过期导入数据" in first
    names = {d.name for d in jobs.daily_jobs()}
    done = DailyJobRun.objects.filter(day=today, status=DailyJobRun.Status.DONE)
    assert set(done.values_list("name", flat=True)) == names

    time_machine.move_to(_at(today, 23, 59), tick=False)
    _worker()  # another worker, or a restart, later the same day
    assert counted == [today]
    assert DailyJobRun.objects.count() == len(names)

    tomorrow = today + dt.timedelta(days=1)
    time_machine.move_to(_at(tomorrow, 0, 1), tick=False)
    _worker()
    assert counted == [today, tomorrow]
    assert DailyJobRun.objects.filter(day=tomorrow).count() == len(names)


def test_a_long_running_worker_runs_them_on_the_first_loop_of_a_new_day(counted, time_machine):
    today = clock.today()
    time_machine.move_to(_at(today, 22), tick=False)
    worker = Worker(out=lambda line: None, err=lambda line: None)
    assert worker.run_daily() == len(jobs.daily_jobs())
    assert worker.run_daily() == 0  # no query needed: the worker knows they are done
    time_machine.move_to(
        _at(
            today + dt.timedelta(days=1),
            0,
            0,
        ),
        tick=False,
    )
    assert worker.run_daily() == len(jobs.daily_jobs())
    assert counted == [today, today + dt.timedelta(days=1)]


def test_a_failed_daily_job_is_retried_later_the_same_day(time_machine):
    attempts: list[dt.date] = []

    def flaky(day: dt.date) -> str:
        attempts.append(day)
        if len(attempts) == 1:
            raise RuntimeError("数据库连接中断")
        return "完成"

    jobs.discover()
    jobs.register_daily("test.flaky", label="测试任务", run=flaky)
    try:
        today = clock.today()
        time_machine.move_to(_at(today, 1), tick=False)
        errors: list[str] = []
        worker = Worker(out=lambda line: None, err=errors.append)
        worker.run_daily()
        record = DailyJobRun.objects.get(name="test.flaky", day=today)
        assert record.status == DailyJobRun.Status.FAILED and "数据库连接中断" in record.error
        assert any("测试任务" in line and "失败" in line for line in errors)
        worker.run_daily()
        assert len(attempts) == 1  # not before the retry delay
        time_machine.move_to(_at(today, 1) + RETRY_AFTER + dt.timedelta(minutes=1), tick=False)
        Worker(out=lambda line: None, err=errors.append).run_daily()
        record.refresh_from_db()
        assert len(attempts) == 2
        assert record.status == DailyJobRun.Status.DONE and record.attempts == 2
        assert record.output == "完成" and record.error == ""
    finally:
        jobs.unregister("test.flaky")


def test_the_old_command_names_are_the_worker():
    out = StringIO()
    call_command("run_jobs", "--once", stdout=out)
    call_command("settlement_worker", "--once", stdout=out)
    assert out.getvalue().count("后台任务进程") == 2
