"""The catalogue as versioned, immutable data loaded from presets."""

import copy
import datetime as dt
import json

import pytest
from django.core.management import call_command

from changhu.care import catalogue as loader
from changhu.care.models import Catalogue, CatalogueItem, CategoryKind, Package
from changhu.core.errors import Conflict
from tests.api import ApiClient


def demo_raw():
    return loader.read_catalogue_file(loader.catalogues_dir() / "demo-city.json")


@pytest.mark.django_db
def test_demo_catalogue_has_forty_items_and_a_package_per_grade_and_mode(catalogue):
    items = CatalogueItem.objects.filter(catalogue=catalogue)
    assert items.count() >= 40
    kinds = set(items.values_list("category__kind", flat=True))
    assert {CategoryKind.LIFE_CARE, CategoryKind.MEDICAL_CARE} <= kinds
    assert items.filter(qualification="nurse").exists()
    assert items.filter(fund_covered=False).exists()
    assert all(i.unit_price_fen > 0 and i.reference_minutes > 0 for i in items)
    pairs = set(Package.objects.filter(catalogue=catalogue).values_list("grade", "care_mode"))
    modes = {"institutional", "home_visit", "individual", "family"}
    assert pairs == {(g, m) for g in (3, 4, 5) for m in modes}


@pytest.mark.django_db
def test_loading_again_changes_nothing_and_other_content_is_refused(catalogue):
    assert loader.catalogue_load(demo_raw()).status == "unchanged"
    changed = demo_raw()
    changed["categories"][0]["items"][0]["price_fen"] += 100
    with pytest.raises(Conflict) as caught:
        loader.catalogue_load(changed)
    assert caught.value.code == "catalogue_version_conflict"
    assert Catalogue.objects.count() == 1
    assert CatalogueItem.objects.get(catalogue=catalogue, code="SH01").unit_price_fen == 1000


@pytest.mark.django_db
def test_a_new_version_takes_effect_on_its_date_and_leaves_the_old_one_alone(catalogue):
    before = list(
        CatalogueItem.objects.filter(catalogue=catalogue).values_list("code", "unit_price_fen")
    )
    newer = copy.deepcopy(demo_raw())
    newer["version"] = "2027.1"
    newer["effective_from"] = "2027-01-01"
    newer["categories"][0]["items"][0]["price_fen"] = 1200
    result = loader.catalogue_load(newer)
    assert result.status == "loaded" and result.items == 49
    assert loader.catalogue_in_force(dt.date(2026, 12, 31)).version == "2026.1"
    assert loader.catalogue_in_force(dt.date(2027, 1, 1)).version == "2027.1"
    assert loader.catalogue_in_force(dt.date(2025, 12, 31)) is None
    after = list(
        CatalogueItem.objects.filter(catalogue=catalogue).values_list("code", "unit_price_fen")
    )
    assert after == before
    same_day = copy.deepcopy(newer)
    same_day["version"] = "2027.2"
    with pytest.raises(Conflict) as caught:
        loader.catalogue_load(same_day)
    assert caught.value.code == "catalogue_effective_taken"


@pytest.mark.django_db
def test_loaded_rows_cannot_be_edited_or_deleted(catalogue):
    item = CatalogueItem.objects.filter(catalogue=catalogue).first()
    item.unit_price_fen = 1
    with pytest.raises(Conflict) as caught:
        item.save()
    assert caught.value.code == "catalogue_immutable"
    with pytest.raises(Conflict):
        catalogue.delete()
    catalogue.name = "改名"
    with pytest.raises(Conflict):
        catalogue.save()


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        (("categories", 0, "items", 0, "frequency"), "daily", "频次"),
        (("categories", 0, "items", 0, "qualification"), "doctor", "资质"),
        (("categories", 0, "items", 1, "code"), "SH01", "重复"),
        (("packages", 0, "items", 0), "ZZ99", "ZZ99"),
        (("packages", 1, "grade"), 3, "只能有一个服务包"),
        (("effective_from",), "2026-13-01", "effective_from"),
    ],
)
def test_invalid_definitions_are_refused_with_the_reason(path, value, fragment):
    raw = demo_raw()
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(loader.CatalogueInvalid) as caught:
        loader.parse_catalogue(raw, "demo-city.json")
    assert fragment in caught.value.message


@pytest.mark.django_db
def test_load_catalogue_command_is_idempotent(tmp_path, capsys):
    call_command("load_catalogue")
    call_command("load_catalogue")
    out = capsys.readouterr().out
    assert "loaded 49 items, 12 packages" in out and "already loaded" in out
    broken = demo_raw()
    broken["categories"][0]["items"][0]["name"] = "改过的名称"
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(Exception, match="catalogue_version_conflict"):
        call_command("load_catalogue", str(path))


@pytest.mark.django_db
def test_catalogue_api_is_read_only_and_for_signed_in_roles(users, catalogue):
    api = ApiClient(users.caregiver)
    listing = api.get("care/catalogues").body
    assert [c["version"] for c in listing] == ["2026.1"]
    assert listing[0]["item_count"] == 49
    current = api.get("care/catalogues/current", day="2026-06-01").body
    assert current["categories"][0]["items"][0]["code"] == "SH01"
    package_id = current["packages"][0]["id"]
    package = api.get(f"care/packages/{package_id}").body
    assert package["items"] and package["grade"] in (3, 4, 5)
    assert ApiClient(users.applicant).get("care/catalogues").body == []
    missing = api.get("care/catalogues/current", day="2025-01-01")
    assert missing.status_code == 404 and missing.body["code"] == "catalogue_missing"
