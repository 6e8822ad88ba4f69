"""What the synthetic city shares: the cities it can imitate, names, its configuration and report,
and the refusal to run where it must not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from changhu.orgs.models import RegionLevel

SHANGHAI = ZoneInfo("Asia/Shanghai")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "建国秀英淑芬桂兰志强海燕玉梅红霞春华丽娟文明晓东伟杰子涵欣怡浩然思远雨桐家豪德明"

# city: (province code, name), (pool region code, name, level), districts [(code, name)]
CITIES: dict[str, tuple] = {
    "chengdu": (
        ("510000", "四川省"),
        ("510100", "成都市", RegionLevel.CITY),
        [
            ("510104", "锦江区"),
            ("510105", "青羊区"),
            ("510106", "金牛区"),
            ("510107", "武侯区"),
            ("510108", "成华区"),
            ("510112", "龙泉驿区"),
        ],
    ),
    "tengzhou": (("370000", "山东省"), ("370481", "滕州市", RegionLevel.DISTRICT), []),
    "chengde": (
        ("130000", "河北省"),
        ("130800", "承德市", RegionLevel.CITY),
        [
            ("130802", "双桥区"),
            ("130803", "双滦区"),
            ("130804", "鹰手营子矿区"),
            ("130821", "承德县"),
            ("130822", "兴隆县"),
            ("130824", "滦平县"),
        ],
    ),
    "lishui": (
        ("330000", "浙江省"),
        ("331100", "丽水市", RegionLevel.CITY),
        [
            ("331102", "莲都区"),
            ("331121", "青田县"),
            ("331122", "缙云县"),
            ("331123", "遂昌县"),
            ("331124", "松阳县"),
            ("331181", "龙泉市"),
        ],
    ),
}
MODES = [("institutional", 0.30), ("home_visit", 0.35), ("individual", 0.15), ("family", 0.20)]
GRADES = [(3, 0.44), (4, 0.34), (5, 0.19), (2, 0.02), (1, 0.01)]
CLASSES = [
    ("hospital_1", 0.10),
    ("hospital_2", 0.08),
    ("hospital_3", 0.04),
    ("nursing", 0.30),
    ("elderly_home", 0.30),
    ("", 0.18),
]
FINDING_RULES = [
    ("duration_too_short", "服务时长不足项目参考时长"),
    ("outside_geofence", "签到位置超出服务地址范围"),
    ("caregiver_overlap", "同一护理员同一时段在两处服务"),
    ("photo_reused", "签到照片与既往照片相同"),
]


@dataclass
class SynthConfig:
    persons: int = 100_000
    institutions: int = 300
    month: str = "2026-10"
    city: str = "lishui"
    seed: int = 2026
    caregivers_per_institution: int = 10
    home_visits_per_day: float = 1.7  # home_visit mode: visits a day on average
    individual_visit_share: float = 0.5  # individual mode: share of days with a visit
    family_visit_share: float = 0.20  # family mode: share of days with a (guidance) visit
    anomaly_share: float = 0.03  # visits with a confirmed finding
    member_share: float = 0.30  # supplementary plan members (cities that have one)


@dataclass
class SynthReport:
    city: str
    month: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v:,}" for k, v in self.counts.items())
        return f"synthetic {self.city} {self.month}: {parts} ({self.seconds:.1f}s)"


class SynthRefused(RuntimeError):
    pass
