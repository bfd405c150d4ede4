"""Helpers for rows written with ids chosen by the generator."""

import json

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max, Model


def columns_of(model: type[Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def next_id(model: type[Model]) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def reset_sequences(*models: type[Model]) -> None:
    """After inserts with explicit ids, the next id PostgreSQL hands out comes after them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
