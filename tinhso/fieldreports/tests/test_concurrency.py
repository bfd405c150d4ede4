"""Writers racing on one report, on PostgreSQL with one real connection per thread. SQLite serialises every
writer, so there is nothing to race there."""

import threading

import pytest
from django.db import transaction

from tinhso.core import services as core_services
from tinhso.core.errors import Conflict
from tinhso.core.models import AdminUnit
from tinhso.fieldreports import services
from tinhso.fieldreports.models import Category, Report
from tinhso.testing.concurrency import POSTGRES_RACES, run_together, settle
from tinhso.testing.factories import CONSTRUCTION, citizen
from tinhso.testing.fieldreport_helpers import AN_XUYEN_POINT, case, file_report

pytestmark = POSTGRES_RACES


@pytest.fixture
def slow_events(monkeypatch) -> threading.Event:
    """Holds each writer's row lock until the others queue behind it or finish; the event it returns is set
    once a writer holds its lock."""
    original, holding = core_services.record_event, threading.Event()

    def slow_record_event(**kwargs):
        holding.set()
        settle()
        return original(**kwargs)

    monkeypatch.setattr(services, "record_event", slow_record_event)
    return holding


def test_of_two_officials_acting_on_the_same_version_exactly_one_succeeds(
    reference_data, categories, staff, slow_events
):
    report = file_report()
    outcomes = run_together(
        lambda: services.acknowledge_report(actor=staff["handler"], **case(Report.objects.get(pk=report.pk))),
        lambda: services.reroute_report(
            actor=staff["coordinator"],
            **case(Report.objects.get(pk=report.pk)),
            unit_code=CONSTRUCTION,
            reason="Đường do tỉnh quản lý.",
        ),
    )
    winners = [o for o in outcomes if isinstance(o, Report)]
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].code == "stale_version"
    assert Report.objects.get(pk=report.pk).version == 2


@pytest.fixture
def slow_locks(monkeypatch):
    """Pauses after each row lock until the other writer queues, pauses too or finishes, so two writers taking
    two rows in opposite orders would surely deadlock."""
    original = services._locked

    def slow_locked(**kwargs):
        row = original(**kwargs)
        settle()
        return row

    monkeypatch.setattr(services, "_locked", slow_locked)


def test_merging_a_pair_both_ways_at_once_merges_once_without_deadlock(
    reference_data, categories, staff, slow_locks
):
    first = file_report()
    second = file_report(point=(AN_XUYEN_POINT[0] + 0.0002, AN_XUYEN_POINT[1]))
    coordinator = staff["coordinator"]
    outcomes = run_together(
        lambda: services.merge_reports(
            actor=coordinator, **case(Report.objects.get(pk=first.pk)), into=second.tracking_code
        ),
        lambda: services.merge_reports(
            actor=coordinator, **case(Report.objects.get(pk=second.pk)), into=first.tracking_code
        ),
    )
    assert sum(isinstance(o, Report) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    assert Report.objects.filter(status=Report.Status.MERGED).count() == 1


def test_one_idempotency_key_sent_four_times_at_once_files_one_report(reference_data, categories):
    person = citizen()

    def submit():
        return file_report(
            "ha-tang-den", reporter=person, phone="", email="", idempotency_key="den-cho-phuong-5"
        )

    outcomes = run_together(*[submit] * 4)
    assert all(isinstance(o, Report) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert Report.objects.filter(reporter=person).count() == 1


def test_acting_on_a_report_locks_that_report_only_not_its_category_or_unit(
    reference_data, categories, staff
):
    report = file_report()
    locked, release = threading.Event(), threading.Event()

    def hold_report_lock():
        with transaction.atomic():
            services._locked(**case(Report.objects.get(pk=report.pk)))
            locked.set()
            release.wait(timeout=10)

    def lock_category_and_unit_without_waiting():
        locked.wait(timeout=10)
        try:
            with transaction.atomic():
                Category.objects.select_for_update(nowait=True).get(pk=report.category_id)
                AdminUnit.objects.select_for_update(nowait=True).get(pk=report.responsible_unit_id)
            return "free"
        finally:
            release.set()

    outcomes = run_together(hold_report_lock, lock_category_and_unit_without_waiting)
    assert outcomes[1] == "free", outcomes


def test_a_writer_waiting_behind_a_reroute_gets_a_conflict_not_a_vanished_report(
    reference_data, categories, staff, slow_events
):
    report = file_report()
    slow_events.clear()  # filing recorded an event too

    def acknowledge_a_moment_later():
        stale = Report.objects.get(pk=report.pk)
        slow_events.wait(timeout=10)  # the reroute holds the row lock by now
        return services.acknowledge_report(actor=staff["handler"], **case(stale))

    outcomes = run_together(
        lambda: services.reroute_report(
            actor=staff["coordinator"],
            **case(Report.objects.get(pk=report.pk)),
            unit_code=CONSTRUCTION,
            reason="Đường do tỉnh quản lý.",
        ),
        acknowledge_a_moment_later,
    )
    assert isinstance(outcomes[0], Report), outcomes
    assert isinstance(outcomes[1], Conflict) and outcomes[1].code == "stale_version", outcomes
