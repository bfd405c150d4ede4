"""Keyset paging shared by the lists: a page of rows and an opaque cursor naming the last row shown (an
instant and an id), so a page costs the same whatever the list's length."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from tinhso.core.parsing import BIGINT_MAX, whole_number


@dataclass(frozen=True)
class Page:
    """One page of a list and the cursor of the next one (None on the last page)."""

    items: list[Any]
    next_cursor: str | None
    total: int | None = None


def cursor_of(instant: datetime | None, pk: int) -> str:
    return f"{instant.isoformat() if instant else ''}~{pk}"


def parse_cursor(cursor: str) -> tuple[datetime | None, int] | None:
    """(instant or None, id) from a cursor; None for no cursor or one that was tampered with."""
    instant, _, digits = cursor.rpartition("~")
    pk = whole_number(digits, BIGINT_MAX)
    if pk is None:
        return None
    try:
        return (datetime.fromisoformat(instant) if instant else None), pk
    except ValueError:
        return None


def keyset_page(rows: QuerySet[Any], *, field: str, cursor: str, size: int, newest_first: bool) -> Page:
    """`size` rows (instances, or `.values()` dicts with "pk") ordered by (`field`, id), newest or oldest
    first, after the row `cursor` names."""
    after = parse_cursor(cursor)
    if after is not None and after[0] is not None:
        instant, pk = after
        beyond = "lt" if newest_first else "gt"
        rows = rows.filter(Q(**{f"{field}__{beyond}": instant}) | Q(**{field: instant, f"pk__{beyond}": pk}))
    found = list(rows.order_by(*((f"-{field}", "-pk") if newest_first else (field, "pk")))[: size + 1])
    last = found[size - 1] if len(found) > size else None
    return Page(found[:size], cursor_of(_value(last, field), _value(last, "pk")) if last else None)


def _value(row: Any, name: str) -> Any:
    """A column of a model instance or of a `.values()` row (which must then hold "pk")."""
    return row[name] if isinstance(row, dict) else getattr(row, name)
