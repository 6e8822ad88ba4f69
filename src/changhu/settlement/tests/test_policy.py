"""The shipped policies, rule kind by rule kind, through the calculator (no database)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changhu.core.errors import ValidationFailed
from changhu.settlement import calculator
from changhu.settlement import policy as rules

PRESETS = Path(__file__).resolve().parents[2] / "presets" / "policies"


def _load(name: str) -> rules.Policy:
    path = PRESETS / name
    return rules.parse_policy(json.loads(path.read_text(encoding="utf-8")), path.name)


POLICIES = {
    "chengdu": _load("chengdu-2023.1.json"),
    "tengzhou": _load("tengzhou-2024.1.json"),
    "chengde": _load("chengde-2024.1.json"),
    "lishui": _load("lishui-2024.1.json"),
    "lishui-hmb": _load("lishui-hmb-2024.1.json"),
}


def days(first: int, last: int, fen: int, month: str = "2026-10") -> dict[str, int]:
    return {f"{month}-{d:02d}": fen for d in range(first, last + 1)}


def calc(policy: str, period: str = "2026-10", **data) -> dict:
    data.setdefault("eligible_from", "2026-10-01")
    return calculator.calculate(
        data, POLICIES[policy], period, supplementary=lambda code, day: POLICIES.get(code)
    )


def lines(answer: dict) -> list[tuple]:
    return [
        (x["benefit"], x["payee"], x["eligible_days"], x["fund_fen"], x["personal_fen"])
        for x in answer["lines"]
    ]


# (case, policy, input, expected lines (benefit, payee, days, fund, personal))
CASES = [
    # Chengdu: monthly_fixed by grade; monthly_fixed by grade and mode; monthly_limit.
    (
        "chengdu full month institutional g3",
        "chengdu",
        {"grade": 3, "care_mode": "institutional"},
        [
            ("basic_care", "institution", 31, 107700, 0),
            ("professional_care", "institution", 31, 30000, 0),
        ],
    ),
    (
        "chengdu mid-month start home visit g5",
        "chengdu",
        {"grade": 5, "care_mode": "home_visit", "eligible_from": "2026-10-16"},
        [
            ("basic_care", "institution", 16, 92697, 0),
            ("professional_care", "institution", 16, 25806, 0),
        ],
    ),
    (
        "chengdu hospital days, social support within the pro-rated limit",
        "chengdu",
        {
            "grade": 4,
            "care_mode": "individual",
            "hospital_days": [f"2026-10-{d:02d}" for d in range(5, 10)],
            "actual_costs_fen": {
                "social_support": {"2026-10-02": 20000, "2026-10-06": 10000, "2026-10-20": 15000}
            },
        },
        [
            ("basic_care", "person", 26, 120523, 0),
            ("social_support", "institution", 26, 33548, 1452),
        ],
    ),
    (
        "chengdu death: the day of death counts",
        "chengdu",
        {"grade": 5, "care_mode": "family", "died_on": "2026-10-10"},
        [("basic_care", "person", 10, 57935, 0)],
    ),
    (
        "chengdu mode change institutional to individual",
        "chengdu",
        {
            "grade": 4,
            "care_mode": "institutional",
            "mode_changes": [{"from": "2026-10-21", "care_mode": "individual"}],
            "actual_costs_fen": {"social_support": {"2026-10-25": 20000}},
        },
        [
            ("basic_care", "person", 11, 50990, 0),
            ("basic_care", "institution", 20, 92710, 0),
            ("professional_care", "institution", 20, 25806, 0),
            ("social_support", "institution", 11, 14194, 5806),
        ],
    ),
    (
        "chengdu limit exceeded",
        "chengdu",
        {"grade": 3, "care_mode": "individual", "actual_costs_fen": {"social_support": 50000}},
        [
            ("basic_care", "person", 31, 107700, 0),
            ("social_support", "institution", 31, 30000, 20000),
        ],
    ),
    (
        "chengdu eligible to mid-month",
        "chengdu",
        {"grade": 3, "care_mode": "home_visit", "eligible_to": "2026-10-15"},
        [
            ("basic_care", "institution", 15, 52113, 0),
            ("professional_care", "institution", 15, 14516, 0),
        ],
    ),
    # Tengzhou: daily_ratio_cap by institution class; daily_flat.
    (
        "tengzhou hospital tier 1 capped",
        "tengzhou",
        {
            "grade": 3,
            "care_mode": "institutional",
            "institution_class": "hospital_1",
            "actual_costs_fen": {"bed_days": days(1, 31, 12000)},
        },
        [("hospital_nursing", "institution", 31, 248000, 124000)],
    ),
    (
        "tengzhou hospital tier 3 under the cap, mid-month",
        "tengzhou",
        {
            "grade": 5,
            "care_mode": "institutional",
            "institution_class": "hospital_3",
            "eligible_from": "2026-10-20",
            "actual_costs_fen": {"bed_days": days(1, 31, 15000)},
        },
        [("hospital_nursing", "institution", 12, 126000, 54000)],
    ),
    (
        "tengzhou care institution, hospital days, fractional fen rounded once",
        "tengzhou",
        {
            "grade": 4,
            "care_mode": "institutional",
            "institution_class": "nursing",
            "hospital_days": [f"2026-10-{d:02d}" for d in range(10, 15)],
            "actual_costs_fen": {"bed_days": days(1, 31, 7001)},
        },
        [("institution_care", "institution", 26, 136520, 45506)],
    ),
    (
        "tengzhou home visits per service day",
        "tengzhou",
        {
            "grade": 4,
            "care_mode": "home_visit",
            "actual_costs_fen": {
                "services": {"2026-10-01": 6000, "2026-10-02": 4000, "2026-10-03": 5000}
            },
        },
        [("home_visit_care", "institution", 3, 12600, 2400)],
    ),
    (
        "tengzhou family care flat, death",
        "tengzhou",
        {"grade": 3, "care_mode": "family", "died_on": "2026-10-15"},
        [("home_self_care", "person", 15, 45000, 0)],
    ),
    (
        "tengzhou mode change home visit to family",
        "tengzhou",
        {
            "grade": 5,
            "care_mode": "home_visit",
            "mode_changes": [{"from": "2026-10-16", "care_mode": "family"}],
            "actual_costs_fen": {"services": {"2026-10-05": 5000, "2026-10-20": 9000}},
        },
        [
            ("home_visit_care", "institution", 1, 4500, 500),
            ("home_self_care", "person", 16, 48000, 0),
        ],
    ),
    # Chengde: daily_flat on bed days by institution class; monthly_fixed to two payees.
    (
        "chengde residential tier 2 hospital",
        "chengde",
        {
            "grade": 4,
            "care_mode": "institutional",
            "institution_class": "hospital_2",
            "actual_costs_fen": {"bed_days": days(1, 31, 0)},
        },
        [("residential_care", "institution", 31, 248000, 0)],
    ),
    (
        "chengde residential elderly home, 20 bed days",
        "chengde",
        {
            "grade": 3,
            "care_mode": "institutional",
            "institution_class": "elderly_home",
            "actual_costs_fen": {"bed_days": days(1, 20, 0)},
        },
        [("residential_care", "institution", 20, 120000, 0)],
    ),
    (
        "chengde home care mid-month",
        "chengde",
        {"grade": 5, "care_mode": "individual", "eligible_from": "2026-10-11"},
        [
            ("home_basic_care", "person", 21, 81290, 0),
            ("home_supplementary_care", "institution", 21, 20323, 0),
        ],
    ),
    (
        "chengde home care after a hospital stay",
        "chengde",
        {
            "grade": 4,
            "care_mode": "individual",
            "hospital_days": [f"2026-10-{d:02d}" for d in range(1, 11)],
        },
        [
            ("home_basic_care", "person", 21, 81290, 0),
            ("home_supplementary_care", "institution", 21, 20323, 0),
        ],
    ),
    # Lishui: daily_ratio_cap with the cap before the ratio; item_package; daily_flat.
    (
        "lishui residential, cap before ratio",
        "lishui",
        {
            "grade": 4,
            "care_mode": "institutional",
            "actual_costs_fen": {"bed_days": days(1, 31, 12000)},
        },
        [("residential_bed_days", "institution", 31, 151900, 220100)],
    ),
    (
        "lishui items within the package limit",
        "lishui",
        {
            "grade": 3,
            "care_mode": "home_visit",
            "items": [
                {"date": "2026-10-03", "code": "SH05", "price_fen": 3000, "quantity": 20},
                {"date": "2026-10-09", "code": "YL01", "price_fen": 3000, "quantity": 10},
            ],
        },
        [("home_visit_items", "institution", 31, 81000, 9000)],
    ),
    (
        "lishui items over the pro-rated package limit",
        "lishui",
        {
            "grade": 3,
            "care_mode": "home_visit",
            "eligible_from": "2026-10-16",
            "items": [{"date": "2026-10-20", "code": "SH05", "price_fen": 3000, "quantity": 40}],
        },
        [("home_visit_items", "institution", 16, 46452, 73548)],
    ),
    (
        "lishui family care flat",
        "lishui",
        {"grade": 5, "care_mode": "family", "hospital_days": ["2026-10-31"]},
        [("family_care", "person", 30, 60000, 0)],
    ),
]


@pytest.mark.parametrize(
    ("policy", "data", "expected"),
    [pytest.param(p, d, e, id=name) for name, p, d, e in CASES],
)
def test_shipped_policies(policy, data, expected):
    answer = calc(policy, **data)
    assert lines(answer) == expected
    assert answer["fund_fen"] == sum(x[3] for x in expected)
    assert answer["personal_fen"] == sum(x[4] for x in expected)
    assert all(x["rule"].startswith(f"{policy}@") for x in answer["lines"])


@pytest.mark.parametrize(
    ("policy", "data", "reason"),
    [
        ("chengdu", {"grade": 2, "care_mode": "individual"}, "grade_not_covered"),
        ("chengdu", {"grade": 0, "care_mode": "institutional"}, "grade_not_covered"),
        ("chengde", {"grade": 4, "care_mode": "family"}, "mode_not_covered"),
        ("chengde", {"grade": 4, "care_mode": "home_visit"}, "mode_not_covered"),
        (
            "chengdu",
            {"grade": 4, "care_mode": "family", "eligible_from": "2026-11-01"},
            "no_eligible_days",
        ),
        (
            "chengdu",
            {"grade": 4, "care_mode": "family", "died_on": "2026-09-30"},
            "no_eligible_days",
        ),
        ("tengzhou", {"grade": 4, "care_mode": "institutional"}, "no_costs"),
    ],
)
def test_nothing_payable_gives_a_reason_not_an_error(policy, data, reason):
    answer = calc(policy, **data)
    assert answer["lines"] == []
    assert answer["reason"] == reason
    assert answer["fund_fen"] == answer["personal_fen"] == 0


def test_supplementary_pays_a_share_of_the_personal_part_within_its_limits():
    data = {
        "grade": 5,
        "care_mode": "home_visit",
        "items": [
            {"date": "2026-10-03", "code": "SH05", "price_fen": 100000, "quantity": 2},
            {"date": "2026-10-05", "code": "YL01", "price_fen": 3000, "quantity": 30},
        ],
        "supplementary": {"plan": "lishui-hmb"},
    }
    answer = calc("lishui", **data)
    assert lines(answer) == [
        ("home_visit_items", "institution", 31, 150000, 140000),
        ("home_visit_items", "institution", 31, 60000, 80000),
    ]
    assert answer["lines"][1]["payer"] == "lishui-hmb"
    assert answer["fund_fen"] == 150000
    assert answer["supplementary_fen"] == 60000
    assert answer["personal_fen"] == 80000
    assert (
        answer["fund_fen"] + answer["supplementary_fen"] + answer["personal_fen"]
        == (answer["eligible_cost_fen"])
    )
    data["supplementary"]["used_in_year_fen"] = 480000
    assert calc("lishui", **data)["supplementary_fen"] == 20000
    data["supplementary"]["used_in_year_fen"] = 600000
    assert calc("lishui", **data)["supplementary_fen"] == 0


def test_supplementary_must_build_on_the_policy():
    with pytest.raises(ValidationFailed) as caught:
        calc("chengdu", grade=4, care_mode="family", supplementary={"plan": "lishui-hmb"})
    assert "supplementary.plan" in caught.value.fields


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"grade": 7, "care_mode": "family"}, "grade"),
        ({"grade": "4", "care_mode": "family"}, "grade"),
        ({"grade": 4, "care_mode": "boat"}, "care_mode"),
        ({"grade": 4, "care_mode": "family", "eligible_from": "2026-13-01"}, "eligible_from"),
        ({"grade": 4, "care_mode": "family", "eligible_from": None}, "eligible_from"),
        ({"grade": 4, "care_mode": "family", "eligible_to": "2026-09-01"}, "eligible_to"),
        ({"grade": 4, "care_mode": "family", "hospital_days": "2026-10-01"}, "hospital_days"),
        ({"grade": 4, "care_mode": "family", "hospital_days": ["10/1"]}, "hospital_days[0]"),
        (
            {"grade": 4, "care_mode": "family", "actual_costs_fen": {"fuel": 1}},
            "actual_costs_fen.fuel",
        ),
        (
            {
                "grade": 4,
                "care_mode": "family",
                "actual_costs_fen": {"services": {"2026-11-01": 100}},
            },
            "actual_costs_fen.services.2026-11-01",
        ),
        (
            {"grade": 4, "care_mode": "family", "actual_costs_fen": {"services": -5}},
            "actual_costs_fen.services",
        ),
        ({"grade": 4, "care_mode": "family", "colour": "red"}, "colour"),
        (
            {"grade": 4, "care_mode": "family", "mode_changes": [{"from": "2026-10-02"}]},
            "mode_changes[0].care_mode",
        ),
        ({"grade": 4, "care_mode": "family", "institution_class": "palace"}, "institution_class"),
        (
            {
                "grade": 4,
                "care_mode": "family",
                "items": [{"date": "2026-10-02", "price_fen": 100, "quantity": 0}],
            },
            "items[0].quantity",
        ),
    ],
)
def test_malformed_input_names_the_field(data, field):
    data.setdefault("eligible_from", "2026-10-01")
    with pytest.raises(ValidationFailed) as caught:
        calculator.calculate(data, POLICIES["chengdu"], "2026-10")
    assert field in caught.value.fields


def test_daily_rules_need_daily_costs():
    with pytest.raises(ValidationFailed) as caught:
        calc("tengzhou", grade=4, care_mode="institutional", actual_costs_fen={"bed_days": 9000})
    assert "actual_costs_fen.bed_days" in caught.value.fields


def test_period_is_checked():
    with pytest.raises(ValidationFailed) as caught:
        calculator.calculate({"grade": 4}, POLICIES["chengdu"], "2026/10")
    assert "period" in caught.value.fields


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda raw: raw["benefits"][0].update(kind="per_moon"), "规则类型"),
        (lambda raw: raw["benefits"][0]["rates"][0].pop("amount_fen"), "amount_fen"),
        (lambda raw: raw["benefits"][2].update(cost=None), "cost"),
        (lambda raw: raw["benefits"][2]["rates"][0].update(ratio="1.5"), "比例"),
        (lambda raw: raw["benefits"][2]["rates"][0].update(ratio="0.12345"), "比例"),
        (lambda raw: raw["benefits"][0].update(payee={"institutional": "institution"}), "payee"),
        (lambda raw: raw.update(qualifying_grades=[7]), "取值"),
        (lambda raw: raw.update(effective_from="2023-02-30"), "effective_from"),
        (lambda raw: raw["benefits"][1].update(code="basic_care"), "重复"),
    ],
)
def test_policy_files_are_checked(mutate, problem):
    raw = json.loads((PRESETS / "chengdu-2023.1.json").read_text(encoding="utf-8"))
    mutate(raw)
    with pytest.raises(rules.PolicyInvalid) as caught:
        rules.parse_policy(raw, "chengdu.json")
    assert problem in caught.value.message


def test_every_rule_kind_is_used_by_a_shipped_policy():
    used = {b.kind for p in POLICIES.values() for b in p.benefits}
    assert used == set(rules.RULE_KINDS)
    caps = {b.cap_applies for p in POLICIES.values() for b in p.benefits if b.cost}
    assert caps == {"after_ratio", "before_ratio"}


@pytest.mark.parametrize(
    ("mask", "text"), [(0, ""), (1, "1"), (0b1011, "1-2,4"), ((1 << 31) - 1, "1-31")]
)
def test_day_runs(mask, text):
    assert rules.mask_ranges(mask) == text


# --- properties -----------------------------------------------------------------------------

MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


@st.composite
def person_months(draw):
    first, _ = MONTH
    day = st.integers(min_value=1, max_value=31).map(lambda d: first.replace(day=d))
    start = draw(day)
    data = {
        "grade": draw(st.integers(min_value=0, max_value=5)),
        "care_mode": draw(st.sampled_from(sorted(rules.CARE_MODES))),
        "eligible_from": start.isoformat(),
        "institution_class": draw(st.sampled_from(sorted(rules.INSTITUTION_CLASSES))),
        "hospital_days": sorted({d.isoformat() for d in draw(st.lists(day, max_size=8))}),
    }
    if draw(st.booleans()):
        data["eligible_to"] = max(start, draw(day)).isoformat()
    if draw(st.booleans()):
        data["died_on"] = draw(day).isoformat()
    if draw(st.booleans()):
        data["mode_changes"] = [
            {
                "from": draw(day).isoformat(),
                "care_mode": draw(st.sampled_from(sorted(rules.CARE_MODES))),
            }
        ]
    fen = st.integers(min_value=0, max_value=60_000)
    data["actual_costs_fen"] = {
        kind: {d.isoformat(): draw(fen) for d in draw(st.lists(day, max_size=12))}
        for kind in ("bed_days", "services", "social_support")
    }
    return data


@settings(max_examples=150, deadline=None)
@given(
    data=person_months(),
    policy=st.sampled_from(["chengdu", "tengzhou", "chengde", "lishui"]),
    member=st.booleans(),
    used=st.integers(min_value=0, max_value=700_000),
)
def test_property_shares_add_up_and_nothing_is_negative(data, policy, member, used):
    if member and policy == "lishui":
        data["supplementary"] = {"plan": "lishui-hmb", "used_in_year_fen": used}
    answer = calc(policy, **data)
    for line in answer["lines"]:
        assert line["fund_fen"] >= 0 and line["personal_fen"] >= 0
        assert line["fund_fen"] + line["personal_fen"] == line["eligible_cost_fen"]
        assert 0 < line["eligible_days"] <= answer["eligible_days"]
    assert (
        answer["fund_fen"] + answer["supplementary_fen"] + answer["personal_fen"]
        == (answer["eligible_cost_fen"])
    )
    terms = POLICIES["lishui-hmb"].supplementary
    assert answer["supplementary_fen"] <= terms.monthly_limit_fen
    assert answer["supplementary_fen"] <= max(0, terms.annual_limit_fen - used) or not member
    assert calc(policy, **data) == answer  # the same input gives the same answer


@settings(max_examples=60, deadline=None)
@given(data=person_months())
def test_property_more_eligible_days_never_pay_less_in_a_fixed_month(data):
    data.update(
        care_mode="home_visit",
        grade=4,
        hospital_days=[],
        eligible_to=None,
        died_on=None,
        mode_changes=[],
    )
    later = dict(
        data,
        eligible_from=min(
            dt.date.fromisoformat(data["eligible_from"]) + dt.timedelta(days=3), MONTH[1]
        ).isoformat(),
    )
    assert calc("chengdu", **later)["fund_fen"] <= calc("chengdu", **data)["fund_fen"]
