"""Workflow transitions as data, applied with compare-and-set and logged.

A workflow is a table: transition name -> (allowed source states, target state, right).
:func:`apply` moves one object: it checks the right, checks the source state, then updates the
row only if it is still in the state the caller saw (``UPDATE … WHERE status = <from>``), so of
two people acting on the same case at once exactly one succeeds and the other gets a 409. The
move, its :class:`~changhu.core.models.TransitionLog` row and its audit entry (the state before
and after, the reason) commit together; a service that records a fuller audit entry of the same
change itself passes ``audit=False``.

We use this instead of django-fsm-2 (named in the architecture) because models here hold no
workflow code, and the compare-and-set, the right check and the log belong in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Choices

from changhu.core import audit as audit_trail
from changhu.core.errors import Conflict
from changhu.core.models import TransitionLog
from changhu.core.scope import require


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]  # any collection of states; kept as a frozenset
    target: str
    right: str
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", frozenset(self.sources))


class Workflow:
    def __init__(
        self,
        name: str,
        transitions: Mapping[str, Transition],
        *,
        field: str = "status",
        labels: Mapping[str, str] | type[Choices] | None = None,
    ) -> None:
        """``labels``: the states' names for people, or the ``TextChoices`` of the states."""
        self.name = name
        self.transitions = dict(transitions)
        self.field = field
        self.labels = dict(getattr(labels, "choices", labels) or {})

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
    audit: bool = True,
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
        # The base manager: a model whose default manager filters (providers.Institution) still
        # changes any row by its key.
        changed = model._base_manager.filter(pk=obj.pk, **{workflow.field: current}).update(
            **updates
        )
        if changed != 1:
            raise Conflict("该记录刚被他人处理，请刷新后重试", code="concurrent_change")
        for attr, value in updates.items():
            setattr(obj, attr, value)
        if audit:
            _audit(workflow, obj, current, transition, actor=actor, reason=reason)
        return TransitionLog.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            from_state=current,
            to_state=transition.target,
            reason=(reason or "")[:500],
        )


def _audit(workflow: Workflow, obj, current: str, transition: Transition, *, actor, reason):
    audit_trail.record(
        action="update",
        obj=obj,
        user=actor if getattr(actor, "pk", None) else None,
        changes={
            workflow.field: {
                "label": "状态",
                "old": workflow.label(current),
                "new": workflow.label(transition.target),
            }
        },
        note=(reason or transition.label or "")[:300],
    )


def timeline(obj):
    return TransitionLog.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")


def labelled_timeline(obj, workflow: Workflow) -> list[dict]:
    """``obj``'s state changes for a page: when, from and to (the states' labels), and why."""
    return [
        {
            "at": t.at,
            "from": workflow.label(t.from_state),
            "to": workflow.label(t.to_state),
            "reason": t.reason,
        }
        for t in timeline(obj)
    ]
