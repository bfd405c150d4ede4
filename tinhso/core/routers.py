"""Reads on a streaming replica (issue 25): with DATABASE_REPLICA_URL set, the pages that only read figures (the
operations centre, its exports, open data, SDMX) and `tinhso verify-log` read from the replica; every write,
and every read after a write in the same request, goes to the primary. A browser that has just written gets a
cookie that sends its next requests' reads to the primary for a few seconds, so it reads its own write."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse

from tinhso.core import sql

REPLICA = "replica"
WROTE_COOKIE = "tinhso_wrote"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_reading = ContextVar("replica_reads", default=False)
_wrote = ContextVar("wrote_meanwhile", default=False)


def has_replica() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside the block go to the replica, until the block writes."""
    reading, wrote = _reading.set(has_replica()), _wrote.set(False)
    try:
        yield
    finally:
        _reading.reset(reading)
        _wrote.reset(wrote)


def reading_from_replica() -> bool:
    """Whether a read now goes to the replica: inside replica_reads() and before any write."""
    return _reading.get() and not _wrote.get()


def replica_lag() -> float | None:
    """Seconds the replica the reads come from trails the primary; None when reads come from the primary."""
    return sql.replay_lag_seconds(REPLICA) if reading_from_replica() else None


class ReplicaRouter:
    """Django's database router: the replica for reads inside replica_reads(), the primary for the rest."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return REPLICA if reading_from_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        _wrote.set(True)  # later reads of this request or command see what it wrote
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def replica_pages(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: the read-only pages (settings.TINHSO_REPLICA_PATHS) read from the replica, unless this
    browser wrote a moment ago; an answered write marks the browser for TINHSO_READ_OWN_WRITES_SECONDS."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if not has_replica():
            return get_response(request)
        if request.method not in SAFE_METHODS:
            response = get_response(request)
            if response.status_code < 400:
                seconds = settings.TINHSO_READ_OWN_WRITES_SECONDS
                response.set_cookie(WROTE_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax")
            return response
        if WROTE_COOKIE in request.COOKIES or not request.path.startswith(settings.TINHSO_REPLICA_PATHS):
            return get_response(request)
        with replica_reads():
            return get_response(request)

    return middleware
