"""The case workflow as a table: transition name -> (from states, to state, right, label).

Services move a case only through :func:`changhu.core.transitions.apply` with this table, so
an illegal step is a 409 ``illegal_transition`` and two people acting at once cannot both
succeed. The table is documented in ``docs/assessment.md``.
"""

from __future__ import annotations

from changhu.assessment.models import Status
from changhu.core.transitions import Transition, Workflow
from changhu.orgs.roles import Right

S = Status


TRANSITIONS = {
    "request_materials": Transition(
        {S.SUBMITTED}, S.MATERIALS_REQUESTED, Right.ASSESSMENT_ACCEPT, "要求补充材料"
    ),
    # Supplied by the applicant or at the counter: the service checks either right.
    "resubmit": Transition(
        {S.MATERIALS_REQUESTED}, S.SUBMITTED, Right.ASSESSMENT_APPLY, "补充材料后重新提交"
    ),
    "accept": Transition({S.SUBMITTED}, S.ACCEPTED, Right.ASSESSMENT_ACCEPT, "受理"),
    "refuse": Transition(
        {S.SUBMITTED, S.MATERIALS_REQUESTED}, S.REFUSED, Right.ASSESSMENT_ACCEPT, "不予受理"
    ),
    "withdraw": Transition(
        {S.SUBMITTED, S.MATERIALS_REQUESTED, S.ACCEPTED},
        S.WITHDRAWN,
        Right.ASSESSMENT_APPLY,
        "撤回申请",
    ),
    "dispatch": Transition({S.ACCEPTED}, S.DISPATCHED, Right.ASSESSMENT_DISPATCH, "派单"),
    "recall": Transition(
        {S.DISPATCHED, S.ASSIGNED}, S.ACCEPTED, Right.ASSESSMENT_DISPATCH, "撤回派单"
    ),
    "assign": Transition({S.DISPATCHED}, S.ASSIGNED, Right.ASSESSMENT_ASSIGN, "指派评估人员"),
    "submit": Transition({S.ASSIGNED}, S.ASSESSED, Right.ASSESSMENT_CONDUCT, "提交现场评估"),
    "expert_return": Transition({S.ASSESSED}, S.ASSIGNED, Right.ASSESSMENT_CONFIRM, "专家退回重评"),
    "expert_confirm": Transition({S.ASSESSED}, S.CONFIRMED, Right.ASSESSMENT_CONFIRM, "专家确认"),
    "review_return": Transition(
        {S.CONFIRMED}, S.ASSIGNED, Right.ASSESSMENT_REVIEW, "复核退回评估机构"
    ),
    "publish": Transition({S.CONFIRMED}, S.PUBLICITY, Right.ASSESSMENT_REVIEW, "复核通过并公示"),
    "approve_without_publicity": Transition(
        {S.CONFIRMED}, S.READY_TO_ISSUE, Right.ASSESSMENT_REVIEW, "复核通过（未达待遇等级，不公示）"
    ),
    "close_publicity": Transition(
        {S.PUBLICITY}, S.READY_TO_ISSUE, Right.ASSESSMENT_REVIEW, "公示期满"
    ),
    "objection_upheld": Transition(
        {S.PUBLICITY}, S.ACCEPTED, Right.ASSESSMENT_REVIEW, "异议成立，重新派单"
    ),
    "issue": Transition(
        {S.READY_TO_ISSUE}, S.CONCLUDED, Right.ASSESSMENT_CONCLUDE, "出具并送达评估结论"
    ),
}

WORKFLOW = Workflow("assessment.application", TRANSITIONS, field="status", labels=Status)
