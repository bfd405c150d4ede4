"""Types for the API's input schemas that carry the database's limits, so a value no column can hold is
refused at the edge with 422 naming the field (and the published OpenAPI document states the limit)."""

from datetime import datetime
from typing import Annotated

from django.db.models import Model
from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

# Reasons, notes and questions are kept in the event log's payloads, which have no column width.
FREE_TEXT_MAX = 2000
FIRST_YEAR, LAST_YEAR = 1900, 2999
# PostgreSQL's integer: versions, ratings and the like past it are refused, not cast.
INTEGER_MAX = 2**31 - 1

FreeText = Annotated[str, StringConstraints(max_length=FREE_TEXT_MAX)]
Version = Annotated[int, Field(ge=0, le=INTEGER_MAX)]


def column_length(model: type[Model], field: str) -> int:
    """The width of `model.field`'s column, for `Field(max_length=...)` in a schema."""
    max_length = getattr(model._meta.get_field(field), "max_length", None)
    if max_length is None:
        raise ValueError(f"{model.__name__}.{field} has no max_length")
    return max_length


def _within_years(value: datetime) -> datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must fall in the years {FIRST_YEAR}–{LAST_YEAR}")
    return value


# An instant with its UTC offset (a naive one cannot be placed on the timeline) in a year the platform knows.
Instant = Annotated[AwareDatetime, AfterValidator(_within_years)]
