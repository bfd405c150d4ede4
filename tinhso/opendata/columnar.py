"""The datastore's first pass over a plain CSV, column by column with Arrow (pyarrow): its C++ reader splits
the file and its regex kernels type whole columns of a block, so Python sees a cell only where a block needs
cleaning or a value may be a date. The outcome is what `tabular.clean_block` and `Tally.add_block` give over
the same cells (the patterns below are theirs, for ASCII values; anything else is handed to them).

It reads only a file the csv module would split the same way by its delimiter alone: UTF-8 in NFC, one line a
record, no quote, NUL or lone carriage return, no blank line, every record of the header's width. Anything else
raises Unsuited and the caller reads the file with the csv module."""

import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _
from pyarrow import csv as arrow_csv

from tinhso.opendata import pii, tabular

CHUNK_BYTES = 8 << 20  # read and split at a time, cut after a whole number of blocks
# Python's whitespace (`str.isspace`, what `\s` and `strip` mean), as RE2 writes it.
SPACE = r"[\t-\r\x1c- \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
FEW = 1000  # distinct cells of a block looked at one by one in Python; more, by Arrow's kernels
# A cell clean_block would look at: blank, spaces first or last, or a null word (tabular.BLANK, NULL_WORD).
CLEAN = (
    f"^$|^{SPACE}|{SPACE}$"
    r"|^(?:[nN](?:/?[aA]|[uU][lL][lL]|[oO][nN][eE])|#[nN]/[aA]|--?|[kK][hH][ôÔ][nN][gG] [cC][óÓ])$"
)
# A value that may be a number or date: the first character as tabular.CANDIDATE or any decimal digit (\d).
MAYBE = r"^[0-9+\-.,\p{Nd}]"
SPECIAL = f"{CLEAN}|{MAYBE}"  # a cell to look at: one to clean, or one that may be a number or a date
# For ASCII values, tabular's patterns (each matched whole).
DIGITS = r"^[0-9]{1,18}$"
INTEGER = r"^[+-]?(?:0|[1-9][0-9]{0,17})$"
NUMBER = r"^[+-]?(?:(?:0|[1-9][0-9]{0,29})(?:[.,][0-9]+)?|[.,][0-9]+)(?:[eE][+-]?[0-9]{1,2})?$"
ASCII_DIGITS = re.compile(r"[0-9]{1,18}")
# Every pattern of the personal-data guard holds an "@", nine digits in a row or two digits and a capital.
PERSONAL = r"@|[0-9\p{Nd}]{9}|[0-9\p{Nd}]{2}[A-Z]"
ASCII_PERSONAL = r"@|[0-9]{9}|[0-9]{2}[A-Z]"  # the same in ASCII text, matched faster
SAMPLE = 500  # cells whose distinct values tell whether a column has few


class Unsuited(Exception):
    """The file needs the csv module's reading. `early`: whether PostgreSQL may still read its rows while the
    csv module does (a quote, text not in NFC), rather than stop again at the record or line that stopped this
    reading."""

    def __init__(self, *, early: bool) -> None:
        super().__init__()
        self.early = early


def _any(values: Any, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(values, pattern)).as_py())


def _all(values: Any, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py())


def count_block(
    counts: tabular.Tally, cells: Any
) -> tuple[int, frozenset[str] | None, list[str | None] | None]:
    """A block of a column's cells (an Arrow array) cleaned and counted as `tabular.clean_block` and
    `Tally.add_block` would: the type bits, the cells as written that became null (None when cleaning changed
    another) and the cells cleaned when it changed one (else None: they are as written)."""
    first = cells[0].as_py()
    if first[:1] in tabular.STARTS and pc.all(pc.string_is_ascii(cells)).as_py():
        numbers = _numbers(cells, first)  # then nothing to clean either
        if numbers is not None:
            return _bits(counts, len(cells), *numbers), frozenset(), None
    seen = pc.value_counts(cells) if _few(cells) else None  # then matched once a distinct value
    if not _any(cells if seen is None else seen.field("values"), SPECIAL):  # text with nothing to clean
        return _bits(counts, len(cells), [0, 0, 0, 0], False), frozenset(), None
    seen = pc.value_counts(cells) if seen is None else seen
    if len(seen) > FEW:
        values, nulls, cleaned = clean(cells)
        return tally(counts, values), nulls, cleaned
    written = dict(zip(seen.field("values").to_pylist(), seen.field("counts").to_pylist(), strict=True))
    cleaning = any(map(tabular.needs_cleaning, written))  # else clean_block leaves every cell as it is
    value = {cell: tabular.clean(cell) if cleaning else cell for cell in written}
    counted: dict[str, int] = {}
    for cell, times in written.items():
        if (kept := value[cell]) is not None:
            counted[kept] = counted.get(kept, 0) + times
    bits = counts.add_counted(counted)
    if all(value[cell] in (None, cell) for cell in written):
        return bits, frozenset(cell for cell in written if value[cell] is None), None
    return bits, None, [value[cell] for cell in cells.to_pylist()]


