"""Reading an uploaded table whatever state it comes in: the encoding detected (UTF-8 with or without BOM,
UTF-16, Windows-1258 and the rest charset-normalizer knows), the CSV dialect sniffed, spaces stripped, "N/A" and
blanks as null, and each column's type inferred over the whole file (not from its first rows, which is how
CKAN's datapusher fails on a late "N/A"). Bad rows are reported by their row number and skipped."""

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, islice, repeat
from pathlib import Path
from typing import IO, Any, NamedTuple

import charset_normalizer
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from tinhso.core import caching

NULLS = frozenset({"", "n/a", "na", "#n/a", "null", "none", "-", "--", "không có"})
# A column keeps a narrower type when at most this share of its values do not fit it (those rows are reported).
MISFIT_SHARE = 0.02
MISFIT_MINIMUM = 50  # values needed before any misfit is tolerated
SAMPLE_BYTES = 64 * 1024
csv.field_size_limit(1024 * 1024)

INTEGER = re.compile(r"[+-]?(?:0|[1-9]\d{0,17})")
# Bounded so every match is a finite double in Python and PostgreSQL alike (longer digits stay text).
NUMBER = re.compile(r"[+-]?(?:(?:0|[1-9]\d{0,29})(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d{1,2})?")
VN_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
VN_DATETIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?")
# ISO forms without a zone: what PostgreSQL's date and timestamp read alike (no week dates, no offsets).
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?")
TYPES = ("integer", "number", "date", "datetime", "string")
# A block of a column's cells is matched as one string, cells joined by NUL (which no CSV cell holds).
SEP = "\x00"
# Patterns over a block bounded by NUL at both ends, each starting with that NUL, which re finds fast.
# A cell that clean() would change: blank or spaces first (BLANK), a null word (NULL_WORD), spaces last
# (BLANK over the block reversed). Without an IGNORECASE flag, which makes re slower.
BLANK = re.compile(r"\x00[\s\x00]")
NULL_WORD = re.compile(
    r"\x00(?:[nN](?:/?[aA]|[uU][lL][lL]|[oO][nN][eE])|\#[nN]/[aA]|--?|[kK][hH][ôÔ][nN][gG] [cC][óÓ])\x00"
)
INTEGER_ALL = re.compile(f"(?:{INTEGER.pattern})(?:\x00(?:{INTEGER.pattern}))*")
INTEGER_CELLS = re.compile(f"\x00(?:{INTEGER.pattern})(?=\x00)")
NUMBER_ALL = re.compile(f"(?:{NUMBER.pattern})(?:\x00(?:{NUMBER.pattern}))*")
LONG_DIGITS = re.compile(r"\x00\d{19}")
PADDED_ANY = re.compile(r"\x00[+-]?0\d+\x00")
# Only cells starting so can be a number, a date or a time; the rest of a block is text without a look.
CANDIDATE = re.compile(r"\x00([0-9+\-.,][^\x00]*)")
# Digits with a leading zero are a code ("00001", a commune; "0912…", a phone), never a quantity.
PADDED = re.compile(r"[+-]?0\d+")
# Headers that name an identifier: its digits are a code even without a leading zero (no sums, no averages).
CODE_HEADER = re.compile(
    r"^(?:mã|ma|code|id|số (?:điện thoại|định danh|hiệu|cccd|cmnd|giấy phép)|so dien thoai|cccd|cmnd)\b",
    re.IGNORECASE,
)
CKAN_TYPES = {
    "integer": "int",
    "number": "numeric",
    "date": "date",
    "datetime": "timestamp",
    "string": "text",
}


class UnreadableFile(Exception):
    """The file is not a table the datastore can read; the message says why, for the uploader."""


@dataclass
class Source:
    columns: list[str]
    encoding: str = ""
    delimiter: str = ""
    normalized: bool = True  # whether the text read so far was already NFC, byte for byte as in the file


# ---- opening -------------------------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file from its first bytes: a BOM first, then strict UTF-8, then charset-normalizer."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start > len(sample) - 4:  # a character cut by the end of the sample
            return "utf-8"
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise UnreadableFile(_("Không nhận ra bảng mã của tệp (hãy lưu lại tệp dưới dạng CSV UTF-8)."))
    return best.encoding


def _text(path: Path, encoding: str) -> IO[str]:
    return open(path, encoding=encoding, errors="strict", newline="")


def sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.isoformat(sep="T")
            if (value.hour, value.minute, value.second) != (0, 0, 0)
            else value.date().isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value))


def _nfc_lines(stream: IO[str], source: Source) -> Iterator[str]:
    """The stream's lines in NFC (as clean() gives a cell), a megabyte at a time: most files already are."""
    return chain.from_iterable(_nfc_chunks(stream, source))


def _nfc_chunks(stream: IO[str], source: Source) -> Iterator[list[str]]:
    while lines := stream.readlines(1 << 20):
        text = "".join(lines)
        if unicodedata.is_normalized("NFC", text):
            yield lines
        else:
            source.normalized = False
            yield io.StringIO(unicodedata.normalize("NFC", text), newline="").readlines()


def _csv_rows(path: Path, source: Source) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line number where the record starts, cells or None when it is broken, why) for each record after the
    header."""
    with _text(path, source.encoding) as stream:
        reader = csv.reader(_nfc_lines(stream, source), delimiter=source.delimiter)
        next(reader, None)
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield start, None, str(error)
                continue
            except UnicodeDecodeError:
                raise UnreadableFile(
                    _("Tệp có đoạn không đọc được theo bảng mã %(encoding)s (dòng %(line)s).")
                    % {"encoding": source.encoding, "line": reader.line_num + 1}
                ) from None
            if cells:
                yield start, cells, ""


class Irregular(Exception):
    """A CSV the block reader cannot follow (a record over several lines, or broken): read it record by
    record instead."""


class Lines(NamedTuple):
    """A block of a CSV file's records, each on one line."""

    first: int  # the line number of the first
    text: str  # its lines as read
    columns: list[Sequence[str]] | None  # the cells by column, when every record has the header's width
    records: list[list[str]]  # else the cells by record


def csv_blocks(path: Path, source: Source, size: int) -> Iterator[Lines]:
    """The records after the header in blocks of up to `size`, split by the csv module's C code or, when no
    quote can change where cells end, by splitting the text whole: no Python step per record. Raises
    Irregular unless each record is one line."""
    with _text(path, source.encoding) as stream:
        lines = _nfc_lines(stream, source)
        line = 0
        try:
            header = csv.reader(lines, delimiter=source.delimiter)
            next(header, None)
            line = header.line_num
            while block := list(islice(lines, size)):
                yield _lines(line + 1, block, source.delimiter, len(source.columns))
                line += len(block)
        except csv.Error:
            raise Irregular from None
        except UnicodeDecodeError:
            raise UnreadableFile(
                _("Tệp có đoạn không đọc được theo bảng mã %(encoding)s (dòng %(line)s).")
                % {"encoding": source.encoding, "line": line + 1}
            ) from None


def _lines(first: int, block: list[str], delimiter: str, width: int) -> Lines:
    text = "".join(block)
    columns = _split(text, len(block), delimiter, width)
    if columns is not None:
        return Lines(first, text, columns, [])
    records = list(csv.reader(block, delimiter=delimiter))
    # A record over several lines, or one whose quote the block's end left open (its last cell then holds
    # the line break).
    if len(records) != len(block) or any("\n" in cell or "\r" in cell for cell in records[-1]):
        raise Irregular
    if set(map(len, records)) == {width}:
        return Lines(first, text, list(zip(*records, strict=True)), records)
    return Lines(first, text, None, records)


def _split(text: str, count: int, delimiter: str, width: int) -> list[Sequence[str]] | None:
    """The cells of `count` lines by column as the csv module reads them, when no quote, NUL or lone carriage
    return is in the way and every line has `width` cells (else None)."""
    if width < 2 or '"' in text or SEP in text:
        return None
    end = "\r\n" if "\r" in text else "\n"
    if end == "\r\n" and not text.count("\r") == text.count("\n") == text.count(end):
        return None
    lines = text.split(end)
    if lines[-1] == "":
        lines.pop()
    if len(lines) != count or set(map(str.count, lines, repeat(delimiter))) != {width - 1}:
        return None
    cells = delimiter.join(lines).split(delimiter)
    return [cells[index::width] for index in range(width)]


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is no workbook
        raise UnreadableFile(_("Tệp không phải bảng tính XLSX đọc được.")) from None
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell(value) for value in values]
    finally:
        book.close()


