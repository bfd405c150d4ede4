"""The datastore's bulk path: a version's file read twice, a block of rows at a time. The first pass infers each
column's type over the whole file; the second refuses bad rows (by row number) and writes the rest. Each block
of a column is cleaned and typed by a regex over the whole block, so Python looks at single cells only where a
block holds blanks, stray spaces or values that do not fit.

On PostgreSQL the rows go by COPY into the version's own typed table (`tables`), PostgreSQL reading the numbers
and dates itself; on SQLite (the embedded default) into `DatastoreRow` as JSON. Either way the rows are written
in chunks, each in its own transaction with the job's heartbeat, so a killed job is seen by the reaper; nothing
half-loaded is shown: a version becomes the resource's current one only when `services.finish_load` commits,
and a load that fails has its rows dropped there."""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import psycopg
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.eventlog import canonical_json
from tinhso.core.sql import copy_rows
from tinhso.opendata import pii, tables, tabular
from tinhso.opendata.models import DatastoreRow
from tinhso.opendata.text import fold

BLOCK = 5000  # rows whose columns are cleaned and typed together
CHUNK = {"json": 5000, "table": 100_000}  # rows written in one transaction, with a heartbeat
MAX_BAD_ROWS_KEPT = 1000  # the report keeps the first ones; the count is always whole
FINDINGS_PER_KIND = 3
COPY_PLACE = re.compile(r"line (\d+), column c(\d+)")


@dataclass
class Loaded:
    fields: list[dict[str, str]]
    rows: int = 0
    bad_rows: list[dict[str, Any]] = field(default_factory=list)
    bad_count: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""

    def refuse(self, row: int, column: str, message: str) -> None:
        self.bad_count += 1
        if len(self.bad_rows) < MAX_BAD_ROWS_KEPT:
            self.bad_rows.append({"row": row, "column": column, "message": message})


KIND_WORDS = {
    "integer": gettext_lazy("số nguyên"),
    "number": gettext_lazy("số"),
    "date": gettext_lazy("ngày"),
    "datetime": gettext_lazy("thời điểm"),
    "string": gettext_lazy("văn bản"),
}
Block = tuple[list[int], list[Sequence[str]]]  # the rows' numbers in the file, the block's columns


def _blocks(
    records: Iterator[tuple[int, list[str] | None, str]], width: int, loaded: Loaded | None
) -> Iterator[Block]:
    """The records of `width` cells, BLOCK at a time as columns; the others refused into `loaded` if given."""
    numbers: list[int] = []
    rows: list[list[str]] = []
    for number, cells, why in records:
        if cells is None or len(cells) != width:
            if loaded is not None:
                loaded.refuse(number, "", _broken(cells, why, width))
            continue
        numbers.append(number)
        rows.append(cells)
        if len(rows) == BLOCK:
            yield numbers, list(zip(*rows, strict=True))
            numbers, rows = [], []
    if rows:
        yield numbers, list(zip(*rows, strict=True))


def _broken(cells: list[str] | None, why: str, width: int) -> str:
    if cells is None:
        return _("Dòng hỏng: %(why)s") % {"why": why}
    return _("Có %(found)s ô, cần %(expected)s.") % {"found": len(cells), "expected": width}


@dataclass
class Plan:
    """What the first pass learnt: the columns, their types, and per column and block the types all fit."""

    source: tabular.Source
    kinds: list[str]
    fitted: list[list[int]]


def infer(path: Path, *, format: str) -> Plan:
    """The columns and their types, from every value of the file."""
    source, records = tabular.open_table(path, format=format)
    tallies = [tabular.Tally() for _ in source.columns]
    fitted: list[list[int]] = [[] for _ in source.columns]
    for _numbers, columns in _blocks(records, len(source.columns), None):
        for tally, bits, cells in zip(tallies, fitted, columns, strict=True):
            cleaned = tabular.clean_cells(cells)
            values = cells if cleaned is cells else [value for value in cleaned if value is not None]
            bits.append(tally.add_block(values))
    kinds = [
        "string" if tabular.names_a_code(column) else tally.kind()
        for column, tally in zip(source.columns, tallies, strict=True)
    ]
    return Plan(source, kinds, fitted)


