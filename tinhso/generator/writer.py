"""Helpers for rows written with ids chosen by the generator."""

import json

from django.db.models import Max, Model


def columns_of(model: type[Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def next_id(model: type[Model]) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
