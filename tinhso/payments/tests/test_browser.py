"""In a real browser on a phone screen: a citizen whose dossier waits for its fee (status 6) pays it from "my
dossiers" through the local sandbox gateway, and the dossier's clock resumes at once from the gateway's IPN."""

import pytest
from playwright.sync_api import expect

from tinhso.core.production import SANDBOX_PATH
from tinhso.dossiers.models import Status
from tinhso.payments.models import OrderStatus, PaymentOrder
from tinhso.testing.browser import sign_in
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.payments import pay_in_sandbox

pytestmark = pytest.mark.browser
PASSWORD = "Camau@2026"


def test_a_citizen_pays_a_requested_fee_on_a_phone_and_the_clock_resumes(page, live_server, cast, settings):
    settings.TINHSO_VNPAY_URL = live_server.url + SANDBOX_PATH
    dossier = in_state(cast, "payment")
    sign_in(page, username=cast.an.citizen_id, password=PASSWORD)

    pay_in_sandbox(page, dossier.code)

    expect(page.locator("main")).to_contain_text(f"Đã thanh toán 200.000 đồng cho hồ sơ {dossier.code}")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert PaymentOrder.objects.get(dossier=dossier).status == OrderStatus.PAID
    page.get_by_role("link", name="Về hồ sơ").click()
    expect(page.locator("main dl.panel")).to_contain_text("Đang xử lý")
    expect(page.locator("#thanh-toan")).to_contain_text("Đã thanh toán")
