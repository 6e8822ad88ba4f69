"""Pure rules about institutions and caregivers; no Django. Each failure: field, code, Chinese."""

from __future__ import annotations

import datetime as dt
import math

from stdnum.cn import uscc as stdnum_uscc

# Shared with every import; kept importable from here.
from changhu.core.imports.cells import Problem
from changhu.core.imports.cells import parse_coordinate as parse_coordinate
from changhu.core.imports.cells import parse_date as parse_date

# Which care modes each kind of institution may offer (a hospital's LTCI ward only takes
# residents; a home-visit service has no beds of its own).
ALLOWED_MODES: dict[str, frozenset[str]] = {
    "nursing_home": frozenset({"institutional", "home_visit", "individual", "family"}),
    "hospital_ward": frozenset({"institutional"}),
    "home_service": frozenset({"home_visit", "individual", "family"}),
    "primary_clinic": frozenset({"institutional", "home_visit", "individual", "family"}),
}
MODE_LABELS = {
    "institutional": "机构照护",
    "home_visit": "机构上门居家照护",
    "individual": "个体服务人员居家照护",
    "family": "亲情照护",
}
MODE_WORDS = {**{label: code for code, label in MODE_LABELS.items()}, **{c: c for c in MODE_LABELS}}
MODE_WORDS.update({"机构护理": "institutional", "居家上门": "home_visit", "亲情护理": "family"})
KIND_LABELS = {
    "nursing_home": "养老护理机构",
    "hospital_ward": "医院/乡镇卫生院长护病房",
    "home_service": "社区居家上门服务机构",
    "primary_clinic": "基层医疗机构（家庭医生）",
}
KIND_WORDS = {**{label: code for code, label in KIND_LABELS.items()}, **{c: c for c in KIND_LABELS}}
KIND_WORDS.update(
    {"养老机构": "nursing_home", "长护病房": "hospital_ward", "居家服务机构": "home_service"}
)

# The qualifications that satisfy each required qualification.
SATISFIES: dict[str, frozenset[str]] = {
    "care_worker": frozenset({"care_worker", "nurse"}),
    "nurse": frozenset({"nurse"}),
}
# Which qualification a certificate of each kind proves ("" = none: health, family training).
CERTIFICATE_QUALIFICATION = {
    "care_worker": "care_worker",
    "nurse": "nurse",
    "family_training": "care_worker",
    "health": "",
    "assessor": "",
    "physician": "",
    "therapist": "",
    "social_worker": "",
}
# The certificates that qualify an assessor to sit on an assessment team; the professional
# licences (医师、护士、康复治疗师、社会工作者) are recorded beside them but do not qualify alone.
ASSESSOR_CERTIFICATE_KINDS = frozenset({"assessor"})
RENEWAL_NOTICE_DAYS = 60
EXPIRY_WARNING_DAYS = 60


def check_uscc(value: str, field: str = "uscc") -> str | Problem:
    """The compact code if it is a valid 统一社会信用代码 (GB 32100), else a Problem."""
    code = stdnum_uscc.compact(value or "")
    if not code:
        return Problem(field, "uscc_required", "请填写统一社会信用代码")
    if len(code) != 18:
        return Problem(field, "uscc_length", f"统一社会信用代码应为18位，当前为{len(code)}位")
    try:
        stdnum_uscc.validate(code)
    except stdnum_uscc.InvalidChecksum:
        return Problem(field, "uscc_checksum", "统一社会信用代码校验位错误，请核对最后一位")
    except stdnum_uscc.ValidationError:
        return Problem(field, "uscc_format", "统一社会信用代码格式不正确（不含I、O、Z、S、V）")
    return code


def make_uscc(body17: str) -> str:
    """A valid code from its first 17 characters (for demo data and tests)."""
    return body17 + stdnum_uscc.calc_check_digit(body17)


def check_modes(care_kind: str, modes: list[str], field: str = "care_modes") -> list[str] | Problem:
    """The modes, de-duplicated in a stable order, if the kind of institution may offer them."""
    if not modes:
        return Problem(field, "care_modes_required", "请至少选择一种照护方式")
    unknown = [m for m in modes if m not in MODE_LABELS]
    if unknown:
        return Problem(field, "care_mode_unknown", f"未知的照护方式：{'、'.join(unknown)}")
    allowed = ALLOWED_MODES.get(care_kind, frozenset())
    refused = [m for m in modes if m not in allowed]
    if refused:
        labels = "、".join(MODE_LABELS[m] for m in refused)
        kind = KIND_LABELS.get(care_kind, care_kind)
        return Problem(field, "care_mode_not_allowed", f"{kind}不能提供{labels}")
    return [m for m in MODE_LABELS if m in modes]


def fast_channel_eligible(*, care_kind: str, medical_designated: bool) -> bool:
    """快速通道: medical institutions already designated by the medical insurance fund."""
    return medical_designated and care_kind in {"hospital_ward", "primary_clinic", "nursing_home"}


def renewal_due(valid_until: dt.date, notice_days: int = RENEWAL_NOTICE_DAYS) -> dt.date:
    """The day to start renewing an agreement: ``notice_days`` before it ends."""
    return valid_until - dt.timedelta(days=notice_days)


def certificate_state(
    issued_on: dt.date, expires_on: dt.date, today: dt.date, warn_days: int = EXPIRY_WARNING_DAYS
) -> str:
    """``not_yet``, ``valid``, ``expiring`` (within ``warn_days``) or ``expired``."""
    if today < issued_on:
        return "not_yet"
    if today > expires_on:
        return "expired"
    if (expires_on - today).days <= warn_days:
        return "expiring"
    return "valid"


def qualification_satisfies(held: set[str] | frozenset[str], required: str) -> bool:
    """Whether any held qualification meets ``required`` ("" requires nothing)."""
    if not required:
        return True
    return bool(set(held) & SATISFIES.get(required, frozenset({required})))


def status_on(history: list[tuple[dt.date, str]], day: dt.date, initial: str = "") -> str:
    """The status in force on ``day`` from ``(effective_on, status)`` pairs in recorded order."""
    state = initial
    for effective_on, status in sorted(history, key=lambda pair: pair[0]):
        if effective_on <= day:
            state = status
        else:
            break
    return state


def parse_count(value, field: str, label: str, *, high: int = 100_000) -> int | Problem:
    """A whole number from 0 to ``high``; empty gives 0."""
    if value is None or value == "":
        return 0
    try:
        number = float(str(value).strip())
    except ValueError:
        return Problem(field, "number_format", f"{label}应为整数")
    if not math.isfinite(number) or number != int(number):
        return Problem(field, "number_format", f"{label}应为整数")
    number = int(number)
    if not 0 <= number <= high:
        return Problem(field, "number_range", f"{label}应在0到{high}之间")
    return number
