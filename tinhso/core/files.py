"""Stored files: sweeping away files no row refers to (left by a request that failed after storing an upload,
or by a killed process), once they are old enough that no transaction can still be using them."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.apps import apps
from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone

ORPHAN_AGE = timedelta(hours=6)


def _file_fields() -> Iterator[tuple[type[models.Model], models.FileField]]:
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                yield model, field


def _walk(storage: Storage, folder: str = "") -> Iterator[str]:
    if not storage.exists(folder or "."):
        return
    folders, files = storage.listdir(folder or ".")
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def orphan_files(*, now: datetime | None = None) -> list[tuple[Storage, str]]:
    """Files older than ORPHAN_AGE in any storage a FileField uses, that no row refers to."""
    cutoff = (now or timezone.now()) - ORPHAN_AGE
    referenced: dict[int, set[str]] = defaultdict(set)
    storages: dict[int, Storage] = {}
    for model, field in _file_fields():
        storages[id(field.storage)] = field.storage
        names = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
        referenced[id(field.storage)].update(names.iterator())
    return [
        (storage, name)
        for key, storage in storages.items()
        for name in _walk(storage)
        if name not in referenced[key] and storage.get_modified_time(name) < cutoff
    ]
