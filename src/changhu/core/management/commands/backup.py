"""changhu backup <dir>: the database and the media files, with a signed manifest, no keys."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from changhu.core import backup


class Command(BaseCommand):
    # The checks read the database, which for a restore is still empty.
    requires_system_checks = []
    help = "备份数据库和媒体文件（含校验值与密钥指纹的签名清单，不含密钥），写入一个新的或空的目录"

    def add_arguments(self, parser):
        parser.add_argument("directory", help="备份目录（新建或空目录）")

    def handle(self, *args, directory: str, **options):
        try:
            result = backup.create(Path(directory))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in result.lines():
            self.stdout.write(line)
