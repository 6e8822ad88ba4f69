from django.db import migrations, models

# Digits shared by every region inside one of this level (orgs.models.PREFIX_LENGTH, copied so
# the migration does not change if the model does).
PREFIX_LENGTH = {"province": 2, "city": 4, "district": 6, "street": 9}


def fill(apps, schema_editor):
    Organization = apps.get_model("orgs", "Organization")

    def prefixes(org):
        covered = sorted(r.code[: PREFIX_LENGTH[r.level]] for r in org.coverage.all())
        if covered:
            return covered
        if org.kind == "outlet" and org.parent_id:
            return prefixes(org.parent)
        return [org.region.code[: PREFIX_LENGTH[org.region.level]]]

    for org in Organization.objects.all():
        Organization.objects.filter(pk=org.pk).update(scope_prefixes=",".join(prefixes(org)))


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="scope_prefixes",
            field=models.CharField(
                blank=True, editable=False, max_length=1000, verbose_name="数据范围前缀"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
