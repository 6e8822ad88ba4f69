"""Work queues on the home page: a registry each app adds its queues to.

An app registers a queue with :func:`register_queue`, usually from its ``queues`` module
(every installed app's ``queues`` module is imported when the web app starts). The home page
shows the queues whose right the user holds, each with a live count from a scoped selector.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from changhu.core.scope import scope_of


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    right: str
    count_fn: Callable[[object], int]  # user -> number of items in the user's scope
    url_fn: Callable[[], str]  # where the items are listed
    icon: str = "inbox"
    hint: str = ""
    order: int = 100
    hint_fn: Callable[[object], str] | None = None  # user -> a line saying why, or ""


@dataclass(frozen=True)
class QueueCard:
    key: str
    label: str
    count: int
    url: str
    icon: str
    hint: str


_queues: dict[str, Queue] = {}


def register_queue(
    key: str,
    label: str,
    right: str,
    count_fn: Callable[[object], int],
    url_fn: Callable[[], str],
    *,
    icon: str = "inbox",
    hint: str = "",
    order: int = 100,
    hint_fn: Callable[[object], str] | None = None,
) -> Queue:
    """Add (or replace, by ``key``) a queue shown to users holding ``right``.

    ``hint_fn``, if given, says for a user what the card holds and why (``2 份申报被退回：缺少
    护理记录``); when it has nothing to say the static ``hint`` is shown.
    """
    queue = Queue(
        key, label, right, count_fn, url_fn, icon=icon, hint=hint, order=order, hint_fn=hint_fn
    )
    _queues[key] = queue
    return queue


def unregister_queue(key: str) -> None:
    _queues.pop(key, None)


def registered_queues() -> list[Queue]:
    return sorted(_queues.values(), key=lambda q: (q.order, q.key))


def queues_for(user) -> list[QueueCard]:
    """The queues this user may work on, with their current counts."""
    scope = scope_of(user)
    return [
        QueueCard(
            key=q.key,
            label=q.label,
            count=q.count_fn(user),
            url=q.url_fn(),
            icon=q.icon,
            hint=(q.hint_fn(user) if q.hint_fn else "") or q.hint,
        )
        for q in registered_queues()
        if scope.can(q.right)
    ]
