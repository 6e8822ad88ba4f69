"""Workflow transitions as data, applied with compare-and-set and logged.

A workflow is a table: transition name -> (allowed source states, target state, right).
:func:`apply` moves one object: it checks the right, checks the source state, then updates the
row only if it is still in the state the caller saw (``UPDATE … WHERE status = <from>``), so of
two people acting on the same case at once exactly one succeeds and the other gets a 409. The
move and its :class:`~changhu.core.models.TransitionLog` row commit together.

We use this instead of django-fsm-2 (named in the architecture) because models here hold no
workflow code, and the compare-and-set, the right check and the log belong in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from changhu.core.errors import Conflict
from changhu.core.models import TransitionLog
from changhu.core.scope import require


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    right: str
    label: str = ""


class Workflow:
    def __init__(
        self,
        name: str,
        transitions: Mapping[str, Transition],
        *,
        field: str = "status",
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.transitions = dict(transitions)
        self.field = field
        self.labels = dict(labels or {})

    def allowed(self, state: str) -> list[str]:
        return [name for name, t in self.transitions.items() if state in t.sources]

    def label(self, state: str) -> str:
        return self.labels.get(state, state)


def apply(
    workflow: Workflow,
    obj,
    name: str,
    *,
    actor,
    reason: str = "",
    check_right: bool = True,
    extra_updates: Mapping[str, object] | None = None,
) -> TransitionLog:
    """Move ``obj`` through ``name``; 409 ``illegal_transition`` or ``concurrent_change``."""
    transition = workflow.transitions[name]
    if check_right:
        require(actor, transition.right)
    current = getattr(obj, workflow.field)
    if current not in transition.sources:
        raise Conflict(
            f"当前状态为“{workflow.label(current)}”，不能执行“{transition.label or name}”",
            code="illegal_transition",
        )
    updates = {workflow.field: transition.target, **(extra_updates or {})}
    model = type(obj)
    with transaction.atomic():
        changed = model.objects.filter(pk=obj.pk, **{workflow.field: current}).update(**updates)
        if changed != 1:
            raise Conflict("该记录刚被他人处理，请刷新后重试", code="concurrent_change")
        for attr, value in updates.items():
            setattr(obj, attr, value)
        return TransitionLog.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            from_state=current,
            to_state=transition.target,
            reason=(reason or "")[:500],
        )


def timeline(obj):
    return TransitionLog.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
