"""The demo city's fixed data: names, districts and roads, the demo logins, the
applicant's parent, and the report of a run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from changhu.core.errors import DomainError
from changhu.insured.models import (
    InsuranceType,
    SpecialGroup,
)
from changhu.orgs.roles import Role

DEMO_PASSWORD = "Changhu2026"
DEMO_URL = "http://127.0.0.1:8000/"
SEED = 20261123
CITY_CODE = "510100"
BUREAU_NAME = "成都市医疗保障局"
CONSORTIUM_NAME = "成都市长期护理保险共保体"
INSURER_A = "锦城人寿保险股份有限公司成都分公司"
INSURER_B = "蓉和财产保险股份有限公司成都分公司"
PUBLIC_NAME = "社会公众"
# The five care institutions (each has an administrator login).
CARE_YIHE = "锦江区颐和护理院"
CARE_KANGNING = "武侯区康宁医院长期护理病房"
CARE_ANKANG = "蓉城安康居家护理服务中心"
CARE_KANGQIAO = "金牛区康桥社区卫生服务中心"
CARE_LELING = "龙泉驿区乐龄居家养护中心"


@dataclass(frozen=True)
class District:
    """Where a district is (approximate centre, WGS-84), how far it spreads, how many live there."""

    lat: float
    lon: float
    spread: float  # degrees around the centre where its streets lie
    weight: float  # share of the demo persons, roughly by resident population
    roads: tuple[str, ...] = ()


_TOWN_ROADS = (
    "人民路",
    "建设路",
    "正街",
    "文化路",
    "新华路",
    "滨河路",
    "团结路",
    "幸福路",
    "育才路",
    "光明路",
    "和平街",
    "东街",
    "西街",
    "南街",
    "北街",
)

DISTRICTS: dict[str, District] = {
    "510104": District(
        30.6573,
        104.0832,
        0.018,
        9.0,
        ("红星路", "东大街", "总府路", "书院南街", "水井街", "牛沙路", "静安路"),
    ),
    "510105": District(
        30.6746,
        104.0560,
        0.022,
        9.6,
        ("人民中路", "西御街", "宽巷子", "草堂路", "光华大道", "清江东路", "青华路"),
    ),
    "510106": District(
        30.6920,
        104.0520,
        0.024,
        12.7,
        ("抚琴西路", "茶店子路", "营门口路", "五块石路", "金府路", "交大路", "沙湾路"),
    ),
    "510107": District(
        30.6310,
        104.0430,
        0.024,
        12.1,
        ("武侯祠大街", "玉林南路", "科华北路", "晋阳路", "簇桥路", "芳草街", "天府大道北段"),
    ),
    "510108": District(
        30.6600,
        104.1020,
        0.024,
        13.8,
        ("建设路", "猛追湾街", "府青路", "二仙桥东路", "双林路", "龙潭路", "万年场路"),
    ),
    "510112": District(30.5570, 104.2740, 0.060, 13.5),
    "510113": District(30.8780, 104.2510, 0.050, 4.9),
    "510114": District(30.8230, 104.1580, 0.055, 15.6),
    "510115": District(30.6820, 103.8560, 0.045, 9.7),
    "510116": District(30.5740, 103.9230, 0.070, 14.7),
    "510117": District(30.7950, 103.8870, 0.050, 13.9),
    "510118": District(30.4100, 103.8110, 0.045, 3.6),
    "510121": District(30.8620, 104.4120, 0.080, 8.0),
    "510129": District(30.5870, 103.5210, 0.080, 5.0),
    "510131": District(30.1970, 103.5060, 0.060, 2.6),
    "510181": District(30.9990, 103.6470, 0.080, 7.1),
    "510182": District(30.9900, 103.9580, 0.080, 7.8),
    "510183": District(30.4100, 103.4640, 0.080, 6.0),
    "510184": District(30.6300, 103.6730, 0.070, 7.4),
    "510185": District(30.4110, 104.5470, 0.090, 11.2),
}
# Inside the city's outline, so a jittered point never lands in a neighbouring prefecture.
_LAT_RANGE = (30.10, 31.42)
_LON_RANGE = (103.00, 104.88)

_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
)
_HOSPITALS = (
    "四川大学华西医院",
    "四川省人民医院",
    "成都市第一人民医院",
    "成都市第二人民医院",
    "成都市第三人民医院",
    "成都市第五人民医院",
    "成都市第六人民医院",
)
_SPECIAL_GROUPS = (
    (SpecialGroup.DIBAO, 30),
    (SpecialGroup.ZHONGCAN, 25),
    (SpecialGroup.TEKUN, 20),
    (SpecialGroup.LOW_INCOME, 10),
    (SpecialGroup.ORPHAN_ELDERLY, 10),
    (SpecialGroup.DISABLED_VETERAN, 5),
)
# LTCI started in Chengdu for employees in July 2017; the demo enrols residents from 2021.
_ENROL_WINDOWS = {
    InsuranceType.EMPLOYEE: (dt.date(2017, 7, 1), dt.date(2024, 6, 30)),
    InsuranceType.RESIDENT: (dt.date(2021, 1, 1), dt.date(2024, 12, 31)),
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # a Role value, "" for the platform administrator
    real_name: str
    organization: str  # organization name, "" for none
    sees_zh: str
    sees_en: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "bureau",
        Role.BUREAU_ADMIN,
        "周文静",
        BUREAU_NAME,
        "全市参保人（可查看完整身份信息，留痕）、机构准入与协议、待遇资格、结算拨付、基金账",
        "the whole city's register (full ID view, audited), institution admission, entitlements, "
        "settlement payment, the fund's books",
    ),
    DemoLogin(
        "regulator",
        Role.BUREAU_REGULATOR,
        "陈立新",
        BUREAU_NAME,
        "全市参保人（脱敏）、审计记录",
        "the whole city's register, masked; audit trails",
    ),
    DemoLogin(
        "caseworker",
        Role.INSURER_CASE_WORKER,
        "刘晓燕",
        INSURER_A,
        "锦城人寿承办的10个区（市）县：参保登记与导入、评估受理与派单、待遇资格、结算初审",
        "insurer A's 10 districts: register, import, assessments intake and dispatch, "
        "entitlements, first review of claims",
    ),
    DemoLogin(
        "caseworker2",
        Role.INSURER_CASE_WORKER,
        "黄建平",
        INSURER_B,
        "蓉和财险承办的另外10个区（市）县：参保人、结算初审等（同 caseworker）",
        "insurer B's other 10 districts: persons, first review of claims (compare with caseworker)",
    ),
    DemoLogin(
        "supervisor",
        Role.INSURER_SUPERVISOR,
        "杨志刚",
        INSURER_A,
        "同经办人员，另可查看审计记录、处理稽核疑点、结算复核",
        "as caseworker, plus audit trails, visit findings, second review of claims",
    ),
    DemoLogin(
        "supervisor2",
        Role.INSURER_SUPERVISOR,
        "何春梅",
        INSURER_B,
        "蓉和财险承办区县的经办主管：结算复核等（同 supervisor）",
        "insurer B's supervisor: second review of its districts' claims (as supervisor)",
    ),
    DemoLogin(
        "assessor",
        Role.ASSESSOR,
        "吴海燕",
        "成都市锦城长护评估中心",
        "派给本评估机构的评估任务：组队、上门评估表（实时评分）",
        "cases dispatched to the institution: team, on-site form with live score",
    ),
    DemoLogin(
        "expert",
        Role.ASSESSMENT_EXPERT,
        "郑国华",
        "成都市锦城长护评估中心",
        "专家库成员：确认抽中本人的案件（待我确认），申报本人的回避关系（另有 expert2 至 expert6）",
        "a member of the city's expert pool: confirms the cases drawn for them (待我确认), "
        "declares their own conflicts (expert2 to expert6 are others)",
    ),
    DemoLogin(
        "careadmin",
        Role.CARE_ADMIN,
        "孙丽华",
        CARE_ANKANG,
        "本机构的护理员、证书、受益人、护理计划和月度申报",
        "own institution's caregivers, certificates, beneficiaries, care plans, monthly claim",
    ),
    DemoLogin(
        "careadmin2",
        Role.CARE_ADMIN,
        "罗玉珍",
        CARE_YIHE,
        "本机构（护理院）的入住床日、护理计划和月度申报",
        "own nursing home: bed-days, care plans, monthly claim",
    ),
    DemoLogin(
        "careadmin3",
        Role.CARE_ADMIN,
        "唐建军",
        CARE_KANGNING,
        "本机构（医院护理病房）的床日、护理计划和月度申报",
        "own hospital ward: bed-days, care plans, monthly claim",
    ),
    DemoLogin(
        "careadmin4",
        Role.CARE_ADMIN,
        "冯晓梅",
        CARE_KANGQIAO,
        "本机构（社区卫生服务中心）的护理员、护理计划和月度申报",
        "own community clinic: caregivers, care plans, monthly claim",
    ),
    DemoLogin(
        "careadmin5",
        Role.CARE_ADMIN,
        "谢德明",
        CARE_LELING,
        "本机构（居家护理）的护理员、巡护、护理计划和月度申报",
        "own home-care provider: caregivers, patrols, care plans, monthly claim",
    ),
    DemoLogin(
        "caregiver",
        Role.CAREGIVER,
        "马秀芳",
        CARE_ANKANG,
        "本机构（上门服务手机端见 visits 模块）",
        "own care institution (home visits on the phone)",
    ),
    DemoLogin(
        "applicant",
        Role.APPLICANT,
        "李明",
        PUBLIC_NAME,
        "本人代办的参保人：母亲王秀兰",
        "the persons they act for: mother 王秀兰",
    ),
    DemoLogin(
        "admin",
        "",
        "平台管理员",
        "",
        "全部数据；Django管理后台 /django-admin/",
        "everything; Django admin at /django-admin/",
    ),
)

# The elderly mother the applicant acts for: always created, whatever --persons says.
PARENT = {
    "name": "王秀兰",
    "birth": dt.date(1938, 5, 12),
    "sequence": 482,
    "street": "510104022000",
    "road": "红星路三段",
    "number": 16,
    "room": "2栋1单元302室",
    "phone": "13880461257",
    "lat": "30.662041",
    "lon": "104.083317",
    "insurance_type": InsuranceType.RESIDENT,
    "enrolment_start": dt.date(2021, 1, 1),
}


@dataclass
class SeedReport:
    organizations_created: int = 0
    users_created: int = 0
    persons_created: int = 0
    persons_total: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"organizations created (incl. the consortium): {self.organizations_created}",
            f"users created: {self.users_created}",
            f"persons created: {self.persons_created} (register now holds {self.persons_total})",
            *self.notes,
            f"seed-demo finished in {self.seconds:.1f}s",
        ]


class DemoRegionsMissing(DomainError):
    status = 409
    code = "demo_regions_missing"
    message = "尚未加载成都市行政区划，请先运行 changhu load-presets"
