"""The region preset for Chengdu and the preset loader: completeness, idempotency, versions."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from changhu.core.models import AuditEntry
from changhu.orgs import presets
from changhu.orgs.models import Region, RegionDataset, RegionLevel

CHENGDU_DISTRICTS = {
    "510104": "锦江区", "510105": "青羊区", "510106": "金牛区", "510107": "武侯区",
    "510108": "成华区", "510112": "龙泉驿区", "510113": "青白江区", "510114": "新都区",
    "510115": "温江区", "510116": "双流区", "510117": "郫都区", "510118": "新津区",
    "510121": "金堂县", "510129": "大邑县", "510131": "蒲江县", "510181": "都江堰市",
    "510182": "彭州市", "510183": "邛崃市", "510184": "崇州市", "510185": "简阳市",
}  # fmt: skip
CENTRAL = ["510104", "510105", "510106", "510107", "510108"]


def _snapshot():
    return list(
        Region.objects.order_by("code").values_list(
            "code", "name", "level", "parent__code", "full_name", "active", "dataset_id"
        )
    )


def _write(path, version, effective_from, regions, name="testcity"):
    path.write_text(
        json.dumps(
            {
                "name": name,
                "version": version,
                "effective_from": effective_from,
                "source": "test",
                "regions": regions,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def _r(code, name, level, parent):
    return {"code": code, "name": name, "level": level, "parent": parent}


@pytest.fixture
def chengdu(db):
    return presets.load_region_file(presets.regions_dir() / "chengdu.json")


# --- the shipped Chengdu file ----------------------------------------------------------------


def test_chengdu_file_lists_every_district_under_5101():
    data = presets.read_region_file(presets.regions_dir() / "chengdu.json")
    districts = {r.code: r.name for r in data.regions if r.level == RegionLevel.DISTRICT}
    assert districts == CHENGDU_DISTRICTS
    for code in districts:
        assert len(code) == 6 and code.startswith("5101")
    assert data.name == "chengdu" and data.version and data.source


def test_chengdu_streets_sit_under_their_district():
    data = presets.read_region_file(presets.regions_dir() / "chengdu.json")
    streets = [r for r in data.regions if r.level == RegionLevel.STREET]
    assert streets
    for street in streets:
        assert len(street.code) == 12 and street.code.isdigit()
        assert street.code.startswith(street.parent)
        assert street.parent in CHENGDU_DISTRICTS
        assert street.code.endswith("000")  # a township, not a community
        assert street.name.endswith(("街道", "镇", "乡"))
    per_district = {code: 0 for code in CHENGDU_DISTRICTS}
    for street in streets:
        per_district[street.parent] += 1
    assert all(per_district[code] >= 10 for code in CENTRAL)
    assert all(count > 0 for count in per_district.values())


def test_loading_chengdu_creates_the_tree_with_full_names(chengdu):
    assert chengdu.status == "loaded"
    assert chengdu.created == Region.objects.count()
    city = Region.objects.get(code="510100")
    assert city.parent.code == "510000" and city.level == RegionLevel.CITY
    districts = Region.objects.filter(level=RegionLevel.DISTRICT)
    assert {d.code: d.name for d in districts} == CHENGDU_DISTRICTS
    assert all(d.parent_id == city.pk for d in districts)
    street = Region.objects.get(code="510104022000")
    assert street.name == "春熙路街道"
    assert street.parent.code == "510104"
    assert street.full_name == "四川省成都市锦江区春熙路街道"
    assert street.prefix == "510104022"
    assert Region.objects.get(code="510107").full_name == "四川省成都市武侯区"
    dataset = RegionDataset.objects.get(name="chengdu")
    assert Region.objects.filter(dataset=dataset).count() == chengdu.created
    assert AuditEntry.objects.filter(object_type="orgs.regiondataset", action="import").exists()


def test_loading_uses_a_bounded_number_of_queries(db, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        result = presets.load_region_file(presets.regions_dir() / "chengdu.json")
    assert result.created > 250


def test_loading_the_same_version_again_changes_nothing(chengdu):
    before = _snapshot()
    again = presets.load_region_file(presets.regions_dir() / "chengdu.json")
    assert again.status == "unchanged"
    assert (again.created, again.updated, again.deactivated) == (0, 0, 0)
    assert _snapshot() == before
    assert RegionDataset.objects.count() == 1


# --- versions --------------------------------------------------------------------------------


V1 = [
    _r("510000", "四川省", "province", None),
    _r("510100", "成都市", "city", "510000"),
    _r("510104", "锦江区", "district", "510100"),
    _r("510104017000", "锦官驿街道", "street", "510104"),
    _r("510104018000", "东湖街道", "street", "510104"),
    _r("510104019000", "锦华路街道", "street", "510104"),
]


def test_a_new_version_renames_adds_and_deactivates_without_deleting(db, tmp_path):
    first = presets.load_region_file(_write(tmp_path / "v1.json", "v1", "2022-01-01", V1))
    assert (first.created, first.status) == (6, "loaded")
    removed = Region.objects.get(code="510104019000")
    v2 = [r for r in V1 if r["code"] != "510104019000"]
    v2[2] = _r("510104", "锦江新区", "district", "510100")  # renamed
    v2.append(_r("510104020000", "新设街道", "street", "510104"))  # added
    second = presets.load_region_file(_write(tmp_path / "v2.json", "v2", "2023-01-01", v2))
    assert second.status == "loaded"
    assert (second.created, second.deactivated) == (1, 1)
    # the renamed district and the full names of its two streets changed
    assert second.updated == 3
    assert second.unchanged == 2
    removed.refresh_from_db()
    assert removed.active is False  # kept: persons and organizations may point at it
    assert Region.objects.get(code="510104").name == "锦江新区"
    assert Region.objects.get(code="510104017000").full_name == "四川省成都市锦江新区锦官驿街道"
    assert Region.objects.get(code="510104020000").active is True
    latest = RegionDataset.objects.get(name="testcity", version="v2")
    assert set(Region.objects.filter(active=True).values_list("dataset", flat=True)) == {latest.pk}
    assert RegionDataset.objects.filter(name="testcity").count() == 2


def test_a_code_that_comes_back_is_reactivated(db, tmp_path):
    presets.load_region_file(_write(tmp_path / "v1.json", "v1", "2022-01-01", V1))
    presets.load_region_file(_write(tmp_path / "v2.json", "v2", "2023-01-01", V1[:-1]))
    assert Region.objects.get(code="510104019000").active is False
    third = presets.load_region_file(_write(tmp_path / "v3.json", "v3", "2024-01-01", V1))
    assert Region.objects.get(code="510104019000").active is True
    assert (third.created, third.updated, third.deactivated) == (0, 1, 0)


def test_an_older_version_after_a_newer_one_is_skipped(db, tmp_path):
    presets.load_region_file(_write(tmp_path / "v2.json", "v2", "2023-01-01", V1[:-1]))
    before = _snapshot()
    result = presets.load_region_file(_write(tmp_path / "v1.json", "v1", "2022-01-01", V1))
    assert result.status == "older"
    assert _snapshot() == before
    assert not RegionDataset.objects.filter(version="v1").exists()


def test_another_datasets_codes_are_never_deactivated(db, tmp_path):
    presets.load_region_file(_write(tmp_path / "a.json", "v1", "2022-01-01", V1))
    other = [
        _r("510000", "四川省", "province", None),
        _r("510700", "绵阳市", "city", "510000"),
    ]
    presets.load_region_file(
        _write(tmp_path / "b.json", "v1", "2022-01-01", other, name="mianyang")
    )
    presets.load_region_file(
        _write(tmp_path / "b2.json", "v2", "2023-01-01", other[:1], name="mianyang")
    )
    assert Region.objects.get(code="510700").active is False
    assert Region.objects.filter(code__startswith="5101", active=False).count() == 0


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([*V1, _r("510105001000", "错位街道", "street", "510104")], "前缀"),
        ([*V1, _r("51010402", "短码", "street", "510104")], "12位"),
        ([*V1, _r("510104099000", "孤儿街道", "street", "510199")], "不存在"),
        ([*V1, _r("510104017000", "重复街道", "street", "510104")], "重复"),
        ([*V1, _r("510104098000", "错级街道", "street", "510100")], "层级"),
        ([*V1, _r("510104097000", "", "street", "510104")], "名称"),
        ([*V1, _r("510104096000", "某街道", "village", "510104")], "层级"),
    ],
)
def test_a_bad_file_is_refused_and_changes_nothing(db, tmp_path, rows, problem):
    with pytest.raises(presets.PresetInvalid) as caught:
        presets.load_region_file(_write(tmp_path / "bad.json", "v1", "2022-01-01", rows))
    assert caught.value.code == "preset_invalid"
    assert problem in caught.value.message
    assert Region.objects.count() == 0
    assert RegionDataset.objects.count() == 0


def test_a_file_without_version_or_date_is_refused(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "x", "regions": V1}), encoding="utf-8")
    with pytest.raises(presets.PresetInvalid, match="version"):
        presets.load_region_file(path)
    _write(path, "v1", "2022-13-01", V1)
    with pytest.raises(presets.PresetInvalid, match="effective_from"):
        presets.load_region_file(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(presets.PresetInvalid, match="JSON"):
        presets.load_region_file(path)


def test_a_street_file_may_hang_off_stored_parents(chengdu, tmp_path):
    rows = [_r("510104099000", "试点街道", "street", "510104")]
    result = presets.load_region_file(
        _write(tmp_path / "extra.json", "v1", "2024-01-01", rows, name="extra")
    )
    assert result.created == 1
    assert Region.objects.get(code="510104099000").full_name == "四川省成都市锦江区试点街道"


# --- the registry and the command ------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch):
    from changhu.core import preset_registry

    monkeypatch.setattr(preset_registry, "_loaders", list(preset_registry._loaders))
    return presets


def test_apps_can_register_loaders_that_run_after_regions(db, registry):
    calls = []
    registry.register_preset_loader("scales", lambda: calls.append("scales") or ["scales: 1"])
    registry.register_preset_loader("policies", lambda: ["policies: 2"])
    names = [name for name, _ in registry.preset_loaders()]
    assert names[0] == "regions" and names.index("scales") < names.index("policies")
    registry.register_preset_loader("scales", lambda: ["scales: replaced"])
    assert [name for name, _ in registry.preset_loaders()] == names  # replaced in place
    report = dict(registry.run_preset_loaders(["scales"]))
    assert report == {"scales": ["scales: replaced"]}
    assert calls == []
    with pytest.raises(presets.PresetInvalid):
        registry.run_preset_loaders(["nonexistent"])


def test_load_presets_command_is_idempotent(db, registry):
    out = StringIO()
    call_command("load_presets", only=["regions"], stdout=out)
    assert "regions chengdu" in out.getvalue() and "created" in out.getvalue()
    count = Region.objects.count()
    out = StringIO()
    call_command("load_presets", only=["regions"], stdout=out)
    assert "already loaded" in out.getvalue()
    assert Region.objects.count() == count == RegionDataset.objects.get().region_set.count()
