"""Link existing entitlements to the conclusion whose number was typed in by hand.

A row is linked when a conclusion has exactly the typed number (spaces trimmed) and belongs to
the same person. Nothing else is changed: the grade and dates that were typed stay as they
were, since past months were settled with them. Rows that match no conclusion (or whose number
belongs to someone else) are kept unlinked; ``changhu entitlements-unmatched`` lists them for a
person to resolve. No row is deleted.
"""

from django.db import migrations


def link(apps, schema_editor):
    Entitlement = apps.get_model("care", "Entitlement")
    Conclusion = apps.get_model("assessment", "Conclusion")
    used = set(
        Entitlement.objects.filter(conclusion__isnull=False).values_list("conclusion_id", flat=True)
    )
    rows = Entitlement.objects.filter(conclusion__isnull=True).order_by("valid_from", "id")
    for entitlement_id, person_id, ref in rows.values_list("pk", "person_id", "conclusion_ref"):
        number = (ref or "").strip()
        if not number:
            continue
        conclusion_id = (
            Conclusion.objects.filter(number=number, person_id=person_id)
            .values_list("pk", flat=True)
            .first()
        )
        if conclusion_id is None or conclusion_id in used:
            continue
        Entitlement.objects.filter(pk=entitlement_id).update(conclusion_id=conclusion_id)
        used.add(conclusion_id)


def unlink(apps, schema_editor):
    apps.get_model("care", "Entitlement").objects.update(conclusion=None)


class Migration(migrations.Migration):
    dependencies = [("care", "0003_entitlement_conclusion")]

    operations = [migrations.RunPython(link, unlink)]
