"""Entitlements typed in before conclusions opened them: the data migration links them by the
conclusion number, ``changhu entitlements-unmatched`` lists the rest and links one by hand.
Nothing is dropped."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from changhu.care.models import Entitlement
from changhu.core.models import AuditEntry
from tests.factories import make_conclusion, make_entitlement

pytestmark = pytest.mark.django_db

migration = importlib.import_module("changhu.care.migrations.0004_link_entitlements_to_conclusions")


@pytest.fixture
def typed(people, institution):
    """Four rows as a clerk typed them: a good number (with stray spaces), another person's
    number, a number that does not exist, and one left blank."""
    mine = make_conclusion(people.jinjiang, grade=4)
    theirs = make_conclusion(people.qingyang, grade=3)
    rows = {
        "good": make_entitlement(people.jinjiang, institution),
        "other_person": make_entitlement(people.wuhou, institution),
        "missing": make_entitlement(people.qingyang, institution),
    }
    Entitlement.objects.filter(pk=rows["good"].pk).update(conclusion_ref=f" {mine.number} ")
    Entitlement.objects.filter(pk=rows["other_person"].pk).update(conclusion_ref=theirs.number)
    Entitlement.objects.filter(pk=rows["missing"].pk).update(conclusion_ref="JL-手写-001")
    return rows, mine, theirs


def test_the_migration_links_by_number_and_keeps_every_row(typed):
    rows, mine, _ = typed
    before = Entitlement.objects.count()
    migration.link(apps, None)
    assert Entitlement.objects.count() == before
    linked = Entitlement.objects.get(pk=rows["good"].pk)
    assert linked.conclusion_id == mine.pk
    assert linked.grade == 4  # the grade and dates stay as recorded
    unlinked = Entitlement.objects.filter(conclusion__isnull=True).values_list("pk", flat=True)
    assert set(unlinked) == {rows["other_person"].pk, rows["missing"].pk}
    migration.link(apps, None)  # running it again changes nothing
    assert Entitlement.objects.filter(conclusion__isnull=False).count() == 1


def test_the_command_lists_the_unmatched_with_a_reason(typed, people):
    migration.link(apps, None)
    out = StringIO()
    call_command("entitlements_unmatched", stdout=out)
    text = out.getvalue()
    assert "unmatched entitlements: 2" in text
    assert "属于其他参保人" in text and "找不到编号为JL-手写-001的评估结论" in text
    assert people.wuhou.id_number not in text and people.wuhou.id_number_masked in text


def test_linking_one_by_hand_is_checked_and_audited(typed, people):
    rows, _, theirs = typed
    migration.link(apps, None)
    missing = rows["missing"]
    with pytest.raises(CommandError, match="conclusion_not_found"):
        call_command("entitlements_unmatched", "--link", str(missing.pk), "JL-无此号")
    other = rows["other_person"]
    with pytest.raises(CommandError, match="conclusion_other_person"):
        call_command("entitlements_unmatched", "--link", str(other.pk), theirs.number)
    with pytest.raises(CommandError, match="must be a number"):
        call_command("entitlements_unmatched", "--link", "x", theirs.number)
    out = StringIO()
    call_command("entitlements_unmatched", "--link", str(missing.pk), theirs.number, stdout=out)
    missing.refresh_from_db()
    assert missing.conclusion_id == theirs.pk and missing.conclusion_ref == theirs.number
    # Typed as 重度失能Ⅱ级, the conclusion says Ⅰ级: the operator is told, the record kept.
    assert "difference: 登记等级重度失能Ⅱ级，结论为重度失能Ⅰ级" in out.getvalue()
    entry = AuditEntry.objects.filter(object_type="care.entitlement", object_id=str(missing.pk))
    assert entry.filter(note__startswith="关联评估结论").exists()
    with pytest.raises(CommandError, match="entitlement_linked"):
        call_command("entitlements_unmatched", "--link", str(missing.pk), theirs.number)
