"""Field reports refuse what no column can hold and actions that do not fit the report's status with an
answer (409, 422, 400 on Open311), never a 500, on every way in: the API, the citizen's form and Open311."""

import json

import pytest
from django.core.cache import cache

from tinhso.fieldreports import services
from tinhso.fieldreports.models import Report
from tinhso.fieldreports.tests.test_open311 import api_key, json_error, new_request  # noqa: F401
from tinhso.testing.factories import bearer, citizen
from tinhso.testing.fieldreport_helpers import AN_XUYEN_POINT, REPORTER_PHONE, case, file_report

pytestmark = pytest.mark.django_db
BASE = "/api/v1/fieldreports"
# Valid by validate_email (local part 64, domain labels under 64) but longer than the column's 254.
LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".vn"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def post(client, url: str, body: dict, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_an_action_in_the_wrong_status_is_a_409_problem_naming_the_current_status(client, categories, staff):
    report = services.acknowledge_report(actor=staff["handler"], **case(file_report()))
    report = services.post_result(actor=staff["handler"], **case(report), result="Đã thay bóng.")
    report = services.approve_result(actor=staff["coordinator"], **case(report))
    again = post(
        client,
        f"{BASE}/staff/reports/{report.tracking_code}/approve",
        {"version": report.version},
        **bearer("dieuphoi"),
    )
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert again.json()["status"] == 409 and again.json()["code"] == "transition_not_allowed"
    assert again.json()["current_status"] == "published"


def test_rating_an_unpublished_report_is_a_409_problem(client, categories, staff):
    person = citizen()
    report = file_report(reporter=person)
    answer = post(
        client,
        f"{BASE}/reports/{report.tracking_code}/rating",
        {"satisfied": True},
        **bearer(person.username),
    )
    assert answer.status_code == 409 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["status"] == 409


def test_a_rating_comment_over_1000_characters_is_422_on_the_api(client, categories, staff):
    person = citizen()
    report = file_report(reporter=person)
    answer = post(
        client,
        f"{BASE}/reports/{report.tracking_code}/rating",
        {"satisfied": True, "comment": "x" * 1001},
        **bearer(person.username),
    )
    assert answer.status_code == 422 and list(answer.json()["errors"]) == ["comment"]


def test_a_reporter_email_longer_than_its_column_is_refused_on_the_form_and_on_open311(
    client,
    categories,
    api_key,  # noqa: F811
):
    assert 254 < len(LONG_EMAIL) <= 320
    page = client.post(
        "/phan-anh/gui/",
        {
            "category": "ha-tang-den",
            "description": "Hai trụ đèn trước chợ không sáng.",
            "latitude": str(AN_XUYEN_POINT[0]),
            "longitude": str(AN_XUYEN_POINT[1]),
            "phone": REPORTER_PHONE,
            "email": LONG_EMAIL,
        },
    )
    assert page.status_code == 400 and 'name="email"' in page.content.decode()  # the form, with its errors
    assert "254" in page.content.decode()
    assert "email" in json_error(new_request(client, api_key, email=LONG_EMAIL), 400)
    assert "address" in json_error(new_request(client, api_key, address_string="x" * 301), 400)
    assert not Report.objects.exists()


def test_an_address_over_its_column_is_refused_by_the_api(client, categories):
    body = {
        "category": "ha-tang-den",
        "description": "Đèn đường không sáng.",
        "latitude": AN_XUYEN_POINT[0],
        "longitude": AN_XUYEN_POINT[1],
        "address": "x" * 301,
    }
    answer = post(client, f"{BASE}/reports", body, **bearer(citizen().username))
    assert answer.status_code == 422 and list(answer.json()["errors"]) == ["address"]
    assert not Report.objects.exists()


@pytest.mark.parametrize("instant", ["9999-12-31", "9999-12-31T23:59:59Z", "0001-01-01"])
def test_open311_dates_out_of_range_are_400(client, categories, instant):
    answer = client.get("/open311/v2/requests.json", {"start_date": instant})
    assert "start_date" in json_error(answer, 400)
    answer = client.get("/open311/v2/requests.json", {"end_date": instant})
    assert "end_date" in json_error(answer, 400)
