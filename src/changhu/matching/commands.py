"""``changhu match-deaths FILE`` and ``changhu match-hospital FILE``: match a list from the
command line, through the same pipeline and services as the pages and the API.

Prints one JSON object to standard output: ``rows``, ``matched`` (rows naming a registered
beneficiary), ``unmatched`` (valid ID numbers not in the register), ``invalid`` (malformed ID
number, name or date), ``name_mismatch``, the batch, and ``details`` with each row (ID numbers
masked). ``--dry-run`` checks and matches but stores nothing. Exit status 2, with the reason on
standard error, for a file that cannot be read or lacks a required column.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from changhu.core import context, masking
from changhu.core.commands import acting_user
from changhu.core.errors import Conflict, DomainError
from changhu.core.imports.reader import ImportRefused, read_table
from changhu.matching import services
from changhu.matching.imports import PIPELINE, Tally
from changhu.matching.models import ListSource, MatchRecord, MatchStatus

UNREADABLE = 2


class MatchCommand(BaseCommand):
    kind = ""
    default_source = ListSource.OTHER

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8, GB18030 or UTF-16) or XLSX file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and match only; write nothing"
        )
        parser.add_argument(
            "--source",
            choices=ListSource.values,
            default=self.default_source,
            help="where the list comes from",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="match as this user (their rights and data scope apply); "
            "default: the only active superuser",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"无法读取文件：{path}（{exc.strerror or exc}）", returncode=UNREADABLE
            ) from None
        try:  # before anything else: a file that cannot be read is refused without a database
            read_table(data, PIPELINE.kind(self.kind).columns)
        except ImportRefused as exc:
            raise CommandError(f"{exc.message}（{exc.code}）", returncode=UNREADABLE) from None
        actor = acting_user(options["username"], doing="比对")
        token = context.set_current(context.ActorContext(user_id=actor.pk, channel="cli"))
        try:
            report = self._run(actor, path.name, data, options)
        except ImportRefused as exc:
            raise CommandError(f"{exc.message}（{exc.code}）", returncode=UNREADABLE) from None
        except DomainError as exc:
            raise CommandError(f"{exc.message}（{exc.code}）") from None
        finally:
            context.reset(token)
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

    def _run(self, actor, name: str, data: bytes, options) -> dict:
        outcome = PIPELINE.preview(actor=actor, kind=self.kind, upload=data)
        tally: Tally = outcome.tally
        report = {
            "kind": self.kind,
            "dry_run": bool(options["dry_run"]),
            "rows": outcome.total,
            "matched": len(tally.matched),
            "unmatched": len(tally.unmatched),
            "invalid": len(tally.invalid),
            "name_mismatch": sum(1 for d in tally.matched if d["name_mismatch"]),
            "batch_id": None,
            "batch_status": None,
            "details": {
                "matched": tally.matched,
                "unmatched": tally.unmatched,
                "invalid": tally.invalid,
            },
        }
        if options["dry_run"]:
            return report
        batch = services.list_upload(
            actor=actor, kind=self.kind, source=options["source"], upload=data, file_name=name
        )
        try:
            batch = services.list_commit(actor=actor, batch_id=batch.pk)
        except Conflict:  # no valid row: the list is recorded with its errors and given up
            batch = services.list_discard(actor=actor, batch_id=batch.pk)
        records = MatchRecord.objects.filter(batch=batch).order_by("row_number")
        matched = [r for r in records if r.status != MatchStatus.UNMATCHED]
        report.update(
            rows=batch.total_rows,
            matched=len(matched),
            unmatched=len(records) - len(matched),
            invalid=batch.error_rows,
            name_mismatch=sum(1 for r in matched if r.name_mismatch),
            batch_id=batch.pk,
            batch_status=batch.status,
        )
        report["details"]["matched"] = [_detail(r) for r in matched]
        report["details"]["unmatched"] = [
            _detail(r) for r in records if r.status == MatchStatus.UNMATCHED
        ]
        return report


def _detail(record: MatchRecord) -> dict:
    detail = {
        "row": record.row_number,
        "name": masking.mask_name(record.listed_name),
        "id_number": record.id_number_masked,
        "date": record.event_date.isoformat(),
        "match_id": record.pk,
    }
    if record.person_id:
        detail.update(person_id=record.person_id, name_mismatch=record.name_mismatch)
    return detail
