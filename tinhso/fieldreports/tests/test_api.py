"""The JSON API under /api/v1/fieldreports: public reads without personal data, filing with an
Idempotency-Key, ratings, officials' actions, and errors as problem+json."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tinhso.api import api
from tinhso.core.models import Event
from tinhso.fieldreports import events as events_catalogue
from tinhso.fieldreports import selectors, services
from tinhso.fieldreports.api import StaffReportOut
from tinhso.fieldreports.models import Report
from tinhso.testing.factories import bearer, citizen
from tinhso.testing.fieldreport_helpers import (
    AN_XUYEN_POINT,
    REPORTER_EMAIL,
    REPORTER_NAME,
    REPORTER_PHONE,
    TAN_THANH_POINT,
    case,
    file_report,
    jpeg_with_gps,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/fieldreports"


def post(client, url: str, body: dict, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def report_body(**changes) -> dict:
    return {
        "category": "ha-tang-den",
        "description": "Đèn đường không sáng.",
        "latitude": AN_XUYEN_POINT[0],
        "longitude": AN_XUYEN_POINT[1],
    } | changes


def test_public_reads_list_categories_and_reports_without_personal_data(client, categories):
    report = file_report()
    names = [c["code"] for c in client.get(f"{BASE}/categories").json()]
    assert "ha-tang-o-ga" in names and "ha-tang" not in names
    listed = client.get(f"{BASE}/reports", {"status": "open"})
    [item] = listed.json()
    assert item["tracking_code"] == report.tracking_code and item["commune_name"] == "Phường An Xuyên"
    assert client.get(f"{BASE}/reports/{report.tracking_code}").json()["status"] == "routed"
    for content in (listed.content, client.get(f"{BASE}/reports/{report.tracking_code}").content):
        text = content.decode()
        for secret in (REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL, "reporter"):
            assert secret not in text and json.dumps(secret)[1:-1] not in text


def test_a_citizen_files_once_per_idempotency_key(client, categories):
    person = citizen()
    auth = bearer(person.username)
    first = post(client, f"{BASE}/reports", report_body(), HTTP_IDEMPOTENCY_KEY="den-1", **auth)
    again = post(client, f"{BASE}/reports", report_body(), HTTP_IDEMPOTENCY_KEY="den-1", **auth)
    assert first.status_code == again.status_code == 201
    assert first.json()["tracking_code"] == again.json()["tracking_code"]
    assert Report.objects.get().reporter == person
    reused = post(
        client, f"{BASE}/reports", report_body(description="Khác."), HTTP_IDEMPOTENCY_KEY="den-1", **auth
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    assert [r["tracking_code"] for r in client.get(f"{BASE}/mine", **auth).json()] == [
        first.json()["tracking_code"]
    ]


def test_filing_needs_a_token_and_bad_input_is_problem_json_naming_the_field(client, categories):
    assert post(client, f"{BASE}/reports", report_body()).status_code == 401
    auth = bearer(citizen().username)
    outside = post(client, f"{BASE}/reports", report_body(latitude=21.02851, longitude=105.85420), **auth)
    assert outside.status_code == 422 and outside["Content-Type"] == "application/problem+json"
    assert outside.json()["code"] == "outside_province" and "latitude" in outside.json()["errors"]
    unknown = post(client, f"{BASE}/reports", report_body(category="khong-co"), **auth)
    assert unknown.status_code == 422 and "category" in unknown.json()["errors"]


def test_officials_act_with_the_version_they_read(client, categories, staff):
    report = file_report()
    handler = bearer("xulyxa")
    [listed] = client.get(f"{BASE}/staff/reports", **handler).json()
    assert listed["version"] == 1 and listed["responsible_unit_code"] == "32002.H12"
    url = f"{BASE}/staff/reports/{report.tracking_code}"
    acknowledged = post(client, f"{url}/acknowledge", {"version": 1}, **handler)
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "acknowledged"
    assert (listed["status_label"], acknowledged.json()["status_label"]) == (
        "Đã chuyển đơn vị xử lý",
        "Đang xử lý",
    )
    stale = post(client, f"{url}/result", {"version": 1, "result": "Đã thay bóng."}, **handler)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    post(client, f"{url}/result", {"version": 2, "result": "Đã thay bóng."}, **handler)
    refused = post(client, f"{url}/approve", {"version": 3}, **handler)
    assert refused.status_code == 403 and refused.json()["code"] == "coordinator_required"
    approved = post(client, f"{url}/approve", {"version": 3}, **bearer("dieuphoi"))
    assert approved.json()["status"] == "published" and approved.json()["result"] == "Đã thay bóng."


def test_officials_outside_the_unit_get_404_and_unknown_actions_404(client, categories, staff):
    report = file_report("ha-tang-den", point=TAN_THANH_POINT)
    url = f"{BASE}/staff/reports/{report.tracking_code}"
    assert post(client, f"{url}/acknowledge", {"version": 1}, **bearer("xulyxa")).status_code == 404
    assert post(client, f"{url}/xoa", {"version": 1}, **bearer("dieuphoi")).status_code == 404


def test_the_reporter_rates_and_erases_through_the_api(client, categories, staff):
    person = citizen()
    report = file_report(reporter=person)
    report = services.acknowledge_report(actor=staff["handler"], **case(report))
    report = services.post_result(actor=staff["handler"], **case(report), result="Xong.")
    services.approve_result(actor=staff["coordinator"], **case(report))
    auth = bearer(person.username)
    rated = post(client, f"{BASE}/reports/{report.tracking_code}/rating", {"satisfied": True}, **auth)
    assert rated.status_code == 200
    erased = post(client, f"{BASE}/reports/{report.tracking_code}/personal-data-removal", {}, **auth)
    assert erased.status_code == 200
    report.refresh_from_db()
    assert report.satisfied is True and report.reporter is None and report.reporter_phone == ""
    gone = post(client, f"{BASE}/reports/{report.tracking_code}/rating", {"satisfied": True}, **auth)
    assert gone.status_code == 404


def _open_reports(count: int) -> list[Report]:
    """`count` open reports of one commune, due a minute apart, soonest first (copies of one filed report)."""
    first = file_report()
    for number in range(1, count):
        first.pk, first.tracking_code, first.token = None, f"PA-D{number:04d}", f"token-{number}"
        first.due_at += timedelta(minutes=1)
        first.save(force_insert=True)
    return list(Report.objects.order_by("due_at", "pk"))


def test_the_officials_list_comes_a_page_at_a_time_in_the_same_statements(client, categories, staff):
    filed = _open_reports(12)
    handler = bearer("xulyxa")

    def page(url: str) -> tuple[list[str], str, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **handler)
        assert response.status_code == 200
        link = response.headers.get("Link", "")
        return [row["tracking_code"] for row in response.json()], link, len(queries)

    codes, link, small = page(f"{BASE}/staff/reports?size=5")
    assert codes == [report.tracking_code for report in filed[:5]] and 'rel="next"' in link
    following = link[link.index("<") + 1 : link.index(">")]
    rest, _, _ = page(following)
    assert rest == [report.tracking_code for report in filed[5:10]]
    everything, link, large = page(f"{BASE}/staff/reports?size=200")
    assert everything == [report.tracking_code for report in filed] and link == ""
    assert large == small
    assert client.get(f"{BASE}/staff/reports?size=0", **handler).status_code == 422


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_officials_list_answers_what_its_schema_makes_of_each_report(client, categories, staff, language):
    """The list is built from plain rows, not through StaffReportOut: it must answer, field for field and in
    order, what the schema makes of the same reports (photos, overdue, each status, the English names)."""
    with_photos = file_report(photos=[jpeg_with_gps(), jpeg_with_gps("hai.jpg")])
    handler = staff["handler"]
    services.acknowledge_report(actor=handler, **case(file_report("ha-tang-den")))
    resolved = services.acknowledge_report(actor=handler, **case(file_report()))
    services.post_result(actor=handler, **case(resolved), result="Đã vá.")
    elsewhere = file_report("ha-tang-den", point=TAN_THANH_POINT)
    services.flag_overdue_reports(now=with_photos.due_at + timedelta(days=1))
    with translation.override(language):
        expected = [
            StaffReportOut.model_validate(report).model_dump()
            for report in selectors.reports_for_staff(staff["coordinator"])
            .filter(status__in=Report.OPEN_STATUSES)
            .order_by("due_at", "pk")
            .prefetch_related("photos")
        ]
    rendered = json.loads(api.renderer.render(None, expected, response_status=200))

    tokens = {username: bearer(username) for username in ("dieuphoi", "xulyxa")}

    def listed(username: str) -> list[dict]:
        return client.get(f"{BASE}/staff/reports", HTTP_ACCEPT_LANGUAGE=language, **tokens[username]).json()

    with CaptureQueriesContext(connection) as queries:
        answer = listed("dieuphoi")
    assert len(queries) == 4  # the token, the coordinator's roles, the page, its photos
    assert answer == rendered and [list(row) for row in answer] == [list(row) for row in rendered]
    by_status = {row["status"]: row for row in rendered if row["tracking_code"] != elsewhere.tracking_code}
    assert set(by_status) == {"routed", "acknowledged", "resolved"} and len(rendered) == 4
    assert len(by_status["routed"]["photo_urls"]) == 2 and by_status["routed"]["overdue"]
    assert by_status["resolved"]["result"] == "" and by_status["resolved"]["version"] == 3
    # The unit's specialist sees its three, not Tân Thành's.
    assert listed("xulyxa") == [row for row in answer if row["tracking_code"] != elsewhere.tracking_code]


def test_a_tracking_code_drawn_twice_is_drawn_again(client, categories, monkeypatch):
    taken = file_report().tracking_code
    drawn = iter([taken, "PA261207-MOIMO"])
    monkeypatch.setattr(services, "_drawn_tracking_code", lambda now: next(drawn))
    auth = bearer(citizen().username)
    filed = post(client, f"{BASE}/reports", report_body(), HTTP_IDEMPOTENCY_KEY="lan-1", **auth)
    assert filed.status_code == 201 and filed.json()["tracking_code"] == "PA261207-MOIMO"
    assert Report.objects.filter(tracking_code=taken).count() == 1 and Report.objects.count() == 2


def test_filing_reads_the_place_and_the_route_without_a_statement_per_commune_or_rule(
    client, categories, django_assert_max_num_queries
):
    auth = bearer(citizen().username)
    assert post(client, f"{BASE}/reports", report_body(), **auth).status_code == 201  # the kept tables filled
    # Token, the nearest communes, the report in a savepoint, its two events (one statement on PostgreSQL), the
    # answer's photos: the categories, rules and committees are kept; nothing per commune, rule or event.
    with django_assert_max_num_queries(10):
        assert post(client, f"{BASE}/reports", report_body(), **auth).status_code == 201
    events = Event.objects.filter(stream=f"fieldreports.report:{Report.objects.latest('pk').pk}").order_by(
        "seq"
    )
    assert [event.action for event in events] == [events_catalogue.SUBMITTED, events_catalogue.ROUTED]
    assert events[1].prev_hash == events[0].hash
