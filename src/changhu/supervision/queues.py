"""Home-page queues of supervision, for both parties: the institution's notices to answer, the
supervisor's answers to re-check and appeals to decide, the inspector's targets to visit."""

from __future__ import annotations

from django.urls import reverse

from changhu.orgs.roles import Right
from changhu.supervision import selectors
from changhu.web.queues import register_queue

register_queue(
    "supervision.to_answer",
    "待整改的通知",
    Right.SUPERVISION_RESPOND,
    selectors.awaiting_answer_count,
    lambda: reverse("supervision:rectification_list") + "?status=open",
    icon="tools",
    hint="在整改期限前提交整改情况和佐证材料，逾期将督办",
    order=10,
    overdue=selectors.awaiting_answer_overdue,
    due_today=selectors.awaiting_answer_due_today,
)

register_queue(
    "supervision.to_review",
    "待复查的整改",
    Right.SUPERVISION_REVIEW,
    selectors.awaiting_review_count,
    lambda: reverse("supervision:rectification_list") + "?status=submitted",
    icon="clipboard-check",
    hint="机构已提交整改情况：通过则销号，退回须写明意见",
    order=20,
)

register_queue(
    "supervision.overdue",
    "逾期未整改",
    Right.SUPERVISION_REVIEW,
    selectors.awaiting_answer_overdue,
    lambda: reverse("supervision:rectification_list") + "?overdue=on&status=",
    icon="alarm",
    hint="超过整改期限仍未答复的通知，应逾期督办并计入机构考核",
    order=30,
    overdue=selectors.awaiting_answer_overdue,
)

register_queue(
    "supervision.appeals",
    "待裁决的申诉",
    Right.SUPERVISION_REVIEW,
    selectors.pending_appeals_count,
    lambda: reverse("supervision:appeal_list") + "?status=pending",
    icon="chat-square-text",
    hint="须由未参与该发现的监管人员在规定工作日内裁决",
    order=40,
    overdue=selectors.pending_appeals_overdue,
)

register_queue(
    "supervision.to_inspect",
    "待现场检查",
    Right.SUPERVISION_INSPECT,
    selectors.targets_to_inspect_count,
    lambda: reverse("supervision:inspect_list"),
    icon="phone",
    hint="检查计划抽中的机构和居家服务对象",
    order=50,
)

register_queue(
    "supervision.my_appeals",
    "本机构的申诉",
    Right.SUPERVISION_RESPOND,
    selectors.pending_appeals_count,
    lambda: reverse("supervision:appeal_list") + "?status=pending",
    icon="chat-square-text",
    hint="已提交、等待裁决的申诉",
    order=60,
)
