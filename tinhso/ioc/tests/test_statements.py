"""The dashboard and the drill-down read what their parts share once: their SQL statements stay few and do
not grow with the number of units, tiles or records (each used to re-read the leader's roles, the catalog
and the rollups' state; the dashboard ran 37 statements)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.core import caching
from tinhso.core.models import AdminUnit
from tinhso.ioc import periods, selectors, services

# session, user (with its devices and unread notifications), roles, the rollups' state with the newest event,
# counters of the period, trend, open field reports, alerts (the units under the unit and the catalog are kept by
# the process), and what a kept page is checked against (ioc.middleware: session_access, read once)
DASHBOARD_STATEMENTS = 9
# session_access: the session, the account, its roles, the rollups' state and the log's highest id, in one
# statement (a second reads the newest of our events once the log moved past the rollups)
RENDERED_DASHBOARD_STATEMENTS = 1
# session, user, roles, the rollups' state with the newest event, the indicator's counters, facts, procedure
# names (2.1 reads the rollups' horizon off the state read with the newest event)
DRILL_STATEMENTS = 7


def _statements(client, path: str, query: dict, *, rendered: bool = False) -> tuple[int, str]:
    """Statements of a page built afresh, or (`rendered`) of a dashboard another leader's request rendered."""
    client.get(path, query)  # what a process reads once (the province's name in the header) is read
    if not rendered:
        caching.clear_shared("pages")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, query)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_dashboard_reads_each_thing_once(client, march, province_leader):
    client.force_login(province_leader)
    services.consume_events()  # past the leader's own events, as the job run every minute leaves the rollups
    count, html = _statements(client, "/dieu-hanh/", {"period": "2026-03"})
    assert "Sở Tư pháp tỉnh Cà Mau" in html and 'id="ioc-map-data"' in html
    assert count <= DASHBOARD_STATEMENTS
    # A unit below the leader's own adds finding it by its code, the commune it lies in (for the map), its
    # breadcrumb and the leader's other units: four statements, whatever its depth.
    below, _ = _statements(client, "/dieu-hanh/", {"period": "2026-03", "unit": "000.00.15.H12"})
    assert below <= DASHBOARD_STATEMENTS + 4
    rendered, html = _statements(client, "/dieu-hanh/", {"period": "2026-03"}, rendered=True)
    assert "Sở Tư pháp tỉnh Cà Mau" in html and rendered <= RENDERED_DASHBOARD_STATEMENTS


def test_more_units_add_no_statement_to_the_dashboard(client, march, province_leader, monkeypatch):
    monkeypatch.setattr(selectors._UNITS_UNDER, "seconds", 0)  # the units are read again for each page
    client.force_login(province_leader)
    before, _ = _statements(client, "/dieu-hanh/", {"period": "2026-03"})
    for number in range(5):
        _new_agency(number)
    after, html = _statements(client, "/dieu-hanh/", {"period": "2026-03"})
    assert "Sở thử 4" in html
    assert after == before


def test_the_drill_down_reads_only_its_indicator(client, march, province_leader):
    client.force_login(province_leader)
    for indicator in ("2.1", "3.2", "HL"):
        count, html = _statements(
            client, "/dieu-hanh/so-lieu/", {"indicator": indicator, "period": "2026-03"}
        )
        assert march["a"].code in html or indicator == "HL"
        assert count <= DRILL_STATEMENTS, indicator


def test_the_drill_down_total_and_value_are_the_scorecards(march, province_leader):
    month = periods.parse("2026-03")
    card = selectors.scorecard(actor=province_leader, period=month)
    for indicator in ("1.3", "2.1", "3.2", "HL", "6.3", "PA.3"):
        drill = selectors.records(actor=province_leader, indicator=indicator, period=month)
        expected = card.value(indicator)
        assert (drill.value.numerator, drill.value.denominator, drill.value.rate) == (
            expected.numerator,
            expected.denominator,
            expected.rate,
        ), indicator


def _new_agency(number: int) -> AdminUnit:
    province = AdminUnit.objects.get(code="96")
    return AdminUnit.objects.create(
        code=f"TEST{number}",
        name=f"Sở thử {number}",
        kind=AdminUnit.Kind.AGENCY,
        parent=province,
        path=f"{province.path}TEST{number}/",
        depth=1,
        valid_from=province.valid_from,
    )


def test_the_units_are_kept_a_minute(client, march, province_leader, monkeypatch):
    client.force_login(province_leader)
    first, _ = _statements(client, "/dieu-hanh/", {"period": "2026-03"})
    _new_agency(1)
    kept, html = _statements(client, "/dieu-hanh/", {"period": "2026-03"})
    assert "Sở thử 1" not in html and kept == first
    monkeypatch.setattr(selectors._UNITS_UNDER, "seconds", 0)  # the minute has passed
    again, html = _statements(client, "/dieu-hanh/", {"period": "2026-03"})
    assert "Sở thử 1" in html and again == first + 1


def test_the_province_sums_only_its_own_units(march, province_leader):
    month = periods.parse("2026-03")
    before = selectors.dashboard(actor=province_leader, period=month)
    card = selectors.scorecard(actor=province_leader, period=month)
    elsewhere = AdminUnit.objects.filter(kind=AdminUnit.Kind.PROVINCE).exclude(code="96").first()
    services.add_to_counters(
        {
            (elsewhere.pk, "", month.key, "received"): 1000,
            (elsewhere.pk, "", month.key, "received_online"): 900,
        }
    )
    after = selectors.dashboard(actor=province_leader, period=month)
    assert after.card.value("3.2") == before.card.value("3.2")
    assert before.card.value("3.2").denominator == 5
    assert selectors.scorecard(actor=province_leader, period=month).value("3.2") == card.value("3.2")
    assert [(row.unit, row.received) for row in after.agencies] == [
        (row.unit, row.received) for row in before.agencies
    ]


def test_the_catalog_is_kept_a_minute(march, province_leader, monkeypatch):
    from tinhso.catalog.models import Procedure

    month = periods.parse("2026-03")
    before = selectors.dashboard(actor=province_leader, period=month).card.value("1.2")
    assert before.numerator > 0
    Procedure.objects.filter(is_current=True).update(code_is_national=False)
    kept = selectors.dashboard(actor=province_leader, period=month).card.value("1.2")
    assert kept.numerator == before.numerator
    monkeypatch.setattr(selectors._CATALOG, "seconds", 0)  # the minute has passed
    read = selectors.dashboard(actor=province_leader, period=month).card.value("1.2")
    assert read.numerator == 0 and read.denominator == before.denominator
