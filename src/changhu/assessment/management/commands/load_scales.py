"""``changhu load-scales [FILE ...]``: load the scale presets (or the given files) as versions.

Idempotent: a version already stored with the same content is left alone; the same code and
version with different content is refused and nothing is loaded.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from changhu.assessment.presets import load_scale_presets
from changhu.core.errors import DomainError


class Command(BaseCommand):
    help = "加载评估量表预置文件（默认presets/scales下全部文件），已加载的相同版本不重复加载"

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="*", type=Path, help="量表定义JSON文件，默认全部预置量表"
        )
        parser.add_argument("--dir", type=Path, help="量表预置目录，默认presets/scales")

    def handle(self, *args, **options):
        try:
            outcomes = load_scale_presets(options["dir"], paths=options["files"] or None)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}", returncode=2) from None
        for outcome in outcomes:
            row = outcome.scale_version
            state = "已加载" if outcome.created else "无变化"
            self.stdout.write(f"{row.code} {row.version}（{row.name}）：{state}")
        created = sum(outcome.created for outcome in outcomes)
        self.stdout.write(f"共{len(outcomes)}个量表版本，新加载{created}个")
