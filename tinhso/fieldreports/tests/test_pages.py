"""The public list and map, the citizen's form, a report's page with rating and erasure, "my reports"."""

import html
import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tinhso.core import caching, throttle
from tinhso.fieldreports import selectors, services
from tinhso.fieldreports.models import Report
from tinhso.testing.factories import citizen
from tinhso.testing.fieldreport_helpers import (
    AN_XUYEN_POINT,
    REPORTER_PHONE,
    TAN_THANH_POINT,
    case,
    file_report,
    jpeg_with_gps,
)

pytestmark = pytest.mark.django_db
FORM = "/phan-anh/gui/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def form_data(**changes) -> dict:
    data = {
        "category": "ha-tang-den",
        "description": "Hai trụ đèn trước chợ không sáng.",
        "latitude": str(AN_XUYEN_POINT[0]),
        "longitude": str(AN_XUYEN_POINT[1]),
        "address": "Trước chợ Phường 5",
        "phone": REPORTER_PHONE,
    }
    return {key: value for key, value in (data | changes).items() if value is not None}


def published_report(staff, **kwargs) -> Report:
    report = services.acknowledge_report(actor=staff["handler"], **case(file_report(**kwargs)))
    report = services.post_result(actor=staff["handler"], **case(report), result="Đã thay bóng đèn mới.")
    return services.approve_result(actor=staff["coordinator"], **case(report))


def test_the_menu_links_to_the_public_list(client, categories):
    assert 'href="/phan-anh/"' in client.get("/").content.decode()


def test_the_list_shows_public_reports_with_their_result_and_filters(client, categories, staff):
    done = published_report(staff)
    waiting = file_report("ha-tang-den", point=TAN_THANH_POINT)
    rejected = services.reject_report(
        actor=staff["coordinator"], **case(file_report()), reason="Không rõ vị trí."
    )
    page = client.get("/phan-anh/").content.decode()
    assert done.tracking_code in page and "Đã thay bóng đèn mới." in page and waiting.tracking_code in page
    assert rejected.tracking_code not in page
    assert 'data-points-url="/phan-anh/ban-do.geojson?"' in page  # the map reads the same list's points

    def codes(**filters) -> set[str]:
        page = client.get("/phan-anh/", filters).content.decode()
        return {code for code in (done.tracking_code, waiting.tracking_code) if code in page}

    assert codes(status="open") == {waiting.tracking_code}
    assert codes(status="closed") == {done.tracking_code}
    assert codes(commune="32025") == {waiting.tracking_code}
    assert codes(category="ha-tang-o-ga") == {done.tracking_code}
    assert codes(category="ha-tang") == {done.tracking_code, waiting.tracking_code}


def test_the_map_points_are_geojson(client, categories):
    report = file_report()
    collection = json.loads(client.get("/phan-anh/ban-do.geojson").content)
    [feature] = collection["features"]
    assert feature["geometry"]["coordinates"] == [AN_XUYEN_POINT[1], AN_XUYEN_POINT[0]]
    assert (
        feature["properties"]["tracking_code"] == report.tracking_code
        and feature["properties"]["open"] is True
    )


def _filed_at_times(count: int) -> list[Report]:
    """`count` reports filed one minute apart, oldest first (many through the services would be slow)."""
    first = file_report()
    Report.objects.filter(pk=first.pk).update(submitted_at=first.submitted_at - timedelta(days=1))
    for number in range(1, count):
        first.pk, first.tracking_code, first.token = None, f"PA-T{number:04d}", f"token-{number}"
        first.submitted_at += timedelta(minutes=1)
        first.save(force_insert=True)
    return list(Report.objects.order_by("submitted_at", "pk"))


def test_the_list_comes_a_page_at_a_time_and_every_report_is_on_one_page(client, categories):
    filed = _filed_at_times(selectors.PAGE_SIZE + 7)
    first = client.get("/phan-anh/")
    listed = [report for report in filed if report.tracking_code in first.content.decode()]
    assert listed == filed[-selectors.PAGE_SIZE :]  # the newest first
    assert f"{len(filed)} phản ánh." in first.content.decode()
    [next_url] = re.findall(r'href="(\?[^"]*sau=[^"]*)" rel="next"', first.content.decode())
    second = client.get(f"/phan-anh/{html.unescape(next_url)}").content.decode()
    assert [report for report in filed if report.tracking_code in second] == filed[: -selectors.PAGE_SIZE]
    assert 'rel="next"' not in second


