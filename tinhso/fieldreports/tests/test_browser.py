"""In a real browser: a citizen files a report with a photo, picking the place on the map, and follows it
to a rated result."""

import re

import pytest
from playwright.sync_api import expect

from tinhso.fieldreports import services
from tinhso.fieldreports.models import Report
from tinhso.fieldreports.tests.helpers import REPORTER_PHONE, file_report, jpeg_with_gps

pytestmark = pytest.mark.browser


def test_a_citizen_files_a_report_with_a_photo_and_rates_the_published_result(page, categories, staff):
    existing = file_report("ha-tang-den", point=(9.22461, 105.178))  # at the centre of Phường An Xuyên
    page.goto("/phan-anh/gui/")
    page.get_by_label("Lĩnh vực").select_option("ha-tang-den")
    page.get_by_label("Nội dung phản ánh").fill(
        "Ba trụ đèn trên đường Lý Thường Kiệt không sáng đã một tuần."
    )
    an_xuyen = page.locator(
        "#pick-map circle.fr-map-commune", has=page.locator("title", has_text="Phường An Xuyên")
    )
    an_xuyen.click(force=True)
    expect(page.locator("#id_latitude")).to_have_value(re.compile(r"^9\.2"))
    # One map pixel is about 200 m: the citizen refines the point by typing the phone's coordinates.
    page.locator("#id_latitude").fill("9.22470")
    page.locator("#id_longitude").fill("105.17790")
    page.locator("#id_longitude").dispatch_event("change")
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

    report = services.acknowledge_report(actor=staff["handler"], report=report)
    report = services.post_result(
        actor=staff["handler"], report=report, result="Đã thay ba bóng đèn LED mới."
    )
    services.approve_result(actor=staff["coordinator"], report=report)

    page.goto(f"/phan-anh/{report.tracking_code}/")
    expect(page.locator(".fr-status")).to_have_text("Đã có kết quả")
    expect(page.get_by_text("Đã thay ba bóng đèn LED mới.")).to_be_visible()
    page.get_by_label("Hài lòng", exact=True).check()
    page.get_by_label("Số điện thoại hoặc thư điện tử bạn đã để lại khi gửi").fill(REPORTER_PHONE)
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator(".alert-success")).to_contain_text("Cảm ơn bạn đã đánh giá")
    expect(page.get_by_text("Người phản ánh hài lòng với kết quả.")).to_be_visible()
    report.refresh_from_db()
    assert report.satisfied is True and report.status == Report.Status.PUBLISHED
