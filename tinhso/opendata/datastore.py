"""The datastore's bulk path: a version's file read twice, a block of rows at a time. The first pass infers each
column's type over the whole file; the second refuses bad rows (by row number) and writes the rest. Each block
of a column is cleaned and typed by a regex over the whole block, so Python looks at single cells only where a
block holds blanks, stray spaces or values that do not fit.

On PostgreSQL the rows go by COPY into the version's own typed table (`tables`), PostgreSQL reading the numbers
and dates itself; on SQLite (the embedded default) into `DatastoreRow` as JSON. Either way the rows are written
in chunks, each in its own transaction with the job's heartbeat, so a killed job is seen by the reaper; nothing
half-loaded is shown: a version becomes the resource's current one only when `services.finish_load` commits,
and a load that fails has its rows dropped there."""

import functools
import gc
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core import caching
from tinhso.core.eventlog import canonical_json
from tinhso.core.sql import copy_rows
from tinhso.opendata import pii, tables, tabular
from tinhso.opendata.models import DatastoreRow
from tinhso.opendata.text import fold

if TYPE_CHECKING:  # columnar loads pyarrow (~50 MB): imported by the loading job, never by a web worker
    from tinhso.opendata import columnar

BLOCK = 5000  # rows whose columns are cleaned and typed together
CHUNK = {"json": 5000, "table": 100_000}  # rows written in one transaction, with a heartbeat
MAX_BAD_ROWS_KEPT = 1000  # the report keeps the first ones; the count is always whole
FINDINGS_PER_KIND = 3
COPY_PLACE = re.compile(r'line (\d+), column c(\d+)(?:: "(.*)")?')


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
# The rows' numbers in the file, the block's columns, and its lines as read when each holds one of its rows.
Block = tuple[Sequence[int], list[Sequence[str]], str | None]


def _blocks(
    path: Path, *, format: str, loaded: Loaded | None, by_row: bool
) -> tuple[tabular.Source, Iterator[Block]]:
    """The file's columns and its good records, BLOCK at a time as columns; the others refused into `loaded`
    if given. A CSV is read a block at a time unless `by_row` (see tabular.csv_blocks)."""
    source, records = tabular.open_table(path, format=format)
    width = len(source.columns)
    if by_row or format != "CSV":
        return source, _row_blocks(records, width, loaded)
    return source, _csv_blocks(tabular.csv_blocks(path, source, BLOCK), width, loaded)


def _csv_blocks(blocks: Iterator[tabular.Lines], width: int, loaded: Loaded | None) -> Iterator[Block]:
    for first, text, columns, records in blocks:
        if columns is not None:
            yield range(first, first + len(columns[0])), columns, text
        else:  # blank lines (skipped) or records of another width (refused)
            numbered = ((first + index, cells, "") for index, cells in enumerate(records) if cells)
            yield from _row_blocks(numbered, width, loaded)


def _row_blocks(
    records: Iterator[tuple[int, list[str] | None, str]], width: int, loaded: Loaded | None
) -> Iterator[Block]:
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
            yield numbers, list(zip(*rows, strict=True)), None
            numbers, rows = [], []
    if rows:
        yield numbers, list(zip(*rows, strict=True)), None


def _broken(cells: list[str] | None, why: str, width: int) -> str:
    if cells is None:
        return _("Dòng hỏng: %(why)s") % {"why": why}
    return _("Có %(found)s ô, cần %(expected)s.") % {"found": len(cells), "expected": width}


# A block's column as the first pass leaves it: its cells joined by SEP when none needed cleaning (split only
# where a cell must be looked at), else the cleaned cells.
Column = str | Sequence[str | None]
CACHE_CHARS = 150_000_000  # the first pass keeps the blocks up to this many characters; past it, reads again