def test_a_page_of_the_list_costs_the_same_statements_whatever_the_number_of_reports(client, categories):
    file_report()

    def statements() -> int:
        caching.clear_all()  # rendered afresh, every kept table read again
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/phan-anh/", {"status": "open"}).status_code == 200
        return len(queries)

    few = statements()
    _filed_at_times(selectors.PAGE_SIZE + 20)
    assert statements() == few


def _listed_part(page: str) -> str:
    return page[page.index('<form method="get" class="panel fr-filters"') : page.index("</main>")]


def test_the_list_is_kept_until_a_report_changes(client, categories, staff):
    report = file_report()
    first = _listed_part(client.get("/phan-anh/").content.decode())
    with CaptureQueriesContext(connection) as queries:
        assert _listed_part(client.get("/phan-anh/").content.decode()) == first
    assert [query["sql"] for query in queries.captured_queries if "fieldreports_" in query["sql"]] == [
        queries.captured_queries[0]["sql"]
    ]  # the reports' state only
    services.acknowledge_report(actor=staff["handler"], **case(report))
    shown = f'<span class="fr-status is-open">{Report.Status.ACKNOWLEDGED.label}</span>'
    assert shown in client.get("/phan-anh/").content.decode() and shown not in first


def test_the_map_points_are_kept_until_a_report_changes(client, categories, staff):
    report = file_report()
    first = client.get("/phan-anh/ban-do.geojson").json()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/phan-anh/ban-do.geojson").json() == first
    assert len(queries) == 1  # the reports' state only
    services.acknowledge_report(actor=staff["handler"], **case(report))
    [feature] = client.get("/phan-anh/ban-do.geojson").json()["features"]
    assert feature["properties"]["status"] == Report.Status.ACKNOWLEDGED.label
    newer = file_report()
    codes = [
        f["properties"]["tracking_code"] for f in client.get("/phan-anh/ban-do.geojson").json()["features"]
    ]
    assert codes == [newer.tracking_code, report.tracking_code]


def test_an_anonymous_citizen_files_a_report_with_a_photo_and_gets_a_tracking_code(client, categories):
    response = client.post(FORM, form_data(photos=jpeg_with_gps()), follow=True)
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "fieldreports:report-detail", args=[report.tracking_code]
    )
    page = response.content.decode()
    assert f"Mã theo dõi của bạn là {report.tracking_code}" in page
    assert report.reporter is None and report.reporter_phone == REPORTER_PHONE and report.photos.count() == 1
    assert report.responsible_unit.name in page


def test_a_signed_in_citizen_needs_no_contact_and_sees_it_in_my_reports(client, categories):
    person = citizen()
    client.force_login(person)
    assert 'name="phone"' not in client.get(FORM).content.decode()
    client.post(FORM, form_data(phone=None))
    report = Report.objects.get()
    assert report.reporter == person
    mine = client.get("/phan-anh/cua-toi/").content.decode()
    assert report.tracking_code in mine and report.get_status_display() in mine


