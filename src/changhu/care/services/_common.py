"""What the care services share: the labels, audit helpers and checks used by entitlements, plans
and assignments.
"""

from __future__ import annotations

import datetime as dt

from changhu.care.models import (
    CarePlanStatus,
    EntitlementStatus,
)
from changhu.core import clock
from changhu.core.errors import field_error
from changhu.core.scope import get_scoped
from changhu.core.transitions import Transition, Workflow
from changhu.orgs.roles import Right
from changhu.providers.models import CareMode, Institution
from changhu.providers.rules import parse_date

_E = EntitlementStatus
ENTITLEMENT_FLOW = Workflow(
    "entitlement",
    {
        "terminate": Transition({_E.ACTIVE}, _E.TERMINATED, Right.CARE_ENTITLEMENT, "终止待遇"),
        "expire": Transition({_E.ACTIVE}, _E.EXPIRED, Right.CARE_ENTITLEMENT, "到期"),
    },
    labels=EntitlementStatus,
)
_P = CarePlanStatus
PLAN_FLOW = Workflow(
    "care_plan",
    {
        # Confirmation is checked per channel in care_plan_confirm (applicant or counter staff).
        "confirm": Transition({_P.DRAFT}, _P.CONFIRMED, Right.CARE_PLAN_CONFIRM, "确认"),
        "withdraw": Transition({_P.DRAFT}, _P.WITHDRAWN, Right.CARE_PLAN, "作废草稿"),
        "supersede": Transition(
            {_P.CONFIRMED}, _P.SUPERSEDED, Right.CARE_PLAN_CONFIRM, "被新版本替代"
        ),
        "end": Transition({_P.CONFIRMED}, _P.ENDED, Right.CARE_ENTITLEMENT, "终止"),
    },
    labels=CarePlanStatus,
)


def _today() -> dt.date:
    return clock.today()


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _date(value, field: str, label: str, *, required: bool = True) -> dt.date | None:
    parsed = parse_date(value, field, label)
    if hasattr(parsed, "code"):
        raise field_error(field, parsed.code, parsed.message)
    if parsed is None and required:
        raise field_error(field, "date_required", f"请填写{label}")
    return parsed


def _reason(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise field_error("reason", "reason_required", "请填写原因")
    return text[:300]


def _institution(actor, institution_id) -> Institution:
    if not institution_id:
        raise field_error("institution_id", "institution_required", "请选择护理机构")
    return get_scoped(
        Institution.objects.select_related("organization").prefetch_related("agreements"),
        actor,
        pk=institution_id,
    )


def _care_mode(value: str) -> str:
    if value not in CareMode.values:
        raise field_error(
            "care_mode",
            "care_mode_unknown",
            "照护方式应为机构照护、机构上门、个体服务人员或亲情照护",
        )
    return value
