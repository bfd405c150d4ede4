"""The coordinator can reach whoever filed a report, signed in or not (issue 18, item 15)."""

import pytest
from playwright.sync_api import expect

from tinhso.testing.browser import sign_in
from tinhso.testing.factories import citizen
from tinhso.testing.fieldreport_helpers import file_report

pytestmark = pytest.mark.browser


def test_the_coordinator_sees_who_filed_a_signed_in_citizens_report(page, categories, staff):
    person = citizen("096090001234")
    person.phone = "0913456789"
    person.save(update_fields=["phone"])
    report = file_report(reporter=person, reporter_name="", phone="", email="")
    sign_in(page, username="dieuphoi", password="Camau@2026", official=True)
    page.goto(f"/can-bo/phan-anh/{report.tracking_code}/")
    contact = page.locator("dt:has-text('Liên hệ người phản ánh') + dd")
    expect(contact).to_contain_text(person.display_name)
    expect(contact).to_contain_text("0913456789")
    expect(contact).to_contain_text("tài khoản đã đăng nhập")
