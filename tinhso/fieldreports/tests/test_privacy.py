"""The reporter's identity never appears in anything public: not in Open311, in no format, in no state."""

import pytest

from tinhso.fieldreports import services
from tinhso.testing.fieldreport_helpers import CITIZEN_ID, REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE

pytestmark = pytest.mark.django_db
PERSONAL = (REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL, CITIZEN_ID, "Nguyễn Văn An", "0918 234 567")


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


def test_no_public_page_shows_who_filed_a_report(client, reports_in_every_state):
    pages = [
        client.get("/phan-anh/"),
        client.get("/phan-anh/", {"status": "closed"}),
        client.get("/phan-anh/", {"category": "ha-tang", "commune": "32002", "status": "open"}),
        client.get("/phan-anh/ban-do.geojson"),
        client.get(
            "/phan-anh/gan-day/",
            {"category": "ha-tang-o-ga", "latitude": "9.22391", "longitude": "105.17722"},
        ),
        *(client.get(f"/phan-anh/{r.tracking_code}/") for r in reports_in_every_state),
    ]
    assert all(page.status_code == 200 for page in pages)
    assert reports_in_every_state[0].tracking_code in pages[0].content.decode()
    assert reports_in_every_state[0].tracking_code in pages[4].content.decode()  # nearby lists it
    for page in pages:
        assert_anonymous(page.content)


def test_public_copies_of_photos_are_the_only_files_linked(client, reports_in_every_state):
    photo = reports_in_every_state[0].photos.get()
    page = client.get(f"/phan-anh/{reports_in_every_state[0].tracking_code}/").content.decode()
    assert photo.image.url in page
    assert photo.original.name.rsplit("/", 1)[-1] not in page
