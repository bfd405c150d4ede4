"""Bulk writes for history loaders and rollups: COPY on PostgreSQL, executemany on SQLite."""

from datetime import datetime, timedelta

from django.db import connection

# Rows: below this an upsert statement per row costs less than a staging table, made and dropped in the
# catalogue each time (an approval's totals are often a handful of rows written while others wait).
STAGING_FROM = 50


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    return value


def _names(columns: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Inserts rows given in `columns` order (JSON values as text) into `table`."""
    if not rows:
        return
    target = f"{connection.ops.quote_name(table)} ({_names(columns)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        rows = [tuple(_sqlite_value(value) for value in row) for row in rows]
        cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", rows)


def upsert_rows(
    table: str, columns: list[str], rows: list[tuple], *, key: list[str], column_types: list[str], update: str
) -> None:
    """Inserts rows or, where `key` exists, applies `update` (SQL using {table} and excluded): on PostgreSQL
    many rows in one statement through a temporary table filled by COPY (`column_types` are PostgreSQL types),
    a few rows (and SQLite's) one statement each."""
    if not rows:
        return
    quoted = connection.ops.quote_name(table)
    assignment = update.format(table=quoted)
    conflict = f"ON CONFLICT ({_names(key)}) DO UPDATE SET {assignment}"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(rows) < STAGING_FROM:
            marks = ", ".join(["%s"] * len(columns))
            if connection.vendor != "postgresql":
                rows = [tuple(_sqlite_value(value) for value in row) for row in rows]
            cursor.executemany(f"INSERT INTO {quoted} ({_names(columns)}) VALUES ({marks}) {conflict}", rows)
            return
        staging = connection.ops.quote_name(f"staging_{table}")
        definition = ", ".join(
            f"{connection.ops.quote_name(c)} {t}" for c, t in zip(columns, column_types, strict=True)
        )
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} ({definition}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {staging} ({_names(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        names = _names(columns)
        cursor.execute(f"INSERT INTO {quoted} ({names}) SELECT {names} FROM {staging} {conflict}")
