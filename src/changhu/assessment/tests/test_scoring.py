"""The pure scoring engine against the national 2021 scale and the Barthel scale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changhu.assessment import scoring
from changhu.assessment.scoring import (
    ItemMissing,
    ItemUnknown,
    OptionInvalid,
    ScaleDefinitionError,
    ScoringError,
    load_scale,
    partial_score,
    score,
)
from changhu.assessment.tests.conftest import answers_for, preset_definition

NATIONAL_ITEMS = {
    "adl": [
        "进食",
        "穿衣",
        "面部与口腔清洁",
        "大便控制",
        "小便控制",
        "用厕",
        "平地行走",
        "床椅转移",
        "上下楼梯",
        "洗澡",
    ],
    "cognition": ["时间定向", "人物定向", "空间定向", "记忆力"],
    "perception": ["视力", "听力", "沟通能力"],
}
ITEM_POINTS = {
    "进食": {10, 5, 0},
    "穿衣": {10, 5, 0},
    "面部与口腔清洁": {5, 0},
    "大便控制": {10, 5, 0},
    "小便控制": {10, 5, 0},
    "用厕": {10, 5, 0},
    "平地行走": {15, 10, 5, 0},
    "床椅转移": {15, 10, 5, 0},
    "上下楼梯": {10, 5, 0},
    "洗澡": {5, 0},
    **{
        name: {4, 3, 2, 1, 0} for name in NATIONAL_ITEMS["cognition"] + NATIONAL_ITEMS["perception"]
    },
}
LEVEL_NAMES = {
    "intact": "能力完好",
    "mild": "轻度受损",
    "moderate": "中度受损",
    "severe": "重度受损",
}
GRADE_LABELS = ["基本正常", "轻度失能", "中度失能", "重度失能Ⅰ级", "重度失能Ⅱ级", "重度失能Ⅲ级"]

# domain.md §3: ADL level (rows) × worse of cognition and perception (columns).
MATRIX = {
    "intact": {"intact": 0, "mild": 0, "moderate": 1, "severe": 2},
    "mild": {"intact": 1, "mild": 1, "moderate": 1, "severe": 2},
    "moderate": {"intact": 2, "mild": 2, "moderate": 2, "severe": 2},
    "severe": {"intact": 3, "mild": 3, "moderate": 4, "severe": 5},
}
# A total inside each level, per indicator.
SAMPLE_TOTAL = {
    "adl": {"intact": 100, "mild": 80, "moderate": 50, "severe": 20},
    "cognition": {"intact": 16, "mild": 13, "moderate": 7, "severe": 2},
    "perception": {"intact": 12, "mild": 9, "moderate": 5, "severe": 1},
}


def test_national_structure_is_as_printed(national):
    assert national.code == "national-2021"
    assert str(national.effective_from) == "2021-08-03"
    assert {d.code: [i.name for i in d.items] for d in national.indicators} == NATIONAL_ITEMS
    assert {i.name: set(i.points) for i in national.items} == ITEM_POINTS
    assert {d.code: d.max_points for d in national.indicators} == {
        "adl": 100,
        "cognition": 16,
        "perception": 12,
    }
    assert [(g.grade, g.label) for g in national.grades] == list(enumerate(GRADE_LABELS))
    assert [g.grade for g in national.grades if g.severe] == [3, 4, 5]
    assert all(option.text for item in national.items for option in item.options)
    assert national.notes, "the provisional parts must be noted in the file"


@pytest.mark.parametrize(
    ("indicator", "total", "level"),
    [
        ("adl", 100, "intact"),
        ("adl", 95, "mild"),
        ("adl", 65, "mild"),
        ("adl", 60, "moderate"),
        ("adl", 45, "moderate"),
        ("adl", 40, "severe"),
        ("adl", 0, "severe"),
        ("cognition", 16, "intact"),
        ("cognition", 15, "mild"),
        ("cognition", 12, "mild"),
        ("cognition", 11, "moderate"),
        ("cognition", 4, "moderate"),
        ("cognition", 3, "severe"),
        ("cognition", 0, "severe"),
        ("perception", 12, "intact"),
        ("perception", 11, "mild"),
        ("perception", 8, "mild"),
        ("perception", 7, "moderate"),
        ("perception", 4, "moderate"),
        ("perception", 3, "severe"),
        ("perception", 0, "severe"),
    ],
)
def test_band_boundaries(national, indicator, total, level):
    result = score(national, answers_for(national, **{indicator: total}))
    assert result.scores[indicator] == total
    assert result.levels[indicator] == level
    assert result.as_dict()[f"{indicator}_level"] == LEVEL_NAMES[level]
    others = set(SAMPLE_TOTAL) - {indicator}
    assert all(result.levels[other] == "intact" for other in others)


@pytest.mark.parametrize("adl_level", list(MATRIX))
@pytest.mark.parametrize("column_level", list(MATRIX))
@pytest.mark.parametrize("worse", ["cognition", "perception", "both"])
def test_every_matrix_cell(national, adl_level, column_level, worse):
    totals = {"adl": SAMPLE_TOTAL["adl"][adl_level]}
    for other in ("cognition", "perception"):
        level = column_level if worse in (other, "both") else "intact"
        totals[other] = SAMPLE_TOTAL[other][level]
    result = score(national, answers_for(national, **totals))
    expected = MATRIX[adl_level][column_level]
    assert (result.grade, result.grade_label) == (expected, GRADE_LABELS[expected])
    assert result.severe == (expected >= 3)


def test_the_worse_of_cognition_and_perception_counts(national):
    # Cognition mild, perception severe: the column is severe.
    result = score(national, answers_for(national, adl=20, cognition=13, perception=1))
    assert result.levels == {"adl": "severe", "cognition": "mild", "perception": "severe"}
    assert result.grade == 5


def test_result_names_scale_version_and_convenience_scores(national):
    result = score(national, answers_for(national, adl=35, cognition=8, perception=9))
    assert (result.scale_code, result.scale_version) == ("national-2021", "2021.1")
    assert (result.adl_score, result.cognition_score, result.perception_score) == (35, 8, 9)
    data = result.as_dict()
    assert data["grade"] == 4 and data["grade_label"] == "重度失能Ⅱ级"
    assert data["adl_level"] == "重度受损" and data["version"] == "2021.1"


def test_points_may_come_as_text_or_integral_floats(national):
    answers = answers_for(national, adl=50)
    answers["进食"] = str(answers["进食"])
    answers["洗澡"] = float(answers["洗澡"])
    assert score(national, answers).adl_score == 50


def test_missing_item(national):
    answers = answers_for(national)
    del answers["洗澡"]
    with pytest.raises(ItemMissing) as caught:
        score(national, answers)
    error = caught.value
    assert (error.code, error.item, error.items) == ("item_missing", "洗澡", ("洗澡",))
    assert "洗澡" in error.message and "缺少" in error.message
    assert error.as_dict()["fields"] == {"洗澡": "请选择评分"}


def test_missing_items_are_all_listed_first_named(national):
    answers = answers_for(national)
    for name in ("穿衣", "听力"):
        answers.pop(name)
    answers["进食"] = None
    with pytest.raises(ItemMissing) as caught:
        score(national, answers)
    assert caught.value.items == ("进食", "穿衣", "听力")
    assert "共缺少3项" in caught.value.message


def test_unknown_item(national):
    answers = {**answers_for(national), "意识水平": 0}
    with pytest.raises(ItemUnknown) as caught:
        score(national, answers)
    assert (caught.value.code, caught.value.item) == ("item_unknown", "意识水平")
    assert "意识水平" in caught.value.message


@pytest.mark.parametrize("points", [7, 20, -5, True, "十", 2.5, [10]])
def test_points_not_an_option(national, points):
    answers = {**answers_for(national), "进食": points}
    with pytest.raises(OptionInvalid) as caught:
        score(national, answers)
    assert (caught.value.code, caught.value.item) == ("option_invalid", "进食")
    assert "进食" in caught.value.message and "10、5、0" in caught.value.message


def test_errors_are_distinct_domain_errors():
    classes = (ItemMissing, ItemUnknown, OptionInvalid)
    assert len({cls.code for cls in classes}) == 3
    assert all(issubclass(cls, ScoringError) and cls.status == 422 for cls in classes)


def test_answers_must_be_a_mapping(national):
    with pytest.raises(ScoringError) as caught:
        score(national, [("进食", 10)])
    assert caught.value.code == "answers_invalid"


# --- draft forms ------------------------------------------------------------------------


def test_partial_score_of_an_empty_form(national):
    draft = partial_score(national, {})
    assert not draft.complete and draft.grade is None and draft.result is None
    assert draft.missing == tuple(item.name for item in national.items)
    assert draft.scores == {"adl": 0, "cognition": 0, "perception": 0}
    assert draft.levels == {}
    assert draft.grade_range == (0, 5)


def test_partial_score_levels_complete_indicators_only(national):
    answers = {
        name: points
        for name, points in answers_for(national, adl=30).items()
        if name in NATIONAL_ITEMS["adl"]
    }
    answers["视力"] = 4
    draft = partial_score(national, answers)
    assert draft.levels == {"adl": "severe"}
    assert draft.scores == {"adl": 30, "cognition": 0, "perception": 4}
    assert draft.missing == ("时间定向", "人物定向", "空间定向", "记忆力", "听力", "沟通能力")
    # ADL is already severe, so the grade is somewhere in 重度失能Ⅰ–Ⅲ级.
    assert draft.grade_range == (3, 5)
    assert draft.as_dict()["missing"][0] == "时间定向"


def test_partial_score_of_a_complete_form_equals_score(national):
    answers = answers_for(national, adl=55, cognition=10, perception=12)
    draft = partial_score(national, answers)
    assert draft.complete and draft.missing == ()
    assert draft.result == score(national, answers)
    assert draft.grade_range == (draft.grade, draft.grade) == (2, 2)


def test_partial_score_still_rejects_wrong_answers(national):
    with pytest.raises(ItemUnknown):
        partial_score(national, {"修饰": 5})
    with pytest.raises(OptionInvalid):
        partial_score(national, {"视力": 5})


# --- invariants -------------------------------------------------------------------------


@st.composite
def answer_sheets(draw, scale):
    """Uniform options per item, or (to reach every level often) a uniform total per indicator."""
    if draw(st.booleans()):
        return {item.name: draw(st.sampled_from(item.points)) for item in scale.items}
    totals = {
        d.code: draw(st.sampled_from(sorted(scoring._reachable_totals(d.items))))
        for d in scale.indicators
    }
    return answers_for(scale, **totals)


@pytest.mark.parametrize("file_name", ["national-2021.json", "barthel.json"])
def test_a_worse_answer_never_gives_a_better_grade(file_name):
    scale = load_scale(preset_definition(file_name))

    @settings(max_examples=300, deadline=None)
    @given(answer_sheets(scale))
    def check(answers):
        grade = score(scale, answers).grade
        for item in scale.items:
            for lower in (p for p in item.points if p < answers[item.name]):
                worse = score(scale, {**answers, item.name: lower})
                assert worse.grade >= grade, (item.name, answers[item.name], lower)

    check()


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_grade_range_of_a_draft_holds_every_completion(national, data):
    answers = {item.name: data.draw(st.sampled_from(item.points)) for item in national.items}
    kept = data.draw(st.sets(st.sampled_from(sorted(answers))))
    low, high = partial_score(national, {n: answers[n] for n in kept}).grade_range
    assert low <= score(national, answers).grade <= high


# --- the Barthel scale: one indicator, a direct band → grade mapping -----------------------


@pytest.mark.parametrize(
    ("total", "level", "grade", "label"),
    [
        (100, "intact", 0, "能力完好"),
        (95, "mild", 1, "轻度失能"),
        (65, "mild", 1, "轻度失能"),
        (60, "moderate", 2, "中度失能"),
        (45, "moderate", 2, "中度失能"),
        (40, "severe", 3, "重度失能"),
        (0, "severe", 3, "重度失能"),
    ],
)
def test_barthel(barthel, total, level, grade, label):
    result = score(barthel, answers_for(barthel, adl=total))
    assert result.scores == {"adl": total} and result.levels == {"adl": level}
    assert (result.grade, result.grade_label, result.severe) == (grade, label, grade == 3)
    assert result.cognition_score is None
    assert "cognition_score" not in result.as_dict()


def test_barthel_has_the_ten_adl_items_only(barthel):
    assert [item.name for item in barthel.items] == NATIONAL_ITEMS["adl"]
    assert barthel.grading.method == "lookup"
    with pytest.raises(ItemUnknown):
        score(barthel, {**answers_for(barthel), "记忆力": 4})


# --- labels, versions, purity -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("重度失能Ⅱ级", 4),
        ("重度失能二级", 4),
        ("重度失能II级", 4),
        ("重度失能III级", 5),
        ("基本正常", 0),
        ("3", 3),
        ("失能", None),
    ],
)
def test_grade_from_label(national, text, grade):
    assert national.grade_from_label(text) == grade


def test_checksum_ignores_key_order(national_definition):
    reordered = dict(reversed(list(national_definition.items())))
    assert scoring.definition_checksum(reordered) == load_scale(national_definition).checksum


def test_pick_in_force(definition, national):
    definition.update(version="2021.10", effective_from="2024-01-01")
    later = load_scale(definition)
    pick = scoring.pick_in_force
    assert pick([national, later], scoring.dt.date(2023, 12, 31)) is national
    assert pick([national, later], scoring.dt.date(2024, 1, 1)) is later
    assert pick([national, later], scoring.dt.date(2021, 8, 2)) is None
    assert scoring.version_key("2021.2") < scoring.version_key("2021.10")


def test_scoring_module_does_not_import_django():
    src = Path(scoring.__file__).resolve().parents[2]
    code = "import sys, changhu.assessment.scoring; print('django' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=src, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# --- definition validation ----------------------------------------------------------------


def _cells(definition):
    return definition["grading"]["cells"]


def _bands(definition, code):
    return next(d for d in definition["indicators"] if d["code"] == code)["bands"]


def _item(definition, name):
    items = [i for d in definition["indicators"] for i in d["items"]]
    return next(i for i in items if i["name"] == name)


BROKEN = {
    "gap in bands": (lambda d: _bands(d, "adl")[1].update(min=70), "总分65"),
    "overlapping bands": (lambda d: _bands(d, "cognition")[2].update(max=12), "重叠"),
    "band with unknown level": (lambda d: _bands(d, "adl")[0].update(level="good"), "good"),
    "band order against points": (
        lambda d: (
            _bands(d, "perception")[0].update(level="mild"),
            _bands(d, "perception")[1].update(level="intact"),
        ),
        "更差",
    ),
    "item without options": (lambda d: _item(d, "洗澡").update(options=[]), "options"),
    "duplicate option points": (
        lambda d: _item(d, "视力")["options"].append({"points": 4, "text": "重复"}),
        "重复",
    ),
    "missing matrix cell": (lambda d: _cells(d)["mild"].pop("severe"), "severe"),
    "missing matrix row": (lambda d: _cells(d).pop("moderate"), "moderate"),
    "extra matrix cell": (lambda d: _cells(d)["mild"].update(worst=5), "worst"),
    "undefined grade": (lambda d: _cells(d)["severe"].update(severe=6), "未定义"),
    "matrix not monotone": (lambda d: _cells(d)["intact"].update(severe=0), "不能越轻"),
    "unknown method": (lambda d: d["grading"].update(method="sum"), "sum"),
    "grading names an unknown indicator": (
        lambda d: d["grading"].update(columns=["cognition", "mood"]),
        "mood",
    ),
    "duplicate item name": (lambda d: _item(d, "听力").update(name="视力"), "视力"),
    "bad date": (lambda d: d.update(effective_from="2021-13-01"), "effective_from"),
    "ends before it starts": (lambda d: d.update(effective_to="2020-01-01"), "失效日期"),
    "bad code": (lambda d: d.update(code="National 2021"), "代码"),
    "unknown format": (lambda d: d.update(format=2), "format"),
    "no grades": (lambda d: d.update(grades=[]), "grades"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_definitions_are_refused(definition, case):
    breaks, words = BROKEN[case]
    load_scale(definition)  # the copy is sound before it is broken
    breaks(definition)
    with pytest.raises(ScaleDefinitionError) as caught:
        load_scale(definition)
    assert caught.value.code == "scale_invalid"
    assert words in caught.value.message


def test_a_city_refinement_is_just_another_definition(definition):
    definition.update(code="chengdu-2023", version="1", name="成都市成人失能综合评估（示例）")
    definition["grading"]["cells"]["mild"]["moderate"] = 2
    city = load_scale(definition)
    result = score(city, answers_for(city, adl=80, cognition=7))
    assert (result.scale_code, result.grade) == ("chengdu-2023", 2)
