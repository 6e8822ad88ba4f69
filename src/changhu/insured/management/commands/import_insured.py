"""``changhu import-insured FILE``: preview and import a register or life-event file.

Runs the same service code as the web page and the API: the file is validated, kept as an
import batch, then committed (all-or-nothing unless ``--valid-only``). ``--dry-run`` only
checks the file and stores nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from changhu.core import context
from changhu.core.commands import acting_user
from changhu.core.errors import DomainError
from changhu.insured import imports
from changhu.insured.models import ImportBatch

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import insured persons (or life events) from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8 or GB18030) or XLSX file")
        parser.add_argument(
            "--kind",
            choices=ImportBatch.Kind.values,
            default=ImportBatch.Kind.PERSONS,
            help="persons (default) or life_events",
        )
        parser.add_argument(
            "--valid-only", action="store_true", help="import the valid rows, skip the rest"
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="import as this user (their rights and data scope apply); "
            "default: the only active superuser",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file only; store and write nothing"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = acting_user(options["username"], doing="导入")
        token = context.set_current(context.ActorContext(user_id=actor.pk, channel="cli"))
        try:
            self._run(path, actor, options)
        except DomainError as exc:
            raise CommandError(f"{exc.message}（{exc.code}）") from None
        finally:
            context.reset(token)

    def _run(self, path: Path, actor, options) -> None:
        kind = options["kind"]
        started = time.perf_counter()
        with path.open("rb") as handle:
            if options["dry_run"]:
                outcome = imports.import_preview(actor=actor, kind=kind, upload=handle)
                assert outcome.log is not None
                self._summary(outcome.total, outcome.valid, outcome.log.rows, outcome.warnings)
                self._errors(outcome.log.items, outcome.log.count)
                self.stdout.write(
                    f"仅检查，未保存任何数据（{time.perf_counter() - started:.1f}秒）"
                )
                return
            batch = imports.import_upload(
                actor=actor, kind=kind, upload=handle, file_name=path.name
            )
        self._summary(batch.total_rows, batch.valid_rows, batch.error_rows, batch.warnings)
        self._errors(batch.errors, batch.error_count)
        mode = (
            ImportBatch.Mode.VALID_ONLY
            if options["valid_only"]
            else ImportBatch.Mode.ALL_OR_NOTHING
        )
        try:
            batch = imports.import_commit(actor=actor, batch_id=batch.pk, mode=mode)
        except DomainError as exc:
            imports.import_discard(actor=actor, batch_id=batch.pk)
            raise CommandError(
                f"{exc.message}（{exc.code}）。未导入任何数据；批次 #{batch.pk} 已放弃，"
                "错误明细仍可在网页上查看。修改后重新导入，或加 --valid-only 只导入正确的行"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"批次 #{batch.pk}：已导入 {batch.imported_rows} 行"
                f"（{time.perf_counter() - started:.1f}秒）"
            )
        )

    def _summary(self, total: int, valid: int, error_rows: int, warnings: list[str]) -> None:
        self.stdout.write(f"数据行 {total}，正确 {valid}，有错误 {error_rows}")
        for warning in warnings:
            self.stdout.write(self.style.WARNING(warning))

    def _errors(self, items: list[dict], count: int) -> None:
        for entry in items[:SHOWN_ERRORS]:
            self.stdout.write(f"  第{entry['row']}行 {entry['column']}：{entry['message']}")
        if count > SHOWN_ERRORS:
            self.stdout.write(f"  ……另有 {count - SHOWN_ERRORS} 条错误")
