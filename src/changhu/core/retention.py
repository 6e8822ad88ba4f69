"""Personal data kept only as long as the task that needed it.

An upload awaiting a decision (an import batch in preview) holds the ID numbers, phones and
addresses of every row, encrypted. A batch nobody commits or discards would keep them forever,
so each app's batches get a purger here (``changhu.core.imports.lifecycle.register`` adds it)
and ``changhu purge-imports`` (run daily, see docs/data-protection.md) gives up batches left
waiting longer than the retention period and deletes what they hold. Totals, error lists
without personal data, and the audit trail stay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

# name -> purge(before, dry_run) -> number of items purged (or that would be)
Purger = Callable[[dt.datetime, bool], int]
_purgers: dict[str, Purger] = {}


def register_purger(name: str, purge: Purger) -> None:
    _purgers[name] = purge


def purge_all(*, before: dt.datetime, dry_run: bool = False) -> dict[str, int]:
    """Run every registered purger; what each purged (or would purge), by name."""
    return {name: purge(before, dry_run) for name, purge in sorted(_purgers.items())}
