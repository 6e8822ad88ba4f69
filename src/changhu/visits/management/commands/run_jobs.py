"""``changhu run-jobs``: the earlier name of ``changhu worker`` (same options, same work)."""

from __future__ import annotations

from changhu.core.management.commands import worker


class Command(worker.Command):
    help = "同 changhu worker（旧名称）：" + worker.Command.help