def _numbers(cells: Any, first: str) -> tuple[list[int], bool] | None:
    """When the ASCII cells are all integers, numbers or digits: how many fit each type but text, as
    Tally.add_block counts them, and whether one is zero-padded (no integer nor number is; digits that are not
    all integers are). Else None."""
    count = len(cells)
    integer = pc.match_substring_regex(cells, INTEGER) if tabular.INTEGER.fullmatch(first) else None
    if integer is not None and pc.all(integer).as_py():
        return [count, count, 0, 0], False
    if tabular.NUMBER.fullmatch(first) and _all(cells, NUMBER):
        integers = integer if integer is not None else pc.match_substring_regex(cells, INTEGER)
        return [int(pc.sum(integers).as_py() or 0), count, 0, 0], False
    if ASCII_DIGITS.fullmatch(first) and _all(cells, DIGITS):
        return [count, count, 0, 0], True
    return None


def _candidates(values: Any) -> tuple[list[int], bool]:
    """The same, from each distinct value that may be a number or date (as Tally.add_block's last resort)."""
    fitted, padded = [0, 0, 0, 0], False
    seen = pc.value_counts(values)
    for value, times in zip(seen.field("values").to_pylist(), seen.field("counts").to_pylist(), strict=True):
        if value[0] in tabular.STARTS:  # as tabular.CANDIDATE
            padded = padded or tabular.PADDED.fullmatch(value) is not None
            for index, fit in enumerate(tabular.fits(value)):
                fitted[index] += times if fit else 0
    return fitted, padded


def _bits(counts: tabular.Tally, count: int, fitted: list[int], padded: bool) -> int:
    counts.values += count
    counts.padded = counts.padded or padded
    for index, times in enumerate(fitted):
        counts.fit[index] += times
    return sum(1 << index for index, times in enumerate(fitted) if times == count)


def tally(counts: tabular.Tally, values: Any) -> int:
    """`Tally.add_block` over `values` (an Arrow array of strings, no null among them). Its first value tells
    which patterns to try over the rest."""
    count = len(values)
    if not count:
        return tabular.ALL_FIT
    first = values[0].as_py()
    if first[0] not in tabular.STARTS and not _any(values, MAYBE):  # text: fits nothing
        return _bits(counts, count, [0, 0, 0, 0], False)
    if not pc.all(pc.string_is_ascii(values)).as_py():
        return counts.add_block(values.to_pylist(), joined=None)
    return _bits(counts, count, *(_numbers(values, first) or _candidates(values)))


def clean(cells: Any) -> tuple[Any, frozenset[str] | None, list[str | None] | None]:
    """`tabular.clean_block` of a block's cells (an Arrow array): the values that are not null (an Arrow array),
    the cells as written that became null (None when cleaning changed another), and the cells cleaned when it
    did (else None: they are as written)."""
    if not _any(cells, CLEAN):
        return cells, frozenset(), None
    cleaned = {cell: tabular.clean(cell) for cell in pc.unique(cells).to_pylist()}
    nulls = frozenset(cell for cell, value in cleaned.items() if value is None)
    if all(value is None or value == cell for cell, value in cleaned.items()):
        null = pc.is_in(cells, value_set=pa.array(sorted(nulls), pa.string()))
        return cells.filter(pc.invert(null)), nulls, None
    values = [cleaned[cell] for cell in cells.to_pylist()]
    return pa.array([value for value in values if value is not None], pa.string()), None, values


