"""Pure rules of visit recording: where (geofence), when (clock limits), the family's code.
No Django imports; thresholds come in as arguments from the rule set in force.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from changhu.visits import geo

COMPLIANT = "compliant"
WARNING = "warning"
VIOLATION = "violation"
_RANK = {COMPLIANT: 0, WARNING: 1, VIOLATION: 2}


@dataclass(frozen=True)
class Place:
    result: str
    distance_m: int | None


def judge_place(
    *,
    home: tuple[float, float] | None,
    position: tuple[float, float],
    accuracy_m: float,
    radius_m: float,
    accuracy_allowance_max_m: float,
    warning_margin_m: float,
    max_accuracy_m: float,
) -> Place:
    """Compliant within the radius plus the reported accuracy (capped); a warning within a
    further margin, or when the fix is too coarse to tell, or the home has no position;
    a violation beyond that. The EVV pattern: tolerance for GPS error, graded results."""
    if home is None:
        return Place(WARNING, None)
    distance = geo.haversine_m(home[0], home[1], position[0], position[1])
    allowance = min(max(accuracy_m, 0.0), accuracy_allowance_max_m)
    if distance <= radius_m + allowance:
        result = COMPLIANT if accuracy_m <= max_accuracy_m else WARNING
    elif distance <= radius_m + accuracy_allowance_max_m + warning_margin_m:
        result = WARNING
    else:
        result = VIOLATION
    return Place(result, round(distance))


def worst(*results: str) -> str:
    present = [r for r in results if r]
    return max(present, key=lambda r: _RANK[r]) if present else COMPLIANT


def duration_minutes(check_in: dt.datetime, check_out: dt.datetime) -> int:
    """Whole minutes between check-in and check-out, rounded half up."""
    seconds = (check_out - check_in).total_seconds()
    return int((seconds + 30) // 60)


# --- the family's one-time code ------------------------------------------------------------

CODE_WINDOW_SECONDS = 600
CODE_DIGITS = 6


def family_code(key: bytes, person_id: int, at: dt.datetime) -> str:
    """The six digits the family's phone shows for a person during the window holding ``at``.

    Derived, not stored (HMAC-SHA256 of the person and the ten-minute window), so a code
    spoken at the door can be checked later, for a check-out queued offline, against the
    check-out time on the device."""
    window = int(at.timestamp()) // CODE_WINDOW_SECONDS
    return _code(key, person_id, window)


def _code(key: bytes, person_id: int, window: int) -> str:
    digest = hmac.new(key, f"{person_id}:{window}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def family_code_valid(key: bytes, person_id: int, at: dt.datetime, code: str) -> bool:
    """The code of the window holding ``at`` or of the one before or after (clock drift)."""
    code = (code or "").strip()
    if len(code) != CODE_DIGITS or not code.isdigit():
        return False
    window = int(at.timestamp()) // CODE_WINDOW_SECONDS
    return any(
        hmac.compare_digest(_code(key, person_id, w), code)
        for w in (window - 1, window, window + 1)
    )


def code_valid_until(at: dt.datetime) -> dt.datetime:
    window = int(at.timestamp()) // CODE_WINDOW_SECONDS
    return dt.datetime.fromtimestamp((window + 1) * CODE_WINDOW_SECONDS, tz=dt.UTC)


# Findings raised by people (services/raised.py), not by the screening, with their severity.
RAISED_RULES = {"complaint_substantiated": "high", "return_visit_discrepancy": "high"}

# The screening rules by their Chinese names (pages, the API, exports).
RULE_LABELS = {
    "too_short": "服务时长不足",
    "outside_geofence": "位置不在住址范围内",
    "overlapping_visits": "同一护理员时间重叠",
    "too_fast": "移动速度异常",
    "person_deceased": "参保人身故后服务",
    "person_in_hospital": "住院期间服务",
    "not_entitled": "无待遇资格",
    "item_not_in_plan": "项目不在计划内",
    "item_over_frequency": "超出计划频次",
    "caregiver_no_certificate": "护理员无有效证书",
    "duplicate_photo": "照片重复使用",
    "identical_durations": "时长高度雷同",
    # raised by people (services/raised.py), not by the screening
    "complaint_substantiated": "投诉查实",
    "return_visit_discrepancy": "回访发现服务不实",
}
