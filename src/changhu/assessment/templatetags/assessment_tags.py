"""Template helpers of the assessment pages: status badges and timeline labels."""

from __future__ import annotations

from django import template

register = template.Library()

_BADGES = {
    "submitted": "text-bg-primary",
    "materials_requested": "text-bg-warning",
    "refused": "text-bg-secondary",
    "withdrawn": "text-bg-secondary",
    "accepted": "text-bg-info",
    "dispatched": "text-bg-info",
    "assigned": "text-bg-info",
    "assessed": "text-bg-primary",
    "confirmed": "text-bg-primary",
    "publicity": "text-bg-warning",
    "ready_to_issue": "text-bg-success",
    "concluded": "text-bg-success",
}
_EVENTS = {
    "transition": "流转",
    "document": "材料",
    "team": "评估人员",
    "recusal": "回避",
    "confirmation": "专家确认",
    "objection": "公示异议",
    "objection_handled": "异议处理",
    "overdue": "逾期",
    "dispatch_pending": "派单",
    "entitlement": "待遇资格",
}


@register.filter
def case_badge(status: str) -> str:
    return _BADGES.get(status, "text-bg-light")


@register.filter
def event_label(kind: str) -> str:
    return _EVENTS.get(kind, kind)
