"""core.tasks.once_after_commit: one run after the commit, however many writes of the transaction ask."""

import pytest
from django.db import transaction

from tinhso.core.tasks import once_after_commit

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_job_asked_for_twice_in_a_transaction_runs_once_after_it_commits():
    runs = []

    def job() -> None:
        runs.append(len(runs))

    with transaction.atomic():
        once_after_commit(job)
        once_after_commit(job)
        assert runs == []  # nothing before the commit
    assert runs == [0]


def test_a_job_of_a_rolled_back_transaction_never_runs_and_a_failing_one_keeps_the_commit():
    runs = []

    def failing() -> None:
        runs.append("failed")
        raise RuntimeError("the queue is down")

    with pytest.raises(ValueError), transaction.atomic():
        once_after_commit(failing)
        raise ValueError("the change is refused")
    assert runs == []
    with transaction.atomic():
        once_after_commit(failing)  # robust: logged, the commit stands
    assert runs == ["failed"]
