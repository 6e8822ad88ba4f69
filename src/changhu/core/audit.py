"""Writing the audit trail: masked diffs of changes, and records of full views.

Services call these inside their transaction, so a change and its audit entry commit together.
``django-auditlog`` was the plan; it diffs stored column values, which for our encrypted fields
are ciphertext, so we record the masked plaintext diff ourselves (see docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model

from changhu.core import context
from changhu.core.models import AuditEntry

Masker = Callable[[str], str]


def _actor(user) -> tuple[Any, str]:
    ctx = context.current()
    if user is None and ctx.user_id:
        user = get_user_model().objects.filter(pk=ctx.user_id).first()
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "系统"
    return user, getattr(user, "real_name", "") or user.get_username()


def _fmt(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool | float):
        return value
    if isinstance(value, list | tuple | set):
        return [_fmt(v) for v in value]
    return str(value)


def diff(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    labels: Mapping[str, str],
    maskers: Mapping[str, Masker] | None = None,
) -> dict[str, dict[str, Any]]:
    """Fields whose value changed, with old and new values masked where a masker is given."""
    maskers = maskers or {}
    changes: dict[str, dict[str, Any]] = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        mask = maskers.get(field)
        changes[field] = {
            "label": labels.get(field, field),
            "old": mask(old) if mask and old else _fmt(old),
            "new": mask(new) if mask and new else _fmt(new),
        }
    return changes


def record(
    *,
    action: str,
    obj,
    changes: Mapping[str, Any] | None = None,
    user=None,
    note: str = "",
    object_type: str | None = None,
) -> AuditEntry:
    actor, actor_name = _actor(user)
    ctx = context.current()
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor_name[:150],
        ip=ctx.ip,
        channel=ctx.channel,
        action=action,
        object_type=object_type or obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=dict(changes or {}),
        note=note[:300],
    )


def save_changes(
    obj,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    user,
    labels: Mapping[str, str],
    maskers: Mapping[str, Masker] | None = None,
) -> dict[str, dict[str, Any]]:
    """Save a versioned row edited in place when anything audited changed (``before`` and
    ``after`` are its snapshots): the version goes up and the update is recorded with the
    changes. Returns the changes; none: nothing is saved."""
    changes = diff(before, after, labels=labels, maskers=maskers)
    if changes:
        obj.version += 1
        obj.save()
        record(action="update", obj=obj, user=user, changes=changes)
    return changes


def record_full_view(*, obj, fields: Iterable[str], labels: Mapping[str, str], user) -> None:
    """A user saw the unmasked value of these fields."""
    record(
        action=AuditEntry.Action.VIEW_FULL,
        obj=obj,
        changes={f: labels.get(f, f) for f in fields},
        user=user,
    )


def trail_for(obj, *, object_type: str | None = None):
    return AuditEntry.objects.filter(
        object_type=object_type or obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