def test_my_reports_needs_signing_in(client):
    response = client.get("/phan-anh/cua-toi/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"latitude": "21.02851", "longitude": "105.85420"}, "id_latitude", "nằm ngoài địa bàn"),
        ({"phone": ""}, "id_phone", "Cần đăng nhập, hoặc để lại số điện thoại"),
        ({"photos": SimpleUploadedFile("anh.jpg", b"not an image")}, "id_photos", "không phải ảnh"),
        ({"category": "ha-tang-o-ga"}, "attribute-muc-do", "Cần trả lời: Mức độ hư hỏng"),
    ],
)
def test_bad_input_is_shown_at_its_field_and_nothing_is_filed(client, categories, changes, field_id, message):
    response = client.post(FORM, form_data(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and not Report.objects.exists()
    if field_id:
        field_html = page[page.index(f'for="{field_id}"') :]
        assert field_html.index(message) < field_html.index("</div>")


def test_anonymous_filing_is_throttled_per_address(client, categories, monkeypatch):
    assert throttle.FIELD_REPORTS_PER_ADDRESS.attempts == 10
    monkeypatch.setattr(
        throttle, "FIELD_REPORTS_PER_ADDRESS", throttle.Limit("field-reports-address", 2, 3600)
    )
    for _ in range(2):
        assert client.post(FORM, form_data()).status_code == 302
    response = client.post(FORM, form_data())
    assert response.status_code == 400 and "nhiều phản ánh" in response.content.decode()
    assert Report.objects.count() == 2


def test_nearby_open_reports_of_the_same_kind_are_offered_before_filing(client, categories, staff):
    same = file_report("ha-tang-den")
    file_report("ha-tang-o-ga")  # other kind
    partial = client.get(
        "/phan-anh/gan-day/",
        {"category": "ha-tang-den", "latitude": AN_XUYEN_POINT[0], "longitude": AN_XUYEN_POINT[1]},
    ).content.decode()
    assert same.tracking_code in partial and partial.count("<li>") == 1
    services.reject_report(actor=staff["coordinator"], **case(same), reason="Trùng.")
    partial = client.get(
        "/phan-anh/gan-day/", {"category": "ha-tang-den", "latitude": "9.22391", "longitude": "105.17722"}
    ).content.decode()
    assert same.tracking_code not in partial and "<li>" not in partial


def test_the_reporter_rates_a_published_result_on_its_page(client, categories, staff):
    report = published_report(staff)
    page = client.get(f"/phan-anh/{report.tracking_code}/").content.decode()
    assert 'id="rate"' in page and "Đã thay bóng đèn mới." in page
    url = reverse("fieldreports:rate", args=[report.tracking_code])
    wrong = client.post(url, {"satisfied": "0", "contact": "0909000000"}, follow=True)
    assert "Chỉ người gửi phản ánh" in wrong.content.decode()
    client.post(url, {"satisfied": "0", "comment": "Đèn lại tắt.", "contact": REPORTER_PHONE})
    report.refresh_from_db()
    assert report.status == Report.Status.REOPENED


def test_a_signed_in_reporter_erases_their_data_from_a_closed_report(client, categories, staff):
    person = citizen()
    report = published_report(staff, reporter=person)
    client.force_login(person)
    page = client.get(f"/phan-anh/{report.tracking_code}/").content.decode()
    assert 'id="remove-personal-data"' in page and 'name="contact"' not in page
    client.post(reverse("fieldreports:remove-personal-data", args=[report.tracking_code]))
    report.refresh_from_db()
    assert report.personal_data_removed_at and report.reporter is None and report.reporter_phone == ""


def test_a_report_page_shows_its_history_without_naming_officials(client, categories, staff):
    report = published_report(staff)
    page = client.get(f"/phan-anh/{report.tracking_code}/").content.decode()
    for step in (
        "Tiếp nhận phản ánh",
        "Chuyển Ủy ban nhân dân phường An Xuyên xử lý",
        "Công khai kết quả xử lý",
    ):
        assert step in page
    assert "Cán bộ xulyxa" not in page and "Cán bộ dieuphoi" not in page


def _kept_parts(page: str) -> str:
    """A report's page without what differs per reader (the follow, rating and erasure forms)."""
    facts = page[page.index("<h1>") : page.index("</dl>")]
    return facts + page[page.index("<h2>Nội dung</h2>") : page.index("</ol>")]


def test_a_report_page_is_kept_until_the_report_changes_and_never_per_reader(client, categories, staff):
    person, other = citizen(), citizen("096090005678")
    report = file_report(reporter=person)
    url = f"/phan-anh/{report.tracking_code}/"
    first = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).content.decode()
    assert _kept_parts(again) == _kept_parts(first) and "Đăng nhập để theo dõi phản ánh này" in again
    assert len([query for query in queries.captured_queries if "fieldreports_" in query["sql"]]) == 1
    client.force_login(other)
    # A follow writes a row and an event, not the report.
    client.post(reverse("fieldreports:follow", args=[report.tracking_code]))
    followed = client.get(url).content.decode()
    assert "Bạn đang theo dõi phản ánh này." in followed and "1 người dân" in followed
    assert "Thêm một người dân theo dõi phản ánh này" in followed
    client.force_login(person)
    own = client.get(url).content.decode()
    assert _kept_parts(own) == _kept_parts(followed)
    offers = ("Bạn đang theo dõi", "Theo dõi phản ánh này</button>", "Đăng nhập để theo dõi")
    assert [offer for offer in offers if offer in own] == []  # the reporter is offered no follow
    services.flag_overdue_reports(now=report.due_at + timedelta(days=1))  # writes overdue_at only
    assert "· <strong>Quá hạn xử lý</strong>" in client.get(url).content.decode()
    report = services.acknowledge_report(actor=staff["handler"], **case(report))
    report = services.post_result(actor=staff["handler"], **case(report), result="Đã thay bóng đèn mới.")
    services.approve_result(actor=staff["coordinator"], **case(report))
    mine = client.get(url).content.decode()
    assert 'id="rate"' in mine and 'name="contact"' not in mine and "Đã thay bóng đèn mới." in mine
    client.logout()
    anonymous = client.get(url).content.decode()
    assert 'id="rate"' in anonymous and 'name="contact"' in anonymous
    assert _kept_parts(anonymous) == _kept_parts(mine)


def test_report_pages_are_kept_apart_from_the_operations_centres_renders(client, categories, settings):
    """A reader browsing many reports must not push the IOC's kept dashboards out of the "pages" cache."""
    settings.CACHES = {
        **settings.CACHES,
        "pages": {**settings.CACHES["pages"], "OPTIONS": {"MAX_ENTRIES": 2}},
    }
    caches["pages"].set("ioc.dashboards:a-leaders-view", "kept render")
    for report in [file_report(), file_report("ha-tang-den"), file_report()]:
        assert client.get(f"/phan-anh/{report.tracking_code}/").status_code == 200
    assert caches["pages"].get("ioc.dashboards:a-leaders-view") == "kept render"
    assert len(caches["report_pages"]._cache) == 3  # what the local-memory cache holds


def test_an_unknown_tracking_code_is_404(client, categories):
    assert client.get("/phan-anh/PA000000-XXXXX/").status_code == 404


def test_a_signed_in_citizen_follows_a_nearby_report_from_the_form(client, categories):
    existing = file_report("ha-tang-den")
    client.force_login(citizen())
    partial = client.get(
        "/phan-anh/gan-day/",
        {"category": "ha-tang-den", "latitude": AN_XUYEN_POINT[0], "longitude": AN_XUYEN_POINT[1]},
    ).content.decode()
    follow_url = reverse("fieldreports:follow", args=[existing.tracking_code])
    assert "Theo dõi phản ánh này thay vì gửi mới" in partial and f'action="{follow_url}"' in partial
    page = client.post(follow_url, follow=True).content.decode()
    assert "Bạn đang theo dõi phản ánh" in page
    assert existing.tracking_code in client.get("/phan-anh/cua-toi/").content.decode()
    assert Report.objects.count() == 1


def test_an_anonymous_visitor_is_asked_to_sign_in_to_follow(client, categories):
    report = file_report()
    page = client.get(f"/phan-anh/{report.tracking_code}/").content.decode()
    assert "Đăng nhập để theo dõi phản ánh này" in page
    assert client.post(reverse("fieldreports:follow", args=[report.tracking_code])).status_code == 302


def test_the_category_s_extra_questions_are_asked_and_answered(client, categories):
    partial = client.get("/phan-anh/cau-hoi/", {"category": "ha-tang-o-ga"}).content.decode()
    assert (
        "Mức độ hư hỏng" in partial and 'name="attribute[muc-do]"' in partial and "Lớn, nguy hiểm" in partial
    )
    assert client.get("/phan-anh/cau-hoi/", {"category": "ha-tang-den"}).content.strip() == b""
    response = client.post(FORM, form_data(category="ha-tang-o-ga", **{"attribute[muc-do]": "lon"}))
    assert response.status_code == 302
    assert Report.objects.get().attributes == {"muc-do": "lon"}


def test_a_refused_filing_names_every_problem_in_one_answer(client, categories):
    # The description is the form's to refuse; the phone and the missing place are the service's.
    body = form_data(description="", phone="12", latitude=None, longitude=None, **{"attribute[muc-do]": "x"})
    response = client.post(FORM, body | {"category": "ha-tang-o-ga"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"description", "phone", "latitude", "commune"} <= set(errors)
    assert not Report.objects.exists()
    page = response.content.decode()
    assert "Hãy chọn vị trí trên bản đồ" in page and "Lựa chọn không hợp lệ cho" in page
