"""The reporter's identity never appears in anything public: not in Open311, in no format, in no state."""

import pytest

from tinhso.core.tests.factories import citizen
from tinhso.fieldreports import services
from tinhso.fieldreports.tests.helpers import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, file_report

pytestmark = pytest.mark.django_db
CITIZEN_ID = "096090001234"
PERSONAL = (REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL, CITIZEN_ID, "Nguyễn Văn An", "0918 234 567")


@pytest.fixture
def reports_in_every_state(categories, staff) -> list:
    person = citizen(CITIZEN_ID)
    routed = file_report(reporter=person)
    acknowledged = services.acknowledge_report(actor=staff["handler"], report=file_report())
    resolved = services.post_result(
        actor=staff["handler"],
        report=services.acknowledge_report(actor=staff["handler"], report=file_report()),
        result="Đã xử lý.",
    )
    published = services.approve_result(
        actor=staff["coordinator"],
        report=services.post_result(
            actor=staff["handler"],
            report=services.acknowledge_report(actor=staff["handler"], report=file_report()),
            result="Xong.",
        ),
    )
    reopened = services.rate_report(report=published, user=None, contact=REPORTER_PHONE, satisfied=False)
    rejected = services.reject_report(
        actor=staff["coordinator"], report=file_report(), reason="Không rõ vị trí."
    )
    merged = services.merge_reports(actor=staff["coordinator"], duplicate=file_report(), into=routed)
    return [routed, acknowledged, resolved, reopened, rejected, merged]


def assert_anonymous(content: bytes) -> None:
    text = content.decode()
    for value in PERSONAL:
        assert value not in text
    assert "reporter" not in text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_never_shows_who_filed_a_request(client, reports_in_every_state, fmt):
    codes = ",".join(report.tracking_code for report in reports_in_every_state)
    responses = [
        client.get(f"/open311/v2/requests.{fmt}"),
        client.get(f"/open311/v2/requests.{fmt}", {"service_request_id": codes}),
        *(client.get(f"/open311/v2/requests/{r.tracking_code}.{fmt}") for r in reports_in_every_state),
        *(client.get(f"/open311/v2/tokens/{r.token}.{fmt}") for r in reports_in_every_state),
    ]
    assert all(response.status_code == 200 for response in responses)
    assert len(client.get(f"/open311/v2/requests.{fmt}").content) > 1000  # the list really holds the reports
    for response in responses:
        assert_anonymous(response.content)


def test_the_answer_to_a_partner_s_post_does_not_echo_the_reporter(client, categories):
    secret, _ = services.create_api_key(actor=None, name="Ứng dụng CaMau-G")
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": secret,
            "service_code": "ha-tang-den",
            "lat": "9.22391",
            "long": "105.17722",
            "description": "Đèn không sáng.",
            "first_name": "Hân",
            "last_name": "Lâm Thị Ngọc",
            "phone": REPORTER_PHONE,
            "email": REPORTER_EMAIL,
            "account_id": CITIZEN_ID,
        },
    )
    assert response.status_code == 200
    assert_anonymous(response.content)
