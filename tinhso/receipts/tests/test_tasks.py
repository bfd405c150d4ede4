"""The issuing run after payments commit: one per process per second (core.tasks.Coalesced), so a burst of
gateways' notices costs one job write, not one each."""

from tinhso.receipts import tasks


def test_the_issuing_run_is_queued_once_per_second():
    assert (tasks.queue_issuing.task, tasks.queue_issuing.delay) == (tasks.issue_now, 1.0)
