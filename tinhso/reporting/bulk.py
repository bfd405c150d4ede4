"""Inserting many new rows at once. On PostgreSQL COPY carries them (an import of 10,000 values spent most of its
time building bulk_create's INSERT statements, then building model instances); elsewhere, and for a handful of
rows, bulk_create does."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import msgspec
from django.db import connection
from django.db.models import Model

_DOCUMENT = msgspec.json.Encoder()
COPY_FROM = 200  # rows: below this, bulk_create's one statement costs less than a COPY round trip


def insert(objects: Sequence[Model]) -> None:
    """Saves new objects of one model, giving each its primary key."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql" or len(objects) < COPY_FROM:
        model._default_manager.bulk_create(objects, batch_size=1000)
        return
    names = [field.attname for field in model._meta.concrete_fields if not field.primary_key]
    keys = _copy(model, names, [[getattr(item, name) for name in names] for item in objects])
    for item, key in zip(objects, keys, strict=True):
        item.pk = key
        item._state.adding, item._state.db = False, connection.alias


def insert_rows(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Saves new rows of `model` given as the values of the fields `names` (attnames, in that order; every
    other field takes its default) without building instances on PostgreSQL; returns their primary keys."""
    if not rows:
        return []
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objects, batch_size=1000)
        return [item.pk for item in objects]
    return _copy(model, names, rows)


def _copy(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    meta, pk = model._meta, model._meta.pk
    assert pk is not None
    by_name = {field.attname: field for field in meta.concrete_fields}
    fields = [by_name[name] for name in names]
    defaults = [field for field in meta.concrete_fields if field.attname not in names and field is not pk]
    constants = [field.get_db_prep_save(field.get_default(), connection) for field in defaults]
    # psycopg writes ints, strings, Decimals and aware datetimes itself; only JSON needs Django's preparation.
    json = [index for index, field in enumerate(fields) if field.get_internal_type() == "JSONField"]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in [pk, *fields, *defaults])
    with connection.cursor() as cursor:
        # Keys drawn from the table's own sequence first, so the rows can be COPYed with them.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(rows)],
        )
        keys = [key for (key,) in cursor.fetchall()]
        # The raw cursor's errors come out as Django's (a reference refused is an IntegrityError).
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
            ) as copy,
        ):
            for key, row in zip(keys, rows, strict=True):
                values = [key, *row, *constants]
                for index in json:
                    values[index + 1] = fields[index].get_db_prep_save(values[index + 1], connection)
                copy.write_row(values)
    return keys


def copy_rows(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]], *,
              copy_from: int = COPY_FROM) -> None:  # fmt: skip
    """Saves new rows of `model` given as the values of the fields `names` (attnames, in that order: the table
    numbers them itself) straight by COPY on PostgreSQL, by bulk_create elsewhere or for fewer than `copy_from`
    rows. A JSON field's value goes to COPY as its text: bulk_create's arrays of it escaped each of a big
    document's quotes by a regular expression (0.3 s of a 10,000-value import's 0.6 s of CPU)."""
    if connection.vendor != "postgresql" or len(rows) < copy_from:
        model._default_manager.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=1000
        )
        return
    by_name = {field.attname: field for field in model._meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(by_name[name].column) for name in names)
    table = connection.ops.quote_name(model._meta.db_table)
    documents = [
        index for index, name in enumerate(names) if by_name[name].get_internal_type() == "JSONField"
    ]
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        write = copy.write_row
        for row in rows:
            if documents:
                row = list(row)
                for index in documents:
                    row[index] = _DOCUMENT.encode(row[index]).decode()  # json.dumps took several times longer
            write(row)


# A revision row's columns, the import batch that recorded it last (None: the report's own event did).
REVISION = ("block_id", "disaggregation", "revision", "value", "comment", "obs_status", "channel", "reason",
            "changed_at", "changed_by_id", "event_seq", "batch_id")  # fmt: skip
BATCH_EVENT_SEQ = 1  # a batch's chain holds one event


class Written(NamedTuple):
    """A cell as a writer leaves it in its block (the block: the report's, of this indicator version and kind)."""

    indicator_version_id: int
    kind: str
    disaggregation: str
    value: Decimal | None
    comment: str
    obs_status: str
    revision: int
    batch_id: int | None = None  # the import that made it


def number_text(value: Decimal) -> str:
    """A number as a block keeps it: a JSON string (SQLite's JSON numbers are doubles) with the four decimals
    the value's column had."""
    return format(value.quantize(FOUR_DECIMALS), "f")


FOUR_DECIMALS = Decimal("0.0001")


def patches(cells: Sequence[Written], *, at: datetime, author: int | None) -> dict[tuple[int, str], tuple[dict[str, str], dict[str, dict[str, Any]]]]:  # fmt: skip
    """What writing `cells` does to each block {(indicator version, kind): (numbers, cells)}: a cell given a
    number takes it, every cell written takes its whole metadata (the block's own columns may be another
    writer's), so a cell leaves `values` unless given a number again."""
    out: dict[tuple[int, str], tuple[dict[str, str], dict[str, dict[str, Any]]]] = {}
    when = at.isoformat()
    for cell in cells:
        numbers, metas = out.setdefault((cell.indicator_version_id, cell.kind), ({}, {}))
        if cell.value is not None:
            numbers[cell.disaggregation] = number_text(cell.value)
        metas[cell.disaggregation] = {"c": cell.comment, "s": cell.obs_status, "r": cell.revision, "t": when,
                                      "u": author, "b": cell.batch_id}  # fmt: skip
    return out


def write_cells(*, report: int, cells: Sequence[Written], at: datetime, author: int | None,
                batch: int | None = None) -> dict[tuple[int, str], int]:  # fmt: skip
    """Writes `cells` into the report's blocks, making those it has none of (their cells then carry only what
    differs from the block's columns): the caller holds the report's lock, so the blocks are read, changed and
    written back. Returns each block's key by (indicator version, kind)."""
    from tinhso.reporting.models import ValueBlock

    changes = patches(cells, at=at, author=author)
    blocks = {
        (block.indicator_version_id, block.kind): block
        for block in ValueBlock.objects.filter(
            submission_id=report, indicator_version_id__in={version for version, _kind in changes}
        )
    }
    made, changed = [], []
    for key, (numbers, metas) in changes.items():
        block = blocks.get(key)
        if block is None:
            block = blocks[key] = ValueBlock(submission_id=report, indicator_version_id=key[0], kind=key[1],
                                             values=numbers, cells={}, changed_at=at, changed_by_id=author,
                                             batch_id=batch)  # fmt: skip
            for name, meta in metas.items():
                sparse = _sparse(meta, block)
                if sparse or name not in numbers:
                    block.cells[name] = sparse
            made.append(block)
            continue
        for name in metas:
            block.values.pop(name, None)
        block.values.update(numbers)
        block.cells.update(metas)
        changed.append(block)
    ValueBlock.objects.bulk_create(made)
    ValueBlock.objects.bulk_update(changed, ["values", "cells"])
    return {key: block.pk for key, block in blocks.items() if key in changes}


def _sparse(meta: dict[str, Any], block: Any) -> dict[str, Any]:
    """A cell's metadata less what its block's columns already say."""
    return {name: value for name, value in meta.items() if value != DEFAULTS[name](block)}


DEFAULTS = {
    "c": lambda block: "",
    "s": lambda block: block.obs_status,
    "r": lambda block: 1,
    "t": lambda block: block.changed_at.isoformat(),
    "u": lambda block: block.changed_by_id,
    "b": lambda block: block.batch_id,
}


def first_revisions(values: Sequence[Any]) -> list[list[Any]]:
    """The revision 1 rows (REVISION's columns) of values an import created and that are about to change
    (selectors.HeldCell or anything with the same attribute names): until then their batch stood for it."""
    from tinhso.reporting.models import ImportBatch

    born = [value for value in values if value.batch_id is not None and value.revision == 1]
    if not born:
        return []
    batches = ImportBatch.objects.in_bulk({value.batch_id for value in born})
    return [
        [value.block_id, value.disaggregation, 1, value.value, value.comment, value.obs_status,
         batches[value.batch_id].channel, batches[value.batch_id].reason, value.changed_at, value.changed_by_id,
         BATCH_EVENT_SEQ, value.batch_id]
        for value in born
    ]  # fmt: skip


# New cells added to a block already there: its numbers merged in, each cell given the same metadata.
MERGE_CELLS = """
UPDATE reporting_valueblock SET "values" = "values" || %(numbers)s::jsonb,
    cells = cells || coalesce((SELECT jsonb_object_agg(name, %(meta)s::jsonb) FROM jsonb_object_keys(%(numbers)s::jsonb) AS name), '{}')
WHERE id = %(block)s
"""


def merge_cells(*, numbers: Mapping[int, dict[str, str]], meta: dict[str, Any]) -> None:
    """Adds new cells to blocks already there, {block: {breakdown: number as kept}}, each with `meta` (what it
    says beside the block's own columns, which are another writer's). The caller holds the blocks' reports
    locked and knows that none of these cells is held: an import's report sent in several calls."""
    if not numbers:
        return
    if connection.vendor == "postgresql":
        # One statement per block: psycopg escaped each quote of the documents in an array of them.
        with connection.cursor() as cursor:
            cursor.executemany(MERGE_CELLS, [{"meta": json.dumps(meta), "block": block, "numbers": json.dumps(cells)}
                                             for block, cells in numbers.items()])  # fmt: skip
        return
    from tinhso.reporting.models import ValueBlock

    blocks = list(ValueBlock.objects.filter(pk__in=numbers))
    for block in blocks:
        block.values.update(numbers[block.pk])
        block.cells.update(dict.fromkeys(numbers[block.pk], meta))
    ValueBlock.objects.bulk_update(blocks, ["values", "cells"])