@dataclass
class Plan:
    """What the first pass learnt: the columns, their types, per column and block the types all fit, and the
    blocks themselves when the file was small enough to keep."""

    source: tabular.Source
    kinds: list[str]
    fitted: list[list[int]]
    by_row: bool
    kept: list[tuple[Sequence[int], list[Column]]] | None
    nulls: list[set[str]] | None  # per column, the cells as written that are null (see tabular.clean_block)
    rows: int  # the good records
    last: int  # the line the last good record starts on
    cells: "columnar.Kept | None" = None  # the cells as Arrow read them, when it did (then `kept` is None)


def infer(path: Path, *, format: str, loaded: Loaded | None = None, ahead: "_Ahead | None" = None) -> Plan:
    """The columns and their types, from every value of the file; bad records refused into `loaded`; each
    block handed to `ahead` as it is read. A CSV bound for PostgreSQL is read by Arrow when it can be."""
    if ahead is not None and format == "CSV":
        from tinhso.opendata import columnar

        try:
            return _infer_columns(path, ahead)
        except columnar.Unsuited as unsuited:
            if unsuited.early:
                ahead.restart()
            else:  # PostgreSQL would stop again where Arrow did
                ahead.stop()
                ahead = None
    try:
        return _infer(path, format=format, by_row=False, loaded=loaded, ahead=ahead)
    except tabular.Irregular:
        if ahead is not None:
            ahead.stop()
        if loaded is not None:
            loaded.bad_rows, loaded.bad_count = [], 0
        return _infer(path, format=format, by_row=True, loaded=loaded, ahead=None)


def _kinds(columns: list[str], tallies: list[tabular.Tally]) -> list[str]:
    return [
        "string" if tabular.names_a_code(column) else tally.kind()
        for column, tally in zip(columns, tallies, strict=True)
    ]


def _infer(path: Path, *, format: str, by_row: bool, loaded: Loaded | None, ahead: "_Ahead | None") -> Plan:
    source, blocks = _blocks(path, format=format, loaded=loaded, by_row=by_row)
    tallies = [tabular.Tally() for _ in source.columns]
    fitted: list[list[int]] = [[] for _ in source.columns]
    kept: list[tuple[Sequence[int], list[Column]]] | None = []
    nulls: list[set[str]] | None = [set() for _ in source.columns]
    size = rows = last = 0
    for numbers, columns, text in blocks:
        rows, last = rows + len(numbers), numbers[-1]
        block: list[Column] = []
        spelled: list[frozenset[str] | None] = []
        for index, (tally, bits, cells) in enumerate(zip(tallies, fitted, columns, strict=True)):
            joined, cleaned, written = tabular.clean_block(cells)
            spelled.append(written)
            if written is None:
                nulls = None
            elif nulls is not None:
                nulls[index] |= written
            values = cleaned if joined is not None else [value for value in cleaned if value is not None]
            bits.append(tally.add_block(values, joined=joined))
            block.append(joined if joined is not None else cleaned)
            size += len(joined) if joined is not None else 8 * len(cleaned)
        if kept is not None:
            kept = kept if size < CACHE_CHARS else None
            if kept is not None:
                kept.append((numbers, block))
        if ahead is not None:
            bad = loaded.bad_count if loaded is not None else 0
            lines = functools.partial(_copy_lines, text.encode()) if text is not None else None
            ahead.add(source, len(numbers), lines, tallies, [bits[-1] for bits in fitted], spelled, bad)
    return Plan(source, _kinds(source.columns, tallies), fitted, by_row, kept, nulls, rows, last)


def _infer_columns(path: Path, ahead: "_Ahead") -> Plan:
    from tinhso.opendata import columnar

    source, _records = tabular.open_table(path, format="CSV")
    tallies = [tabular.Tally() for _ in source.columns]
    fitted: list[list[int]] = [[] for _ in source.columns]
    nulls: list[set[str]] | None = [set() for _ in source.columns]
    cells = columnar.Kept(BLOCK)
    rows = 0
    for block in columnar.blocks(path, source, tallies, cells):
        rows += block.count
        for bits, column in zip(block.bits, fitted, strict=True):
            column.append(bits)
        for known, spelled in zip(nulls or [], block.nulls, strict=False):
            if spelled is None:
                nulls = None
                break
            known |= spelled
        lines = functools.partial(columnar.copy_lines, block.cells)
        ahead.add(source, block.count, lines, tallies, block.bits, block.nulls, 0)
    kinds = _kinds(source.columns, tallies)
    return Plan(source, kinds, fitted, False, None, nulls, rows, rows + 1 if rows else 0, cells)


