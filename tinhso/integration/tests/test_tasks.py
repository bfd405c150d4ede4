"""The relay's kick after status changes commit: one per process per second (core.tasks.Coalesced), so a burst
of gateways' notices resuming dossiers costs one job write, not one each."""

from tinhso.integration import tasks


def test_the_relay_kick_is_queued_once_per_second():
    assert (tasks.queue_kick.task, tasks.queue_kick.delay) == (tasks.kick, 1.0)