def _misfits(plan: Plan, block: int, columns: list[Sequence[str | None]]) -> dict[int, tuple[str, str]]:
    """The block's rows (by position) with a value that does not fit its column's type: (column, why), the
    first such column of the row. Only columns the first pass did not see fit whole are looked at cell by cell."""
    refused: dict[int, tuple[str, str]] = {}
    for name, kind, bits, cells in zip(plan.source.columns, plan.kinds, plan.fitted, columns, strict=True):
        fit = tabular.TYPES.index(kind)
        if kind == "string" or bits[block] & (1 << fit):
            continue
        for position, value in enumerate(cells):
            if value is not None and position not in refused and not tabular.fits(value)[fit]:
                why = _("“%(value)s” không phải %(kind)s.") % {"value": value[:50], "kind": KIND_WORDS[kind]}
                refused[position] = (name, why)
    return refused


def load(*, version_id: int, path: Path, format: str, heartbeat: Callable[[int], None]) -> Loaded:
    """Writes the version's rows (after removing any a killed attempt left); raises UnreadableFile, also for
    a value PostgreSQL refuses (then nothing of the version is kept)."""
    plan = infer(path, format=format)
    columns = plan.source.columns
    loaded = Loaded(
        fields=[{"name": name, "type": kind} for name, kind in zip(columns, plan.kinds, strict=True)],
        encoding=plan.source.encoding,
        delimiter=plan.source.delimiter,
    )
    loaded.findings = [finding.as_dict() for finding in pii.column_findings(columns)]
    writer = (
        _Table(version_id, plan.kinds, columns) if tables.used() else _Json(version_id, plan.kinds, columns)
    )
    found: dict[str, int] = {}
    _, records = tabular.open_table(path, format=format)
    rows: list[tuple] = []
    numbers: list[int] = []
    for index, (block_numbers, block) in enumerate(_blocks(records, len(columns), loaded)):
        cleaned = [tabular.clean_cells(cells) for cells in block]
        refused = _misfits(plan, index, cleaned)
        for position, (name, why) in sorted(refused.items()):
            loaded.refuse(block_numbers[position], name, why)
        _find(loaded, found, plan, cleaned, block_numbers, refused)
        writer.prepare(cleaned)
        for position, row in enumerate(zip(*cleaned, strict=True)):
            if position not in refused:
                rows.append(row)
                numbers.append(block_numbers[position])
        if len(rows) >= writer.chunk:
            writer.write(rows, numbers, heartbeat, loaded)
            rows, numbers = [], []
    writer.write(rows, numbers, heartbeat, loaded)
    writer.finish()
    loaded.bad_rows.sort(key=lambda item: item["row"])
    return loaded


def _find(
    loaded: Loaded,
    found: dict[str, int],
    plan: Plan,
    columns: list[Sequence[str | None]],
    numbers: list[int],
    refused: dict[int, tuple[str, str]],
) -> None:
    """Personal data in the block's text columns, a few findings per column at most."""
    for name, kind, cells in zip(plan.source.columns, plan.kinds, columns, strict=True):
        if kind != "string" or found.get(name, 0) >= FINDINGS_PER_KIND:
            continue
        for finding in pii.block_findings(cells, column=name, numbers=numbers, skip=refused):
            loaded.findings.append(finding.as_dict())
            found[name] = found.get(name, 0) + 1
            if found[name] >= FINDINGS_PER_KIND:
                break


