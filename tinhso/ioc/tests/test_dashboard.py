"""The dashboard reads the counters of every unit under the unit once and sums them per child, per commune and
in all: each of those sums is what the counters of the units under that child (or commune, or the unit) add up
to, counted here the slow way, one counter at a time; and the page shows the rankings the selectors compute."""

import random

import pytest

from tinhso.core.models import PATH_SEPARATOR, AdminUnit
from tinhso.ioc import periods, rules, selectors, services
from tinhso.ioc.models import Counter

MARCH = periods.parse("2026-03")
METRICS = sorted(
    {metric for i in rules.ALL.values() for metric in i.numerator + i.denominator}
    | {"received", "resolved", "open", "resolved_on_time", "open_on_time", "rated_unsatisfied"}
)
SECTORS = ("Tư pháp", "Đất đai", "")


@pytest.fixture
def counters(march):
    """Counters, besides the march dossiers', for units at every depth under the province (the province itself,
    its agencies and communes, the units under the communes) and for units of another province, in March and
    in another month."""
    random.seed(20260301)
    province = AdminUnit.objects.get(code="96")
    under = list(AdminUnit.objects.filter(path__startswith=province.path))
    elsewhere = list(AdminUnit.objects.exclude(path__startswith=province.path)[:20])
    assert any(u.path.count(PATH_SEPARATOR) == 3 for u in under), "units under the communes"
    rows = {}
    for unit in [*random.sample(under, min(60, len(under))), province, *elsewhere]:
        for _ in range(8):
            key = (
                unit.pk,
                random.choice(SECTORS),
                random.choice(["2026-03", "2026-02"]),
                random.choice(METRICS),
            )
            rows[key] = random.randint(0, 40)
    services.add_to_counters(dict(sorted(rows.items())))  # with their totals over every sector
    return province


def counted(path: str, sector: str = "", period: str = "2026-03") -> dict[str, int]:
    """Sums per metric of the counters of the units under `path`, one counter at a time."""
    sums: dict[str, int] = {}
    for counter in Counter.objects.filter(period=period).select_related("unit"):
        if counter.unit.path.startswith(path) and (not sector or counter.sector == sector):
            sums[counter.metric] = sums.get(counter.metric, 0) + counter.value
    return sums


def _value(indicator: str, sums: dict[str, int]) -> tuple:
    value = rules.evaluate(rules.ALL[indicator], sums, {})
    return value.numerator, value.denominator, value.rate


def _check_ranking(rows: list[selectors.RankRow], sector: str) -> None:
    for row in rows:
        sums = counted(row.unit.path, sector)
        every_sector = counted(row.unit.path)
        assert row.received == sums.get("received", 0), row.unit.code
        assert (row.on_time.numerator, row.on_time.denominator, row.on_time.rate) == _value("2.1", sums)
        assert (row.online.numerator, row.online.denominator, row.online.rate) == _value("3.2", sums)
        reports = row.reports_on_time
        # The ranking's field-report rate reads the child's sums in the sector, as before.
        assert (reports.numerator, reports.denominator, reports.rate) == _value("PA.3", sums), every_sector
        counts = selectors.catalog_counts(unit=row.unit, sector=sector)
        values = [rules.evaluate(i, sums, counts) for i in rules.INDICATORS]
        assert row.score == round(sum(v.points for v in values if v.computable and v.points is not None), 2)


