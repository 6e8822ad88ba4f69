"""The audit trail for an auditor: the entries a reader may see, filtered, exported to Excel.

An audit entry has no region of its own; it is placed by its actor. A bureau sees the entries
of every actor whose organization lies in its regions, and the entries made by the system
itself (a city is one deployment and one database). Any other organization sees what its own
people did: its staff and its branches' (an insurer's supervisor, their case workers and
outlets). Exporting needs ``audit.export`` and is itself recorded, as action 导出.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from changhu.core import audit, clock, excel, scope
from changhu.core.errors import ValidationFailed
from changhu.core.models import AuditEntry
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right

MAX_DAYS = 366  # one export covers at most a year
EARLIEST = dt.date(2000, 1, 1)  # no entry is older; dates outside also keep the query sane
MAX_ROWS = 100_000  # and at most this many entries
DEFAULT_DAYS = 30

CHANNELS = {"web": "网页", "api": "接口", "cli": "命令行", "system": "系统"}
HEADERS = [
    "时间",
    "操作人",
    "登录名",
    "所属机构",
    "IP地址",
    "渠道",
    "操作",
    "对象类型",
    "对象编号",
    "对象",
    "变更内容（已脱敏）",
    "说明",
]


@scope.register(AuditEntry)
def _audit_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if s.organization_kind == OrgKind.BUREAU:
        return queryset.filter(
            s.region_q("actor__organization__region__code") | Q(actor__isnull=True)
        )
    if s.organization_id is None:
        return queryset.none()
    return queryset.filter(
        Q(actor__organization_id=s.organization_id)
        | Q(actor__organization__parent_id=s.organization_id)
    )


@dataclass(frozen=True)
class AuditFilters:
    start: dt.date
    end: dt.date
    actor: str = ""  # a login name, or an actor's name as recorded
    object_type: str = ""  # "insured.person"
    action: str = ""  # AuditEntry.Action

    def describe(self) -> str:
        parts = [f"{self.start:%Y-%m-%d}至{self.end:%Y-%m-%d}"]
        if self.actor:
            parts.append(f"操作人{self.actor}")
        if self.object_type:
            parts.append(f"对象类型{object_type_label(self.object_type)}")
        if self.action:
            parts.append(f"操作{AuditEntry.Action(self.action).label}")
        return "，".join(parts)


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


def _date(value, field: str, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _invalid(field, "audit_date_invalid", f"{label}应为日期（YYYY-MM-DD）") from None


def clean_filters(*, start=None, end=None, actor="", object_type="", action="") -> AuditFilters:
    """The filters as typed (dates as text or dates); by default the last 30 days."""
    today = clock.today()
    first = _date(start, "start", "起始日期")
    last = _date(end, "end", "截止日期") or today
    first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    for field, label, day in (("start", "起始日期", first), ("end", "截止日期", last)):
        if not EARLIEST <= day <= today:
            raise _invalid(
                field, "audit_date_out_of_range", f"{label}应在{EARLIEST:%Y-%m-%d}至今天之间"
            )
    if last < first:
        raise _invalid("end", "audit_date_order", "截止日期不能早于起始日期")
    if (last - first).days >= MAX_DAYS:
        raise _invalid("start", "audit_range_too_long", f"一次最多导出{MAX_DAYS}天的审计日志")
    object_type = (object_type or "").strip()
    if object_type and object_type_label(object_type) is None:
        raise _invalid("object_type", "audit_object_type_invalid", "请选择对象类型")
    action = (action or "").strip()
    if action and action not in AuditEntry.Action.values:
        raise _invalid("action", "audit_action_invalid", "请选择操作类型")
    return AuditFilters(first, last, (actor or "").strip()[:150], object_type, action)


def object_type_label(object_type: str) -> str | None:
    """The Chinese name of an entry's object type (a model's ``app.model`` label), or None."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return None


def object_type_choices() -> list[tuple[str, str]]:
    """Every kind of object the product records, by its Chinese name."""
    labels = {
        model._meta.label_lower: str(model._meta.verbose_name)
        for model in apps.get_models()
        if model._meta.app_label not in ("admin", "auth", "contenttypes", "sessions", "axes")
    }
    return sorted(labels.items(), key=lambda item: item[1])


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def audit_entries(*, fetched_by, filters: AuditFilters) -> QuerySet:
    """The entries in the reader's scope matching ``filters``, oldest first."""
    scope.require(fetched_by, Right.AUDIT_EXPORT)
    entries = scope.scoped(AuditEntry.objects.all(), fetched_by).filter(
        at__gte=_day_start(filters.start), at__lt=_day_start(filters.end + dt.timedelta(days=1))
    )
    if filters.actor:
        entries = entries.filter(Q(actor__username=filters.actor) | Q(actor_name=filters.actor))
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.action:
        entries = entries.filter(action=filters.action)
    return entries.select_related("actor__organization").order_by("at", "id")


def changes_text(changes) -> str:
    """An entry's masked changes as one line: 标签：旧 → 新；…"""
    if not isinstance(changes, dict):
        return ""
    parts = []
    for field, change in changes.items():
        if isinstance(change, dict):
            old, new = change.get("old"), change.get("new")
            label = change.get("label", field)
            parts.append(f"{label}：{_shown(old)} → {_shown(new)}")
        else:
            parts.append(str(change))
    return "；".join(parts)


def _shown(value) -> str:
    if value in (None, "", []):
        return "（空）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _row(entry: AuditEntry) -> list:
    actor = entry.actor
    organization = actor.organization.name if actor and actor.organization_id else ""
    return [
        entry.at,
        entry.actor_name,
        actor.username if actor else "",
        organization,
        entry.ip or "",
        CHANNELS.get(entry.channel, entry.channel),
        entry.get_action_display(),
        object_type_label(entry.object_type) or entry.object_type,
        entry.object_id,
        entry.object_repr,
        changes_text(entry.changes),
        entry.note,
    ]


class _Export:
    """What an export entry names: the part of the trail that was exported."""

    def __init__(self, filters: AuditFilters):
        self.pk = f"{filters.start:%Y-%m-%d}~{filters.end:%Y-%m-%d}"
        self.label = f"审计日志{filters.start:%Y-%m-%d}至{filters.end:%Y-%m-%d}"

    def __str__(self) -> str:
        return self.label


def export_audit(*, actor, filters: AuditFilters) -> tuple[bytes, str]:
    """The entries as an Excel workbook and its file name; the export is recorded."""
    entries = audit_entries(fetched_by=actor, filters=filters)
    count = entries.count()
    if count > MAX_ROWS:
        raise _invalid(
            "start",
            "audit_export_too_large",
            f"符合条件的审计记录有{count}条，超过单次导出上限{MAX_ROWS}条，请缩小日期范围",
        )
    rows = (_row(entry) for entry in entries.iterator(chunk_size=2000))
    content = excel.workbook_bytes([excel.Sheet("审计日志", HEADERS, rows)])
    with transaction.atomic():
        audit.record(
            action=AuditEntry.Action.EXPORT,
            obj=_Export(filters),
            object_type=AuditEntry._meta.label_lower,
            user=actor,
            changes={"rows": {"label": "导出条数", "old": None, "new": count}},
            note=f"导出审计日志：{filters.describe()}"[:300],
        )
    name = f"审计日志{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.xlsx"
    return content, name
