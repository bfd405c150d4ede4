"""Field-report KPIs (received, handled, on time, overdue, satisfied) against a month counted by hand."""

from tinhso.fieldreports import services as reports
from tinhso.ioc import selectors, services
from tinhso.ioc.periods import parse
from tinhso.testing.factories import bearer
from tinhso.testing.fieldreport_helpers import case, file_report


def test_field_report_kpis_hand_computed(client, clock, categories, staff, province_leader):
    """Four pothole reports in An Xuyên (3 working days each) filed on Monday 2/3/2026: one handled the
    next day and rated satisfied, one handled a week late, one still open at the end of March, one rejected."""
    clock.set(2026, 3, 2, 8)
    quick, slow, waiting, wrong = (file_report() for _ in range(4))
    reports.reject_report(
        actor=staff["coordinator"], **case(wrong), reason="Đã có phản ánh khác cùng nội dung."
    )
    clock.set(2026, 3, 3, 9)
    for report in (quick, slow):
        reports.acknowledge_report(actor=staff["handler"], **case(report))
    quick.refresh_from_db()
    reports.post_result(actor=staff["handler"], **case(quick), result="Đã vá ổ gà bằng bê tông nhựa.")
    quick.refresh_from_db()
    reports.approve_result(actor=staff["coordinator"], **case(quick))
    quick.refresh_from_db()
    reports.rate_report(actor=None, **case(quick), contact=quick.reporter_phone, satisfied=True)
    clock.set(2026, 3, 10, 9)
    slow.refresh_from_db()
    reports.post_result(actor=staff["handler"], **case(slow), result="Đã vá ổ gà.")
    slow.refresh_from_db()
    reports.approve_result(actor=staff["coordinator"], **case(slow))
    services.consume_events()

    for unit in ("96", "32002.H12"):
        card = selectors.scorecard(actor=province_leader, unit_code=unit, period=parse("2026-03"))
        assert card.value("PA.1").numerator == 4
        assert card.value("PA.2").numerator == 2
        on_time = card.value("PA.3")
        assert (on_time.numerator, on_time.denominator, on_time.rate) == (1, 2, 0.5)
        assert card.value("PA.4").numerator == 2  # handled late + open past its deadline at 31/3
        satisfied = card.value("PA.5")
        assert (satisfied.numerator, satisfied.denominator) == (1, 1)
    drill = selectors.records(actor=province_leader, indicator="PA.4", period=parse("2026-03"))
    assert {row.code for row in drill.rows} == {slow.tracking_code, waiting.tracking_code}
    points = selectors.commune_map(actor=province_leader, period=parse("2026-03"), indicator="PA.3")[
        "reports"
    ]
    assert [point.code for point in points] == [waiting.tracking_code]
    assert points[0].overdue is True
    # The API names each point's fields; the page writes them as arrays.
    api = client.get(
        "/api/v1/ioc/map", {"period": "2026-03", "indicator": "PA.3"}, **bearer("lanhdaotinh")
    ).json()
    assert api["reports"] == [
        {
            "code": waiting.tracking_code,
            "latitude": points[0].latitude,
            "longitude": points[0].longitude,
            "category": points[0].category,
            "overdue": True,
        }
    ]
    # The list behind a report KPI opens each report's back-office page.
    client.force_login(province_leader)
    html = client.get("/dieu-hanh/so-lieu/", {"indicator": "PA.4", "period": "2026-03"}).content.decode()
    assert f'href="/can-bo/phan-anh/{waiting.tracking_code}/"' in html
    assert "Đường hư hỏng, ổ gà" in html
    assert client.get(f"/can-bo/phan-anh/{waiting.tracking_code}/").status_code == 200
