"""The assessment queues on the home page (imported by the web app at start-up).

Each card counts the same scoped query as its tab on the case list, so the number and the rows
agree. The registry shows a card to the holders of one right; a queue that serves two
audiences (case workers and the institution) is registered once for each, under rights no
role holds together, so nobody sees a card twice.
"""

from __future__ import annotations

from changhu.assessment import selectors
from changhu.orgs.roles import Right
from changhu.web.queues import register_queue

# queue key -> the rights whose holders get a card for it
HOME_RIGHTS = {
    "intake": (Right.ASSESSMENT_ACCEPT,),
    "materials": (Right.ASSESSMENT_ACCEPT,),
    "dispatch": (Right.ASSESSMENT_DISPATCH,),
    "assessment": (Right.ASSESSMENT_DISPATCH, Right.ASSESSMENT_CONDUCT),
    "confirmation": (Right.ASSESSMENT_REVIEW, Right.ASSESSMENT_CONFIRM),
    "draw": (Right.EXPERT_DRAW,),
    "my_confirmations": (Right.ASSESSMENT_CONFIRM,),
    "review": (Right.ASSESSMENT_REVIEW,),
    "publicity": (Right.ASSESSMENT_REVIEW,),
    "issue": (Right.ASSESSMENT_CONCLUDE,),
    "reassessment": (Right.ASSESSMENT_DISPATCH,),
    "overdue": (Right.ASSESSMENT_VIEW,),
}


def _counts(user) -> dict[str, int]:
    # Every card of one page asks; count once per request (the user object lives that long).
    cached = getattr(user, "_assessment_queue_counts", None)
    if cached is None:
        cached = selectors.queue_counts(fetched_by=user)
        user._assessment_queue_counts = cached
    return cached


def _deadlines(user) -> dict[str, tuple[int, int]]:
    cached = getattr(user, "_assessment_queue_deadlines", None)
    if cached is None:
        cached = selectors.queue_deadlines(fetched_by=user)
        user._assessment_queue_deadlines = cached
    return cached


# The home card's name where the case list's tab name alone would be ambiguous on a page that
# also shows other modules' queues (结算待复核).
HOME_LABELS = {"review": "评估待复核", "confirmation": "评估待确认", "overdue": "评估逾期"}


def register() -> None:
    for order, (key, rights) in enumerate(HOME_RIGHTS.items(), start=200):
        queue = selectors.QUEUES[key]
        for index, right in enumerate(rights):

            def count(user, key=key) -> int:
                return _counts(user).get(key, 0)

            def overdue(user, key=key) -> int:
                return _deadlines(user).get(key, (0, 0))[0]

            def due_today(user, key=key) -> int:
                return _deadlines(user).get(key, (0, 0))[1]

            def url(key=key) -> str:
                from changhu.assessment.views import queue_url

                return queue_url(key)

            register_queue(
                f"assessment.{key}" + (f".{index}" if index else ""),
                HOME_LABELS.get(key, queue.label),
                right,
                count,
                url,
                icon=queue.icon,
                hint=queue.hint,
                order=order,
                overdue=overdue,
                due_today=due_today,
            )


register()
