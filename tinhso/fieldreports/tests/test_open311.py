"""Open311 GeoReport v2 at /open311/v2/, against the specification: formats, fields, filters, errors."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from tinhso.fieldreports import open311, services
from tinhso.fieldreports.models import ApiKey, Report
from tinhso.testing.fieldreport_helpers import AN_XUYEN_POINT, case, file_report, jpeg_with_gps

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture
def api_key(db) -> str:
    secret, _ = services.create_api_key(actor=None, name="Ứng dụng CaMau-G")
    return secret


def xml(response) -> ElementTree.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.content)


def body(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def json_error(response, status: int) -> str:
    assert response.status_code == status
    [error] = body(response)
    assert error["code"] == status and set(error) == {"code", "description"}
    return error["description"]


def xml_error(response, status: int) -> str:
    assert response.status_code == status
    root = xml(response)
    assert root.tag == "errors" and [child.tag for child in root] == ["error"]
    assert [child.tag for child in root[0]] == ["code", "description"] and root[0].findtext("code") == str(
        status
    )
    return root[0].findtext("description") or ""


def new_request(client, api_key, fmt="json", **params):
    values = {
        "api_key": api_key,
        "service_code": "ha-tang-den",
        "lat": str(AN_XUYEN_POINT[0]),
        "long": str(AN_XUYEN_POINT[1]),
        "description": "Hai bóng đèn đường không sáng.",
        "first_name": "Hân",
        "last_name": "Lâm Thị Ngọc",
        "phone": "0918234567",
        "email": "ngochan.lam@example.vn",
    }
    return client.post(f"{BASE}/requests.{fmt}", {key: value for key, value in (values | params).items()})


# Discovery and services -----------------------------------------------------------------------------------


def test_discovery_names_the_specification_and_both_formats(client):
    document = body(client.get(f"{BASE}/discovery.json"))
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"] and endpoint["type"] == "test"
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"


def test_the_service_list_has_every_field_in_both_formats(client, categories):
    services_json = body(client.get(f"{BASE}/services.json"))
    by_code = {service["service_code"]: service for service in services_json}
    assert set(by_code) == set(categories)  # groups are not services
    pothole = by_code["ha-tang-o-ga"]
    assert list(pothole) == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert (
        pothole["metadata"] is True and pothole["type"] == "realtime" and pothole["group"] == "Hạ tầng đô thị"
    )
    assert by_code["ha-tang-den"]["metadata"] is False
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and {child.tag for child in root} == {"service"}
    first = root.find("service[service_code='ha-tang-o-ga']")
    assert first.findtext("metadata") == "true" and first.findtext("service_name") == "Đường hư hỏng, ổ gà"


def test_a_service_definition_lists_its_attributes_and_values(client, categories):
    definition = body(client.get(f"{BASE}/services/ha-tang-o-ga.json"))
    assert definition["service_code"] == "ha-tang-o-ga"
    [attribute] = definition["attributes"]
    assert attribute == {
        "variable": True,
        "code": "muc-do",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 0,
        "description": "Mức độ hư hỏng",
        "values": [{"key": "nho", "name": "Nhỏ"}, {"key": "lon", "name": "Lớn, nguy hiểm"}],
    }
    root = xml(client.get(f"{BASE}/services/ha-tang-o-ga.xml"))
    assert root.tag == "service_definition"
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == ["nho", "lon"]
    assert root.findtext("attributes/attribute/required") == "true"


def test_unknown_resources_get_404_in_the_specification_s_format(client, categories):
    assert "khong-co" in json_error(client.get(f"{BASE}/services/khong-co.json"), 404)
    assert "khong-co" in xml_error(client.get(f"{BASE}/services/khong-co.xml"), 404)
    json_error(client.get(f"{BASE}/requests/PA000000-XXXXX.json"), 404)
    xml_error(client.get(f"{BASE}/tokens/khong-co.xml"), 404)
    assert "yaml" in xml_error(client.get(f"{BASE}/services.yaml"), 404)
    assert "services" in xml_error(client.get(f"{BASE}/services"), 404)  # no extension
    json_error(client.get(f"{BASE}/khong/co/gi.json"), 404)


# Creating requests ----------------------------------------------------------------------------------------


def test_posting_a_request_needs_a_valid_api_key(client, categories, api_key):
    assert "api_key" in json_error(new_request(client, ""), 403)
    assert "api_key" in xml_error(new_request(client, "ts311_sai", fmt="xml"), 403)
    ApiKey.objects.update(revoked_at=timezone.now())
    json_error(new_request(client, api_key), 403)
    assert not Report.objects.exists()


def test_a_posted_request_is_filed_routed_and_answered_with_its_id_and_token(client, categories, api_key):
    response = new_request(client, api_key, address_string="Đường Lý Thường Kiệt, Khóm 3")
    assert response.status_code == 200
    [answer] = body(response)
    assert list(answer) == ["service_request_id", "token", "service_notice", "account_id"]
    report = Report.objects.get(tracking_code=answer["service_request_id"])
    assert report.source == Report.Source.OPEN311 and report.partner.name == "Ứng dụng CaMau-G"
    assert report.responsible_unit.code == "32002.H12" and report.address == "Đường Lý Thường Kiệt, Khóm 3"
    assert report.reporter_name == "Lâm Thị Ngọc Hân"
    assert answer["service_notice"] == "Thời hạn xử lý: 3 ngày làm việc." and answer["account_id"] is None
    token = body(client.get(f"{BASE}/tokens/{answer['token']}.json"))
    assert token == [{"service_request_id": report.tracking_code, "token": answer["token"]}]


def test_a_request_in_xml_with_attributes_and_a_photo(client, categories, api_key):
    response = client.post(
        f"{BASE}/requests.xml",
        {
            "api_key": api_key,
            "service_code": "ha-tang-o-ga",
            "lat": "9.22391",
            "long": "105.17722",
            "description": "Ổ gà sâu.",
            "attribute[muc-do]": "lon",
            "media": jpeg_with_gps(),
        },
    )
    root = xml(response)
    assert root.tag == "service_requests" and root[0].tag == "request"
    report = Report.objects.get(tracking_code=root.findtext("request/service_request_id"))
    assert report.attributes == {"muc-do": "lon"} and report.photos.count() == 1


def test_empty_optional_parameters_count_as_absent(client, categories, api_key):
    response = new_request(
        client, api_key, email="", phone="", first_name="", address_string="", device_id=""
    )
    [answer] = body(response)
    report = Report.objects.get(tracking_code=answer["service_request_id"])
    assert (report.reporter_email, report.reporter_phone, report.address) == ("", "", "")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"service_code": ""}, "service_code"),
        ({"service_code": "khong-co"}, "service_code"),
        ({"lat": "", "address_string": "Chợ Cà Mau"}, "lat"),
        ({"lat": "chin"}, "lat"),
        ({"lat": "21.02851", "long": "105.85420"}, "lat"),  # Hà Nội
        ({"description": "x" * 4001}, "description"),
        ({"email": "khong-phai-email"}, "email"),
    ],
)
def test_bad_parameters_get_400_naming_the_parameter(client, categories, api_key, params, field):
    description = json_error(new_request(client, api_key, **params), 400)
    assert description.startswith(field)
    assert not Report.objects.exists()


def test_a_file_that_is_not_an_image_gets_400_naming_media(client, categories, api_key):
    fake = SimpleUploadedFile("anh.jpg", b"MZ\x90\x00 executable", content_type="image/jpeg")
    assert xml_error(new_request(client, api_key, fmt="xml", media=fake), 400).startswith("media")


def test_a_missing_required_attribute_gets_400_naming_it(client, categories, api_key):
    description = json_error(new_request(client, api_key, service_code="ha-tang-o-ga"), 400)
    assert description.startswith("attribute[muc-do]")


def test_other_methods_get_the_specification_s_error_format(client):
    json_error(client.delete(f"{BASE}/requests.json"), 405)


# Reading requests -----------------------------------------------------------------------------------------


def test_one_request_has_every_field_in_both_formats(client, categories):
    report = file_report(photos=[jpeg_with_gps()])
    [request] = body(client.get(f"{BASE}/requests/{report.tracking_code}.json"))
    assert list(request) == REQUEST_FIELDS
    assert request["status"] == "open" and request["service_code"] == "ha-tang-o-ga"
    assert request["agency_responsible"] == "Ủy ban nhân dân phường An Xuyên"
    assert request["lat"] == pytest.approx(AN_XUYEN_POINT[0]) and request["long"] == pytest.approx(
        AN_XUYEN_POINT[1]
    )
    assert request["requested_datetime"].endswith("+07:00")
    assert request["expected_datetime"] == timezone.localtime(report.due_at).isoformat(timespec="seconds")
    assert request["address"] == "Phường An Xuyên, Tỉnh Cà Mau"
    assert request["media_url"].startswith("http://testserver/media/fieldreports/")
    root = xml(client.get(f"{BASE}/requests/{report.tracking_code}.xml"))
    assert [child.tag for child in root.find("request")] == REQUEST_FIELDS
    assert root.findtext("request/service_request_id") == report.tracking_code


def test_a_closed_request_shows_its_published_result_as_status_notes(client, categories, staff):
    report = services.acknowledge_report(actor=staff["handler"], **case(file_report()))
    report = services.post_result(actor=staff["handler"], **case(report), result="Đã vá ổ gà.")
    [request] = body(client.get(f"{BASE}/requests/{report.tracking_code}.json"))
    assert request["status"] == "open" and "Đã vá" not in request["status_notes"]  # not approved yet
    services.approve_result(actor=staff["coordinator"], **case(report))
    [request] = body(client.get(f"{BASE}/requests/{report.tracking_code}.json"))
    assert request["status"] == "closed" and request["status_notes"] == "Đã vá ổ gà."


def test_the_search_covers_the_last_90_days_by_default(client, categories):
    recent = file_report()
    file_report(now=timezone.now() - timedelta(days=100))
    found = body(client.get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in found] == [recent.tracking_code]


def test_the_search_filters_by_dates_codes_and_status(client, categories, staff):
    now = timezone.now()
    old = file_report(now=now - timedelta(days=100))
    lamp = file_report("ha-tang-den", now=now - timedelta(days=3))
    pothole = file_report(now=now - timedelta(days=1))
    services.reject_report(actor=staff["coordinator"], **case(lamp), reason="Đã có người báo trước.")
    lamp2 = file_report("ha-tang-den", now=now - timedelta(days=2))
    services.merge_reports(actor=staff["coordinator"], **case(lamp2), into=pothole.tracking_code)

    def ids(**params) -> list[str]:
        return [r["service_request_id"] for r in body(client.get(f"{BASE}/requests.json", params))]

    start = (now - timedelta(days=120)).isoformat()
    end = (now - timedelta(days=60)).isoformat()
    assert ids(start_date=start, end_date=end) == [old.tracking_code]
    assert ids(start_date=start) == [old.tracking_code]  # 90 days from the start
    assert ids(service_code="ha-tang-den,giao-thong-tin-hieu") == [
        lamp2.tracking_code
    ]  # rejected are not listed
    assert ids(status="open") == [pothole.tracking_code]
    assert ids(status="closed") == [lamp2.tracking_code]
    assert ids(status="open,closed") == [pothole.tracking_code, lamp2.tracking_code]
    # service_request_id overrides every other parameter and also finds a rejected request.
    assert ids(service_request_id=f"{old.tracking_code},{lamp.tracking_code}", status="open") == [
        old.tracking_code,
        lamp.tracking_code,
    ]


def test_empty_search_parameters_behave_like_absent_ones(client, categories):
    recent = file_report()
    params = {"service_request_id": "", "service_code": "", "start_date": "", "end_date": "", "status": ""}
    assert [r["service_request_id"] for r in body(client.get(f"{BASE}/requests.json", params))] == [
        recent.tracking_code
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "start_date"),
        ({"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}, "start_date"),
        ({"start_date": "hôm qua"}, "start_date"),
        ({"end_date": "2026-13-45"}, "end_date"),
        ({"status": "pending"}, "status"),
    ],
)
def test_bad_search_parameters_get_400(client, categories, params, field):
    assert json_error(client.get(f"{BASE}/requests.json", params), 400).startswith(field)
    assert xml_error(client.get(f"{BASE}/requests.xml", params), 400).startswith(field)


def test_dates_with_an_offset_or_a_plain_day_are_understood(client, categories):
    report = file_report()
    day = timezone.localdate(report.submitted_at)
    found = body(client.get(f"{BASE}/requests.json", {"start_date": day.isoformat()}))
    assert [r["service_request_id"] for r in found] == [report.tracking_code]
    # "+" in a query string arrives as a space; the offset must survive it.
    stamp = (report.submitted_at - timedelta(minutes=1)).astimezone(timezone.get_current_timezone())
    found = client.get(f"{BASE}/requests.json?start_date={stamp.isoformat(timespec='seconds')}")
    assert [r["service_request_id"] for r in body(found)] == [report.tracking_code]


def test_a_search_returns_at_most_1000_requests_newest_first(client, categories):
    template = file_report()
    now = timezone.now()
    Report.objects.bulk_create(
        [
            Report(
                tracking_code=f"PA261122-{index:05d}",
                token=f"token-{index}",
                category=template.category,
                description="Ổ gà.",
                latitude=template.latitude,
                longitude=template.longitude,
                commune=template.commune,
                responsible_unit=template.responsible_unit,
                submitted_at=now - timedelta(minutes=index + 1),
                due_at=template.due_at,
            )
            for index in range(1000)
        ]
    )
    found = body(client.get(f"{BASE}/requests.json"))
    assert len(found) == open311.MAX_RESULTS == 1000
    assert found[0]["service_request_id"] == template.tracking_code
    assert found[-1]["service_request_id"] == "PA261122-00998"


def test_the_api_key_command_prints_a_key_that_works_and_only_its_hash_is_stored(client, categories, capsys):
    call_command("apikey", "create", "Ứng dụng Zalo OA")
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("ts311_") and len(secret) > 30
    stored = ApiKey.objects.get(name="Ứng dụng Zalo OA")
    assert secret not in (stored.key_hash, stored.prefix) and secret.startswith(stored.prefix)
    assert new_request(client, secret).status_code == 200


def test_a_revoked_key_stops_working_and_list_shows_prefixes_only(client, categories, capsys):
    call_command("apikey", "create", "Ứng dụng CaMau-G")
    secret = capsys.readouterr().out.strip()
    call_command("apikey", "list")
    listing = capsys.readouterr().out
    assert secret[:10] in listing and secret not in listing and "đang dùng" in listing
    call_command("apikey", "revoke", secret[:10])
    assert "Đã thu hồi" in capsys.readouterr().out
    json_error(new_request(client, secret), 403)
    with pytest.raises(CommandError, match="Không có khóa API"):
        call_command("apikey", "revoke", secret[:10])
