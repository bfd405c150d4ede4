"""Dates dd/mm/yyyy and money "200.000 đồng" everywhere: the helpers, the pages and the exports that use them."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from tinhso.core import formats

UTC = ZoneInfo("UTC")


def test_dates_instants_numbers_and_money_are_written_the_vietnamese_way():
    instant = datetime(2026, 12, 6, 12, 50, 29, 891652, tzinfo=UTC)  # 19:50 in Cà Mau
    assert formats.day(instant) == "06/12/2026" and formats.day(date(2026, 1, 2)) == "02/01/2026"
    assert formats.moment(instant) == "06/12/2026 19:50"
    assert formats.moment(instant, seconds=True) == "06/12/2026 19:50:29"
    assert formats.money(200000) == "200.000 đồng" and formats.money(Decimal("1500000")) == "1.500.000 đồng"
    assert formats.number(75.0, 1) == "75,0" and formats.number(1234567) == "1.234.567"
    assert formats.day(None) == formats.money(None) == "—"
    with translation.override("en"):
        assert formats.money(200000) == "200,000 dong" and formats.number(75.25, 1) == "75.2"


def test_form_values_show_dates_as_people_write_them():
    assert formats.form_value("2026-11-02") == "02/11/2026"
    assert formats.form_value("2026-12-06T19:50:29+07:00") == "06/12/2026 19:50"
    assert formats.form_value(True) == "Có" and formats.form_value(["a", "b"]) == "a, b"
    assert formats.form_value("Số 12, khóm 3") == "Số 12, khóm 3" and formats.form_value(3) == "3"


def test_every_template_has_the_filters_without_loading_them():
    html = Template("{{ at|moment }} · {{ on|day }} · {{ fee|money }} · {{ born|form_value }}").render(
        Context(
            {
                "at": datetime(2026, 12, 6, 1, 0, tzinfo=UTC),
                "on": date(2026, 12, 18),
                "fee": 200000,
                "born": "2026-11-02",
            }
        )
    )
    assert html == "06/12/2026 08:00 · 18/12/2026 · 200.000 đồng · 02/11/2026"


@pytest.mark.django_db
def test_a_procedures_fee_reads_in_dong_with_grouped_thousands(client):
    from tinhso.catalog import demo

    demo.load_demo(with_accounts=False)
    html = client.get("/thu-tuc/H12-DN-01/").content.decode()
    assert "50.000 đồng" in html and "50000" not in html


def test_csv_exports_write_dates_as_the_pages_do_and_headers_in_the_language():
    from tinhso.ioc.exports import table_response
    from tinhso.ioc.views import HEADER_RECORDS

    at = datetime(2026, 12, 6, 12, 50, 29, 891652, tzinfo=UTC)
    with translation.override("en"):
        answer = table_response(
            fmt="csv",
            name="x",
            title="x",
            header=HEADER_RECORDS,
            rows=[["32002.H12-261206-0005", "", "", at, date(2026, 12, 18), None, ""]],
        )
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["Code", "Content", "Unit", "Submitted on"]
    assert lines[1][3:6] == ["06/12/2026 19:50:29", "18/12/2026", ""]
