"""Helpers for rows written with ids chosen by the generator."""

import json

from django.db.models import Max, Model

from tinhso.core.eventlog import built_encoder

_dumps = built_encoder(json.JSONEncoder(ensure_ascii=False))


def dumps(value: object) -> str:
    """JSON as Django's JSONField stores it (for values no hash covers)."""
    return _dumps(value)


def columns_of(model: type[Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def next_id(model: type[Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


COPY_NULL = "\\N"


def copy_text(value: str) -> str:
    """A text value escaped for COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def copy_json(text: str) -> str:
    """JSON text escaped for COPY's text format: JSON already writes tabs and line breaks as escapes."""
    return text.replace("\\", "\\\\") if "\\" in text else text
