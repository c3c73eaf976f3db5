"""Writing bulk rows: COPY through psycopg on PostgreSQL, batched INSERTs through Django's
cursor elsewhere (SQLite: small sizes, tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, JSONField, Model

Row = tuple[Any, ...]


class Writer(Protocol):
    def reserve(self, model: type[Model], count: int) -> list[int]:
        """`count` new primary keys for `model`."""

    def write(self, model: type[Model], columns: Sequence[str], rows: Sequence[Row]) -> None:
        """Insert `rows` (values in the order of `columns`)."""

    def finish(self, say: Callable[[str], None]) -> None:
        """Whatever the database needs after a bulk load (statistics)."""


class PostgresWriter:
    """COPY … FROM STDIN on the connection Django holds, inside Django's transaction."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.tables: set[str] = set()

    def _raw(self) -> Any:
        self.connection.ensure_connection()
        return self.connection.connection

    def reserve(self, model: type[Model], count: int) -> list[int]:
        if count == 0:
            return []
        with self._raw().cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return [row[0] for row in cursor.fetchall()]

    def write(self, model: type[Model], columns: Sequence[str], rows: Sequence[Row]) -> None:
        if not rows:
            return
        from psycopg import sql
        from psycopg.types.json import Jsonb

        table = model._meta.db_table
        self.tables.add(table)
        json_at = [i for i, name in enumerate(columns) if _is_json(model, name)]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self._raw().cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                if json_at:
                    values = list(row)
                    for i in json_at:
                        values[i] = Jsonb(values[i])
                    row = tuple(values)
                copy.write_row(row)

    def finish(self, say: Callable[[str], None]) -> None:
        # Fresh statistics (and the visibility map) so that the benchmarks see the plans a
        # settled database would have. VACUUM cannot run inside a transaction (a test's):
        # there, statistics only.
        command = "ANALYZE" if self.connection.in_atomic_block else "VACUUM ANALYZE"
        with self.connection.cursor() as cursor:
            for table in sorted(self.tables):
                say(f"{command} {table}")
                cursor.execute(f'{command} "{table}"')


class GenericWriter:
    """Batched INSERTs with values prepared by the model fields, for any backend."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.next_ids: dict[str, int] = {}

    def reserve(self, model: type[Model], count: int) -> list[int]:
        table = model._meta.db_table
        if table not in self.next_ids:
            with self.connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')  # noqa: S608
                self.next_ids[table] = int(cursor.fetchone()[0])
        first = self.next_ids[table]
        self.next_ids[table] = first + count
        return list(range(first, first + count))

    def write(self, model: type[Model], columns: Sequence[str], rows: Sequence[Row]) -> None:
        if not rows:
            return
        fields = [_field(model, name) for name in columns]
        prepared = [
            [
                f.get_db_prep_save(value, self.connection)
                for f, value in zip(fields, row, strict=True)
            ]
            for row in rows
        ]
        names = ", ".join(f'"{name}"' for name in columns)
        marks = ", ".join(["%s"] * len(columns))
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES ({marks})',  # noqa: S608
                prepared,
            )

    def finish(self, say: Callable[[str], None]) -> None:
        return None


def _field(model: type[Model], column: str) -> Field[Any, Any]:
    for f in model._meta.concrete_fields:
        if f.column == column:
            return f
    raise LookupError(f"{model.__name__} has no column {column}")


def _is_json(model: type[Model], column: str) -> bool:
    return isinstance(_field(model, column), JSONField)


def writer_for(connection: BaseDatabaseWrapper) -> Writer:
    if connection.vendor == "postgresql":
        return PostgresWriter(connection)
    return GenericWriter(connection)