def _header(cells: list[str]) -> list[str]:
    names: list[str] = []
    for index, cell in enumerate(cells, start=1):
        # Quotes and backslashes would break a JSON path to the column; a leading "_" is CKAN's own (_id).
        name = unicodedata.normalize("NFC", cell).replace('"', "").replace("\\", "").strip().lstrip("_")
        name = name or f"cot_{index}"
        while name in names:
            name += f"_{index}"
        names.append(name)
    return names


def open_table(path: Path, *, format: str) -> tuple[Source, Iterator[tuple[int, list[str] | None, str]]]:
    """The table's columns and its records: (row number in the file, cells or None, why it is broken)."""
    if format == "XLSX":
        rows = _xlsx_rows(path)
        for cells in rows:
            if any(cell.strip() for cell in cells):
                source = Source(columns=_header(cells))
                break
        else:
            raise UnreadableFile(_("Bảng tính không có dòng tiêu đề."))
        numbered = ((number, cells, "") for number, cells in enumerate(rows, start=2) if any(cells))
        return source, numbered
    with open(path, "rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    if not sample.strip():
        raise UnreadableFile(_("Tệp rỗng."))
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(_("Tệp không phải văn bản CSV (có byte NUL)."))
    encoding = detect_encoding(sample)
    try:
        with _text(path, encoding) as stream:
            text = stream.read(SAMPLE_BYTES // 2)
            first = next(csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text)), None)
    except (UnicodeDecodeError, csv.Error):
        raise UnreadableFile(
            _("Không đọc được tệp theo bảng mã %(encoding)s.") % {"encoding": encoding}
        ) from None
    if not first:
        raise UnreadableFile(_("Tệp không có dòng tiêu đề."))
    source = Source(columns=_header(first), encoding=encoding, delimiter=sniff_delimiter(text))
    return source, _csv_rows(path, source)


# ---- types ---------------------------------------------------------------------------------------------------


def needs_cleaning(cell: str) -> bool:
    """Whether clean_block looks at the cell: blank, spaces first or last, or a null word."""
    return (
        not cell
        or cell[0].isspace()
        or cell[-1].isspace()
        or NULL_WORD.fullmatch(SEP + cell + SEP) is not None
    )


def clean(value: str) -> str | None:
    value = value.strip() if value.isascii() else unicodedata.normalize("NFC", value).strip()
    return None if len(value) < 9 and value.lower() in NULLS else value


def _date(value: str) -> date | None:
    match = VN_DATE.fullmatch(value)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        if ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        return None
    return None


def _datetime(value: str) -> datetime | None:
    match = VN_DATETIME.fullmatch(value)
    try:
        if match:
            return datetime(
                int(match[3]), int(match[2]), int(match[1]), int(match[4]), int(match[5]), int(match[6] or 0)
            )
        if ISO_DATETIME.fullmatch(value):
            return datetime.fromisoformat(value)
    except ValueError:
        return None
    day = _date(value)
    return datetime(day.year, day.month, day.day) if day else None


def convert(value: str, kind: str) -> Any:
    """`value` (cleaned, not null) as `kind` in JSON terms; ValueError when it does not fit."""
    if kind == "string":
        return value
    if kind == "integer":
        if INTEGER.fullmatch(value):
            return int(value)
    elif kind == "number":
        if NUMBER.fullmatch(value):
            number = float(value.replace(",", "."))
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
    elif kind == "date":
        day = _date(value)
        if day:
            return day.isoformat()
    elif kind == "datetime":
        instant = _datetime(value)
        if instant:
            return instant.isoformat()
    raise ValueError(value)


def clean_block(cells: Sequence[str]) -> tuple[str | None, Sequence[str | None], frozenset[str] | None]:
    """A block of a column's cells cleaned: (the cells joined by SEP, the cells) when none needs it (two
    regexes over the block tell), else (None, the cells cleaned, each distinct value once: a column with
    blanks usually repeats its values). Third, the cells as written that became null when cleaning did
    nothing else and no cell holds a quote (so PostgreSQL's CSV reader gives the same cells), else None."""
    joined = SEP.join(cells)
    bounded = SEP + joined + SEP
    if (
        BLANK.search(bounded) is None
        and NULL_WORD.search(bounded) is None
        and BLANK.search(bounded[::-1]) is None
    ):
        return joined, cells, (None if '"' in joined else frozenset())
    cleaned = {cell: clean(cell) for cell in set(cells)}
    as_written = all(value is None or value == cell for cell, value in cleaned.items())
    quoted = any('"' in cell for cell in cleaned)
    nulls = frozenset(cell for cell, value in cleaned.items() if value is None)
    return None, list(map(cleaned.__getitem__, cells)), (nulls if as_written and not quoted else None)


