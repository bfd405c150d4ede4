"""Racing real writers: one thread and one database connection each, released at the same instant.

Races are ordered by what the database reports, never by sleeping: a writer that must hold its locks while the
others arrive calls `settle()`, which returns once every other racer waits for a lock, is itself settling, or
has finished (PostgreSQL's pg_blocking_pids tells who waits)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

# Marks for a module of races: they need PostgreSQL, since SQLite lets only one writer in at a time.
POSTGRES_RACES = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite takes one write lock for the whole database, so writers never overlap",
    ),
]

SETTLE_TIMEOUT_SECONDS = 10
POLL_SECONDS = 0.01


class _Racers:
    """Who races now: each racer's backend pid, and which racers are settling or done."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.pids: dict[int, int] = {}
        self.settling: set[int] = set()
        self.done: set[int] = set()

    def others(self) -> list[int]:
        me = threading.get_ident()
        return [ident for ident in self.pids if ident != me]


_racers = _Racers()


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
        return bool(cursor.fetchone()[0])


def settle(timeout: float = SETTLE_TIMEOUT_SECONDS) -> None:
    """Called by a racer holding locks: returns once every other racer waits for a lock, settles, or is done."""
    me = threading.get_ident()
    with _racers.changed:
        _racers.settling.add(me)
        _racers.changed.notify_all()
    try:
        waited = 0.0
        while True:
            with _racers.changed:
                pending = [
                    ident for ident in _racers.others() if ident not in _racers.settling | _racers.done
                ]
            if all(_waits_for_a_lock(_racers.pids[ident]) for ident in pending):
                return
            if waited >= timeout:
                raise AssertionError(f"the other writers neither queued nor finished within {timeout} s")
            with _racers.changed:  # woken early when a racer settles or finishes
                _racers.changed.wait(POLL_SECONDS)
            waited += POLL_SECONDS
    finally:
        with _racers.changed:
            _racers.settling.discard(me)


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Runs each call in its own thread and connection; returns each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        me = threading.get_ident()
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    _racers.pids[me] = cursor.fetchone()[0]
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome under test may be any refusal
            outcomes[index] = error
        finally:
            with _racers.changed:
                _racers.done.add(me)
                _racers.changed.notify_all()
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with _racers.changed:
        _racers.pids.clear()
        _racers.settling.clear()
        _racers.done.clear()
    return outcomes
