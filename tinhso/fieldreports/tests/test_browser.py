"""In a real browser: a citizen files a report with a photo, picking the place on the Leaflet map and by
GPS, and follows it to a rated result; the maps never ask another host for anything."""

import re

import pytest
from playwright.sync_api import expect

from tinhso.core import selectors as core_selectors
from tinhso.core.models import AdminUnit
from tinhso.fieldreports import services
from tinhso.fieldreports.models import Report
from tinhso.testing.fieldreport_helpers import REPORTER_PHONE, case, file_report, jpeg_with_gps

pytestmark = pytest.mark.browser


def _requests_to_other_hosts(page, live_server) -> list[str]:
    """Collects every request the page makes that does not go to the platform itself."""
    elsewhere: list[str] = []
    own = (f"{live_server.url}/", "data:", "blob:")
    page.on("request", lambda request: None if request.url.startswith(own) else elsewhere.append(request.url))
    return elsewhere


def test_a_citizen_files_a_report_with_a_photo_and_rates_the_published_result(
    page, live_server, categories, staff
):
    existing = file_report("ha-tang-den", point=(9.22461, 105.178))  # at the centre of Phường An Xuyên
    elsewhere = _requests_to_other_hosts(page, live_server)
    page.goto("/phan-anh/gui/")
    page.get_by_label("Lĩnh vực").select_option("ha-tang-den")
    page.get_by_label("Nội dung phản ánh").fill(
        "Ba trụ đèn trên đường Lý Thường Kiệt không sáng đã một tuần."
    )
    # The citizen taps the Leaflet map where Phường An Xuyên's centre is drawn.
    expect(page.locator("#pick-map path.leaflet-interactive").first).to_be_attached()
    x, y = page.evaluate(
        "() => { const p = document.getElementById('pick-map').leafletMap"
        ".latLngToContainerPoint([9.22461, 105.178]); return [p.x, p.y]; }"
    )
    page.locator("#pick-map").click(position={"x": x, "y": y})
    expect(page.locator("#id_latitude")).to_have_value(re.compile(r"^9\.2"))
    expect(page.locator("#nearby")).to_contain_text("Vị trí thuộc Phường An Xuyên.")
    # One map pixel is a few hundred metres at this zoom: the phone's GPS gives the exact place.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 9.22470, "longitude": 105.17790})
    page.get_by_role("button", name="Dùng vị trí của tôi").click()
    expect(page.locator("#id_latitude")).to_have_value("9.224700")
    expect(page.locator("#id_longitude")).to_have_value("105.177900")
    # Before filing, the open report of the same kind nearby is offered.
    expect(page.locator("#nearby")).to_contain_text(existing.tracking_code)
    photo = jpeg_with_gps()
    page.locator("#id_photos").set_input_files(
        files=[{"name": "den-hong.jpg", "mimeType": "image/jpeg", "buffer": photo.read()}]
    )
    page.get_by_label("Số điện thoại").fill(REPORTER_PHONE)
    page.get_by_role("button", name="Gửi phản ánh").click()

    expect(page.locator(".alert-success")).to_contain_text("Mã theo dõi của bạn là")
    report = Report.objects.exclude(pk=existing.pk).get()
    assert report.commune.code == "32002" and report.photos.count() == 1
    expect(page.locator("h1")).to_have_text("Đèn chiếu sáng hư hỏng")
    expect(page.locator("img.fr-photo")).to_have_count(1)

    report = services.acknowledge_report(actor=staff["handler"], **case(report))
    report = services.post_result(
        actor=staff["handler"], **case(report), result="Đã thay ba bóng đèn LED mới."
    )
    services.approve_result(actor=staff["coordinator"], **case(report))

    page.goto(f"/phan-anh/{report.tracking_code}/")
    expect(page.locator(".fr-status")).to_have_text("Đã có kết quả")
    # The report's own place is drawn as a closed (green) point on its page's map.
    expect(page.locator("#report-map path.leaflet-interactive[fill='#1a7f37']")).to_have_count(1)
    expect(page.get_by_text("Đã thay ba bóng đèn LED mới.")).to_be_visible()
    page.get_by_label("Hài lòng", exact=True).check()
    page.get_by_label("Số điện thoại hoặc thư điện tử bạn đã để lại khi gửi").fill(REPORTER_PHONE)
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator(".alert-success")).to_contain_text("Cảm ơn bạn đã đánh giá")
    expect(page.get_by_text("Người phản ánh hài lòng với kết quả.")).to_be_visible()
    report.refresh_from_db()
    assert report.satisfied is True and report.status == Report.Status.PUBLISHED
    assert elsewhere == []


def test_the_public_map_draws_the_platforms_own_data_and_only_the_configured_tiles(
    page, live_server, categories, settings
):
    report = file_report("ha-tang-den")
    # A deployment's own tile server; here the platform itself, which answers 404 for these paths.
    settings.TINHSO_TILE_URL = f"{live_server.url}/ban-do-nen/{{z}}/{{x}}/{{y}}.png"
    elsewhere = _requests_to_other_hosts(page, live_server)
    tiles: list[str] = []
    page.on("request", lambda request: tiles.append(request.url) if "/ban-do-nen/" in request.url else None)
    page.goto("/phan-anh/")
    expect(page.locator("#reports-map path.leaflet-interactive")).to_have_count(
        AdminUnit.objects.filter(
            parent=core_selectors.province_unit(), kind=AdminUnit.Kind.COMMUNE, latitude__isnull=False
        ).count()
        + 1
    )
    page.locator("#reports-map path.leaflet-interactive[fill='#c62828']").click(force=True)
    expect(page.locator(".leaflet-popup-content a")).to_have_text(re.compile(report.tracking_code))
    assert tiles and elsewhere == []


def test_map_tooltips_show_names_as_text_not_html(page, live_server, categories):
    """A category name that looks like markup is shown as typed, and no element is made from it."""
    category = categories["ha-tang-den"]
    category.name = '<img src="x" onerror="window.injected = 1">Đèn hỏng'
    category.save(update_fields=["name"])
    file_report("ha-tang-den")
    page.goto("/phan-anh/")
    marker = page.locator("#reports-map path.leaflet-interactive[fill='#c62828']")
    marker.hover(force=True)
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text('<img src="x" onerror="window.injected = 1">Đèn hỏng')
    assert tooltip.locator("img").count() == 0
    assert page.evaluate("() => window.injected") is None
