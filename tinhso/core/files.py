"""Stored files: the private storage (everything but public copies), answering a private file to a caller
whose right was checked, removing files a failed write stored, and sweeping away files no row refers to
(left by a killed process), once they are old enough that no transaction can still be using them."""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone

ORPHAN_AGE = timedelta(hours=6)


class PrivateFileSystemStorage(FileSystemStorage):
    """Files outside any public URL: PRIVATE_MEDIA_ROOT, by default beside MEDIA_ROOT (never under it)."""

    @property
    def base_location(self) -> str:
        root = getattr(settings, "PRIVATE_MEDIA_ROOT", "")
        return str(root or Path(settings.MEDIA_ROOT).parent / "private-media")

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    @property
    def base_url(self) -> None:  # type: ignore[override]  # no URL at all: private files go through a view
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("A private file has no URL: it is answered by a view that checks the caller.")


def private_storage() -> Storage:
    """The storage of files served only through the platform (STORAGES["private"]: a folder here, a private
    bucket of S3-compatible storage at scale)."""
    return storages["private"]


def private_file_response(
    stored: FieldFile, *, content_type: str, filename: str, inline: bool = False
) -> FileResponse:
    """A private file answered with the content type recorded when it was checked and stored (never guessed
    from a name the uploader chose), as a download unless `inline`, and never sniffed by the browser."""
    response = FileResponse(stored.open("rb"), content_type=content_type)
    disposition = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


_written: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("written_files", default=None)


def written(stored: FieldFile) -> None:
    """Notes a file just stored, for `removed_on_failure` to delete if the write that stored it fails."""
    files = _written.get()
    if files is not None and stored.name:
        files.append((stored.storage, stored.name))


@contextmanager
def removed_on_failure() -> Iterator[None]:
    """Around a service or a transaction (outside it): files stored inside (see `written`) are deleted when
    it raises, so a refused or failed request leaves none behind; as a decorator too. Nested, the outermost
    decides; the sweep catches what a killed process leaves."""
    outer = _written.get()
    files: list[tuple[Storage, str]] = []
    token = _written.set(files)
    try:
        yield
    except BaseException:
        for storage, name in files:
            storage.delete(name)
        raise
    finally:
        _written.reset(token)
    if outer is not None:
        outer.extend(files)


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
