"""Checking a plan against the catalogue and its package: the limits, table-driven."""

import pytest

from changhu.care import plans as p

ITEMS = {
    "SH01": p.ItemRule("SH01", "头面部清洁、梳理", 10, 1, "day", "care_worker", 1000),
    "SH05": p.ItemRule("SH05", "温水擦浴", 30, 3, "week", "care_worker", 3000),
    "YL06": p.ItemRule("YL06", "胃管护理（鼻饲）", 20, 3, "day", "nurse", 3500),
    "SZ05": p.ItemRule("SZ05", "陪同就医", 120, 2, "month", "care_worker", 8000),
}
PACKAGE = p.PackageRule(
    code="G4-HOME",
    name="重度失能Ⅱ级·机构上门居家照护服务包",
    items={"SH01": None, "SH05": None, "YL06": 8},
    max_services=60,
    max_minutes=1080,
    max_amount_fen=90000,
    max_visits=12,
)


@pytest.mark.parametrize(
    ("times", "period", "monthly"),
    [
        (1, "day", 31),
        (2, "day", 62),
        (1, "week", 5),
        (3, "week", 14),
        (7, "week", 31),
        (2, "month", 2),
    ],
)
def test_monthly_count_uses_the_longest_month(times, period, monthly):
    assert p.monthly_count(times, period) == monthly


def test_a_plan_within_every_limit_gives_its_totals():
    result = p.check_plan(
        [p.PlanLine("SH05", 2, "week"), p.PlanLine("YL06", 1, "week", minutes=25)],
        ITEMS,
        PACKAGE,
        visits=(2, "week"),
    )
    assert result.ok, result.problems
    # SH05: 9 a month × 30 min × 30.00 元; YL06: 5 × 25 min × 35.00 元; visits 9.
    assert (result.services, result.minutes, result.amount_fen, result.visits) == (
        14,
        9 * 30 + 5 * 25,
        9 * 3000 + 5 * 3500,
        9,
    )


@pytest.mark.parametrize(
    ("lines", "visits", "code", "fragment"),
    [
        ([], None, "plan_empty", "至少"),
        ([p.PlanLine("XX99", 1, "week")], None, "plan_item_unknown", "XX99"),
        ([p.PlanLine("SZ05", 1, "month")], None, "plan_item_not_in_package", "陪同就医"),
        ([p.PlanLine("SH05", 1, "day")], None, "plan_item_frequency_exceeds", "每周3次"),
        ([p.PlanLine("YL06", 2, "week")], None, "plan_item_package_limit", "每月8次"),
        (
            [p.PlanLine("SH01", 1, "day"), p.PlanLine("SH05", 3, "week", minutes=60)],
            None,
            "plan_exceeds_package_minutes",
            "1,150分钟",
        ),
        (
            [p.PlanLine("SH01", 1, "day"), p.PlanLine("SH01", 1, "week")],
            None,
            "plan_item_duplicate",
            "重复",
        ),
        ([p.PlanLine("SH05", 1, "week", minutes=600)], None, "plan_minutes_invalid", "480"),
        ([p.PlanLine("SH05", 1, "week")], (4, "week"), "plan_exceeds_package_visits", "18次"),
        ([p.PlanLine("SH05", 0, "week")], None, "plan_frequency_invalid", "频次"),
    ],
)
def test_problems_are_precise(lines, visits, code, fragment):
    result = p.check_plan(lines, ITEMS, PACKAGE, visits=visits)
    assert [x.code for x in result.problems][:1] == [code]
    assert fragment in result.problems[0].message


def test_services_and_amount_limits():
    tight = p.PackageRule("T", "测试包", {"SH01": None, "SH05": None}, max_services=30)
    result = p.check_plan([p.PlanLine("SH01", 1, "day")], ITEMS, tight)
    assert result.problems[0].code == "plan_exceeds_package_services"
    assert "31人次" in result.problems[0].message and "30人次" in result.problems[0].message
    cheap = p.PackageRule("C", "测试包", {"SH05": None}, max_amount_fen=20000)
    result = p.check_plan([p.PlanLine("SH05", 3, "week")], ITEMS, cheap)
    assert result.problems[0].code == "plan_exceeds_package_amount"
    assert "420.00元" in result.problems[0].message and "200.00元" in result.problems[0].message
