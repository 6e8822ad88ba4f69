"""``changhu worker``: runs queued screening and settlement runs and the daily jobs.

Run one or more next to the web processes (``make demo`` starts one with the web server; in
production a systemd unit, see docs/configuration.md). ``--once`` does what is due and stops
when idle (tests, cron). ``changhu run-jobs`` and ``changhu settlement-worker`` are the same
command under their earlier names.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from changhu.core import jobs
from changhu.core.worker import Worker, WorkerStopped, stop_on_signals


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a batch process: no URL or admin checks at start
    help = (
        "后台任务进程：执行页面上发起的稽核和结算计算，每天运行一次到期处理、待遇资格核对、"
        "过期导入数据清理和床日生成；--once 处理完即退出"
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="处理完排队的任务后退出")
        parser.add_argument("--sleep", type=float, default=3.0, help="空闲时每隔几秒查看一次队列")
        parser.add_argument(
            "--max-seconds", type=float, default=0, help="运行这么久后退出（0：不限）"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="一个任务同时使用的数据库连接数（仅PostgreSQL；稽核按机构并行）",
        )

    def handle(self, *args, once: bool, sleep: float, max_seconds: float, workers: int, **options):
        if workers < 1:
            raise CommandError("--workers 至少为1")
        worker = Worker(
            options=jobs.WorkerOptions(parallel=workers),
            out=self._say(self.stdout),
            err=self._say(self.stderr),
        )
        names = [q.label for q in jobs.queues()] + [d.label for d in jobs.daily_jobs()]
        worker.out(f"后台任务进程 {worker.identity} 已启动：{'、'.join(names)}")
        try:
            with stop_on_signals():
                worker.run(once=once, sleep=sleep, max_seconds=max_seconds)
        except WorkerStopped:
            worker.out("后台任务进程已停止")

    @staticmethod
    def _say(stream):
        # Flushed at once: under honcho or systemd the output is a pipe, read as it comes.
        def write(line: str) -> None:
            stream.write(line)
            stream.flush()

        return write