@caching.memo("opendata.type_fits", maxsize=65536)
def fits(value: str) -> tuple[bool, bool, bool, bool]:
    """Whether `value` fits integer, number, date and datetime."""
    integer = bool(INTEGER.fullmatch(value))
    number = integer or bool(NUMBER.fullmatch(value))
    day = not number and _date(value) is not None
    instant = day or (not number and _datetime(value) is not None)
    return integer, number, day, instant


def names_a_code(header: str) -> bool:
    """Whether a column's header says it holds identifiers (Mã xã, Số điện thoại, ID...)."""
    return bool(CODE_HEADER.match(unicodedata.normalize("NFC", header.strip())))


@dataclass
class Tally:
    values: int = 0
    fit: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    padded: bool = False

    def add_block(self, values: Sequence[str | None], *, joined: str | None) -> int:
        """Counts a block of a column's cleaned values (nulls left out unless `joined` is them joined by SEP);
        returns the bits (1 << index in TYPES) of the types every one fits, so a second pass checks cell by
        cell only elsewhere."""
        count = len(values)
        self.values += count
        if not count:
            return ALL_FIT
        joined = SEP.join(values) if joined is None else joined  # type: ignore[arg-type]  # nulls left out
        bounded = SEP + joined + SEP
        if not self.padded and PADDED_ANY.search(bounded):
            self.padded = True
        digits = joined.replace(SEP, "")
        # Plain digits of at most 18, or signed integers (leading zeros fit here but make the column text anyway).
        if (
            digits.isascii() and digits.isdigit() and not LONG_DIGITS.search(bounded)
        ) or INTEGER_ALL.fullmatch(joined):
            fitted = [count, count, 0, 0]
        elif NUMBER_ALL.fullmatch(joined):
            fitted = [len(INTEGER_CELLS.findall(bounded)), count, 0, 0]
        else:
            fitted = [0, 0, 0, 0]
            for value, times in Counter(CANDIDATE.findall(SEP + joined)).items():
                for index, fit in enumerate(fits(value)):
                    if fit:
                        fitted[index] += times
        for index, times in enumerate(fitted):
            self.fit[index] += times
        return sum(1 << index for index, times in enumerate(fitted) if times == count)

    def add_counted(self, seen: dict[str, int]) -> int:
        """`add_block` over a block's cleaned values given as each distinct value and its count."""
        count = sum(seen.values())
        self.values += count
        if not count:
            return ALL_FIT
        self.padded = self.padded or any(PADDED.fullmatch(value) for value in seen)
        if all(_digits(value) for value in seen) or all(INTEGER.fullmatch(value) for value in seen):
            fitted = [count, count, 0, 0]
        elif all(NUMBER.fullmatch(value) for value in seen):
            fitted = [sum(times for value, times in seen.items() if INTEGER.fullmatch(value)), count, 0, 0]
        else:
            fitted = [0, 0, 0, 0]
            for value, times in seen.items():
                for index, fit in enumerate(fits(value) if value[:1] in STARTS else ()):
                    fitted[index] += times if fit else 0
        for index, times in enumerate(fitted):
            self.fit[index] += times
        return sum(1 << index for index, times in enumerate(fitted) if times == count)

    def kind(self) -> str:
        """The narrowest type all values fit, or nearly all of a long column (misfits become bad rows); a
        column with a zero-padded value holds codes, which stay text whole."""
        if not self.values or self.padded:
            return "string"
        tolerated = int(self.values * MISFIT_SHARE) if self.values >= MISFIT_MINIMUM else 0
        for kind, fitted in zip(TYPES, self.fit, strict=False):
            if fitted >= self.values - tolerated and fitted:
                return kind
        return "string"


ALL_FIT = (1 << len(TYPES)) - 1
STARTS = frozenset("0123456789+-.,")  # the first characters CANDIDATE takes


def _digits(value: str) -> bool:
    """Plain ASCII digits, at most 18 (add_block's first test, per value)."""
    return value.isascii() and value.isdigit() and len(value) < 19
