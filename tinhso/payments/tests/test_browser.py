"""In a real browser on a phone screen: a citizen whose dossier waits for its fee (status 6) pays it from "my
dossiers" through the local sandbox gateway, and the dossier's clock resumes at once from the gateway's IPN;
and the whole chain from an online submission with its fee to a signed result verified by anyone."""

import pytest
from playwright.sync_api import expect

from tinhso.core.production import SANDBOX_PATH
from tinhso.dossiers.models import Dossier, Status
from tinhso.payments.models import OrderStatus, PaymentOrder, Provider
from tinhso.receipts.models import Receipt
from tinhso.signing import selectors as signing_selectors
from tinhso.testing.browser import act_from_queue, as_official, sign_in
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.dossiers import RECORD
from tinhso.testing.payments import pay_from_dossier_page, pay_in_sandbox
from tinhso.testing.signing import sample_pdf

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


def test_the_whole_chain_from_submission_and_payment_to_a_verified_signed_result(
    page, browser, live_server, cast, settings, signing_pki, tmp_path
):
    """The issue's chain in one go: submitted online with its fee, paid in the sandbox, paid by the IPN, a
    signed receipt issued, the officials' result signed, both valid on the public verification page."""
    settings.TINHSO_VNPAY_URL = live_server.url + SANDBOX_PATH
    sign_in(page, username=cast.an.citizen_id, password=PASSWORD)
    page.goto(f"/thu-tuc/{RECORD}/nop/")
    page.get_by_label("Loại phiếu").select_option("Phiếu số 1")
    page.get_by_label("Mục đích yêu cầu cấp phiếu").fill("Bổ sung hồ sơ xin việc")
    page.get_by_label("Số lượng phiếu").fill("1")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã nộp hồ sơ. Mã hồ sơ là")
    dossier = Dossier.objects.get(procedure__code=RECORD, applicant=cast.an)

    pay_from_dossier_page(page)  # the submission fee, from the page the submission lands on

    expect(page.locator("main")).to_contain_text(f"cho hồ sơ {dossier.code}")
    order = PaymentOrder.objects.get(dossier=dossier)
    assert (order.status, order.provider) == (OrderStatus.PAID, Provider.VNPAY)
    assert order.callbacks.filter(verified=True).exists()  # the IPN, not the return page, paid it
    receipt = Receipt.objects.get(dossier_code=dossier.code)
    assert receipt.total == order.amount
    desk = as_official(browser, live_server, cast.desk.username)
    act_from_queue(desk, dossier.code, "Tiếp nhận hồ sơ")
    act_from_queue(desk, dossier.code, "Chuyển bước tiếp theo")
    specialist = as_official(browser, live_server, cast.specialist.username)
    act_from_queue(specialist, dossier.code, "Chuyển bước tiếp theo", **{"Ghi chú": "Đủ điều kiện cấp phiếu"})
    leader = as_official(browser, live_server, cast.leader.username)
    leader.goto("/can-bo/ho-so/")
    leader.get_by_role("link", name=dossier.code).click()
    result = tmp_path / "phieu-lltp.pdf"
    result.write_bytes(sample_pdf("Phiếu lý lịch tư pháp số 1"))
    finish = leader.locator("form", has=leader.get_by_role("button", name="Ghi kết quả giải quyết"))
    finish.get_by_label("Tệp kết quả (PDF, tối đa 20 MB)").set_input_files(str(result))
    finish.get_by_role("button", name="Ghi kết quả giải quyết").click()
    expect(leader.locator(".alert-success")).to_contain_text("Đã ghi kết quả giải quyết hồ sơ")

    signed_receipt = signing_selectors.latest_of(subject=receipt.code, kind="receipt")
    signed_result = signing_selectors.signed_result(dossier_code=dossier.code)
    assert signed_receipt is not None and signed_result is not None
    for signed in (signed_receipt, signed_result):
        page.goto("/xac-thuc/")
        page.get_by_label("Mã xác thực (in cạnh mã QR trên văn bản)").fill(signed.code)
        page.get_by_role("button", name="Tra cứu").click()
        expect(page.get_by_role("heading", name="Chữ ký số hợp lệ")).to_be_visible()
        expect(page.locator("[data-check=trusted]")).to_have_text("Có")
        expect(page.locator("main")).to_contain_text(signed.subject)
