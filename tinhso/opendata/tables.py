"""The datastore's typed tables on PostgreSQL: one table per loaded version, as CKAN's datastore keeps one per
resource, with `_id` (1, 2, 3... without gaps) and a column per field of the inferred type, filled by COPY.

Names never come from the file: the table is `opendata_ds_<version id>` and its columns `c1`, `c2`... in the
order of `ResourceVersion.fields`, so no header reaches SQL (nor PostgreSQL's 63-byte limit on names); both are
still quoted with psycopg.sql. SQLite (the embedded default) keeps a version's rows as JSON (`DatastoreRow`)."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

PG_TYPES = {
    "integer": "bigint",
    "number": "double precision",
    "date": "date",
    "datetime": "timestamp",
    "string": "text",
}
# Vietnamese letters (both cases) to the ASCII `text.fold` gives them, for `q` on PostgreSQL without unaccent.
VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
FOLDED = "a" * 17 + "e" * 11 + "i" * 5 + "o" * 17 + "u" * 11 + "y" * 5 + "d"
FOLD_FROM = VIETNAMESE + VIETNAMESE.upper()
FOLD_TO = FOLDED + FOLDED


def used() -> bool:
    """Whether versions are kept in typed tables (PostgreSQL) rather than as JSON rows (SQLite)."""
    return connection.vendor == "postgresql"


def table(version_id: int) -> sql.Identifier:
    return sql.Identifier(f"opendata_ds_{int(version_id)}")


def column(index: int) -> sql.Identifier:
    """The table column of the field at `index` (0-based) of the version's fields."""
    return sql.Identifier(f"c{int(index) + 1}")


def _text(statement: sql.Composable) -> str:
    connection.ensure_connection()
    return statement.as_string(connection.connection)


def execute(statement: sql.Composable, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(_text(statement), params)
        return cursor.fetchall() if cursor.description else []


def create(version_id: int, kinds: list[str]) -> None:
    """A fresh table for the version (a killed attempt's table is dropped first)."""
    columns = [
        sql.SQL("{} {}").format(column(index), sql.SQL(PG_TYPES[kind])) for index, kind in enumerate(kinds)
    ]
    drop(version_id)
    execute(
        sql.SQL("CREATE TABLE {} (_id integer NOT NULL{})").format(
            table(version_id),
            sql.SQL("").join(sql.SQL(", ") + item for item in columns),
        )
    )


def drop(version_id: int) -> None:
    if used():
        execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table(version_id)))


def exists(version_id: int) -> bool:
    return bool(
        execute(sql.SQL("SELECT to_regclass({})").format(sql.Literal(f"opendata_ds_{int(version_id)}")))[0][0]
    )


@contextmanager
def copying(version_id: int, width: int) -> Iterator[psycopg.Copy]:
    """A COPY into the version's table in COPY's text format (`_id` first, then each column), sent by a
    thread of psycopg's so PostgreSQL reads while the caller prepares more; dates are read day first."""
    names = sql.SQL(", ").join([sql.Identifier("_id")] + [column(index) for index in range(width)])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table(version_id), names)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL datestyle = 'ISO, DMY'")  # "05/09/1990" is 5 September
        raw = cursor.cursor
        with raw.copy(_text(statement), writer=QueuedLibpqWriter(raw)) as stream:
            yield stream


@dataclass
class Copying:
    stream: psycopg.Copy
    rows: int = -1  # the rows PostgreSQL read, once the COPY ended


@contextmanager
def copying_csv(version_id: int, width: int, delimiter: str) -> Iterator[Copying]:
    """A COPY into the version's table of CSV lines without a header, in UTF-8, `_id` first: an empty cell,
    quoted or not, is null; dates are read day first. Sent by a thread of psycopg's, as `copying`."""
    names = sql.SQL(", ").join(column(index) for index in range(width))
    statement = sql.SQL(
        "COPY {} (_id, {}) FROM STDIN (FORMAT csv, DELIMITER {}, FORCE_NULL ({}), ENCODING 'UTF8')"
    ).format(table(version_id), names, sql.Literal(delimiter), names)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL datestyle = 'ISO, DMY'")  # "05/09/1990" is 5 September
        raw = cursor.cursor
        with raw.copy(_text(statement), writer=QueuedLibpqWriter(raw)) as stream:
            copying = Copying(stream)
            yield copying
        copying.rows = raw.rowcount


