"""Dashboard pages, drill-down, exports (CSV and Excel), the live feed and its polling fallback."""

import csv
import io
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateformat import format
from django.utils.timezone import localtime
from openpyxl import load_workbook

from tinhso.core import caching, routers
from tinhso.core.models import Event, Role
from tinhso.dossiers.models import Dossier
from tinhso.ioc import services
from tinhso.ioc.models import ConsumerState
from tinhso.ioc.tests.helpers import submit
from tinhso.testing.factories import official
from tinhso.testing.fieldreport_helpers import file_report


def test_dashboard_shows_score_groups_rankings_and_charts(client, march, province_leader):
    client.force_login(province_leader)
    response = client.get("/dieu-hanh/", {"period": "2026-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "web/dist/ioc.js" in html
    assert 'href="/dieu-hanh/"' in html  # the menu entry for those who may see the IOC
    assert "Sở Tư pháp tỉnh Cà Mau" in html
    assert 'id="ioc-trend-data"' in html and 'id="ioc-map-data"' in html
    assert html.count("Dữ liệu đến") >= 8  # every tile says as of when
    assert "/dieu-hanh/so-lieu/?indicator=2.1&amp;unit=96&amp;period=2026-03" in html
    assert '<option value="000.00.15.H12">Sở Tư pháp tỉnh Cà Mau</option>' in html  # the unit filter
    partial = client.get("/dieu-hanh/", {"period": "2026-03"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('\n<div id="ioc-live"') or partial.lstrip().startswith('<div id="ioc-live"')


def test_each_address_writes_itself_into_the_figures_laid_out_once_per_view(client, march, province_leader):
    """The heading and the figures are laid out once per view and rollup state; each address asked writes its
    own query into the downloads' links, so a page made from the kept parts is the page laid out afresh."""
    client.force_login(province_leader)

    def page(number: int) -> str:
        html = client.get("/dieu-hanh/", {"period": "2026-03", "n": number}).content.decode()
        return re.sub(r"[A-Za-z0-9]{64}", "", html)  # the CSRF tokens, masked anew for each answer

    caching.clear_shared("pages")
    page(1)
    from_kept_parts = page(2)
    caching.clear_shared("pages")
    assert from_kept_parts == page(2)
    assert "?period=2026-03&amp;n=2&amp;kind=agencies" in from_kept_parts and "n=1" not in from_kept_parts


def test_other_pages_do_not_load_echarts_nor_show_the_menu(client, march, cast):
    client.force_login(cast.an)
    html = client.get("/").content.decode()
    assert "ioc.js" not in html
    assert "/dieu-hanh/" not in html
    assert client.get("/dieu-hanh/").status_code == 403


def test_drill_down_from_unit_to_its_dossiers(client, march, province_leader):
    client.force_login(province_leader)
    html = client.get(
        "/dieu-hanh/so-lieu/", {"indicator": "2.1", "unit": "000.00.15.H12", "period": "2026-03"}
    ).content.decode()
    for dossier in march.values():
        assert f'href="/ho-so/{dossier.code}/"' in html
    assert "Quá hạn (còn mở cuối kỳ)" in html
    # Dates in the province's time: A lodged at 8:00 on 2/3, finished on 3/3; D still open ("—").
    a, d = Dossier.objects.get(pk=march["a"].pk), Dossier.objects.get(pk=march["d"].pk)
    shown = [format(localtime(a.submitted_at), "d/m/Y H:i"), format(localtime(a.finished_at), "d/m/Y H:i")]
    assert shown[0] == "02/03/2026 08:00" and shown[1].startswith("03/03/2026")
    row_a = html[html.index(f'href="/ho-so/{a.code}/"') :].split("</tr>")[0]
    row_d = html[html.index(f'href="/ho-so/{d.code}/"') :].split("</tr>")[0]
    assert f"<td>{shown[0]}</td>" in row_a and f"<td>{shown[1]}</td>" in row_a
    assert "<td>—</td>" in row_d and "<td>—</td>" not in row_a
    detail = client.get(f"/ho-so/{march['e'].code}/")
    assert detail.status_code == 200


def test_exports_as_csv_and_xlsx(client, march, province_leader):
    client.force_login(province_leader)
    query = {"indicator": "2.1", "period": "2026-03"}
    response = client.get("/dieu-hanh/so-lieu.csv", query)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã" and len(rows) == 6
    assert {row[0] for row in rows[1:]} == {d.code for d in march.values()}
    workbook = load_workbook(io.BytesIO(client.get("/dieu-hanh/chi-so.xlsx", {"period": "2026-03"}).content))
    sheet = workbook.active
    progress = next(row for row in sheet.iter_rows(values_only=True) if row[1] == "2.1")
    assert progress[4:8] == (3, 5, 0.6, 12.0)
    ranking = load_workbook(io.BytesIO(client.get("/dieu-hanh/xep-hang.xlsx", {"period": "2026-03"}).content))
    names = [row[2] for row in ranking.active.iter_rows(min_row=2, values_only=True)]
    assert "Sở Tư pháp tỉnh Cà Mau" in names
    assert client.get("/dieu-hanh/xep-hang.pdf").status_code == 404


def test_live_feed_announces_a_new_event(client, cast, clock, province_leader):
    client.force_login(province_leader)
    submit(cast)
    newest = Event.objects.order_by("-pk").first().pk
    response = client.get("/dieu-hanh/truc-tiep/", HTTP_LAST_EVENT_ID=str(newest))
    assert response["Content-Type"] == "text/event-stream"
    stream = iter(response.streaming_content)
    assert next(stream) == b"retry: 1000\n\n"
    dossier = submit(cast)
    message = next(stream).decode()
    while message == ":\n\n":  # heartbeats
        message = next(stream).decode()
    assert message.startswith("id: ") and "event: update" in message
    state = ConsumerState.objects.get()
    assert state.last_event_id >= Event.objects.filter(stream=f"dossiers.dossier:{dossier.pk}").get().pk
    response.close()


def test_live_feed_catches_up_only_when_the_log_handed_out_an_id_past_the_rollups(
    client, cast, clock, province_leader, monkeypatch
):
    from tinhso.ioc import services, views

    client.force_login(province_leader)
    submit(cast)
    catch_ups = []
    catch_up = services.catch_up
    monkeypatch.setattr(services, "catch_up", lambda: catch_ups.append(1) or catch_up())
    monkeypatch.setattr(views, "LIVE_POLL", 0.01)
    newest = Event.objects.order_by("-pk").first().pk
    response = client.get("/dieu-hanh/truc-tiep/", HTTP_LAST_EVENT_ID=str(newest))
    stream = iter(response.streaming_content)
    assert next(stream) == b"retry: 1000\n\n"
    assert next(stream) == b":\n\n"  # a second of polls with nothing new
    assert catch_ups == [1]
    submit(cast)
    message = next(stream).decode()
    while message == ":\n\n":
        message = next(stream).decode()
    assert "event: update" in message
    assert catch_ups == [1, 1]
    response.close()


def test_polling_fallback_catches_up(client, cast, clock, province_leader):
    client.force_login(province_leader)
    dossier = submit(cast)
    body = client.get("/dieu-hanh/trang-thai/").json()
    assert body["event_id"] == Event.objects.get(stream=f"dossiers.dossier:{dossier.pk}").pk
    assert ConsumerState.objects.get().last_event_id >= body["event_id"]
    client.force_login(cast.an)
    assert client.get("/dieu-hanh/trang-thai/").status_code == 403


def test_a_page_catches_the_rollups_up_before_showing_them(client, cast, clock, province_leader):
    clock.set(2026, 3, 10, 9)
    submit(cast)  # no job has run since
    client.force_login(province_leader)
    html = client.get("/dieu-hanh/", {"period": "2026-03"}).content.decode()
    assert 'data-testid="numerator-3.2">1<' in html
    assert ConsumerState.objects.get().last_event_id == Event.objects.order_by("-pk").first().pk


def test_a_page_catches_up_rollups_that_stand_behind(client, cast, clock, province_leader):
    """The rollups' state and the newest event are read together; a state behind the log is caught up."""
    clock.set(2026, 3, 10, 9)
    submit(cast)
    client.force_login(province_leader)
    client.get("/dieu-hanh/", {"period": "2026-03"})
    assert ConsumerState.objects.exists()
    submit(cast)
    html = client.get("/dieu-hanh/", {"period": "2026-03"}).content.decode()
    assert 'data-testid="numerator-3.2">2<' in html
    newest = Event.objects.order_by("-pk").first().pk
    assert ConsumerState.objects.get().last_event_id == newest
    assert f'data-last-event="{newest}"' in html


def _counter_reads(client, **params) -> tuple[str, int]:
    """The dashboard's live part (the page around it holds a token of its own) and how often it read counters."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/dieu-hanh/", params, HTTP_HX_REQUEST="true").content.decode()
    return html, sum("ioc_counter" in query["sql"] for query in queries.captured_queries)


def test_leaders_share_a_rendered_dashboard_until_the_rollups_move(client, cast, clock, province_leader):
    clock.set(2026, 3, 10, 9)
    submit(cast)
    client.force_login(province_leader)
    first, reads = _counter_reads(client, period="2026-03")
    assert reads > 0 and 'data-testid="numerator-3.2">1<' in first
    again, reads = _counter_reads(client, period="2026-03")
    assert reads == 0 and again == first
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/dieu-hanh/", {"period": "2026-03"}).content.decode()
    assert first in page and not any("ioc_counter" in query["sql"] for query in queries.captured_queries)
    client.force_login(official("lanhdaotinh2", (Role.PROVINCE_LEADER, "96")))
    assert _counter_reads(client, period="2026-03") == (first, 0)  # another leader, the same view
    submit(cast)
    moved, reads = _counter_reads(client, period="2026-03")
    assert reads > 0 and 'data-testid="numerator-3.2">2<' in moved


def test_another_address_of_a_view_is_laid_out_anew_from_its_kept_figures(client, march, province_leader):
    """Issue 25: a view's figures are built once per rollup state; an address that asks the same view with
    anything else in it (here `n`) gets a page rendered for it, with its own links, without reading a counter,
    the rollups' state (read on the way in, ioc.middleware) or the leader's alerts again."""
    client.force_login(province_leader)
    first = client.get("/dieu-hanh/", {"period": "2026-03", "n": "1"}).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/dieu-hanh/", {"period": "2026-03", "n": "2"}).content.decode()
    read = [query["sql"] for query in queries.captured_queries]
    assert not any("ioc_counter" in sql or "ioc_alert" in sql for sql in read)
    # The rollups' state, read with the session by the kept page's check, which the page then uses
    assert sum("ioc_consumerstate" in sql for sql in read) == 1
    assert 'href="/dieu-hanh/chi-so.csv?period=2026-03&amp;n=2"' in again
    assert 'href="/dieu-hanh/xep-hang.xlsx?period=2026-03&amp;n=2&amp;kind=communes"' in again
    assert again.replace("n=2", "n=1") == first.replace(_token(first), _token(again))
    assert 'data-testid="numerator-3.2">2<' in again and 'data-testid="score">' in again


def _token(page: str) -> str:
    return page.split('"X-CSRFToken": "')[1].split('"')[0]


def test_a_rendered_dashboard_serves_only_the_same_view_units_and_language(
    client, march, cast, province_leader
):
    client.force_login(province_leader)
    province = client.get("/dieu-hanh/", {"period": "2026-03"}).content.decode()
    assert "<h1>Trung tâm điều hành: Tỉnh Cà Mau</h1>" in province
    client.force_login(cast.leader)  # the Department of Justice's leader asks the same address
    justice = client.get("/dieu-hanh/", {"period": "2026-03"}).content.decode()
    assert "<h1>Trung tâm điều hành: Sở Tư pháp tỉnh Cà Mau</h1>" in justice
    assert "Xếp hạng" in justice and "Tỉnh Cà Mau</option>" not in justice
    february = client.get("/dieu-hanh/", {"period": "2026-02"}).content.decode()
    assert '<option value="2026-02" selected>' in february
    chosen = {"period": "2026-03", "sector": "Lý lịch tư pháp", "map": "3.2"}
    sector = client.get("/dieu-hanh/", chosen).content.decode()
    assert '<option value="Lý lịch tư pháp" selected>Lý lịch tư pháp</option>' in sector
    assert '<option value="3.2" selected>3.2 · ' in sector and '<option value="2.1">' in sector
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/dieu-hanh/", {"period": "2026-03"}).content.decode()
    assert "<h1>Operations Centre: Sở Tư pháp tỉnh Cà Mau</h1>" in english


def test_views_of_a_unit_and_period_share_the_maps_open_reports(client, clock, categories, province_leader):
    clock.set(2026, 3, 2, 8)
    pothole = file_report()
    client.force_login(province_leader)
    pages, reads = [], 0
    for view in ({"map": "2.1"}, {"map": "3.2", "sector": "Hộ tịch"}, {"map": "PA.3"}):
        with CaptureQueriesContext(connection) as queries:
            pages.append(client.get("/dieu-hanh/", {"period": "2026-03", **view}).content.decode())
        reads += sum('"closed_at" IS NULL' in query["sql"] for query in queries.captured_queries)
    assert reads == 1  # three views of the province in March, one reading of its open reports
    for page in pages:
        assert f'id="ioc-map-reports" type="application/json">[["{pothole.tracking_code}", ' in page
    clock.set(2026, 3, 2, 9)
    another = file_report()  # the rollups move: the open reports are read again
    moved = client.get("/dieu-hanh/", {"period": "2026-03", "map": "3.2", "sector": "Hộ tịch"})
    assert pothole.tracking_code in moved.content.decode() and another.tracking_code in moved.content.decode()


def test_views_share_the_leaders_open_alerts_until_the_rollups_move(client, march, cast, province_leader):
    services.create_alert_rule(actor=province_leader, indicator="2.1", threshold=Decimal("0.65"))
    services.consume_events()
    client.force_login(province_leader)
    reads = 0
    for view in ({"map": "2.1"}, {"map": "3.2"}, {"period": "2026-02"}):
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/dieu-hanh/", {"period": "2026-03", **view}).content.decode()
        reads += sum('FROM "ioc_alert" ' in query["sql"] for query in queries.captured_queries)
        assert "Cảnh báo đang mở" not in page
    assert reads == 1  # three views of the province leader's units, one reading of their open alerts
    submit(cast)  # 3 of 5 on time at the Department of Justice: the catch-up raises an alert, the state moves
    page = client.get("/dieu-hanh/", {"period": "2026-03", "map": "3.2"}).content.decode()
    assert (
        "<strong>Sở Tư pháp tỉnh Cà Mau</strong>: chỉ số 2.1 kỳ 2026-03 đạt 60,0%, dưới ngưỡng 65,0%." in page
    )


def test_commits_queue_the_rollup_job_at_most_once_a_second():
    from tinhso.ioc import tasks

    assert (tasks.queue_rollups.task, tasks.queue_rollups.delay) == (tasks.apply_new_events, 1.0)


def test_the_replicas_lag_shows_beside_the_datas_time_only_when_reading_from_it(
    client, march, province_leader, monkeypatch
):
    client.force_login(province_leader)
    records = {"indicator": "2.1", "unit": "000.00.15.H12", "period": "2026-03"}
    on_primary = [
        client.get("/dieu-hanh/", {"period": "2026-03"}),
        client.get("/dieu-hanh/so-lieu/", records),
    ]
    assert all('data-testid="replica-lag"' not in page.content.decode() for page in on_primary)
    assert client.get("/dieu-hanh/trang-thai/").json()["replica_lag_seconds"] is None

    monkeypatch.setattr(routers, "replica_lag", lambda: 2.4)  # as read from a standby two seconds behind
    on_replica = [
        client.get("/dieu-hanh/", {"period": "2026-03"}),
        client.get("/dieu-hanh/so-lieu/", records),
    ]
    for page in on_replica:
        assert (
            '<span class="ioc-replica-lag" data-testid="replica-lag">đọc từ bản sao, trễ 2 giây</span>'
            in (page.content.decode())
        )
    assert client.get("/dieu-hanh/trang-thai/").json()["replica_lag_seconds"] == 2