def _kept_blocks(plan: Plan, path: Path, format: str) -> Iterator[tuple[Sequence[int], list[Column]]]:
    """The first pass's blocks again: as it kept them, or read and cleaned anew."""
    if plan.kept is not None:
        yield from plan.kept
        plan.kept = None
        return
    _, blocks = _blocks(path, format=format, loaded=None, by_row=plan.by_row)
    for numbers, columns, _lines in blocks:
        block: list[Column] = []
        for cells in columns:
            joined, cleaned, _ = tabular.clean_block(cells)
            block.append(joined if joined is not None else cleaned)
        yield numbers, block


def cells(column: Column) -> Sequence[str | None]:
    return column.split(tabular.SEP) if isinstance(column, str) else column


def _misfits(plan: Plan, block: int, columns: list[Column]) -> dict[int, tuple[str, str]]:
    """The block's rows (by position) with a value that does not fit its column's type: (column, why), the
    first such column of the row. Only columns the first pass did not see fit whole are looked at cell by cell."""
    refused: dict[int, tuple[str, str]] = {}
    for name, kind, bits, column in zip(plan.source.columns, plan.kinds, plan.fitted, columns, strict=True):
        fit = tabular.TYPES.index(kind)
        if kind == "string" or bits[block] & (1 << fit):
            continue
        for position, value in enumerate(cells(column)):
            if value is not None and position not in refused and not tabular.fits(value)[fit]:
                why = _("“%(value)s” không phải %(kind)s.") % {"value": value[:50], "kind": KIND_WORDS[kind]}
                refused[position] = (name, why)
    return refused


def load(*, version_id: int, path: Path, format: str, heartbeat: Callable[[int], None]) -> Loaded:
    """Writes the version's rows (after removing any a killed attempt left); raises UnreadableFile, also for
    a value PostgreSQL refuses (then nothing of the version is kept)."""
    gc.disable()  # a block's many lists make the collector walk every live object again and again; no cycles
    try:
        return _load(version_id=version_id, path=path, format=format, heartbeat=heartbeat)
    finally:
        gc.enable()


def _load(*, version_id: int, path: Path, format: str, heartbeat: Callable[[int], None]) -> Loaded:
    loaded = Loaded(fields=[])
    ahead = _Ahead(version_id) if tables.used() and format == "CSV" else None
    try:
        plan = infer(path, format=format, loaded=loaded, ahead=ahead)
        columns = plan.source.columns
        loaded.fields = [{"name": name, "type": kind} for name, kind in zip(columns, plan.kinds, strict=True)]
        loaded.encoding, loaded.delimiter = plan.source.encoding, plan.source.delimiter
        loaded.findings = [finding.as_dict() for finding in pii.column_findings(columns)]
        if ahead is not None and ahead.finish(plan, loaded, path, heartbeat):
            return loaded
    except BaseException as error:
        if ahead is not None:
            ahead.stop(error)
        raise
    writer = (
        _Table(version_id, plan.kinds, columns) if tables.used() else _Json(version_id, plan.kinds, columns)
    )
    try:
        if not (isinstance(writer, _Table) and _copy_file(plan, loaded, writer, path, heartbeat)):
            _write(plan, loaded, writer, heartbeat, _kept_blocks(plan, path, format))
    except BaseException as error:
        writer.abort(error)
        raise
    writer.finish()
    loaded.bad_rows.sort(key=lambda item: item["row"])
    return loaded


RAW_ENCODINGS = {"utf-8": 0, "utf-8-sig": 3}  # the bytes of a BOM to skip


class _Differs(Exception):
    """PostgreSQL read the file into another number of rows than the first pass."""


