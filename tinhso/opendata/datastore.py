"""The datastore's bulk path: a version's file read twice (types inferred over the whole file, then every row
converted and written), rows written in chunks by COPY on PostgreSQL (executemany on SQLite), each chunk in its
own transaction with the job's heartbeat, so a killed job is seen by the reaper and nothing half-loaded is shown:
a version becomes the resource's current one only when `services.finish_load` commits.

One table holds every resource's rows as JSON (`DatastoreRow`), not a table per resource as CKAN does: the same
code runs on SQLite (the embedded default) and PostgreSQL, where a GIN index answers equality filters."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.eventlog import canonical_json
from tinhso.core.sql import copy_rows
from tinhso.opendata import pii, tabular
from tinhso.opendata.models import DatastoreRow
from tinhso.opendata.text import fold

CHUNK = 5000
MAX_BAD_ROWS_KEPT = 1000  # the report keeps the first ones; the count is always whole
FINDINGS_PER_KIND = 3


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


@lru_cache(maxsize=65536)
def _folded(value: str) -> str:
    return fold(value)


DATED = frozenset({"date", "datetime"})


@lru_cache(maxsize=4096)
def _dated(value: str, kind: str) -> str:
    """A date's conversion, kept: a table's dates repeat (months, days of a survey)."""
    return tabular.convert(value, kind)


def infer(path: Path, *, format: str) -> tuple[tabular.Source, list[str]]:
    """The columns and their types, from every value of the file."""
    source, records = tabular.open_table(path, format=format)
    tallies = [tabular.Tally() for _ in source.columns]
    width = len(source.columns)
    for _number, cells, _why in records:
        if cells is None or len(cells) != width:
            continue
        for tally, cell in zip(tallies, cells, strict=True):
            value = tabular.clean(cell)
            if value is not None:
                tally.add(value)
    kinds = [
        "string" if tabular.names_a_code(column) else tally.kind()
        for column, tally in zip(source.columns, tallies, strict=True)
    ]
    return source, kinds


def _rows(path: Path, *, format: str, kinds: list[str], loaded: Loaded) -> Iterator[tuple[dict, str]]:
    """Each good row as (data, folded text), refusing the others into `loaded` by row number."""
    source, records = tabular.open_table(path, format=format)
    columns = source.columns
    seen: dict[str, int] = {}
    for number, cells, why in records:
        if cells is None:
            loaded.refuse(number, "", _("Dòng hỏng: %(why)s") % {"why": why})
            continue
        if len(cells) != len(columns):
            loaded.refuse(
                number,
                "",
                _("Có %(found)s ô, cần %(expected)s.") % {"found": len(cells), "expected": len(columns)},
            )
            continue
        data: dict[str, Any] = {}
        texts = []
        refused = False
        for column, kind, cell in zip(columns, kinds, cells, strict=True):
            value = tabular.clean(cell)
            if value is None:
                data[column] = None
                continue
            try:
                data[column] = _dated(value, kind) if kind in DATED else tabular.convert(value, kind)
            except ValueError:
                loaded.refuse(
                    number,
                    column,
                    _("“%(value)s” không phải %(kind)s.") % {"value": value[:50], "kind": KIND_WORDS[kind]},
                )
                refused = True
                break
            texts.append(_folded(value))
            if kind == "string" and seen.get(column, 0) < FINDINGS_PER_KIND:
                finding = pii.value_finding(value, column=column, row=number)
                if finding is not None:
                    seen[column] = seen.get(column, 0) + 1
                    loaded.findings.append(finding.as_dict())
        if not refused:
            yield data, " ".join(texts)


KIND_WORDS = {
    "integer": gettext_lazy("số nguyên"),
    "number": gettext_lazy("số"),
    "date": gettext_lazy("ngày"),
    "datetime": gettext_lazy("thời điểm"),
    "string": gettext_lazy("văn bản"),
}


def load(*, version_id: int, path: Path, format: str, heartbeat: Callable[[int], None]) -> Loaded:
    """Writes the version's rows (after removing any a killed attempt left); raises UnreadableFile."""
    source, kinds = infer(path, format=format)
    loaded = Loaded(
        fields=[{"name": name, "type": kind} for name, kind in zip(source.columns, kinds, strict=True)],
        encoding=source.encoding,
        delimiter=source.delimiter,
    )
    loaded.findings = [finding.as_dict() for finding in pii.column_findings(source.columns)]
    DatastoreRow.objects.filter(version_id=version_id).delete()
    chunk: list[tuple] = []
    for data, folded in _rows(path, format=format, kinds=kinds, loaded=loaded):
        loaded.rows += 1
        chunk.append((version_id, loaded.rows, canonical_json(data), folded))
        if len(chunk) == CHUNK:
            _write(chunk, heartbeat, loaded.rows)
            chunk = []
    _write(chunk, heartbeat, loaded.rows)
    return loaded


def _write(chunk: list[tuple], heartbeat: Callable[[int], None], rows: int) -> None:
    with transaction.atomic():
        copy_rows(DatastoreRow._meta.db_table, ["version_id", "row", "data", "folded"], chunk)
        heartbeat(rows)
