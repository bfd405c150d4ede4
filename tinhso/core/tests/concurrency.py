"""Racing real writers: one thread and one database connection each, released at the same instant."""

import threading

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


def run_together(*calls) -> list:
    """Runs each call in its own thread and connection; returns each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def worker(index: int, call) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome under test may be any refusal
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