def _as_written(plan: Plan, loaded: Loaded) -> bool:
    """Whether PostgreSQL can read the file itself: a one-line-a-record UTF-8 CSV in NFC, no bad rows, no blank
    lines, no cell changed by cleaning but to null, and every value of its column's type."""
    fit = all(
        kind == "string" or all(bits & (1 << tabular.TYPES.index(kind)) for bits in blocks)
        for kind, blocks in zip(plan.kinds, plan.fitted, strict=True)
    )
    return (
        fit
        and plan.nulls is not None
        and not plan.by_row
        and plan.source.normalized
        and plan.source.encoding in RAW_ENCODINGS
        and loaded.bad_count == 0
        and plan.last == plan.rows + 1
    )


def _copy_file(
    plan: Plan, loaded: Loaded, writer: "_Table", path: Path, heartbeat: Callable[[int], None]
) -> bool:
    """The file's bytes COPied by PostgreSQL when it reads them as the first pass did (then the personal-data
    scan alone goes over the blocks); False, with nothing written, when it cannot or reads them otherwise."""
    if plan.nulls is None or not _as_written(plan, loaded):
        return False
    try:
        with transaction.atomic():
            count = tables.copy_csv(
                writer.version_id,
                path,
                kinds=plan.kinds,
                nulls=plan.nulls,
                delimiter=plan.source.delimiter,
                skip=RAW_ENCODINGS[plan.source.encoding],
            )
            if count != plan.rows:
                raise _Differs
            heartbeat(count)
    except (_Differs, DatabaseError, psycopg.Error):
        return False
    loaded.rows = count
    _scan(plan, loaded, path)
    return True


def _scan(plan: Plan, loaded: Loaded, path: Path) -> None:
    """Personal data in the text columns of the first pass's blocks (kept for a second pass if need be)."""
    if plan.cells is not None:
        loaded.findings += plan.cells.findings(plan.source.columns, plan.kinds, FINDINGS_PER_KIND)
        return
    found: dict[str, int] = {}
    for numbers, block in plan.kept if plan.kept is not None else _kept_blocks(plan, path, "CSV"):
        _find(loaded, found, plan, block, numbers, {})


# A block's records written as COPY reads them (CSV), from the first `_id` given, its columns' null
# spellings and the delimiter; None when it cannot be.
CopyLines = Callable[[int, list[frozenset[str]], str], bytes | None]


PENDING_BLOCKS = 20  # blocks held back while a column has no value yet to tell its type