@dataclass
class Block:
    first: int  # the line number of its first record
    count: int
    cells: list[Any]  # per column, its cells as read (an Arrow array)
    bits: list[int]  # per column, the types every value fits (see Tally.add_block)
    nulls: list[frozenset[str] | None]  # per column, the cells as written that are null (see clean)


@dataclass
class Kept:
    """The file's cells as read, by column, for the personal-data scan once the types are known."""

    block: int
    chunks: list[tuple[int, pa.Table]] = field(default_factory=list)  # (its first record's index, its cells)
    cleaned: dict[tuple[int, int], list[str | None]] = field(default_factory=dict)  # (block, column): cells

    def findings(self, columns: list[str], kinds: list[str], most: int) -> list[dict[str, Any]]:
        """The personal data in the text columns, as datastore._find finds it block after block: at most
        `most` findings a column, in the order of the blocks, then of the columns."""
        found: list[tuple[int, int, pii.Finding]] = []
        for index, (name, kind) in enumerate(zip(columns, kinds, strict=True)):
            if kind == "string":
                found += self._column(index, name, most)
        found.sort(key=lambda item: (item[0], item[1]))
        return [finding.as_dict() for _block, _index, finding in found]

    def _column(self, index: int, name: str, most: int) -> list[tuple[int, int, pii.Finding]]:
        found: list[tuple[int, int, pii.Finding]] = []
        for first, table in self.chunks:
            column = table.column(index)
            maybe = _personal(column)
            for offset in range(0, len(column), self.block):
                block = (first + offset) // self.block  # chunks hold whole blocks
                cells: Sequence[str | None]
                numbers: Sequence[int]
                if (block, index) in self.cleaned:
                    cells = self.cleaned[block, index]
                    numbers = range(
                        first + offset + 2, first + offset + 2 + len(cells)
                    )  # the header is line 1
                else:
                    hits = maybe.slice(offset, self.block)
                    if not pc.any(hits).as_py():
                        continue
                    cells = column.slice(offset, self.block).filter(hits).to_pylist()
                    numbers = [first + offset + 2 + row for row in pc.indices_nonzero(hits).to_pylist()]
                for finding in pii.block_findings(cells, column=name, numbers=numbers, skip=()):
                    found.append((block, index, finding))
                    if len(found) >= most:
                        return found
        return found


def _few(cells: Any) -> bool:
    """Whether a sample of the cells shows few distinct values (then matching each one once is cheaper)."""
    return len(pc.unique(cells.slice(0, SAMPLE))) * 4 <= min(len(cells), SAMPLE)


def _personal(cells: Any) -> Any:
    """Which cells PERSONAL matches (Arrow booleans). When a sample shows few distinct values, each distinct
    value is matched once; else each cell, without Unicode's digits when all are ASCII."""
    if _few(cells):
        distinct = pc.unique(cells)
        return pc.is_in(cells, value_set=distinct.filter(pc.match_substring_regex(distinct, PERSONAL)))
    ascii = pc.all(pc.string_is_ascii(cells)).as_py()
    return pc.match_substring_regex(cells, ASCII_PERSONAL if ascii else PERSONAL)


