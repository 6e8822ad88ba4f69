"""changhu purge-imports: give up import batches left in preview past the retention period."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from changhu.core import clock
from changhu.core.retention import purge_all


class Command(BaseCommand):
    help = "放弃超过保留期限仍未确认的导入批次，删除其中保存的上传文件和待导入数据"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.IMPORT_RETENTION_DAYS,
            help="保留天数（默认取 CHANGHU_IMPORT_RETENTION_DAYS）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 1:
            raise CommandError("保留天数至少为1天")
        before = clock.now() - dt.timedelta(days=days)
        purged = purge_all(before=before, dry_run=dry_run)  # audited as 系统 (channel system)
        summary = {"before": before.isoformat(), "dry_run": dry_run, "purged": purged}
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
