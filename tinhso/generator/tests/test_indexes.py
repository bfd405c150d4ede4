"""Large runs load without the secondary indexes and rebuild them (PostgreSQL): the schema afterwards is the
one before, and a run killed while they were dropped leaves them to the next run."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from tinhso.catalog import demo as catalog_demo
from tinhso.core import services as core_services
from tinhso.core.models import Event
from tinhso.core.selectors import verify_event_log
from tinhso.dossiers.models import Dossier
from tinhso.fieldreports import demo as fieldreport_demo
from tinhso.generator import indexes
from tinhso.generator.models import DeferredIndex
from tinhso.generator.services import generate
from tinhso.generator.tests.test_generator import NOW

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # the rebuilds run on connections of their own
    pytest.mark.skipif(connection.vendor != "postgresql", reason="indexes are deferred on PostgreSQL only"),
]


def schema() -> set[tuple[str, str]]:
    """Every index of the loaded tables and of the event log's monthly partitions, with its definition (unique
    constraints included); not a partition's share of its parent's index, which comes and goes with it."""
    tables = [model._meta.db_table for model in indexes.LOADED]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE (t.relname = ANY(%s) OR t.oid IN (SELECT h.inhrelid FROM pg_inherits h "
            "JOIN pg_class p ON p.oid = h.inhparent WHERE p.relname = ANY(%s))) "
            "AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)",
            [tables, tables],
        )
        return set(cursor.fetchall())


@pytest.fixture
def demo(reference_data):
    catalog_demo.load_demo(with_accounts=False)
    fieldreport_demo.load_demo(with_accounts=False)
    core_services.make_event_partitions(since=(NOW - timedelta(days=120)).date())  # the months runs fill
    yield schema()
    indexes.rebuild()  # a failed test must not leave the next tests of this database without indexes


def test_a_large_run_loads_without_secondary_indexes_and_rebuilds_them_as_they_were(demo, monkeypatch):
    during = {}

    def defer_and_look() -> int:
        dropped = defer()
        during["schema"], during["kept"] = schema(), DeferredIndex.objects.count()
        return dropped

    defer = indexes.defer
    monkeypatch.setattr(indexes, "defer", defer_and_look)
    lines: list[str] = []

    summary = generate(
        dossiers=300, reports=30, months=2, seed=5, now=NOW, batch_size=100, workers=2, defer_indexes=True,
        log=lines.append,
    )  # fmt: skip

    left = {name for name, _ in during["schema"]}
    assert all(name.endswith("_pkey") for name in left), left  # only the primary keys stayed
    assert during["kept"] == len(demo) - len(left) >= 40
    assert schema() == demo
    assert not DeferredIndex.objects.exists()
    assert any(f"{during['kept']} chỉ mục dựng lại" in line for line in lines)
    assert summary.dossiers == Dossier.objects.count() == 300
    assert verify_event_log() == []
    first = Event.objects.order_by("pk").first()
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique key is enforced again
        Event.objects.create(
            stream=first.stream, seq=first.seq, action=first.action, payload={}, occurred_at=first.occurred_at,
            prev_hash="", hash="",
        )  # fmt: skip


def test_a_failed_run_rebuilds_what_it_dropped(demo, monkeypatch):
    from tinhso.generator import services

    def broken(*args, **kwargs):
        assert len(schema()) < len(demo)  # it fails while the indexes are set aside
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "_plan", broken)
    with pytest.raises(RuntimeError, match="the disk is full"):
        generate(dossiers=50, reports=5, months=1, now=NOW, defer_indexes=True)

    assert schema() == demo
    assert not DeferredIndex.objects.exists()


def test_indexes_a_killed_run_left_dropped_are_rebuilt_before_the_next_run_writes(demo):
    kept = indexes.defer()  # what a run killed during its load leaves behind
    assert kept == DeferredIndex.objects.count() > 0
    assert len(schema()) == len(demo) - kept

    out = StringIO()
    call_command(
        "gen", "--dossiers", "20", "--reports", "0", "--months", "1", "--no-defer-indexes", stdout=out
    )

    assert f"Dựng lại {kept} chỉ mục" in out.getvalue()
    assert schema() == demo
    assert not DeferredIndex.objects.exists()
    assert Dossier.objects.count() == 20


def test_only_runs_that_at_least_double_the_dossiers_are_worth_deferring(demo, monkeypatch):
    assert not indexes.worth_deferring(indexes.WORTH_FROM - 1)
    assert indexes.worth_deferring(indexes.WORTH_FROM)  # into an empty table
    generate(dossiers=30, reports=0, months=1, now=NOW, defer_indexes=False)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Dossier._meta.db_table}")
    monkeypatch.setattr(indexes, "WORTH_FROM", 10)
    assert not indexes.worth_deferring(29)  # fewer than the 30 the table holds
    assert indexes.worth_deferring(30)
    assert not indexes.worth_deferring(9)
