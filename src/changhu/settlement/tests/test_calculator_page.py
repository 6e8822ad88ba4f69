"""待遇测算, the page: the policy of the user's region by its Chinese name, a calendar of the
month whose cells (yuan) and ticks become the calculator's per-day fen, errors at their fields,
and the answer in Chinese sentences without a code of the system's own."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.test import Client

from changhu.orgs.models import OrgKind, Region, RegionLevel
from changhu.orgs.roles import Role
from changhu.settlement import calculator_form, policies
from changhu.settlement.policy import CARE_MODES, COST_KINDS, INSTITUTION_CLASSES
from changhu.web import labels
from changhu.web.tests.test_no_internal_codes import _forbidden_codes, leaks
from tests.clock import on
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/settlement/calculator/"
NAMES = {
    "lishui": "丽水市政策性长期护理保险待遇（示例标准）",
    "chengdu": "成都市长期照护保险待遇标准（重度失能）",
    "chengde": "承德市职工长期护理保险待遇标准",
    "tengzhou": "滕州市长期护理保险床日支付标准",
}


@pytest.fixture(autouse=True)
def loaded(db):
    policies.load_all_policies()
    labels.clear_cache()
    with on(dt.date(2026, 11, 10)):
        yield
    labels.clear_cache()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, policy: str, period: str = "2026-10", **fields):
    data = {"policy": policy, "period": period, "drawn": f"{policy}|{period}"}
    data.update(fields)
    data.setdefault("action", "calculate")
    return client.post(URL, data)


def _answer(client, policy: str, grade: str, care_mode: str, **fields) -> str:
    """The text of a computed answer for a person from October 1st unless said otherwise."""
    fields.setdefault("eligible_from", "2026-10-01")
    response = _post(client, policy, grade=grade, care_mode=care_mode, **fields)
    assert response.status_code == 200
    return _text(response.content.decode())


def _refused(client, policy: str, **fields) -> str:
    """The page of a submit that is refused for its fields."""
    response = _post(client, policy, **fields)
    assert response.status_code == 422
    return response.content.decode()


def _form(user, policy: str, grade: str, care_mode: str, **data):
    """The bound form for a person from October 1st, of October 2026."""
    data = {"grade": grade, "care_mode": care_mode, "eligible_from": "2026-10-01", **data}
    setup = calculator_form.setup_for(user, {"policy": policy, "period": "2026-10"})
    return calculator_form.CalculatorForm(
        {"policy": policy, "period": "2026-10", **data}, setup=setup
    )


def _text(html: str) -> str:
    """The text a person reads: no tags, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _tag(html: str, name: str) -> str:
    """The opening tag of the input named ``name``."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert match, name
    return match.group(0)


def _codes_in(text: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z_@][A-Za-z0-9_@.\-]*", text))
    internal = {"fen", "changhu", "JSON", "json", *CARE_MODES, *COST_KINDS}
    internal |= {k for k in INSTITUTION_CLASSES if k}
    return leaks(text, _forbidden_codes()) | (words & internal)


# --- policies and the default ----------------------------------------------------------------


def test_policies_are_listed_by_name_and_the_users_region_chooses(users, city):
    options = calculator_form.policy_options(users.worker_a)
    # Benefit policies only (the supplementary plan is chosen beside its policy), by name.
    assert [(o.code, o.label) for o in options] == list(NAMES.items())
    today = dt.date(2026, 11, 10)
    assert calculator_form.default_policy(users.worker_a, options, today).code == "chengdu"
    assert calculator_form.default_policy(users.outlet_worker, options, today).code == "chengdu"

    shandong = Region.objects.create(code="370000", name="山东省", level=RegionLevel.PROVINCE)
    zaozhuang = Region.objects.create(
        code="370400", name="枣庄市", level=RegionLevel.CITY, parent=shandong
    )
    tengzhou = Region.objects.create(
        code="370481", name="滕州市", level=RegionLevel.DISTRICT, parent=zaozhuang
    )
    insurer = OrganizationFactory(kind=OrgKind.INSURER, name="滕州经办中心", region=tengzhou)
    local = UserFactory(username="tz_worker", role=Role.INSURER_CASE_WORKER, organization=insurer)
    assert calculator_form.default_policy(local, options, today).code == "tengzhou"

    # No region (the platform administrator): the first by name.
    admin = UserFactory(username="root", role="", is_superuser=True, is_staff=True)
    assert calculator_form.default_policy(admin, options, today).code == "lishui"

    page = _client(local).get(URL).content.decode()
    assert re.search(r'<option value="tengzhou" selected>滕州市长期护理保险床日支付标准<', page)
    assert '<option value="2026-11" selected>2026年11月</option>' in page


def test_a_policys_region_is_named_when_its_name_does_not_say_it(users, city):
    raw = policies.read_policy_file(policies.policies_dir() / "chengdu-2023.1.json")
    for code, region in (("city-plain", "510100"), ("district-plain", "510104")):
        policies.policy_load(
            {**raw, "code": code, "name": "长期照护保险待遇标准", "region_code": region}
        )
    options = {o.code: o.label for o in calculator_form.policy_options(users.worker_a)}
    assert options["city-plain"] == "长期照护保险待遇标准（成都市）"
    assert options["district-plain"] == "长期照护保险待遇标准（锦江区）"
    assert options["chengdu"] == NAMES["chengdu"]  # its name says where
    assert options["tengzhou"] == NAMES["tengzhou"]  # its region is not loaded: its name alone


def test_the_page_shows_names_and_labels_not_codes(users, city):
    client = _client(users.worker_a)
    html = client.get(URL).content.decode()
    text = _text(html)
    assert _codes_in(text) == set(), _codes_in(text)
    assert "<textarea" not in html and "<details" not in html
    for name in NAMES.values():
        assert name in text
    for grade in ("重度失能Ⅰ级", "重度失能Ⅱ级", "重度失能Ⅲ级", "中度失能（本政策不支付）"):
        assert grade in text
    assert not re.search(r"\d级", text.replace("Ⅰ级", "").replace("Ⅱ级", "").replace("Ⅲ级", ""))
    for mode in CARE_MODES.values():
        assert mode in text
    # Chengdu's rates do not differ by institution class: the field is not asked.
    assert "机构结算类别" not in text
    tengzhou = _text(client.get(URL, {"policy": "tengzhou", "period": "2026-10"}).content.decode())
    assert all(label in tengzhou for label in INSTITUTION_CLASSES.values())
    assert _client(users.applicant).get(URL).status_code == 403


def test_without_policies_the_page_says_so(users, city):
    from changhu.settlement.models import PolicyVersion

    PolicyVersion.objects.all().delete()
    response = _client(users.worker_a).get(URL)
    assert response.status_code == 200
    assert "尚未加载待遇政策" in response.content.decode()


# --- the calendar and the calculator's input ----------------------------------------------------


def test_calendar_cells_in_yuan_become_fen_per_day(users, city):
    form = _form(
        users.worker_a,
        "tengzhou",
        "4",
        "institutional",
        institution_class="hospital_2",
        hospital_days=["2026-10-11"],
        **{
            "bed_days_2026-10-10": "150",
            "bed_days_2026-10-11": "150",
            "bed_days_2026-10-12": "1,200.5元",
            "bed_days_2026-10-13": "",
            "services_2026-10-03": "0",
        },
    )
    assert form.is_valid(), form.errors
    assert form.calculator_input() == {
        "grade": 4,
        "care_mode": "institutional",
        "eligible_from": "2026-10-01",
        "eligible_to": None,
        "died_on": None,
        "institution_class": "hospital_2",
        "hospital_days": ["2026-10-11"],
        "actual_costs_fen": {
            "bed_days": {"2026-10-10": 15000, "2026-10-11": 15000, "2026-10-12": 120050},
            "services": {"2026-10-03": 0},
        },
    }
    weeks = form.calendar()
    # October 2026 begins on a Thursday; weeks start on Monday.
    assert [len(w) for w in weeks] == [7] * 5
    assert weeks[0][:3] == [None, None, None] and weeks[0][3].day == dt.date(2026, 10, 1)
    assert weeks[-1][5].day == dt.date(2026, 10, 31) and weeks[-1][6] is None
    eleventh = weeks[1][6]
    assert (eleventh.iso, eleventh.hospital, eleventh.status) == ("2026-10-11", True, "住院")
    assert [(i.label, i.modes, i.shown) for i in eleventh.inputs] == [
        ("床日费用", "institutional", True),
        ("护理服务费用", "home_visit", False),  # not for a month in an institution
    ]


def test_bed_days_are_ticked_and_monthly_costs_are_one_total(users, city):
    ticks = {"bed_days_2026-10-01": "on", "bed_days_2026-10-02": "on"}
    chengde = _form(
        users.worker_a, "chengde", "4", "institutional", **ticks, institution_class="hospital_1"
    )
    assert chengde.is_valid(), chengde.errors
    assert chengde.calculator_input()["actual_costs_fen"] == {
        "bed_days": {"2026-10-01": 0, "2026-10-02": 0}
    }
    # A bed-day cell is not a field of Chengdu's form: ignored.
    chengdu = _form(
        users.worker_a,
        "chengdu",
        "4",
        "individual",
        **{"bed_days_2026-10-01": "99"},
        total_social_support="350",
    )
    assert chengdu.is_valid(), chengdu.errors
    assert chengdu.calculator_input()["actual_costs_fen"] == {"social_support": 35000}
    # The month's total of social-support visits concerns home care only.
    client = _client(users.worker_a)
    for mode, hidden in (("institutional", True), ("individual", False), ("", False)):
        html = client.post(
            URL, {"policy": "chengdu", "action": "redraw", "care_mode": mode}
        ).content.decode()
        assert ("data-calc-totals hidden" in html) is hidden, mode
        assert 'name="total_social_support"' in html
    terms = {
        code: calculator_form.setup_for(users.worker_a, {"policy": code}).terms for code in NAMES
    }
    assert (terms["chengdu"].daily, terms["chengdu"].monthly) == ((), ("social_support",))
    assert terms["chengde"].bed_days == ("bed_days",)
    assert (terms["lishui"].daily, terms["lishui"].monthly) == (("bed_days",), ("services",))
    assert terms["tengzhou"].daily == ("bed_days", "services")


@pytest.mark.parametrize(
    "typed, fen, problem",
    [
        ("120", 12000, None),
        ("85.5", 8550, None),
        ("1,200.05元", 120005, None),
        ("￥ 30", 3000, None),
        ("０．５", 50, None),
        ("", None, None),
        ("十元", None, "金额应为数字（元），如 120 或 85.50"),
        ("NaN", None, "金额应为数字（元），如 120 或 85.50"),
        ("-0.01", None, "金额不能为负数"),
        ("0.001", None, "金额最多两位小数（到分）"),
        ("1000000.01", None, "金额不能超过1,000,000.00元"),
    ],
)
def test_amounts_in_yuan(typed, fen, problem):
    field = calculator_form.YuanField(label="金额")
    if problem is None:
        value = field.clean(typed)
        assert (None if value is None else calculator_form.yuan_to_fen(value)) == fen
    else:
        with pytest.raises(forms.ValidationError) as caught:
            field.clean(typed)
        assert caught.value.messages == [problem]


# --- errors at their fields ---------------------------------------------------------------------


def test_errors_sit_on_their_fields_and_the_banner_links_to_them(users, city):
    cells = {
        "bed_days_2026-10-03": "一百",
        "bed_days_2026-10-04": "-5",
        "bed_days_2026-10-05": "1.234",
    }
    dates = {"eligible_from": "2026-10-10", "eligible_to": "2026-10-05"}
    client = _client(users.worker_a)
    html = _refused(
        client, "tengzhou", grade="", care_mode="", **dates, change_from="2026-10-20", **cells
    )
    expected = {
        "grade": "请选择失能等级",
        "care_mode": "请选择照护方式",
        "eligible_to": "待遇截止日不能早于待遇起始日",
        "change_mode": "请选择变更后的照护方式",
        "bed_days_2026-10-03": "金额应为数字（元），如 120 或 85.50",
        "bed_days_2026-10-04": "金额不能为负数",
        "bed_days_2026-10-05": "金额最多两位小数（到分）",
    }
    for name, message in expected.items():
        assert f'data-field-error="{name}">{message}<' in html, name
        assert f'href="#id_{name}"' in html, name
    for name in ("eligible_to", "bed_days_2026-10-03", "bed_days_2026-10-04"):
        assert "is-invalid" in _tag(html, name)
    assert "is-invalid" not in _tag(html, "bed_days_2026-10-06")
    assert re.search(r'<select name="grade"[^>]*class="form-select is-invalid"', html)
    assert "提交未成功，请修改以下 7 处" in html
    # What was typed stays in its cell.
    assert 'value="一百"' in _tag(html, "bed_days_2026-10-03")


def test_a_missing_start_and_a_day_outside_the_month(users, city):
    person = {"grade": "4", "care_mode": "family", "eligible_from": ""}
    change = {"change_from": "2026-11-02", "change_mode": "individual"}
    client = _client(users.worker_a)
    html = _refused(client, "chengdu", **person, **change, hospital_days=["2026-11-01"])
    assert 'data-field-error="eligible_from">请填写待遇起始日<' in html
    assert 'data-field-error="change_from">变更日应在10月2日至10月31日之间' in html
    # A hospital day outside the month (a tampered form) is named on the calendar.
    assert 'href="#id_hospital_days_0"' in html


def test_an_unknown_month_asks_for_one_in_the_list(users, city):
    html = _refused(_client(users.worker_a), "chengde", period="2026/10", grade="4")
    assert "请选择2024年1月至2027年11月之间的月份" in html


# --- the answer in words -------------------------------------------------------------------------


def test_each_line_is_explained_in_words(users, city):
    text = _answer(
        _client(users.worker_a),
        "chengdu",
        "4",
        "individual",
        eligible_from="2026-09-15",
        hospital_days=[f"2026-10-0{d}" for d in range(5, 10)],
        total_social_support="350",
    )
    assert (
        "重度失能Ⅱ级、个体服务人员居家照护的基础照护待遇：10月1日至4日、10日至31日共26天，"
        "月定额1,437.00元 × 26/31天 = 1,205.23元（四舍五入到分），"
        "基金支付1,205.23元，个人负担0.00元。"
    ) in text
    assert (
        "重度失能Ⅱ级、个体服务人员居家照护的专业照护待遇（社会支持类上门服务限额）："
        "10月1日至4日、10日至31日共26天，符合规定费用350.00元，月限额400.00元 × 26/31天，"
        "取较小者：基金支付335.48元，个人负担14.52元。"
    ) in text
    assert "住院5天（10月5日至9日）不享受待遇，住院期间的费用不计入。" in text
    assert "按月合计的费用计在第一个享受待遇的日子（10月1日）。" in text
    assert "本月31天，享受待遇26天" in text
    assert "参保人（个人账户）" in text and "护理机构" in text and "长期护理保险基金" in text
    assert _codes_in(text) == set(), _codes_in(text)


def test_death_and_a_change_of_mode_are_said(users, city):
    ticks = {f"bed_days_2026-10-{d:02d}": "on" for d in range(1, 11)}
    change = {"change_from": "2026-10-11", "change_mode": "individual"}
    text = _answer(
        _client(users.worker_a),
        "chengde",
        "4",
        "institutional",
        institution_class="hospital_1",
        died_on="2026-10-20",
        **change,
        **ticks,
    )
    assert (
        "重度失能Ⅱ级、机构照护（一级医疗机构）的入住护理（按床日）：10月1日至10日共10天，"
        "日定额70.00元 × 10天 = 700.00元，基金支付700.00元，个人负担0.00元。"
    ) in text
    assert "居家基础护理：10月11日至20日共10天" in text
    assert "10月20日身故：当天照常支付，次日起不再支付。" in text
    assert "10月11日起照护方式由机构照护改为个体服务人员居家照护，分别计算。" in text
    assert _codes_in(text) == set(), _codes_in(text)


def test_nothing_payable_says_why(users, city):
    client = _client(users.worker_a)
    assert (
        "不予支付：失能等级不在本政策的待遇范围内"
        "（所选为中度失能，本政策支付重度失能Ⅰ级、重度失能Ⅱ级、重度失能Ⅲ级）。"
    ) in _answer(client, "chengdu", "2", "family")
    mode = _answer(client, "chengde", "4", "family")
    assert "不予支付：本政策不支付该照护方式（亲情照护）。" in mode


def test_the_supplementary_plan_is_offered_beside_its_policy(users, city):
    client = _client(users.worker_a)
    assert "补充保障" not in _text(client.get(URL, {"policy": "chengdu"}).content.decode())
    member = {"supplementary": "lishui-hmb", "supplementary_used": "0"}
    text = _answer(client, "lishui", "5", "home_visit", total_services="1700", **member)
    assert "基金支付1,500.00元，个人负担200.00元" in text
    assert "浙里惠民保长期护理责任（丽水，示例）" in text
    assert "个人负担200.00元中由补充保障按比例支付，受月度和年度限额约束：120.00元" in text
    assert "1,500.00 + 120.00" in text and "80.00" in text
    assert _codes_in(text) == set(), _codes_in(text)
    person = {"grade": "5", "care_mode": "home_visit", "eligible_from": "2026-10-01"}
    other = _refused(client, "lishui", **person, supplementary="tengzhou")
    assert 'data-field-error="supplementary">请选择补充保障<' in other


# --- drawing the form again -------------------------------------------------------------------


def test_a_new_month_or_policy_draws_the_form_again_keeping_the_values(users, city):
    client = _client(users.worker_a)
    response = client.post(
        URL,
        {
            "policy": "chengde",
            "period": "2026-09",
            "drawn": "tengzhou|2026-10",
            "action": "redraw",
            "grade": "4",
            "care_mode": "institutional",
            "eligible_from": "2026-10-01",  # the default start of October follows the month
            "hospital_days": ["2026-10-05"],  # October's: gone
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="calculator">') and "<html" not in html
    assert '<option value="4" selected>重度失能Ⅱ级</option>' in html
    assert 'value="2026-09-01"' in _tag(html, "eligible_from")
    assert 'name="bed_days_2026-09-30"' in html and "2026-10-05" not in html
    assert "data-field-error" not in html and "计算结果" not in html
    assert 'hx-post="/settlement/calculator/"' in html

    # Without JavaScript the month changes on the next submit: the form is drawn, not computed.
    person = {"grade": "4", "care_mode": "family", "eligible_from": "2026-09-01"}
    stale = _post(client, "chengdu", period="2026-09", drawn="chengdu|2026-10", **person)
    assert stale.status_code == 200
    page = stale.content.decode()
    assert "已按所选的待遇政策和月份重新生成日历" in page
    assert 'data-testid="calc-result"' not in page
    assert 'value="chengdu|2026-09"' in page
    assert "<noscript>" in page and "生成日历" in page