CASTS = {
    "integer": "{}::bigint",
    "number": "replace({}, ',', '.')::double precision",  # PostgreSQL reads decimal points
    "date": "{}::date",
    "datetime": "{}::timestamp",
    "string": "{}",
}


def copy_csv(
    version_id: int, path: Path, *, kinds: list[str], nulls: list[set[str]], delimiter: str, skip: int
) -> int:
    """The CSV file's bytes (after `skip` of them) read by PostgreSQL into a staging table of text, then into
    the version's table in one statement: `nulls` (per column, the cells that mean null) to NULL, the text
    cast to each column's type (dates day first). Returns the rows written."""
    stage = sql.Identifier(f"opendata_stage_{int(version_id)}")
    texts = [sql.Identifier(f"s{index + 1}") for index in range(len(kinds))]
    values = [
        sql.SQL(CASTS[kind]).format(_nulled(text, spellings))
        for kind, text, spellings in zip(kinds, texts, nulls, strict=True)
    ]
    create = sql.SQL("CREATE TEMPORARY TABLE {} (_id bigint GENERATED ALWAYS AS IDENTITY, {}) ON COMMIT DROP")
    copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER true, DELIMITER {}, ENCODING 'UTF8')")
    insert = sql.SQL("INSERT INTO {} (_id, {}) SELECT _id, {} FROM {}")
    execute(create.format(stage, sql.SQL(", ").join(sql.SQL("{} text").format(text) for text in texts)))
    with connection.cursor() as cursor, open(path, "rb") as stream:
        stream.seek(skip)
        with cursor.cursor.copy(
            _text(copy.format(stage, sql.SQL(", ").join(texts), sql.Literal(delimiter)))
        ) as writing:
            while chunk := stream.read(1 << 20):
                writing.write(chunk)
        cursor.execute("SET LOCAL datestyle = 'ISO, DMY'")  # "05/09/1990" is 5 September
        names = sql.SQL(", ").join(column(index) for index in range(len(kinds)))
        cursor.execute(_text(insert.format(table(version_id), names, sql.SQL(", ").join(values), stage)))
        return cursor.rowcount


def _nulled(text: sql.Identifier, spellings: set[str]) -> sql.Composable:
    if not spellings:
        return text
    words = sql.SQL(", ").join(map(sql.Literal, sorted(spellings)))
    return sql.SQL("CASE WHEN {} IN ({}) THEN NULL ELSE {} END").format(text, words, text)


def finish(version_id: int) -> None:
    """The key added once the rows are in (faster than keeping it up while COPY runs)."""
    execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (_id)").format(table(version_id)))


def value(cell: Any) -> Any:
    """A stored value as the JSON rows hold it: dates in ISO form, whole numbers as integers."""
    if isinstance(cell, float):
        return int(cell) if cell.is_integer() and abs(cell) < 2**53 else cell
    if isinstance(cell, (date, datetime)):
        return cell.isoformat()
    return cell


def folded(width: int) -> sql.Composable:
    """A row's text folded as `text.fold` folds it (Vietnamese letters to ASCII, lower case), for `q`."""
    cells = sql.SQL(", ").join(sql.SQL("{}::text").format(column(index)) for index in range(width))
    return sql.SQL("lower(translate(concat_ws(' ', {}), {}, {}))").format(
        cells, sql.Literal(FOLD_FROM), sql.Literal(FOLD_TO)
    )


def every_row(version_id: int, width: int, *, chunk: int = 2000) -> Iterator[list[Any]]:
    """Each row's values in `_id` order, read a page at a time by key."""
    names = sql.SQL(", ").join(column(index) for index in range(width))
    statement = sql.SQL("SELECT _id, {} FROM {} WHERE _id > %s ORDER BY _id LIMIT %s").format(
        names, table(version_id)
    )
    last = 0
    while True:
        rows = execute(statement, (last, chunk))
        for row in rows:
            yield [value(cell) for cell in row[1:]]
        if len(rows) < chunk:
            return
        last = rows[-1][0]
