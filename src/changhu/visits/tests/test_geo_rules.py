"""Coordinates (WGS-84, GCJ-02, BD-09, distance), the graded geofence, the family's code and
the rule-set file: pure functions, table-driven."""

import datetime as dt
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changhu.visits import geo, rules

# Published reference conversions (the widely used test point in Beijing, 116.404 E 39.915 N,
# and a second one at 116 E 40 N), to a millionth of a degree (about 0.1 m).
KNOWN = [
    (geo.wgs84_to_gcj02, (39.915, 116.404), (39.91640428150164, 116.41024449916938)),
    (geo.gcj02_to_bd09, (39.915, 116.404), (39.92133699351021, 116.41036949371029)),
    (geo.bd09_to_gcj02, (39.915, 116.404), (39.90865673957631, 116.39762729119315)),
    (geo.gcj02_to_wgs84, (39.915, 116.404), (39.91359571849836, 116.39775550083061)),
    (geo.wgs84_to_gcj02, (40.0, 116.0), (40.001213650174, 116.006141221789)),
]


@pytest.mark.parametrize(("convert", "given_point", "expected"), KNOWN)
def test_known_reference_points(convert, given_point, expected):
    lat, lon = convert(*given_point)
    assert lat == pytest.approx(expected[0], abs=2e-6)
    assert lon == pytest.approx(expected[1], abs=2e-6)


def test_outside_china_gcj02_is_wgs84():
    for point in [(48.8584, 2.2945), (-33.8568, 151.2153), (40.6892, -74.0445)]:
        assert geo.wgs84_to_gcj02(*point) == point
        assert geo.gcj02_to_wgs84(*point) == point


CHINA = st.tuples(st.floats(min_value=18.0, max_value=53.0), st.floats(min_value=74, max_value=134))


@given(CHINA)
def test_round_trips(point):
    """Both inverses are refined by iteration: back to the start within a centimetre."""
    back = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(*point))
    assert geo.haversine_m(*point, *back) < 0.01
    back = geo.bd09_to_wgs84(*geo.wgs84_to_bd09(*point))
    assert geo.haversine_m(*point, *back) < 0.01
    # The shift itself is hundreds of metres at most, never zero inside China.
    assert 1 < geo.haversine_m(*point, *geo.wgs84_to_gcj02(*point)) < 1000


def test_to_wgs84_by_datum():
    gcj = geo.wgs84_to_gcj02(30.657, 104.066)
    assert geo.haversine_m(30.657, 104.066, *geo.to_wgs84(*gcj, "gcj02")) < 0.01
    bd = geo.wgs84_to_bd09(30.657, 104.066)
    assert geo.haversine_m(30.657, 104.066, *geo.to_wgs84(*bd, "bd09")) < 0.01
    assert geo.to_wgs84(30.657, 104.066) == (30.657, 104.066)
    with pytest.raises(ValueError):
        geo.to_wgs84(1, 1, "utm")


@pytest.mark.parametrize(
    ("a", "b", "metres"),
    [
        ((30.657, 104.066), (30.658, 104.066), 111.2),  # 0.001° of latitude
        ((39.9042, 116.4074), (31.2304, 121.4737), 1_067_000),  # Beijing – Shanghai
        ((0.0, 0.0), (0.0, 1.0), 111_195),
    ],
)
def test_haversine(a, b, metres):
    assert geo.haversine_m(*a, *b) == pytest.approx(metres, rel=0.002)


def test_offset_in_metres_east_and_north():
    east, north = geo.offset_m(30.657, 104.066, 30.658, 104.067)
    assert north == pytest.approx(111.2, abs=0.2)
    assert east == pytest.approx(111.2 * math.cos(math.radians(30.657)), abs=0.2)


@pytest.mark.parametrize(
    ("lat", "lon", "ok"),
    [(0, 0, True), (90, 180, True), (-90.0001, 0, False), (0, 180.1, False), (math.nan, 0, False)],
)
def test_valid_ranges(lat, lon, ok):
    assert geo.valid(lat, lon) is ok


