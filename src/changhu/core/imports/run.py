"""One pass over an import file: each chunk of rows goes to the kind's row handler, which checks
it (and writes it when asked); the pass keeps the counts, a masked sample and the capped error
log.

A handler says what a row means. It reports a refused row with :meth:`Run.reject` (or by raising
:class:`RowProblems` inside :meth:`Run.check_and_write`), a good one with :meth:`Run.accept`,
and writes only while :attr:`Run.writing`: in all-or-nothing mode writing stops at the first
error, since the whole transaction is rolled back anyway, while the rows left are still checked
so that the report lists every error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import transaction

from changhu.core import clock, scope
from changhu.core.imports.cells import Column
from changhu.core.imports.reader import RawRow, Table, chunks, raw_rows

SAMPLE_ROWS = 5
T = TypeVar("T")

# (field, code, message); field "" is the whole row
RowProblem = tuple[str, str, str]


class RowProblems(Exception):
    """The problems of one row, raised by a handler's checks or writes."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass
class ErrorLog:
    labels: dict[str, str]  # field -> Chinese column header, in the template's order
    cap: int
    items: list[dict] = field(default_factory=list)
    count: int = 0
    rows: int = 0

    def add_row(self, number: int, problems: list[RowProblem]) -> None:
        """All errors of one row."""
        self.rows += 1
        for field_name, code, message in problems:
            self.count += 1
            if len(self.items) < self.cap:
                column = self.labels.get(field_name, field_name) if field_name else "整行"
                self.items.append(
                    {
                        "row": number,
                        "column": column,
                        "field": field_name,
                        "code": code,
                        "message": message,
                    }
                )

    def sorted_items(self) -> list[dict]:
        order = {name: i for i, name in enumerate(self.labels)}
        return sorted(self.items, key=lambda e: (e["row"], order.get(e["field"], 99)))


@dataclass
class Outcome:
    kind: str
    file_format: str
    encoding: str
    log: ErrorLog
    total: int = 0
    valid: int = 0
    written: int = 0
    warnings: list[str] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)


@dataclass
class Run:
    """What a row handler needs to know about the pass, and how it reports each row."""

    actor: Any
    scope: scope.Scope
    today: dt.date
    outcome: Outcome
    write: bool = False
    all_or_nothing: bool = False
    batch: Any = None  # the batch being committed (for provenance rows), when writing

    @property
    def log(self) -> ErrorLog:
        return self.outcome.log

    @property
    def writing(self) -> bool:
        return self.write and not (self.all_or_nothing and self.log.count)

    def reject(self, number: int, problems: list[RowProblem]) -> None:
        self.log.add_row(number, problems)

    def accept(self, count: int = 1) -> None:
        self.outcome.valid += count

    def wrote(self, count: int = 1) -> None:
        self.outcome.written += count

    def add_sample(self, make: Callable[[], dict]) -> None:
        """A masked preview of a valid row, while fewer than ``SAMPLE_ROWS`` are kept."""
        if len(self.outcome.sample) < SAMPLE_ROWS:
            self.outcome.sample.append(make())

    def savepoint(self) -> AbstractContextManager:
        """Around one row's writes: valid-only goes on after a failed row, so it needs one;
        all-or-nothing rolls everything back on the first error and does not."""
        return nullcontext() if self.all_or_nothing else transaction.atomic()

    def check_and_write(
        self, number: int, check: Callable[[], T], write: Callable[[T], None]
    ) -> T | None:
        """One row, row by row: ``check`` returns what ``write`` needs or raises
        :class:`RowProblems`; ``write`` runs while writing. Returns ``None`` for a refused row."""
        try:
            checked = check()
            if self.writing:
                with self.savepoint():
                    write(checked)
                self.wrote()
        except RowProblems as refused:
            self.reject(number, refused.problems)
            return None
        self.accept()
        return checked


class RowHandler:
    """What one kind's rows mean: gets the rows a chunk at a time, in file order."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def handle(self, chunk: list[RawRow]) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class ImportKind:
    """One kind of file an app imports."""

    name: str  # the batch's ``kind`` value
    columns: tuple[Column, ...]
    handler: Callable[[Run], RowHandler]
    rights: tuple[str, ...]  # every right needed to upload, commit or discard
    title: str  # the template's name, e.g. 参保人导入模板


def run_file(
    kind: ImportKind,
    table: Table,
    *,
    actor,
    scope_: scope.Scope,
    max_rows: int,
    error_cap: int,
    write: bool = False,
    all_or_nothing: bool = False,
    batch=None,
) -> Outcome:
    """Pass every row of ``table`` through the kind's handler."""
    outcome = Outcome(
        kind=kind.name,
        file_format=table.file_format,
        encoding=table.encoding,
        log=ErrorLog(labels={c.field: c.label for c in kind.columns}, cap=error_cap),
        warnings=list(table.warnings),
    )
    run = Run(
        actor=actor,
        scope=scope_,
        today=clock.today(),
        outcome=outcome,
        write=write,
        all_or_nothing=all_or_nothing,
        batch=batch,
    )
    handler = kind.handler(run)
    for chunk in chunks(raw_rows(table, max_rows)):
        outcome.total += len(chunk)
        handler.handle(chunk)
    outcome.log.items = outcome.log.sorted_items()
    return outcome