class _Ahead:
    """PostgreSQL filling the version's table while the first pass still reads the file: once every column
    has a value, the types so far make the table, and each block's records go to COPY as they were read, each
    after its `_id` (its number in the file's order; cells written as a null word left empty). It is kept only
    if the whole file bears those types out with no bad row and PostgreSQL reads as many rows; else it is
    rolled back (at the first block that disagrees) and the load goes on from the first pass as if it had not
    run."""

    def __init__(self, version_id: int) -> None:
        self.version_id = version_id
        self.kinds: list[str] | None = None
        self.delimiter = ""
        self.pending: list[tuple[int, CopyLines, list[int], list[frozenset[str]]]] = []
        self.sent = 0  # the rows sent to COPY
        self.open: tuple[Any, Any, Any] | None = None  # the transaction, the COPY and its stream
        self.stopped = False

    def add(
        self,
        source: tabular.Source,
        count: int,
        lines: CopyLines | None,
        tallies: list[tabular.Tally],
        bits: list[int],
        spelled: list[frozenset[str] | None],
        bad: int,
    ) -> None:
        """Takes a block of the first pass: its rows, how to write them for COPY, the type bits its columns fit,
        each column's cells that were null as written (None if cleaning changed any other), and the bad rows so
        far."""
        nulls = [written for written in spelled if written is not None]
        if self.stopped or lines is None or bad or len(nulls) != len(spelled) or len(spelled) < 2:
            self.stop()
            return
        self.pending.append((count, lines, bits, nulls))
        if self.kinds is None and (
            all(tally.values for tally in tallies) or len(self.pending) >= PENDING_BLOCKS
        ):
            self._start(_kinds(source.columns, tallies), source.delimiter)
        self._send()

    def _start(self, kinds: list[str], delimiter: str) -> None:
        self.kinds, self.delimiter = kinds, delimiter
        chunk = transaction.atomic()
        chunk.__enter__()
        try:
            tables.create(self.version_id, kinds)
            copy = tables.copying_csv(self.version_id, len(kinds), delimiter)
            self.open = (chunk, copy, copy.__enter__())
        except BaseException as error:
            chunk.__exit__(type(error), error, error.__traceback__)
            raise

    def _send(self) -> None:
        if self.open is None:
            return
        for count, lines, bits, nulls in self.pending:
            text = lines(self.sent + 1, nulls, self.delimiter)
            if text is None or not _fit(self.kinds or [], bits):
                self.stop()
                return
            try:
                self.open[2].stream.write(text)
            except (DatabaseError, psycopg.Error):
                self.stop()
                return
            self.sent += count
        self.pending = []

    def restart(self) -> None:
        """Stops, to take the file again from its first block."""
        self.stop()
        self.stopped, self.kinds, self.sent = False, None, 0

    def stop(self, error: BaseException | None = None) -> None:
        """Gives up: the COPY stopped and its transaction rolled back (`error` is why, if any)."""
        self.stopped, self.pending = True, []
        if self.open is None:
            return
        (chunk, copy, _stream), self.open = self.open, None
        error = error or _Differs()
        with suppress(Exception):  # the COPY's own complaint about being stopped
            copy.__exit__(type(error), error, error.__traceback__)
        chunk.__exit__(type(error), error, error.__traceback__)

    def finish(self, plan: Plan, loaded: Loaded, path: Path, heartbeat: Callable[[int], None]) -> bool:
        """Whether the rows are in, as the first pass read them, with the personal-data scan done meanwhile."""
        if not self.stopped and self.kinds is None:  # a short file: its types are known now
            self._start(plan.kinds, plan.source.delimiter)
            self._send()
        if self.open is None:
            return False
        if plan.kinds != self.kinds or plan.by_row or loaded.bad_count or plan.last != plan.rows + 1:
            self.stop()
            return False
        findings = len(loaded.findings)
        _scan(plan, loaded, path)  # while PostgreSQL reads the last lines
        (chunk, copy, stream), self.open = self.open, None
        try:
            copy.__exit__(None, None, None)
            count = stream.rows
            if count != plan.rows:
                raise _Differs
            tables.finish(self.version_id)
            heartbeat(count)
        except (_Differs, DatabaseError, psycopg.Error) as error:
            chunk.__exit__(type(error), error, error.__traceback__)
            del loaded.findings[findings:]
            self.stopped = True
            return False
        except BaseException as error:
            chunk.__exit__(type(error), error, error.__traceback__)
            raise
        chunk.__exit__(None, None, None)
        loaded.rows = count
        return True


def _fit(kinds: list[str], bits: list[int]) -> bool:
    """Whether each column's values of a block all fit its type."""
    return all(
        kind == "string" or bit & (1 << tabular.TYPES.index(kind))
        for kind, bit in zip(kinds, bits, strict=True)
    )


def _copy_lines(text: bytes, first: int, nulls: list[frozenset[str]], delimiter: str) -> bytes | None:
    """A block's lines as read by the csv module, blanked (see _blanked), each after its `_id`."""
    blanked = _blanked(text, nulls, delimiter)
    if blanked is None:
        return None
    cut = delimiter.encode()
    return b"".join(
        b"%d%b%b" % (number, cut, line)
        for number, line in enumerate(blanked.splitlines(keepends=True), first)
    )


