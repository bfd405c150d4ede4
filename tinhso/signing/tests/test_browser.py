"""In a real browser: a fee paid at the desk gets a signed receipt, the official's result is signed, and the
verification page, by the printed code and by uploading the PDF, shows both as valid."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from tinhso.dossiers import services as dossier_services
from tinhso.receipts.models import Receipt
from tinhso.signing import selectors
from tinhso.testing.browser import sign_in
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.signing import sample_pdf

pytestmark = pytest.mark.browser


def test_the_receipt_and_the_result_are_signed_and_verified_as_valid(page, cast, signing_pki, tmp_path):
    dossier = in_state(cast, "payment")
    dossier = dossier_services.confirm_payment(
        actor=cast.desk, code=dossier.code, version=dossier.version, receipt="FT26341"
    )
    dossier = dossier_services.forward(actor=cast.specialist, code=dossier.code, version=dossier.version)
    dossier_services.finish(
        actor=cast.leader,
        code=dossier.code,
        version=dossier.version,
        result_file=ContentFile(sample_pdf("Phiếu lý lịch tư pháp số 1"), name="kq.pdf"),
    )
    # The jobs ran after each commit (the live server's transactions commit).
    receipt = Receipt.objects.get(dossier_code=dossier.code)
    signed_receipt = selectors.latest_of(subject=receipt.code, kind="receipt")
    signed_result = selectors.signed_result(dossier_code=dossier.code)
    assert signed_receipt is not None and signed_result is not None

    for signed in (signed_receipt, signed_result):
        page.goto("/xac-thuc/")
        page.get_by_label("Mã xác thực (in cạnh mã QR trên văn bản)").fill(signed.code.lower())
        page.get_by_role("button", name="Tra cứu").click()
        expect(page.get_by_role("heading", name="Chữ ký số hợp lệ")).to_be_visible()
        expect(page.locator("[data-check=trusted]")).to_have_text("Có")
        expect(page.locator("main")).to_contain_text(signed.subject)

    sign_in(page, username=cast.an.citizen_id, password="Camau@2026")
    page.goto("/kho-du-lieu/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bản đã ký").click()
    path = tmp_path / "ket-qua.pdf"
    download.value.save_as(path)
    page.goto("/xac-thuc/")
    page.get_by_label("Hoặc tải lên tệp PDF cần kiểm tra").set_input_files(path)
    page.get_by_role("button", name="Kiểm tra chữ ký").click()
    expect(page.get_by_role("heading", name="Chữ ký số hợp lệ")).to_be_visible()
    expect(page.locator("main")).to_contain_text(dossier.code)
