"""Writing the synthetic city's rows: per-table files in PostgreSQL's COPY text format, ids
assigned here, and the id sequences moved past them afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import connection, models

from changhu.core import clock

# --- writing rows ----------------------------------------------------------------------------


class Table:
    """Rows of one model in COPY text format (PostgreSQL) or as tuples (SQLite)."""

    def __init__(self, model: type[models.Model], workdir: Path, pg: bool) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.index.update({f.name: i for i, f in enumerate(self.fields)})
        now = clock.now()
        self.template: list = []
        self.required: set[str] = set()
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.template.append(now)
            elif f.has_default():
                self.template.append(f.get_default())
            else:
                self.template.append(None)
                if not f.null and not f.primary_key:
                    self.required.add(f.attname)
        self.pg = pg
        self.count = 0
        self.rows: list[tuple] = []
        self.path = workdir / f"{model._meta.db_table}.copy"
        self.file = self.path.open("w", encoding="utf-8") if pg else None

    def add(self, values: dict) -> None:
        row = list(self.template)
        for key, value in values.items():
            row[self.index[key]] = value
        self.count += 1
        if self.pg:
            self.file.write("\t".join(map(_text, row)) + "\n")
        else:
            pairs = zip(self.fields, row, strict=True)
            self.rows.append(tuple(self._sqlite(f, v) for f, v in pairs))

    @staticmethod
    def _sqlite(f, value):
        return f.get_db_prep_value(value, connection) if value is not None else None

    def load(self, cursor) -> None:
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        if self.pg:
            self.file.close()
            with (
                self.path.open("rb") as source,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                while block := source.read(1 << 20):
                    copy.write(block)
            self.path.unlink()
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            for start in range(0, len(self.rows), 5000):
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    self.rows[start : start + 5000],
                )
            self.rows = []


def _text(value) -> str:
    """One value in COPY text format (our generated values hold no tabs or backslashes)."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is dict or kind is list:
        return json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")
    return str(value)


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return cursor.fetchone()[0] + 1


def _reset_sequences(cursor, tables: list[Table]) -> None:
    if connection.vendor != "postgresql":
        return
    for t in tables:
        name = t.model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
        )