def blocks(path: Path, source: tabular.Source, tallies: list[tabular.Tally], kept: Kept) -> Iterator[Block]:
    """The file's records `kept.block` at a time, each column cleaned and counted into `tallies`; raises
    Unsuited for a file this reading does not fit, UnreadableFile for bytes that are not UTF-8."""
    width = len(source.columns)
    if source.encoding not in ("utf-8", "utf-8-sig") or width < 2 or len(source.delimiter) != 1:
        raise Unsuited(early=True)
    with open(path, "rb") as stream:
        if source.encoding == "utf-8-sig":
            stream.read(3)
        if b'"' in stream.readline():  # a quoted header may span lines
            raise Unsuited(early=True)
        rows = 0
        for data in _chunks(stream, kept.block):
            table = _split(data, source, rows)
            kept.chunks.append((rows, table))
            for offset in range(0, table.num_rows, kept.block):
                count = min(kept.block, table.num_rows - offset)
                cells = [column.slice(offset, count) for column in table.columns]
                bits, nulls = [], []
                for index, (counts, column) in enumerate(zip(tallies, cells, strict=True)):
                    fit, spelled, cleaned = count_block(counts, column)
                    if cleaned is not None:
                        kept.cleaned[(rows + offset) // kept.block, index] = cleaned
                    bits.append(fit)
                    nulls.append(spelled)
                yield Block(rows + offset + 2, count, cells, bits, nulls)
            rows += table.num_rows


def _chunks(stream: BinaryIO, block: int) -> Iterator[bytes]:
    """The stream's lines, a whole number of `block` lines at a time (the last chunk, the rest)."""
    rest = b""
    while more := stream.read(CHUNK_BYTES):
        data = rest + more
        lines = data.count(b"\n")
        if lines < block:
            rest = data
            continue
        end = len(data)
        for _line in range(lines % block + 1):  # back to the end of the last whole block
            end = data.rfind(b"\n", 0, end)
        yield data[: end + 1]
        rest = data[end + 1 :]
    if rest:
        yield rest


def _split(data: bytes, source: tabular.Source, rows: int) -> pa.Table:
    """A chunk's records by column, once it is known to split as the csv module would."""
    if b'"' in data:
        raise Unsuited(early=True)
    if b"\x00" in data or b"\n\n" in data or b"\n\r\n" in data or data.startswith((b"\n", b"\r")):
        raise Unsuited(early=False)
    if b"\r" in data and not data.count(b"\r") == data.count(b"\r\n") == data.count(b"\n"):
        raise Unsuited(early=False)  # a lone carriage return, or line ends mixed
    if not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise tabular.UnreadableFile(
                _("Tệp có đoạn không đọc được theo bảng mã %(encoding)s (dòng %(line)s).")
                % {"encoding": source.encoding, "line": rows + 2 + data.count(b"\n", 0, error.start)}
            ) from None
        if not unicodedata.is_normalized("NFC", text):
            raise Unsuited(early=True)
    names = [f"c{index}" for index in range(len(source.columns))]
    try:
        return arrow_csv.read_csv(
            pa.py_buffer(data),
            read_options=arrow_csv.ReadOptions(column_names=names, block_size=1 << 22),
            parse_options=arrow_csv.ParseOptions(
                delimiter=source.delimiter, quote_char=False, escape_char=False, ignore_empty_lines=False
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, check_utf8=False
            ),
        ).combine_chunks()
    except pa.ArrowInvalid:  # a record of another width
        raise Unsuited(early=False) from None


def copy_lines(cells: list[Any], first: int, nulls: list[frozenset[str]], delimiter: str) -> bytes:
    """A block's records as COPY reads a CSV, each after its `_id` (from `first` on), with the cells written as
    a null word left empty (COPY reads an empty cell as null). Joined by Arrow's kernels, no Python per row."""
    ids = pc.cast(pc.add(_offsets(len(cells[0])), first), pa.string())
    columns = [
        pc.if_else(pc.is_in(column, value_set=pa.array(sorted(words), pa.string())), "", column)
        if (words := spelled - {""})
        else column
        for column, spelled in zip(cells, nulls, strict=True)
    ]
    columns[-1] = pc.binary_join_element_wise(columns[-1], "", "\n")  # the line's end after its last cell
    lines = pc.binary_join_element_wise(ids, *columns, delimiter)
    return b"".join(_bytes(chunk) for chunk in getattr(lines, "chunks", [lines]))


@functools.cache
def _offsets(count: int) -> Any:
    return pa.array(range(count), pa.int64())


def _bytes(strings: Any) -> bytes:
    """The characters of an Arrow array of strings, one after the other."""
    if not len(strings):
        return b""
    offsets = pa.Array.from_buffers(
        pa.int32(), len(strings) + 1, strings.buffers()[:2], offset=strings.offset
    )
    start, end = offsets[0].as_py(), offsets[-1].as_py()
    return strings.buffers()[2].slice(start, end - start).to_pybytes()
