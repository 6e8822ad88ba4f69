"""changhu restore <dir>: a backup into the configured empty database, checked before and after."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from changhu.core import backup


class Command(BaseCommand):
    # The checks read the database, which for a restore is still empty.
    requires_system_checks = []
    help = (
        "把备份恢复到当前配置的空数据库和媒体存储：先核对密钥指纹、清单签名和每个文件的校验值，"
        "恢复后逐表核对行数，并用当前密钥抽样解密加密字段和加密文件"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="备份目录（changhu backup 的输出）")
        parser.add_argument(
            "--sample",
            type=int,
            default=20,
            help="每个加密字段、每类加密文件抽样解密的数量（默认20）",
        )
        parser.add_argument(
            "--check", action="store_true", help="只核对备份（密钥、签名、校验值、迁移），不恢复"
        )

    def handle(self, *args, directory: str, sample: int, check: bool, **options):
        if sample < 1:
            raise CommandError("抽样数量至少为1")
        try:
            if check:
                manifest = backup.verify(Path(directory))
                self.stdout.write(
                    f"备份完好：{manifest['created_at']}，{len(manifest['files'])}个文件校验一致，"
                    "密钥指纹与签名相符"
                )
                return
            result = backup.restore(Path(directory), sample=sample)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in result.lines():
            self.stdout.write(line)
