"""The register's batches extend ``changhu.core.imports.models.ImportBatch``: the check constraint
takes the app-prefixed name every batch table uses, and uploads are placed by the shared
``upload_path`` (still ``imports/`` for the register). No data changes."""

import changhu.core.imports.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("insured", "0003_import_batch")]

    operations = [
        migrations.RemoveConstraint("importbatch", "import_batch_counts_consistent"),
        migrations.AddConstraint("importbatch", models.CheckConstraint(condition=models.Q(valid_rows__lte=models.F("total_rows")) & models.Q(error_rows__lte=models.F("total_rows")), name="insured_import_batch_counts_consistent")),
        migrations.AlterField("importbatch", "stored_file", models.FileField(blank=True, max_length=200, upload_to=changhu.core.imports.models.upload_path, verbose_name="上传文件")),
    ]
