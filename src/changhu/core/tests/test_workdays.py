"""The working-day calendar: the shipped 2025/2026 notices, arithmetic, fallback, loading."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changhu.core import presets, workdays
from changhu.core.errors import Conflict, ValidationFailed
from changhu.core.models import CalendarDay
from changhu.core.workdays import (
    add_working_days,
    calendar_covers,
    is_working_day,
    working_days_between,
)
from changhu.orgs.presets import preset_loaders, run_preset_loaders

pytestmark = pytest.mark.django_db

D = date.fromisoformat


@pytest.fixture(autouse=True)
def fresh_cache():
    """These tests load calendars themselves: they start from none (rolled back after)."""
    CalendarDay.objects.all().delete()
    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture
def calendars():
    return presets.load_calendars()


def write(path, **overrides):
    data = {
        "calendar": "cn",
        "year": 2030,
        "version": "2030.1",
        "published": "2029-11-01",
        "source": "test",
        "holidays": [{"name": "元旦", "from": "2030-01-01", "to": "2030-01-01", "days": 1}],
        "workdays": [{"name": "春节", "date": "2030-02-09"}],
    }
    data.update(overrides)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-01", False),  # 元旦, a Wednesday
        ("2025-01-26", True),  # Sunday worked for 春节
        ("2025-01-27", True),
        ("2025-01-28", False),  # 除夕
        ("2025-02-04", False),
        ("2025-02-08", True),  # Saturday worked
        ("2025-04-27", True),
        ("2025-05-05", False),
        ("2025-06-02", False),
        ("2025-09-28", True),
        ("2025-10-08", False),
        ("2025-10-11", True),
        ("2026-01-02", False),
        ("2026-01-04", True),
        ("2026-02-14", True),
        ("2026-02-23", False),
        ("2026-02-28", True),
        ("2026-04-06", False),
        ("2026-05-09", True),
        ("2026-06-19", False),
        ("2026-09-20", True),
        ("2026-09-25", False),
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),
        ("2026-03-07", False),  # an ordinary Saturday
        ("2026-03-04", True),  # an ordinary Wednesday
    ],
)
def test_is_working_day_follows_the_notices(calendars, day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-03-04", 0, "2026-03-04"),
        ("2026-02-16", 0, "2026-02-16"),  # n=0 is the start even on a holiday
        ("2026-02-13", 1, "2026-02-14"),  # the Saturday worked before 春节
        ("2026-02-13", 2, "2026-02-24"),
        ("2025-09-26", 1, "2025-09-28"),
        ("2025-09-30", 1, "2025-10-09"),
        ("2026-09-18", 15, "2026-10-15"),  # across 中秋 and 国庆 with two weekends worked
        ("2026-03-06", 1, "2026-03-09"),  # Friday to Monday
        ("2026-02-24", -1, "2026-02-14"),
        ("2026-03-09", -1, "2026-03-06"),
    ],
)
def test_add_working_days(calendars, start, n, expected):
    assert add_working_days(D(start), n) == D(expected)


def test_working_days_in_a_year(calendars):
    # 261 weekdays in each year, less the 13 statutory holidays (调休 moves, does not add).
    assert working_days_between(D("2024-12-31"), D("2025-12-31")) == 248
    assert working_days_between(D("2025-12-31"), D("2026-12-31")) == 248
    assert working_days_between(D("2026-12-31"), D("2025-12-31")) == -248
    assert working_days_between(D("2026-02-13"), D("2026-02-24")) == 2
    assert working_days_between(D("2026-02-14"), D("2026-02-14")) == 0


def _brute_count(start: date, end: date) -> int:
    return sum(is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


def test_between_undoes_add_and_matches_counting(calendars):
    @settings(max_examples=150, deadline=None)
    @given(
        start=st.dates(min_value=date(2024, 11, 1), max_value=date(2027, 2, 1)),
        n=st.integers(min_value=0, max_value=45),
    )
    def check(start, n):
        end = add_working_days(start, n)
        assert working_days_between(start, end) == n
        assert _brute_count(start, end) == n
        if n:
            assert is_working_day(end)
            back = add_working_days(end, -n)  # the last working day on or before start
            assert back <= start and is_working_day(back)
            assert back == start or not is_working_day(start)

    check()


def test_outside_loaded_years_monday_to_friday_is_used_and_logged(calendars, caplog):
    assert calendar_covers(2025) and calendar_covers(2026)
    assert not calendar_covers(2027)
    assert workdays.covered_years() == frozenset({2025, 2026})
    with caplog.at_level(logging.WARNING, logger="changhu.core.workdays"):
        assert is_working_day(D("2027-01-01")) is True  # 元旦 2027, notice not loaded
        assert is_working_day(D("2027-01-02")) is False
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1  # once per process and year


def test_without_any_calendar_weekdays_are_working_days():
    assert not calendar_covers(2026)
    assert is_working_day(D("2026-10-01")) is True
    assert add_working_days(D("2026-10-02"), 1) == D("2026-10-05")


def test_one_query_then_cached(calendars, django_assert_num_queries):
    workdays.clear_cache()
    with django_assert_num_queries(1):
        is_working_day(D("2026-01-01"))
        add_working_days(D("2026-01-01"), 30)
        working_days_between(D("2025-01-01"), D("2026-12-31"))
        calendar_covers(2026)
    with django_assert_num_queries(0):
        is_working_day(D("2026-05-01"))


def test_loading_clears_the_cache():
    assert is_working_day(D("2026-10-01")) is True  # cached without a calendar
    presets.load_calendars()
    assert is_working_day(D("2026-10-01")) is False


def test_cache_is_read_again_after_its_lifetime(calendars, monkeypatch):
    assert is_working_day(D("2026-10-01")) is False
    CalendarDay.objects.filter(date=D("2026-10-01")).delete()
    assert is_working_day(D("2026-10-01")) is False  # still cached
    monkeypatch.setattr(workdays, "CACHE_SECONDS", -1.0)
    assert is_working_day(D("2026-10-01")) is True


def test_datetimes_are_refused():
    with pytest.raises(TypeError):
        is_working_day(datetime(2026, 1, 5, 9, 0))
    with pytest.raises(TypeError):
        add_working_days("2026-01-05", 1)


def test_load_is_idempotent_and_reports():
    first = presets.load_calendars()
    assert [(r.year, r.status) for r in first] == [(2025, "loaded"), (2026, "loaded")]
    assert str(first[1]) == "calendar cn 2026.1 (2026): loaded, 33 holidays, 6 working weekends"
    count = CalendarDay.objects.count()
    assert count == 28 + 33 + 5 + 6
    again = presets.load_calendars()
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert str(again[0]) == "calendar cn 2025.1 (2025): already loaded, nothing changed"
    assert CalendarDay.objects.count() == count
    day = CalendarDay.objects.get(date=D("2026-02-14"))
    assert (day.kind, day.name, day.year, day.dataset_version) == (
        "workday",
        "春节",
        2026,
        "cn 2026.1",
    )
    assert str(day) == "2026-02-14 春节（调休上班）"


def test_registered_with_load_presets():
    assert "calendars" in [name for name, _ in preset_loaders()]
    report = dict(run_preset_loaders(["calendars"]))
    assert report["calendars"][0].startswith("calendar cn 2025.1 (2025): loaded")


def test_new_version_replaces_the_year_and_same_version_must_not_change(tmp_path):
    path = write(tmp_path / "cn-2030.json")
    assert presets.load_calendars(paths=[path])[0].status == "loaded"
    assert is_working_day(D("2030-01-01")) is False
    write(
        path,
        version="2030.2",
        holidays=[{"name": "元旦", "from": "2029-12-31", "to": "2030-01-01", "days": 2}],
    )
    result = presets.load_calendars(paths=[path])[0]
    assert (result.status, result.dataset_version) == ("replaced", "cn 2030.2")
    assert is_working_day(D("2029-12-31")) is False
    assert set(CalendarDay.objects.filter(year=2030).values_list("dataset_version", flat=True)) == {
        "cn 2030.2"
    }
    write(path, version="2030.2")  # same version, different days
    with pytest.raises(Conflict) as caught:
        presets.load_calendars(paths=[path])
    assert caught.value.code == "calendar_version_changed"
    assert is_working_day(D("2029-12-31")) is False  # nothing changed


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            {"holidays": [{"name": "元旦", "from": "2030-01-01", "to": "2030-01-03", "days": 2}]},
            "共3天，与文件所写天数不符",
        ),
        ({"workdays": [{"name": "春节", "date": "2030-02-11"}]}, "不是周六或周日"),
        (
            {
                "holidays": [
                    {"name": "元旦", "from": "2030-01-01", "to": "2030-01-01", "days": 1},
                    {"name": "春节", "from": "2030-01-01", "to": "2030-01-02", "days": 2},
                ]
            },
            "日期2030-01-01出现了不止一次",
        ),
        (
            {"holidays": [{"name": "元旦", "from": "2030-13-01", "to": "2030-13-01", "days": 1}]},
            "YYYY-MM-DD",
        ),
        ({"year": "2030"}, "年度2030无效"),
        ({"version": ""}, "缺少字段version"),
        ({"workdays": [{"name": "", "date": "2030-02-09"}]}, "名称为空"),
        ({"workdays": [{"name": "春节", "date": "2033-02-05"}]}, "不在2030年前后"),
    ],
)
def test_invalid_files_are_refused_with_a_reason(tmp_path, overrides, fragment):
    path = write(tmp_path / "cn-2030.json", **overrides)
    with pytest.raises(ValidationFailed) as caught:
        presets.load_calendars(paths=[path])
    assert caught.value.code == "preset_invalid"
    assert "cn-2030.json" in caught.value.message and fragment in caught.value.message
    assert not CalendarDay.objects.exists()


def test_unreadable_file_and_all_or_nothing(tmp_path):
    good = write(tmp_path / "a.json")
    bad = tmp_path / "b.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="无法读取JSON"):
        presets.load_calendars(paths=[good, bad])
    assert not CalendarDay.objects.exists()


def test_a_date_given_by_another_year_is_refused(tmp_path):
    write(tmp_path / "cn-2030.json")
    presets.load_calendars(directory=tmp_path)
    other = write(
        tmp_path / "cn-2031.json",
        year=2031,
        version="2031.1",
        holidays=[{"name": "元旦", "from": "2031-01-01", "to": "2031-01-01", "days": 1}],
        workdays=[{"name": "元旦", "date": "2030-02-09"}],
    )
    with pytest.raises(ValidationFailed, match="已由2030年的安排给出"):
        presets.load_calendars(paths=[other])


def test_shipped_files_match_the_notices_day_counts():
    for path in sorted(presets.calendars_dir().glob("cn-*.json")):
        data = presets.read_calendar_file(path)
        assert data.source and data.published.year == data.year - 1
        holidays = [d for d in data.days if d.kind == "holiday"]
        names = {d.name for d in holidays}
        assert {"元旦", "春节", "清明节", "劳动节", "端午节"} <= names
        assert any("中秋节" in n for n in names) and any("国庆节" in n for n in names)


@pytest.mark.parametrize(
    ("today", "missing"),
    [
        (D("2026-06-01"), []),
        (D("2026-10-31"), []),
        (D("2026-11-01"), [2027]),
        (D("2026-12-31"), [2027]),
        (D("2028-02-29"), [2028]),
    ],
)
def test_years_without_a_loaded_notice_are_named(calendars, today, missing):
    assert workdays.missing_calendar_years(today) == missing
    warnings = workdays.calendar_warnings(today)
    assert [w[:4] for w in warnings] == [f"{y}" for y in missing]
    assert all("周一至周五" in w and "changhu" not in w for w in warnings)


def test_changhu_check_warns_about_a_missing_year(calendars):
    from django.core.management import call_command

    from changhu.core.checks import holiday_calendars
    from tests.clock import on

    with on(D("2027-03-01")):
        found = holiday_calendars()
        assert [w.id for w in found] == ["changhu.W001"]
        assert "cn-2027.json" in found[0].msg and "load-presets" in found[0].msg
        assert add_working_days(D("2027-03-05"), 1) == D("2027-03-08")  # still counts
        call_command("check")  # a warning, not an error
    with on(D("2026-06-01")):
        assert holiday_calendars() == []