def _blanked(text: bytes, nulls: list[frozenset[str]], delimiter: str) -> bytes | None:
    """A block's lines with each cell written as a null word left empty (COPY reads an empty cell as null);
    None when a quote leaves unclear where such a cell ends. `nulls`: per column, the spellings met."""
    words = {word for spelled in nulls for word in spelled if word}
    if not words:
        return text
    if b'"' in text:
        return None
    last, cut = len(nulls) - 1, delimiter.encode()
    for word in words:
        at = {index for index, spelled in enumerate(nulls) if word in spelled}
        null = word.encode()
        if at - {0, last}:  # twice, for a null word beside another
            text = text.replace(cut + null + cut, cut + cut).replace(cut + null + cut, cut + cut)
        if last in at:
            text = text.replace(cut + null + b"\n", cut + b"\n")
            text = text.replace(cut + null + b"\r", cut + b"\r") if b"\r" in text else text
            text = text[: -len(null)] if text.endswith(cut + null) else text
        if 0 in at:
            text = b"\n" + text
            text = text.replace(b"\n" + null + cut, b"\n" + cut).replace(b"\r" + null + cut, b"\r" + cut)[1:]
    return text


def _write(
    plan: Plan, loaded: Loaded, writer: "_Json | _Table", heartbeat: Callable[[int], None], blocks: Iterator
) -> None:
    found: dict[str, int] = {}
    for index, (numbers, block) in enumerate(blocks):
        refused = _misfits(plan, index, block)
        for position, (name, why) in sorted(refused.items()):
            loaded.refuse(numbers[position], name, why)
        _find(loaded, found, plan, block, numbers, refused)
        writer.add(numbers, block, refused)
        if writer.waiting >= writer.chunk:
            writer.write(heartbeat, loaded)
    writer.write(heartbeat, loaded)


def _find(
    loaded: Loaded,
    found: dict[str, int],
    plan: Plan,
    columns: list[Column],
    numbers: Sequence[int],
    refused: dict[int, tuple[str, str]],
) -> None:
    """Personal data in the block's text columns, a few findings per column at most."""
    for name, kind, column in zip(plan.source.columns, plan.kinds, columns, strict=True):
        if kind != "string" or found.get(name, 0) >= FINDINGS_PER_KIND:
            continue
        if isinstance(column, str) and pii.CANDIDATE.search(column) is None:
            continue  # nothing any pattern could match, seen without splitting the block
        for finding in pii.block_findings(cells(column), column=name, numbers=numbers, skip=refused):
            loaded.findings.append(finding.as_dict())
            found[name] = found.get(name, 0) + 1
            if found[name] >= FINDINGS_PER_KIND:
                break


def _kept(rows: Iterator[tuple], refused: dict[int, tuple[str, str]]) -> Iterator[tuple]:
    return (row for position, row in enumerate(rows) if position not in refused)


class _Json:
    """SQLite's store: each row converted here to JSON, with its folded text for `q`."""

    chunk = CHUNK["json"]

    def __init__(self, version_id: int, kinds: list[str], columns: list[str]) -> None:
        self.version_id, self.kinds, self.columns = version_id, kinds, columns
        self.written: list[tuple] = []
        DatastoreRow.objects.filter(version_id=version_id).delete()

    @property
    def waiting(self) -> int:
        return len(self.written)

    def add(self, numbers: Sequence[int], block: list[Column], refused: dict[int, tuple[str, str]]) -> None:
        rows = _kept(zip(numbers, *map(cells, block), strict=True), refused)
        first = self.rows_before + len(self.written)
        for line, (number, *row) in enumerate(rows, start=first + 1):
            data: dict[str, Any] = {}
            for name, kind, cell in zip(self.columns, self.kinds, row, strict=True):
                try:
                    data[name] = None if cell is None else tabular.convert(cell, kind)
                except ValueError:
                    raise tabular.UnreadableFile(refusal(number, name, cell, kind)) from None
            text = " ".join(_folded(str(value)) for value in data.values() if value is not None)
            self.written.append((self.version_id, line, canonical_json(data), text))

    rows_before = 0

    def write(self, heartbeat: Callable[[int], None], loaded: Loaded) -> None:
        loaded.rows += len(self.written)
        with transaction.atomic():
            copy_rows(DatastoreRow._meta.db_table, ["version_id", "row", "data", "folded"], self.written)
            heartbeat(loaded.rows)
        self.rows_before, self.written = loaded.rows, []

    def abort(self, error: BaseException) -> None:
        """Nothing to do: rows are written in `write` alone."""

    def finish(self) -> None:
        """Nothing to do: the rows' key is kept up as they are written."""


