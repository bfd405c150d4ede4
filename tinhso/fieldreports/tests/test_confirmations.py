"""Confirmations say what happened (issue 18, item 20): an unsatisfied rating that reopens a report says so."""

import pytest
from playwright.sync_api import expect

from tinhso.fieldreports import services
from tinhso.fieldreports.models import Report
from tinhso.testing.fieldreport_helpers import REPORTER_PHONE, case, file_report

pytestmark = pytest.mark.browser


def published(staff) -> Report:
    report = services.acknowledge_report(actor=staff["handler"], **case(file_report()))
    report = services.post_result(actor=staff["handler"], **case(report), result="Đã vá ổ gà bằng bê tông.")
    return services.approve_result(actor=staff["coordinator"], **case(report))


def test_an_unsatisfied_rating_tells_the_reporter_the_report_was_reopened(page, categories, staff):
    report = published(staff)
    page.goto(f"/phan-anh/{report.tracking_code}/")
    page.get_by_label("Chưa hài lòng", exact=True).check()
    page.get_by_label("Số điện thoại hoặc thư điện tử bạn đã để lại khi gửi").fill(REPORTER_PHONE)
    page.get_by_role("button", name="Gửi đánh giá").click()
    alert = page.locator(".alert-success")
    expect(alert).to_contain_text("phản ánh " + report.tracking_code + " đã được mở lại")
    expect(alert).to_contain_text("Ủy ban nhân dân phường An Xuyên")
    report.refresh_from_db()
    assert report.status == Report.Status.REOPENED


def test_a_satisfied_rating_thanks_for_the_rating(page, categories, staff):
    report = published(staff)
    page.goto(f"/phan-anh/{report.tracking_code}/")
    page.get_by_label("Hài lòng", exact=True).check()
    page.get_by_label("Số điện thoại hoặc thư điện tử bạn đã để lại khi gửi").fill(REPORTER_PHONE)
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator(".alert-success")).to_have_text(
        f"Cảm ơn bạn đã đánh giá kết quả xử lý phản ánh {report.tracking_code}."
    )
