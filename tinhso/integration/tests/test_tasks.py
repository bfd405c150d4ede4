"""The relay's kick queued after status changes commit: one per process per second, after every change of
that second, so a burst of gateways' notices resuming dossiers costs one job write, not one each."""

from types import SimpleNamespace

import pytest

from tinhso.integration import tasks


@pytest.fixture
def queued(monkeypatch) -> tuple[list[float], list[float]]:
    """The delays of the kicks queued, and the process's clock (seconds), with jobs going to a real queue."""
    kicks: list[float] = []
    clock = [1000.0]
    monkeypatch.setattr(tasks.HUEY, "immediate", False)
    monkeypatch.setattr(tasks.kick, "schedule", lambda *, delay: kicks.append(delay))
    monkeypatch.setattr(tasks, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(tasks, "_queued_until", [0.0])
    return kicks, clock


def test_changes_committed_within_a_second_share_one_kick_that_starts_after_them(queued):
    kicks, clock = queued
    tasks._queue_kick()
    clock[0] += 0.9
    tasks._queue_kick()
    assert kicks == [tasks.KICK_DELAY]
    clock[0] += 0.1
    tasks._queue_kick()  # the queued kick may have started already: another one
    assert kicks == [tasks.KICK_DELAY, tasks.KICK_DELAY]


def test_a_queue_that_refuses_the_kick_is_retried_by_the_next_change(queued, monkeypatch):
    kicks, _ = queued

    def refused(*, delay: float) -> None:
        raise ConnectionError("the job queue is down")

    monkeypatch.setattr(tasks.kick, "schedule", refused)
    tasks._queue_kick()  # logged; the periodic jobs send the messages
    monkeypatch.setattr(tasks.kick, "schedule", lambda *, delay: kicks.append(delay))
    tasks._queue_kick()
    assert kicks == [tasks.KICK_DELAY]


def test_without_a_consumer_the_kick_runs_at_once(monkeypatch):
    ran: list[bool] = []
    monkeypatch.setattr(tasks, "kick", lambda: ran.append(True))
    tasks._queue_kick()  # HUEY.immediate in tests, as in the demo
    assert ran == [True]
