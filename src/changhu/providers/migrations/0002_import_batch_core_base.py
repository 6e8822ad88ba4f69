"""Institution and caregiver batches extend ``changhu.core.imports.models.ImportBatch``.

The batch used to keep its parsed rows encrypted in the table (``rows_enc``); the shared pipeline
keeps the sealed upload in storage instead and reads it again on commit. So that a batch still
waiting for a decision can be committed after the upgrade, its rows are written back into a
workbook, each row at the number it had in the original file (so every row number in its error
list stays true), sealed and stored under ``imports/providers/``. Decided batches gain what the
shared table records, from what is known: the error count, the time of the last check, and who
committed (and when the system gave up) from the audit trail.

Going back, batches still waiting for a decision are given up: the earlier code cannot read a
stored upload, and nothing was imported from them.
"""

import io
import json
import uuid

import changhu.core.imports.models
import django.db.models.deletion
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models

UPLOAD_DIR = "imports/providers"


def _workbook(rows: list[dict]) -> bytes:
    """The header (field names, which the import accepts) in row 1; each row at its number."""
    from openpyxl import Workbook

    fields: list[str] = []
    for row in rows:
        fields += [name for name in row["values"] if name not in fields]
    book = Workbook()
    sheet = book.active
    for column, name in enumerate(fields, start=1):
        sheet.cell(row=1, column=column, value=name)
        for row in rows:
            value = row["values"].get(name, "")
            if value:
                cell = sheet.cell(row=row["row"], column=column, value=value)
                cell.data_type = "s"  # text stays text: "0012" and "=1" alike
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def forwards(apps, schema_editor):
    from changhu.core import crypto
    from changhu.core.imports.lifecycle import seal_upload

    ImportBatch = apps.get_model("providers", "ImportBatch")
    AuditEntry = apps.get_model("core", "AuditEntry")
    trail = AuditEntry.objects.filter(object_type="providers.importbatch")
    committers = dict(trail.filter(action="import").values_list("object_id", "actor_id"))
    given_up = dict(trail.filter(action="delete").values_list("object_id", "at"))
    for batch in ImportBatch.objects.all().iterator():
        batch.error_count = len(batch.errors)
        batch.validated_at = batch.committed_at or batch.created_at
        batch.committed_by_id = committers.get(str(batch.pk))
        if batch.status == "discarded":
            batch.discarded_at = given_up.get(str(batch.pk))
        if batch.status == "previewed" and batch.rows_enc:
            content = _workbook(json.loads(crypto.decrypt(batch.rows_enc)))
            name = f"{UPLOAD_DIR}/{uuid.uuid4().hex}.sealed"
            batch.stored_file = default_storage.save(name, ContentFile(seal_upload(content)))
            batch.file_size = len(content)
        batch.save()


def backwards(apps, schema_editor):
    ImportBatch = apps.get_model("providers", "ImportBatch")
    for batch in ImportBatch.objects.filter(status__in=["previewed", "failed"]):
        if batch.stored_file:
            default_storage.delete(batch.stored_file.name)
        batch.status = "discarded"
        batch.stored_file = ""
        batch.save(update_fields=["status", "stored_file"])


class Migration(migrations.Migration):
    # The user model is 0001's dependency already; the audit trail is core's.
    dependencies = [("core", "0004_dailyjobrun"), ("providers", "0001_initial")]

    operations = [
        migrations.AddField("importbatch", "file_format", models.CharField(default="xlsx", max_length=8, verbose_name="文件格式"), preserve_default=False),
        migrations.AddField("importbatch", "file_size", models.PositiveBigIntegerField(default=0, verbose_name="文件大小（字节）")),
        migrations.AddField("importbatch", "encoding", models.CharField(blank=True, max_length=16, verbose_name="文本编码")),
        migrations.AddField("importbatch", "stored_file", models.FileField(blank=True, max_length=200, upload_to=changhu.core.imports.models.upload_path, verbose_name="上传文件")),
        migrations.AddField("importbatch", "error_count", models.PositiveIntegerField(default=0, verbose_name="错误条数")),
        migrations.AddField("importbatch", "warnings", models.JSONField(blank=True, default=list, verbose_name="提示")),
        migrations.AddField("importbatch", "sample", models.JSONField(blank=True, default=list, verbose_name="前几行预览（已脱敏）")),
        migrations.AddField("importbatch", "failure", models.CharField(blank=True, max_length=300, verbose_name="失败原因")),
        migrations.AddField("importbatch", "validated_at", models.DateTimeField(blank=True, null=True, verbose_name="最近校验时间")),
        migrations.AddField("importbatch", "committed_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="确认导入人")),
        migrations.AddField("importbatch", "discarded_at", models.DateTimeField(blank=True, null=True, verbose_name="放弃时间")),
        migrations.AlterField("importbatch", "status", models.CharField(choices=[("previewed", "待确认"), ("committed", "已导入"), ("discarded", "已放弃"), ("failed", "导入失败")], db_index=True, default="previewed", max_length=12, verbose_name="状态")),
        migrations.RunPython(forwards, backwards),
    ]
