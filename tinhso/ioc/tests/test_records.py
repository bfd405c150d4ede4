"""The drill-down's rows say how each record counted: pinned on the March story of the conftest."""

from tinhso.ioc import periods, selectors, services
from tinhso.testing.fieldreport_helpers import file_report

MARCH = periods.parse("2026-03")


def _verdicts(leader, indicator: str) -> dict[str, str]:
    drill = selectors.records(actor=leader, indicator=indicator, period=MARCH)
    return {row.code: row.verdict for row in drill.rows}


def test_each_record_says_how_it_counted(march, province_leader):
    a, b, c, d, e = (march[key].code for key in "abcde")
    assert _verdicts(province_leader, "2.1") == {
        a: "Đúng hạn (kết thúc)",
        b: "Đúng hạn (kết thúc)",
        c: "Quá hạn (kết thúc)",  # two supplement requests
        d: "Đúng hạn (còn mở cuối kỳ)",
        e: "Quá hạn (còn mở cuối kỳ)",
    }
    desk = "Trực tiếp hoặc bưu chính"
    assert _verdicts(province_leader, "3.2") == {a: "Trực tuyến", b: "Trực tuyến", c: desk, d: desk, e: desk}
    assert _verdicts(province_leader, "HL") == {a: "Không hài lòng", b: "Rất hài lòng"}
    electronic = _verdicts(province_leader, "5.1")
    assert electronic[a] == electronic[b] == "Có kết quả điện tử; nộp trực tuyến"
    assert electronic[c] == "Có kết quả điện tử"


def test_rows_carry_the_procedure_unit_dates_and_link(march, province_leader):
    drill = selectors.records(actor=province_leader, indicator="2.1", period=MARCH, limit=2)
    assert drill.total == 5 and len(drill.rows) == 2
    newest = drill.rows[0]
    assert newest.code == march["d"].code  # newest first: D was lodged on 25 March
    assert newest.unit == "Sở Tư pháp tỉnh Cà Mau" and newest.url == f"/ho-so/{newest.code}/"
    assert newest.title and newest.title != march["d"].procedure.code
    assert newest.start.day == 25 and newest.end is None and newest.deadline > newest.start


def test_an_open_report_is_judged_at_the_periods_end(march, categories, staff, clock, province_leader):
    clock.set(2026, 3, 20, 8)
    early = file_report()
    clock.set(2026, 3, 31, 16)
    late = file_report()
    services.consume_events()
    rows = {
        row.code: row for row in selectors.records(actor=province_leader, indicator="PA.1", period=MARCH).rows
    }
    assert rows[early.tracking_code].deadline < MARCH.end < rows[late.tracking_code].deadline
    assert rows[early.tracking_code].verdict == "Đang xử lý, quá hạn"
    assert rows[late.tracking_code].verdict == "Đang xử lý, trong hạn"
    assert rows[late.tracking_code].end is None and rows[late.tracking_code].title != late.category.code
    assert rows[late.tracking_code].url.endswith(f"{late.tracking_code}/")
