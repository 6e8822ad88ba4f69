"""Work queues on the home page: a registry each app adds its queues to.

An app registers a queue with :func:`register_queue`, usually from its ``queues`` module
(every installed app's ``queues`` module is imported when the web app starts). The home page
shows the queues whose right the user holds, each with a live count from a scoped selector.

A queue may also say how many of its items are overdue (``overdue``) and how many fall due
today (``due_today``). The home page groups the cards by module and puts first the modules,
and within a module the cards, that hold overdue items, then those due today, then the rest in
registry ``order`` (see :func:`dashboard`).
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
    overdue: Callable[[object], int] | None = None  # user -> items past their deadline
    due_today: Callable[[object], int] | None = None  # user -> items whose deadline is today
    module: str = ""  # the module heading; by default from the key's prefix


@dataclass(frozen=True)
class QueueCard:
    key: str
    label: str
    count: int
    url: str
    icon: str
    hint: str
    overdue: int = 0
    due_today: int = 0
    module: str = ""
    order: int = 100

    @property
    def urgency(self) -> int:
        """0 with overdue items, 1 with items due today, 2 otherwise."""
        if self.overdue:
            return 0
        return 1 if self.due_today else 2


@dataclass(frozen=True)
class QueueGroup:
    module: str
    cards: list[QueueCard]

    @property
    def urgency(self) -> int:
        return min(card.urgency for card in self.cards)


# Module headings on the home page, as in the menu (web.context.NAVIGATION).
MODULE_LABELS = {
    "insured": "参保登记",
    "assessment": "评估",
    "care": "护理",
    "providers": "护理",
    "visits": "服务监管",
    "supervision": "监督检查",
    "settlement": "结算",
    "fund": "基金",
    "feedback": "社会监督",
    "public": "社会监督",
}


def module_of(key: str) -> str:
    prefix = key.replace("_", ".").split(".", 1)[0]
    return MODULE_LABELS.get(prefix, "其他")


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
    overdue: Callable[[object], int] | None = None,
    due_today: Callable[[object], int] | None = None,
    module: str = "",
) -> Queue:
    """Add (or replace, by ``key``) a queue shown to users holding ``right``.

    ``hint_fn``, if given, says for a user what the card holds and why (``2 份申报被退回：缺少
    护理记录``); when it has nothing to say the static ``hint`` is shown. ``overdue`` and
    ``due_today``, if given, count for a user the items past their deadline and due today;
    ``module`` names the heading the card goes under (by default from the key's prefix).
    """
    queue = Queue(
        key,
        label,
        right,
        count_fn,
        url_fn,
        icon=icon,
        hint=hint,
        order=order,
        hint_fn=hint_fn,
        overdue=overdue,
        due_today=due_today,
        module=module or module_of(key),
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
            overdue=q.overdue(user) if q.overdue else 0,
            due_today=q.due_today(user) if q.due_today else 0,
            module=q.module or module_of(q.key),
            order=q.order,
        )
        for q in registered_queues()
        if scope.can(q.right)
    ]


def dashboard(user) -> list[QueueGroup]:
    """The user's cards grouped by module: the groups holding overdue items first, then those
    with items due today, then the rest, each in registry order, empty ones last; the same
    within a group."""
    groups: dict[str, list[QueueCard]] = {}
    for card in queues_for(user):
        groups.setdefault(card.module, []).append(card)
    result = [
        QueueGroup(module, sorted(cards, key=lambda c: (c.urgency, not c.count, c.order, c.key)))
        for module, cards in groups.items()
    ]
    return sorted(
        result,
        key=lambda g: (g.urgency, not any(c.count for c in g.cards), min(c.order for c in g.cards)),
    )
