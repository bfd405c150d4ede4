"""The issuing job queued after payments commit: one run per process per second, after every payment of that
second, so a burst of gateway notices costs one job write, not one each."""

from types import SimpleNamespace

import pytest

from tinhso.receipts import tasks


@pytest.fixture
def queued(monkeypatch) -> tuple[list[float], list[float]]:
    """The delays of the runs queued, and the process's clock (seconds), with jobs going to a real queue."""
    runs: list[float] = []
    clock = [1000.0]
    monkeypatch.setattr(tasks.HUEY, "immediate", False)
    monkeypatch.setattr(tasks.issue_now, "schedule", lambda *, delay: runs.append(delay))
    monkeypatch.setattr(tasks, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(tasks, "_queued_until", [0.0])
    return runs, clock


def test_payments_committed_within_a_second_share_one_run_that_starts_after_them(queued):
    runs, clock = queued
    tasks._queue_issuing()
    clock[0] += 0.4
    tasks._queue_issuing()
    clock[0] += 0.5
    tasks._queue_issuing()
    assert runs == [tasks.RUN_DELAY]  # queued at 0 s to start at 1 s, after the payments at 0.4 s and 0.9 s
    clock[0] += 0.1
    tasks._queue_issuing()  # at 1 s the queued run may have started already: another one
    assert runs == [tasks.RUN_DELAY, tasks.RUN_DELAY]


def test_a_queue_that_refuses_the_run_is_retried_by_the_next_payment(queued, monkeypatch):
    runs, _ = queued

    def refused(*, delay: float) -> None:
        raise ConnectionError("the job queue is down")

    monkeypatch.setattr(tasks.issue_now, "schedule", refused)
    tasks._queue_issuing()  # logged; the periodic job would issue the receipt
    monkeypatch.setattr(tasks.issue_now, "schedule", lambda *, delay: runs.append(delay))
    tasks._queue_issuing()
    assert runs == [tasks.RUN_DELAY]


def test_without_a_consumer_the_run_happens_at_once(monkeypatch):
    ran: list[bool] = []
    monkeypatch.setattr(tasks, "issue_now", lambda: ran.append(True))
    tasks._queue_issuing()  # HUEY.immediate in tests, as in the demo
    assert ran == [True]
