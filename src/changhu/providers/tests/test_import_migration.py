"""Migrations 0002-0003: batches made before the shared pipeline keep what they held. A batch
waiting for a decision gets its rows back as a sealed upload, at their row numbers, and can be
committed; decided batches gain their committer from the audit trail. Going back gives up the
waiting ones."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from changhu.core import crypto
from changhu.core.imports.lifecycle import open_upload
from changhu.core.imports.reader import raw_rows, read_table
from changhu.core.models import AuditEntry
from changhu.providers.imports import CAREGIVER_COLUMNS
from changhu.providers.models import ImportBatch
from tests.factories import UserFactory, valid_id_number
from tests.fixtures import stored_files

BEFORE = [("providers", "0001_initial")]
AFTER = [("providers", "0003_import_batch_drop_rows")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps(transactional_db):
    """The schema as 0001 left it; put back to the latest afterwards, whatever happens. Going
    back to 0001 also unapplies every app whose migrations depend on a later providers one
    (supervision, feedback, matching…), so "afterwards" is every app's latest migration."""
    yield migrate(BEFORE)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_batches_keep_what_they_held(old_apps, media_root):
    user = UserFactory(username="legacy_importer")
    OldBatch = old_apps.get_model("providers", "ImportBatch")
    id_number = valid_id_number("510104", dt.date(1975, 2, 3))
    rows = [
        {"row": 3, "values": {"name": "郑秀兰", "id_number": id_number, "kind": "机构护理员"}},
        {"row": 6, "values": {"name": "=1+1", "id_number": "0123", "kind": "机构护理员"}},
    ]
    waiting = OldBatch.objects.create(
        kind="caregivers",
        file_name="护理员.xlsx",
        uploaded_by_id=user.pk,
        rows_enc=crypto.encrypt(json.dumps(rows, ensure_ascii=False)),
        total_rows=2,
        valid_rows=1,
        error_rows=1,
        errors=[
            {"row": 6, "column": "身份证号码", "field": "id_number", "code": "x", "message": "m"}
        ],
    )
    committed = OldBatch.objects.create(
        kind="institutions", file_name="机构.xlsx", status="committed", total_rows=1, valid_rows=1,
        imported_rows=1, committed_at=timezone.now(),
    )  # fmt: skip
    purged = OldBatch.objects.create(kind="caregivers", file_name="旧.xlsx", status="discarded")
    for batch, action in ((committed, "import"), (purged, "delete")):
        AuditEntry.objects.create(
            actor_id=user.pk if action == "import" else None,
            action=action,
            object_type="providers.importbatch",
            object_id=str(batch.pk),
        )

    migrate(AFTER)

    waiting = ImportBatch.objects.get(pk=waiting.pk)
    assert waiting.status == "previewed" and waiting.file_format == "xlsx"
    assert waiting.error_count == 1 and waiting.validated_at == waiting.created_at
    [stored] = stored_files(media_root)
    assert waiting.stored_file.name == f"imports/providers/{stored.name}"
    assert id_number.encode() not in stored.read_bytes()  # sealed
    table = read_table(open_upload(stored.read_bytes()), CAREGIVER_COLUMNS)
    back = [(r.number, r.values) for r in raw_rows(table, max_rows=10)]
    assert back == [
        (3, {"name": "郑秀兰", "id_number": id_number, "kind": "机构护理员"}),
        (6, {"name": "=1+1", "id_number": "0123", "kind": "机构护理员"}),
    ]
    committed = ImportBatch.objects.get(pk=committed.pk)
    assert committed.committed_by_id == user.pk and committed.validated_at == committed.committed_at
    assert ImportBatch.objects.get(pk=purged.pk).discarded_at is not None

    migrate(BEFORE)
    given_up = old_apps.get_model("providers", "ImportBatch").objects.get(pk=waiting.pk)
    assert given_up.status == "discarded" and given_up.rows_enc == ""
    assert stored_files(media_root) == []
