"""Institution and caregiver batches no longer keep parsed rows (``rows_enc``): 0002 moved the
rows of waiting batches into sealed uploads. Their check constraint is the one every batch table
has. A migration of its own, because PostgreSQL does not alter a table with row changes of the
same transaction still pending."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_import_batch_core_base")]

    operations = [
        migrations.RemoveField("importbatch", "rows_enc"),
        migrations.AddConstraint("importbatch", models.CheckConstraint(condition=models.Q(valid_rows__lte=models.F("total_rows")) & models.Q(error_rows__lte=models.F("total_rows")), name="providers_import_batch_counts_consistent")),
    ]