FENCE = {
    "radius_m": 100,
    "accuracy_allowance_max_m": 100,
    "warning_margin_m": 200,
    "max_accuracy_m": 500,
}
HOME = (30.657, 104.066)


def north_of_home(metres: float) -> tuple[float, float]:
    return (HOME[0] + metres / 111_195, HOME[1])


@pytest.mark.parametrize(
    ("distance", "accuracy", "result"),
    [
        (50, 10, "compliant"),
        (140, 50, "compliant"),  # within radius + accuracy
        (140, 20, "warning"),  # beyond radius + accuracy, within the margin
        (250, 900, "warning"),  # accuracy counts only up to its cap
        (50, 800, "warning"),  # a fix too coarse to tell
        (420, 100, "violation"),
    ],
)
def test_graded_geofence(distance, accuracy, result):
    place = rules.judge_place(
        home=HOME, position=north_of_home(distance), accuracy_m=accuracy, **FENCE
    )
    assert place.result == result
    assert place.distance_m == pytest.approx(distance, abs=1)


def test_no_home_position_is_a_warning_and_worst_of_two():
    assert rules.judge_place(home=None, position=HOME, accuracy_m=5, **FENCE).result == "warning"
    assert rules.worst("compliant", "violation", "warning") == "violation"
    assert rules.worst("compliant", "") == "compliant"


def test_duration_rounds_half_up_to_minutes():
    start = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    assert rules.duration_minutes(start, start + dt.timedelta(minutes=44, seconds=29)) == 44
    assert rules.duration_minutes(start, start + dt.timedelta(minutes=44, seconds=30)) == 45


def test_family_code_windows():
    key = b"k" * 32
    at = dt.datetime(2026, 11, 1, 8, 3, tzinfo=dt.UTC)
    code = rules.family_code(key, 7, at)
    assert len(code) == 6 and code.isdigit()
    assert rules.family_code_valid(key, 7, at + dt.timedelta(minutes=9), code)
    assert not rules.family_code_valid(key, 7, at + dt.timedelta(minutes=40), code)
    assert not rules.family_code_valid(key, 8, at, code)  # another person's code
    assert not rules.family_code_valid(b"x" * 32, 7, at, code)  # another key
    assert not rules.family_code_valid(key, 7, at, "12a456")
    assert rules.code_valid_until(at) == dt.datetime(2026, 11, 1, 8, 10, tzinfo=dt.UTC)


def test_rule_file_is_checked(tmp_path):
    from changhu.visits import rulesets

    raw = json.loads((rulesets.screening_dir() / "visit-screening-2026.1.json").read_text("utf-8"))
    assert set(raw["rules"]) == set(rulesets.RULE_CODES)
    broken = dict(raw, rules={**raw["rules"], "too_short": {"severity": "medium"}})
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(rulesets.RuleFileInvalid) as exc:
        rulesets.read_rule_file(path)
    assert "min_ratio" in exc.value.message
    raw["rules"]["too_short"]["severity"] = "urgent"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(rulesets.RuleFileInvalid):
        rulesets.read_rule_file(path)


@pytest.mark.django_db
def test_loading_rules_is_idempotent_and_a_changed_version_is_refused(tmp_path):
    from changhu.core.errors import Conflict
    from changhu.visits import rulesets

    source = rulesets.screening_dir() / "visit-screening-2026.1.json"
    first = rulesets.load_rule_file(source)
    assert rulesets.load_rule_file(source).status == "unchanged" or first.status == "unchanged"
    raw = json.loads(source.read_text("utf-8"))
    raw["geofence"]["radius_m"] = 150
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(Conflict):
        rulesets.load_rule_file(changed)
    raw["version"] = "2026.2"
    raw["effective_from"] = "2026-12-01"
    changed.write_text(json.dumps(raw), encoding="utf-8")
    assert rulesets.load_rule_file(changed).status == "loaded"
    rulesets.clear_cache()
    assert rulesets.rules_on(dt.date(2026, 11, 30)).version == "2026.1"
    assert rulesets.rules_on(dt.date(2026, 12, 1)).geofence["radius_m"] == 150
