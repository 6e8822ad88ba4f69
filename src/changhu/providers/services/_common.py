"""What the providers services share: limits, workflows and the helpers of every section."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from changhu.core import clock, masking
from changhu.core.errors import ValidationFailed, field_error
from changhu.core.scope import Scope, get_scoped
from changhu.core.transitions import Transition, Workflow
from changhu.orgs.models import (
    OrgKind,
    Region,
    RegionLevel,
)
from changhu.orgs.roles import Right
from changhu.providers import rules
from changhu.providers.models import (
    AdmissionStatus,
    Caregiver,
    CaregiverStatus,
    InstitutionStatus,
)

CAREGIVER_ID_PURPOSE = "caregiver.id_number"
CAREGIVER_PHONE_PURPOSE = "caregiver.phone"
PERSON_ID_PURPOSE = "person.id_number"  # the insured register's blind index, for look-ups

_A = AdmissionStatus
ADMISSION_FLOW = Workflow(
    "admission",
    {
        "start_review": Transition(
            {_A.SUBMITTED}, _A.UNDER_REVIEW, Right.PROVIDERS_ADMIT, "开始审核"
        ),
        "schedule_inspection": Transition(
            {_A.UNDER_REVIEW}, _A.INSPECTING, Right.PROVIDERS_ADMIT, "安排现场核查"
        ),
        "record_inspection": Transition(
            {_A.INSPECTING}, _A.UNDER_REVIEW, Right.PROVIDERS_ADMIT, "登记核查结果"
        ),
        "approve": Transition(
            {_A.SUBMITTED, _A.UNDER_REVIEW}, _A.APPROVED, Right.PROVIDERS_ADMIT, "准入"
        ),
        "refuse": Transition(
            {_A.SUBMITTED, _A.UNDER_REVIEW, _A.INSPECTING},
            _A.REFUSED,
            Right.PROVIDERS_ADMIT,
            "不予准入",
        ),
        "withdraw": Transition(
            {_A.SUBMITTED, _A.UNDER_REVIEW, _A.INSPECTING},
            _A.WITHDRAWN,
            Right.PROVIDERS_APPLY,
            "撤回申请",
        ),
    },
    labels=AdmissionStatus,
)
_I = InstitutionStatus
INSTITUTION_FLOW = Workflow(
    "institution",
    {
        "suspend": Transition({_I.ACTIVE}, _I.SUSPENDED, Right.PROVIDERS_ADMIT, "暂停"),
        "reinstate": Transition({_I.SUSPENDED}, _I.ACTIVE, Right.PROVIDERS_ADMIT, "恢复"),
        "terminate": Transition(
            {_I.ACTIVE, _I.SUSPENDED},
            _I.TERMINATED,
            Right.PROVIDERS_ADMIT,
            "终止（淘汰）",
        ),
    },
    labels=InstitutionStatus,
)
_C = CaregiverStatus
CAREGIVER_FLOW = Workflow(
    "caregiver",
    {
        "suspend": Transition({_C.ACTIVE}, _C.SUSPENDED, Right.CAREGIVERS_MANAGE, "暂停执业"),
        "reinstate": Transition({_C.SUSPENDED}, _C.ACTIVE, Right.CAREGIVERS_MANAGE, "恢复执业"),
        "leave": Transition({_C.ACTIVE, _C.SUSPENDED}, _C.LEFT, Right.CAREGIVERS_MANAGE, "离职"),
    },
    labels=CaregiverStatus,
)

CAREGIVER_AUDIT_LABELS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "phone": "联系电话",
    "kind": "类别",
    "qualification": "资质",
    "institution": "所属机构",
    "beneficiary": "亲情护理对象",
    "relationship": "与护理对象关系",
    "status": "状态",
    "hired_on": "入职/登记日期",
    "certificate": "资格证书",
    "training": "培训记录",
}
CAREGIVER_AUDIT_MASKERS = {"id_number": masking.mask_id_number, "phone": masking.mask_phone}
_NAME = re.compile(r"^[\u4e00-\u9fa5\u3400-\u4dbfA-Za-z·•\s]{1,40}$")


# --- shared helpers -------------------------------------------------------------------------


def _raise(problems: list[rules.Problem]) -> None:
    if problems:
        first = problems[0]
        raise ValidationFailed(
            first.message, code=first.code, fields={p.field: p.message for p in problems}
        )


def _today() -> dt.date:
    return clock.today()


def _date(value, field_name: str, label: str, *, required: bool = True, problems: list) -> Any:
    parsed = rules.parse_date(value, field_name, label)
    if isinstance(parsed, rules.Problem):
        problems.append(parsed)
        return None
    if parsed is None and required:
        problems.append(rules.Problem(field_name, "date_required", f"请填写{label}"))
    return parsed


def _reason(value: str, field_name: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise field_error(field_name, "reason_required", "请填写原因")
    return text[:300]


def _is_care_actor(scope: Scope) -> bool:
    return not scope.unrestricted and scope.organization_kind == OrgKind.CARE


def _region(code: str, problems: list, field_name: str = "region_code") -> Region | None:
    code = (code or "").strip()
    if not code:
        problems.append(rules.Problem(field_name, "region_required", "请选择所在区县或街道"))
        return None
    region = Region.objects.filter(
        code=code, active=True, level__in=[RegionLevel.DISTRICT, RegionLevel.STREET]
    ).first()
    if region is None:
        problems.append(
            rules.Problem(field_name, "region_unknown", f"区划代码{code}不存在或已停用")
        )
    return region


def _caregiver_for_update(actor, caregiver_id: int) -> Caregiver:
    return get_scoped(
        Caregiver.objects.select_for_update().select_related("institution__organization"),
        actor,
        pk=caregiver_id,
    )
