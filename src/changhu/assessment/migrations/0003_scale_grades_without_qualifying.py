"""Stored scale versions no longer say which grades qualify for benefits.

That is the benefit policy's ``qualifying_grades`` (settlement), the one source care and the
assessment review read. The shipped scale files dropped the ``qualifying`` key of each grade; this
drops it from the versions already stored and recomputes their checksum the way the loader does,
so ``changhu load-presets`` keeps finding them unchanged. Grades, labels and scoring are
untouched: re-scoring an old assessment gives the same grade.
"""

import hashlib
import json

from django.db import migrations


def _checksum(definition) -> str:
    text = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def drop_qualifying(apps, schema_editor):
    ScaleVersion = apps.get_model("assessment", "ScaleVersion")
    for row in ScaleVersion.objects.all():
        grades = row.definition.get("grades") if isinstance(row.definition, dict) else None
        if not isinstance(grades, list) or not any(
            isinstance(g, dict) and "qualifying" in g for g in grades
        ):
            continue
        definition = dict(row.definition)
        definition["grades"] = [
            {k: v for k, v in g.items() if k != "qualifying"} if isinstance(g, dict) else g
            for g in grades
        ]
        ScaleVersion.objects.filter(pk=row.pk).update(
            definition=definition, checksum=_checksum(definition)
        )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_workflow")]

    operations = [migrations.RunPython(drop_qualifying, migrations.RunPython.noop)]