@caching.memo("opendata.folded_values", maxsize=65536)
def _folded(value: str) -> str:
    return fold(value)


ESCAPES = re.compile(r"[\\\t\n\r]")
ESCAPED = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"  # COPY's text format


class _Table:
    """PostgreSQL's store: each block turned into COPY's text format by joins over whole columns, and
    PostgreSQL converting the numbers and dates as it reads them."""

    chunk = CHUNK["table"]

    def __init__(self, version_id: int, kinds: list[str], columns: list[str]) -> None:
        self.version_id, self.kinds, self.columns = version_id, kinds, columns
        self.numbers: list[int] = []
        self.open: tuple[Any, Any, Any] | None = None  # the chunk's transaction, COPY and its stream
        with transaction.atomic():
            tables.create(version_id, kinds)

    @property
    def waiting(self) -> int:
        return len(self.numbers)

    def _column(self, kind: str, column: Column) -> Sequence[str]:
        if isinstance(column, str):
            if kind == "number" and "," in column:
                column = column.replace(",", ".")  # PostgreSQL reads decimal points
            return (column.translate(ESCAPED) if ESCAPES.search(column) else column).split(tabular.SEP)
        return [
            NULL
            if cell is None
            else (cell.replace(",", ".") if kind == "number" else cell).translate(ESCAPED)
            for cell in column
        ]

    def add(self, numbers: Sequence[int], block: list[Column], refused: dict[int, tuple[str, str]]) -> None:
        columns = [self._column(kind, column) for kind, column in zip(self.kinds, block, strict=True)]
        if refused:
            columns = [[cell for at, cell in enumerate(column) if at not in refused] for column in columns]
            numbers = [number for at, number in enumerate(numbers) if at not in refused]
        first = self.rows_before + len(self.numbers) + 1
        ids = map(str, range(first, first + len(numbers)))
        if not numbers:
            return
        if self.open is None:
            chunk, copy = transaction.atomic(), tables.copying(self.version_id, len(self.kinds))
            chunk.__enter__()
            self.open = (chunk, copy, copy.__enter__())
        self.open[2].write("\n".join(map("\t".join, zip(ids, *columns, strict=True))) + "\n")
        self.numbers.extend(numbers)

    rows_before = 0

    def write(self, heartbeat: Callable[[int], None], loaded: Loaded) -> None:
        """Ends the chunk's COPY and commits it with the heartbeat (the chunk's rows were sent as they came)."""
        if self.open is None:
            return
        (chunk, copy, _stream), self.open = self.open, None
        try:
            copy.__exit__(None, None, None)
            heartbeat(loaded.rows + len(self.numbers))
        except BaseException as error:
            chunk.__exit__(type(error), error, error.__traceback__)
            if isinstance(error, psycopg.DataError):
                raise tabular.UnreadableFile(self._refused(error)) from None
            raise
        chunk.__exit__(None, None, None)
        loaded.rows += len(self.numbers)
        self.rows_before, self.numbers = loaded.rows, []

    def abort(self, error: BaseException) -> None:
        """Stops a chunk's COPY left open by an error elsewhere, rolling its transaction back."""
        if self.open is None:
            return
        (chunk, copy, _stream), self.open = self.open, None
        with suppress(Exception):  # the COPY's own complaint about being stopped; the first error is raised
            copy.__exit__(type(error), error, error.__traceback__)
        chunk.__exit__(type(error), error, error.__traceback__)

    def _refused(self, error: psycopg.DataError) -> str:
        """PostgreSQL's refusal of a value, said with the row and column in the file."""
        place = COPY_PLACE.search(error.diag.context or "")
        if place is None:
            return _("Kho dữ liệu không nhận tệp: %(reason)s") % {"reason": error.diag.message_primary}
        line, index = int(place[1]) - 1, int(place[2]) - 1
        return refusal(self.numbers[line], self.columns[index], place[3] or "", self.kinds[index])

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
