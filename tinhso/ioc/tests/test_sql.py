"""Each statement of ioc/sql.py is the SQL of the ORM query it stands for, or gives the rows the ORM would:
run on the same data, both give the same rows."""

import pytest
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from tinhso.core import selectors as core_selectors
from tinhso.core.models import AdminUnit, Event
from tinhso.core.services import record_event
from tinhso.ioc import services, sql
from tinhso.ioc.models import ConsumerState, Counter, CounterTotal
from tinhso.ioc.selectors.catalog import _catalog_conditions
from tinhso.ioc.tests.helpers import submit


def test_the_state_and_newest_statement_reads_what_its_query_reads(march):
    newest, _ = services.catch_up()
    kept = ConsumerState.objects.raw(*sql.state_and_newest(connection.vendor))
    read = [(state.pk, state.last_event_id, getattr(state, "newest", None)) for state in kept]
    assert read == list(sql.state_and_newest_query().values_list("pk", "last_event_id", "newest"))
    assert read[0][2] == newest > 0


def access(user) -> sql.RollupState:
    return sql.session_access(
        session_key="", user_id=user.pk, now=timezone.now(), today=timezone.localdate()
    )[1]


def test_session_access_reads_the_newest_of_our_events_only_once_the_log_moved_past_the_rollups(
    march, cast, province_leader
):
    services.consume_events()  # past the leader's own events
    caught_up = access(province_leader)
    assert caught_up[0] == Event.objects.order_by("pk").last().pk == caught_up[3]  # the log's highest
    with transaction.atomic():
        record_event(subject=province_leader, action="viewed", actor=province_leader)
    assert access(province_leader)[3] == sql.newest_events().first().pk <= caught_up[0]
    dossier = submit(cast)
    newest = sql.newest_events().first()
    assert newest.stream == f"dossiers.dossier:{dossier.pk}" and access(province_leader)[3] == newest.pk
    services.consume_events()
    assert access(province_leader)[3] == access(province_leader)[0] == Event.objects.order_by("pk").last().pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's sequence")
def test_a_sequence_set_but_not_used_since_reads_the_newest_of_our_events(march, province_leader):
    with connection.cursor() as cursor:  # as the log's partitioning leaves it (tinhso.core.partitions)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('core_event', 'id'), max(id) + 1, false) FROM core_event"
        )
    state = access(province_leader)
    assert state[3] == sql.newest_events().first().pk <= state[0]


@pytest.fixture
def elsewhere(march) -> AdminUnit:
    """Counters of another province in the same month, which no sum under Cà Mau may count."""
    other = AdminUnit.objects.filter(kind=AdminUnit.Kind.PROVINCE).exclude(code="96")[0]
    services.add_to_counters({(other.pk, "", "2026-03", "received"): 1000})
    return other


@pytest.mark.parametrize("sector", ["", "sector"])
@pytest.mark.parametrize("metrics", [(), ("received", "received_online")])
@pytest.mark.parametrize("by_unit", [True, False])
@pytest.mark.parametrize("where", ["province", "agency"])
def test_the_sums_statement_gives_the_rows_of_its_query(elsewhere, where, by_unit, metrics, sector):
    """Province-wide sums of every metric are written by hand; the others are the query compiled once."""
    province = AdminUnit.objects.get(code="96")
    counted = Counter.objects.filter(period="2026-03", metric="received").exclude(unit=province)
    if sector:
        sector = counted.exclude(sector="")[0].sector
        counted = counted.filter(sector=sector)
    unit = province if where == "province" else counted.select_related("unit")[0].unit
    read = sql.rows(sql.sums(connection.vendor, unit.path, "2026-03", sector, metrics, by_unit))
    queried = list(sql.sums_query(unit.path, "2026-03", sector, metrics, by_unit))
    assert sorted(read) == sorted(queried) and read


@pytest.mark.parametrize("sector", ["", "sector"])
def test_the_month_sums_are_the_counters_summed_per_period_and_metric(elsewhere, sector):
    province = AdminUnit.objects.get(code="96")
    if sector:
        sector = (
            Counter.objects.filter(period="2026-03").exclude(sector="").values_list("sector", flat=True)[0]
        )
    pairs = [
        (period, metric, metric.startswith("fr_"))
        for period in ("2026-02", "2026-03", "2026-Q1")
        for metric in ("received", "resolved_on_time", "fr_received")
    ]
    read = sql.rows(sql.month_sums(province.path, pairs, sector))
    under = core_selectors.under_path(province.path, "unit__path")
    expected = []
    for period, metric, every_sector in pairs:
        counters = (Counter if sector else CounterTotal).objects.filter(under, period=period, metric=metric)
        if sector and not every_sector:
            counters = counters.filter(sector=sector)
        expected.append((period, metric, counters.aggregate(total=Sum("value"))["total"]))
    assert [
        (period, metric, None if total is None else int(total)) for period, metric, total in read
    ] == expected
    assert any(total for *_pair, total in expected)


def test_the_catalog_statement_is_its_query_compiled(march):
    read = sql.rows(sql.catalog(connection.vendor, _catalog_conditions))
    assert read == list(sql.catalog_query(_catalog_conditions)) and read
    assert all(isinstance(condition, Q) for condition in _catalog_conditions())
