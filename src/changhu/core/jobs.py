"""The background jobs ``changhu worker`` runs, registered by the apps that own them.

Two kinds:

- a **queue** (``register_queue``): work that a person asked for on a page or through the API
  and that waits in the app's own table (a screening run, a settlement run). ``claim`` takes the
  next item for this process (``SELECT … FOR UPDATE SKIP LOCKED``) or returns ``None``;
  ``execute`` does it and returns a line for the log; ``release`` (optional) puts an item back
  in the queue when the worker is stopped halfway, so the next worker resumes it.
- a **daily** job (``register_daily``): housekeeping that must happen once a day, whoever
  asks (deadlines, entitlement reconciliation, retention, bed-days). ``run(today)`` returns what
  it did; ``core.models.DailyJobRun`` records it, so it runs once a day however many workers
  there are.

Core knows no domain app: each app registers its jobs in a ``tasks`` module of its own (the
architecture's "``tasks.py``: background jobs, thin wrappers over services"), found by
``discover()``. Queues are served in registration order, daily jobs by their ``order``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WorkerOptions:
    """What the operator chose for this worker process."""

    parallel: int = 2  # connections a job may use at once (PostgreSQL; SQLite uses one)


@dataclass(frozen=True)
class QueueJob:
    name: str
    label: str  # Chinese, for logs and pages
    claim: Callable[[], Any | None]
    execute: Callable[[Any, WorkerOptions], str]
    release: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class DailyJob:
    name: str
    label: str
    run: Callable[[dt.date], object]
    order: int = 50


_queues: dict[str, QueueJob] = {}
_daily: dict[str, DailyJob] = {}


def register_queue(
    name: str,
    *,
    label: str,
    claim: Callable[[], Any | None],
    execute: Callable[[Any, WorkerOptions], str],
    release: Callable[[Any], None] | None = None,
) -> None:
    """Add (or replace) a queue the worker serves."""
    _queues[name] = QueueJob(name, label, claim, execute, release)


def register_daily(
    name: str, *, label: str, run: Callable[[dt.date], object], order: int = 50
) -> None:
    """Add (or replace) a job the worker runs once a day; lower ``order`` runs first (an
    assessment conclusion reached today opens its entitlement before entitlements are
    reconciled, say)."""
    _daily[name] = DailyJob(name, label, run, order)


def unregister(name: str) -> None:
    """Remove a job (tests)."""
    _queues.pop(name, None)
    _daily.pop(name, None)


def queues() -> list[QueueJob]:
    return list(_queues.values())


def daily_jobs() -> list[DailyJob]:
    return sorted(_daily.values(), key=lambda job: job.order)


def discover() -> None:
    """Import every installed app's ``tasks`` module, where it registers its jobs."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")


def describe(result: object) -> str:
    """A job's result as text for the log and the record: ``lines()``, a dict, or ``str()``."""
    if result is None:
        return ""
    if hasattr(result, "lines"):
        return "; ".join(str(line) for line in result.lines())
    if isinstance(result, dict):
        return ", ".join(f"{key}={value}" for key, value in result.items())
    return str(result)