class _Json:
    """SQLite's store: each row converted here to JSON, with its folded text for `q`."""

    chunk = CHUNK["json"]

    def __init__(self, version_id: int, kinds: list[str], columns: list[str]) -> None:
        self.version_id, self.kinds, self.columns = version_id, kinds, columns
        DatastoreRow.objects.filter(version_id=version_id).delete()

    def prepare(self, columns: list[Sequence[str | None]]) -> None:
        """Nothing to do: cells are converted row by row in `write`."""

    def write(
        self, rows: list[tuple], numbers: list[int], heartbeat: Callable[[int], None], loaded: Loaded
    ) -> None:
        written = []
        for line, row in enumerate(rows):
            loaded.rows += 1
            data: dict[str, Any] = {}
            for name, kind, cell in zip(self.columns, self.kinds, row, strict=True):
                try:
                    data[name] = None if cell is None else tabular.convert(cell, kind)
                except ValueError:
                    raise tabular.UnreadableFile(refusal(numbers[line], name, cell, kind)) from None
            text = " ".join(_folded(str(value)) for value in data.values() if value is not None)
            written.append((self.version_id, loaded.rows, canonical_json(data), text))
        with transaction.atomic():
            copy_rows(DatastoreRow._meta.db_table, ["version_id", "row", "data", "folded"], written)
            heartbeat(loaded.rows)

    def finish(self) -> None:
        """Nothing to do: the rows' key is kept up as they are written."""


@lru_cache(maxsize=65536)
def _folded(value: str) -> str:
    return fold(value)


class _Table:
    """PostgreSQL's store: cells COPYed as text into the typed table, PostgreSQL converting them."""

    chunk = CHUNK["table"]

    def __init__(self, version_id: int, kinds: list[str], columns: list[str]) -> None:
        self.version_id, self.kinds, self.columns = version_id, kinds, columns
        with transaction.atomic():
            tables.create(version_id, kinds)

    def prepare(self, columns: list[Sequence[str | None]]) -> None:
        """Decimal commas to points, which PostgreSQL reads."""
        for index, kind in enumerate(self.kinds):
            cells = columns[index]
            if kind == "number" and "," in tabular.SEP.join(cell or "" for cell in cells):
                columns[index] = [None if cell is None else cell.replace(",", ".") for cell in cells]

    def write(
        self, rows: list[tuple], numbers: list[int], heartbeat: Callable[[int], None], loaded: Loaded
    ) -> None:
        if not rows:
            return
        try:
            with transaction.atomic():
                tables.copy(self.version_id, len(self.kinds), rows, first_id=loaded.rows + 1)
                heartbeat(loaded.rows + len(rows))
        except psycopg.DataError as error:
            raise tabular.UnreadableFile(self._refused(error, rows, numbers)) from None
        loaded.rows += len(rows)

    def _refused(self, error: psycopg.DataError, rows: list[tuple], numbers: list[int]) -> str:
        """PostgreSQL's refusal of a value, said with the row and column in the file."""
        place = COPY_PLACE.search(error.diag.context or "")
        if place is None:
            return _("Kho dữ liệu không nhận tệp: %(reason)s") % {"reason": error.diag.message_primary}
        line, index = int(place[1]) - 1, int(place[2]) - 1
        return refusal(numbers[line], self.columns[index], str(rows[line][index]), self.kinds[index])

    def finish(self) -> None:
        with transaction.atomic():
            tables.finish(self.version_id)


def refusal(row: int, column: str, value: str, kind: str) -> str:
    """Why a whole load is refused for a value that got past the checks of the first pass."""
    return _("Dòng %(row)s, cột “%(column)s”: “%(value)s” không phải %(kind)s. Chưa dòng nào được nạp.") % {
        "row": row,
        "column": column,
        "value": value[:50],
        "kind": KIND_WORDS[kind],
    }


def discard(version_id: int) -> None:
    """Removes a version's rows from the datastore, in whichever store they are."""
    tables.drop(version_id)
    DatastoreRow.objects.filter(version_id=version_id).delete()


def holds(version_id: int) -> bool:
    """Whether the datastore keeps any rows (or an empty table) for the version."""
    if tables.used():
        return tables.exists(version_id)
    return DatastoreRow.objects.filter(version_id=version_id).exists()


def rows(version_id: int, fields: list[dict[str, str]]) -> Iterator[list[Any]]:
    """Each row's values in field order, by `_id`."""
    names = [item["name"] for item in fields]
    if tables.used():
        return tables.every_row(version_id, len(names))
    stored = DatastoreRow.objects.filter(version_id=version_id).order_by("row").values_list("data", flat=True)
    return ([data.get(name) for name in names] for data in stored.iterator(chunk_size=2000))


def version_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    """A deleted version (its resource or dataset deleted, by cascade too) takes its table with it."""
    tables.drop(instance.pk)
