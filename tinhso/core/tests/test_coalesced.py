"""core.tasks.Coalesced: a job queued at most once per second by a process, to start after every change of that
second; at once without a consumer; a queue that refuses is retried by the next change."""

from types import SimpleNamespace

import pytest

from tinhso.core import tasks


class Task:
    """A queued task as huey gives it: called runs it now, `schedule` queues it."""

    def __init__(self) -> None:
        self.ran, self.queued = 0, list[float]()

    def __call__(self) -> None:
        self.ran += 1

    def schedule(self, *, delay: float) -> None:
        self.queued.append(delay)


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The process's monotonic clock (seconds), with jobs going to a real queue."""
    now = [1000.0]
    monkeypatch.setattr(tasks.HUEY, "immediate", False)
    monkeypatch.setattr(tasks, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return now


def test_changes_committed_within_a_second_share_one_run_that_starts_after_them(clock):
    task = Task()
    queue = tasks.Coalesced(task, delay=1.0, failure="refused")
    queue()
    clock[0] += 0.4
    queue()
    clock[0] += 0.5
    queue()
    assert task.queued == [1.0]  # queued at 0 s to start at 1 s, after the changes at 0.4 s and 0.9 s
    clock[0] += 0.1
    queue()  # at 1 s the queued run may have started already: another one
    assert task.queued == [1.0, 1.0] and task.ran == 0


def test_a_queue_that_refuses_is_retried_by_the_next_change(clock, caplog):
    task = Task()
    queue = tasks.Coalesced(task, delay=1.0, failure="the periodic job catches up")

    def refused(*, delay: float) -> None:
        raise ConnectionError("the job queue is down")

    task.schedule = refused  # type: ignore[method-assign]
    queue()
    assert "the periodic job catches up" in caplog.text
    task.schedule = Task.schedule.__get__(task)  # type: ignore[method-assign]
    queue()
    assert task.queued == [1.0]


def test_without_a_consumer_the_task_runs_at_once():
    task = Task()
    tasks.Coalesced(task, failure="refused")()  # HUEY.immediate in tests, as in the demo
    assert (task.ran, task.queued) == (1, [])
