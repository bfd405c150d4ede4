"""The 12-month trend: each month's rates and counts are the scorecard's for that month, a sector keeps its own
dossiers and every field report (reports have no sector)."""

from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tinhso.dossiers.models import Dossier
from tinhso.ioc import selectors, services
from tinhso.ioc.models import Counter, CounterTotal
from tinhso.ioc.periods import parse
from tinhso.testing.fieldreport_helpers import file_report


def test_each_month_of_the_trend_is_the_scorecards(march, province_leader):
    month = parse("2026-03")
    points = selectors.trend(actor=province_leader, period=month)
    card = selectors.scorecard(actor=province_leader, period=month)
    assert [point["period"] for point in points] == [m.key for m in month.previous_months(12)]
    last = points[-1]
    assert last["on_time_rate"] == card.value("2.1").rate is not None
    assert last["online_rate"] == card.value("3.2").rate == 2 / 5
    assert last["received"] == card.value("3.2").denominator == 5
    february = points[-2]
    assert (february["received"], february["on_time_rate"], february["online_rate"]) == (0, None, None)


def test_a_sector_keeps_its_dossiers_and_every_field_report(march, categories, staff, clock, province_leader):
    clock.set(2026, 3, 26, 8)
    file_report()
    file_report()
    services.consume_events()
    month = parse("2026-03")
    sector = Dossier.objects.get(pk=march["a"].pk).procedure.sector
    everything = selectors.trend(actor=province_leader, period=month)[-1]
    assert (everything["received"], everything["reports_received"]) == (5, 2)
    assert selectors.trend(actor=province_leader, period=month, sector=sector)[-1] == everything
    other = selectors.trend(actor=province_leader, period=month, sector="Lĩnh vực không có hồ sơ")[-1]
    assert (other["received"], other["online_rate"], other["reports_received"]) == (0, None, 2)


def test_closed_months_are_summed_once_a_minute_and_the_current_month_every_time(
    march, clock, province_leader, monkeypatch
):
    clock.set(2026, 4, 6, 9)  # March is now a closed month
    month = parse("2026-04")
    first = selectors.trend(actor=province_leader, period=month)
    with CaptureQueriesContext(connection) as again:
        second = selectors.trend(actor=province_leader, period=month)
    assert second == first and first[-2]["received"] == 5
    sums = [query["sql"] for query in again.captured_queries if "WITH pairs" in query["sql"]]
    assert len(sums) == 1 and sums[0].count("'2026-04'") == 7 and "'2026-03'" not in sums[0]
    for counters in (Counter, CounterTotal):  # an event reaching March late
        counters.objects.filter(period="2026-03", metric="received").update(value=F("value") + 1)
    assert selectors.trend(actor=province_leader, period=month)[-2]["received"] == 5  # kept for the minute
    monkeypatch.setattr(selectors._CLOSED_MONTHS, "seconds", 0.0)
    assert selectors.trend(actor=province_leader, period=month)[-2]["received"] == 6
