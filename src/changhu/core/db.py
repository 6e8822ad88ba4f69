"""Database helpers that are not the ORM's business."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import QuerySet


@contextmanager
def prepared_statements(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within the block, PostgreSQL queries send their parameters apart from the SQL.

    Django binds parameters into the SQL text on the client by default, so PostgreSQL parses
    and plans every statement again. With server-side binding, psycopg prepares a statement a
    connection has run a few times (``prepare_threshold``) and PostgreSQL reuses its plan: on
    the check-in path planning cost more server CPU than running the queries. Only for
    statements known to work that way (tested on PostgreSQL): a text parameter is sent
    untyped, so it must be used where PostgreSQL can infer one type for it. Elsewhere (SQLite,
    or a connection already configured with ``server_side_binding``) this does nothing.
    """
    wrapper = connections[using]
    if wrapper.vendor != "postgresql" or wrapper.features.uses_server_side_binding:
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    wrapper.ensure_connection()
    raw = wrapper.connection
    previous = raw.cursor_factory
    if previous is ServerBindingCursor:  # nested
        yield
        return
    raw.cursor_factory = ServerBindingCursor
    try:
        yield
    finally:
        # After an error Django may have closed and replaced the connection; a new one starts
        # with the configured factory anyway.
        if not raw.closed:
            raw.cursor_factory = previous


class RowLoader:
    """Model instances from a hand-written query that selects ``columns(alias)``.

    For hot statements written in SQL (so they can be prepared) that still hand the rest of
    the code ordinary model instances: the columns are every concrete field of the model, in
    ``_meta`` order, and each value goes through the converters the ORM would apply.
    """

    def __init__(self, model) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self._pk_index = self.attnames.index(model._meta.pk.attname)
        self._converters: dict[str, list] = {}

    def columns(self, alias: str) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(f.column)}" for f in self.fields)

    def _converters_for(self, connection) -> list:
        key = connection.alias
        if key not in self._converters:
            table = self.model._meta.db_table
            per_field = []
            for f in self.fields:
                col = f.get_col(table)
                per_field.append(
                    (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
                )
            self._converters[key] = per_field
        return self._converters[key]

    def load(self, row, start: int, connection):
        """The instance in ``row[start:start + len(fields)]``, or None for an outer join miss."""
        values = list(row[start : start + len(self.fields)])
        if values[self._pk_index] is None:
            return None
        for i, (col, converters) in enumerate(self._converters_for(connection)):
            for convert in converters:
                values[i] = convert(values[i], col, connection)
        return self.model.from_db(connection.alias, self.attnames, values)

    def __len__(self) -> int:
        return len(self.fields)

    @staticmethod
    def load_all(row, connection, *loaders: RowLoader) -> list:
        """The instances of a row that selected each loader's columns one after the other."""
        out, start = [], 0
        for loader in loaders:
            out.append(loader.load(row, start, connection))
            start += len(loader)
        return out


def filter_given(queryset: QuerySet, **lookups) -> QuerySet:
    """``queryset`` narrowed by the lookups whose value was given: the empty fields of a filter
    form (``None``, ``""``, ``False``, 0) leave it alone. For lookups on the row's own columns
    and forward relations, where one ``filter()`` and several chained ones mean the same."""
    return queryset.filter(**{lookup: value for lookup, value in lookups.items() if value})