@pytest.mark.parametrize("sector", ["", "Tư pháp"])
@pytest.mark.parametrize("map_indicator", ["2.1", "PA.3"])
def test_the_dashboards_sums_are_the_counters_of_the_units_under_each_part(
    counters, province_leader, sector, map_indicator
):
    province = counters
    commune = AdminUnit.objects.filter(parent=province, kind=AdminUnit.Kind.COMMUNE, children__isnull=False)[
        0
    ]
    below = AdminUnit.objects.filter(parent=commune)[0]
    for unit in (province, commune, below, AdminUnit.objects.get(code="000.00.15.H12")):
        page = selectors.dashboard(
            actor=province_leader,
            unit_code=unit.code,
            period=MARCH,
            sector=sector,
            map_indicator=map_indicator,
        )
        sums, every_sector = counted(unit.path, sector), counted(unit.path)
        for indicator in ("2.1", "3.2", "3.3", "5.1", "5.2", "6.3"):
            assert (
                page.card.value(indicator).numerator
                == rules.evaluate(rules.ALL[indicator], sums, {}).numerator
            ), (unit.code, indicator)
        for indicator in ("PA.1", "PA.3", "PA.4", "PA.5"):
            assert _value(indicator, every_sector) == (
                page.card.value(indicator).numerator,
                page.card.value(indicator).denominator,
                page.card.value(indicator).rate,
            ), (unit.code, indicator)
        _check_ranking(page.agencies + page.communes, sector)
        children = AdminUnit.objects.filter(parent=unit)
        assert {row.unit.pk for row in page.agencies + page.communes} == {child.pk for child in children}
        for area in page.map["communes"]:
            commune_path = AdminUnit.objects.get(code=area["code"]).path
            map_sums = counted(commune_path, "" if map_indicator.startswith("PA") else sector)
            assert (area["numerator"], area["denominator"], area["rate"]) == _value(map_indicator, map_sums)
        assert page.map["communes"] or unit.kind == AdminUnit.Kind.AGENCY


def test_the_dashboard_agrees_with_the_ranking_the_map_and_the_trend_alone(counters, province_leader):
    page = selectors.dashboard(actor=province_leader, period=MARCH, map_indicator="3.2")
    alone = selectors.ranking(actor=province_leader, period=MARCH, kind="communes")
    assert [(r.unit.pk, r.score, r.received, r.on_time.rate) for r in page.communes] == [
        (r.unit.pk, r.score, r.received, r.on_time.rate) for r in alone
    ]
    assert page.map == selectors.commune_map(actor=province_leader, period=MARCH, indicator="3.2")
    assert page.trend == selectors.trend(actor=province_leader, period=MARCH)
    # The month shown is summed once, for the tiles and the trend's last point alike.
    for sector in ("", "Tư pháp"):
        for period in (MARCH, periods.parse("2026-Q1")):
            shown = selectors.dashboard(actor=province_leader, period=period, sector=sector)
            assert shown.trend == selectors.trend(actor=province_leader, period=period, sector=sector)
            last = counted("96/", sector)
            assert shown.trend[-1]["received"] == last.get("received", 0)
            assert shown.trend[-1]["reports_received"] == counted("96/").get("fr_received", 0)
            assert shown.trend[-1]["online_rate"] == _value("3.2", last)[2]
    assert page.trend[-1]["received"] == counted("96/").get("received", 0)
    assert page.trend[-2]["received"] == counted("96/", period="2026-02").get("received", 0)


def test_the_page_escapes_the_names_and_links_it_writes_itself(client, march, province_leader):
    province = AdminUnit.objects.get(code="96")
    AdminUnit.objects.create(
        code='X&"<1>',
        name="Sở <b>\"Thử\"</b> & 'Mới'",
        kind=AdminUnit.Kind.AGENCY,
        parent=province,
        path=f"{province.path}X1/",
        depth=1,
        valid_from=province.valid_from,
    )
    client.force_login(province_leader)
    html = client.get("/dieu-hanh/", {"period": "2026-03"}).content.decode()
    name = "Sở &lt;b&gt;&quot;Thử&quot;&lt;/b&gt; &amp; &#x27;Mới&#x27;"
    assert f'<option value="X&amp;&quot;&lt;1&gt;">{name}</option>' in html
    assert f'<td><a href="/dieu-hanh/?unit=X%26%22%3C1%3E&amp;period=2026-03">{name}</a></td>' in html
    assert "/dieu-hanh/so-lieu/?indicator=2.1&amp;unit=X%26%22%3C1%3E&amp;period=2026-03" in html
    assert "<b>" not in html


def test_the_rows_written_by_the_view_are_translated(client, march, province_leader):
    client.force_login(province_leader)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/dieu-hanh/", {"period": "2026-03"}).content.decode()
    assert "; points = 20 × min(1, rate ÷ " in html
    assert "Cannot be computed yet:" in html and "cannot be computed / 6" in html
    assert 'data-testid="numerator-2.1">3</a>' in html
