"""Two officials acting on one dossier at once, and many first submissions of a day, on PostgreSQL with real
connections (one per thread). SQLite serialises every writer, so there is nothing to race there."""

import threading

from django.db import connection, transaction

from tinhso.core.errors import Conflict
from tinhso.core.models import Role
from tinhso.dossiers import services, submission
from tinhso.dossiers.models import Dossier
from tinhso.testing.concurrency import POSTGRES_RACES, run_together, settle
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.dossiers import RECORD, RECORD_FORM
from tinhso.testing.factories import JUSTICE, official

pytestmark = POSTGRES_RACES


def test_of_two_officials_forwarding_the_same_version_exactly_one_succeeds(reference_data, cast, monkeypatch):
    second = official("chuyenvien2", (Role.SPECIALIST, JUSTICE))
    dossier = in_state(cast, "processing")
    original = services.record_event

    def slow_record_event(**kwargs):
        settle()  # hold the row lock until the other writer queues behind it
        return original(**kwargs)

    monkeypatch.setattr(services, "record_event", slow_record_event)
    outcomes = run_together(
        lambda: services.forward(actor=cast.specialist, code=dossier.code, version=dossier.version),
        lambda: services.send_back(
            actor=second, code=dossier.code, version=dossier.version, reason="Xem lại"
        ),
    )
    winners = [o for o in outcomes if isinstance(o, Dossier)]
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].code == "stale_version"
    assert losers[0].extra["current"]["version"] == dossier.version + 1
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.version == dossier.version + 1 and stored.current_step == winners[0].current_step


def test_simultaneous_submissions_get_consecutive_codes_and_one_key_makes_one_dossier(reference_data, cast):
    outcomes = run_together(
        *[lambda: services.submit_dossier(actor=cast.an, procedure_code=RECORD, form_data=RECORD_FORM)] * 6
    )
    codes = sorted(outcome[0].code for outcome in outcomes)
    assert [code[-4:] for code in codes] == ["0001", "0002", "0003", "0004", "0005", "0006"]
    retried = run_together(
        *[
            lambda: services.submit_dossier(
                actor=cast.ngoc,
                procedure_code=RECORD,
                form_data=RECORD_FORM,
                idempotency_key="mang-chap-chon",
            )
        ]
        * 4
    )
    assert len({outcome[0].pk for outcome in retried}) == 1, retried
    assert sorted(outcome[1] for outcome in retried) == [False, False, False, True]
    assert Dossier.objects.filter(applicant=cast.ngoc).count() == 1


def test_a_numbered_submission_not_yet_written_does_not_hold_up_the_next_one_at_the_same_desk(
    reference_data, cast, monkeypatch
):
    first_in_flight, second_done = threading.Event(), threading.Event()
    waited = []
    original = submission.first_event

    def first_event(**kwargs):
        if kwargs["actor"] == cast.an:  # the first submission, numbered, waits before writing for the second
            first_in_flight.set()
            waited.append(second_done.wait(timeout=10))
        return original(**kwargs)

    def second() -> Dossier:
        first_in_flight.wait(timeout=10)
        dossier, _ = services.submit_dossier(actor=cast.ngoc, procedure_code=RECORD, form_data=RECORD_FORM)
        second_done.set()
        return dossier

    monkeypatch.setattr(submission, "first_event", first_event)
    first, later = run_together(
        lambda: services.submit_dossier(actor=cast.an, procedure_code=RECORD, form_data=RECORD_FORM)[0],
        second,
    )
    # Had the counter's row stayed locked to the first one's commit, the second would have waited for it.
    assert waited == [True], (first, later)
    assert (first.code[-4:], later.code[-4:]) == ("0001", "0002")
    assert Dossier.objects.count() == 2


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_only_the_counters_own_commit_skips_the_disk_flush_and_every_dossiers_commit_keeps_it(
    reference_data, cast
):
    submit = lambda: services.submit_dossier(actor=cast.an, procedure_code=RECORD, form_data=RECORD_FORM)  # noqa: E731
    assert submit()[0].code.endswith("-0001") and _synchronous_commit() == "on"
    with (
        transaction.atomic()
    ):  # numbered inside a caller's transaction, that transaction's commit stays flushed
        assert submit()[0].code.endswith("-0002") and _synchronous_commit() == "on"
