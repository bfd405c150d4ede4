"""Electronic receipts: issued once per payment with the next number of the series, the content the rules ask,
signed by the province, cancelled or replaced with a reason in the event log, and an issuer a licensed
provider can take over with."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from tinhso.core.errors import Conflict, Forbidden, InvalidInput
from tinhso.core.models import Event
from tinhso.dossiers import services as dossier_services
from tinhso.receipts import documents, events, services
from tinhso.receipts.models import Receipt, Status
from tinhso.signing import selectors as signing_selectors
from tinhso.signing import services as signing_services
from tinhso.signing import verification
from tinhso.testing.dossier_flow import in_state, submitted

pytestmark = pytest.mark.django_db
PAID_AT = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)


def _desk_unit(cast):
    """The unit whose desk receives the test procedure's dossiers, and collects their fees."""
    return submitted(cast).receiving_unit


def _issue(cast, source: str = "vnpay:14234567", amount: int = 200_000, **overrides) -> Receipt:
    arguments = {
        "actor": None,
        "source": source,
        "unit": _desk_unit(cast),
        "dossier_code": "000.00.12.H12-261207-0003",
        "payer_name": "Nguyễn Văn An",
        "payer_address": "Khóm 4, phường 5, thành phố Cà Mau",
        "payer_account": cast.an,
        "lines": [services.Line(kind="lệ phí", name="Lệ phí cấp Phiếu lý lịch tư pháp", amount=amount)],
        "method": "Thanh toán trực tuyến qua VNPay",
        "transaction_ref": "14234567",
        "paid_at": PAID_AT,
    } | overrides
    return services.issue_receipt(**arguments)


def test_receipts_are_numbered_from_one_in_the_units_series_and_issued_once_per_payment(cast):
    first = _issue(cast, source="vnpay:1")
    second = _issue(cast, source="vnpay:2")
    again = _issue(cast, source="vnpay:1")

    assert (first.number, second.number) == (1, 2) and again.pk == first.pk
    assert first.series.series.endswith("E") and first.code == f"{first.series.series}-0000001"
    assert first.total == 200_000 and first.total_in_words == "Hai trăm nghìn đồng"
    assert Event.objects.filter(action=events.ISSUED).count() == 2


def test_the_pdf_carries_every_field_the_receipt_rules_require(cast):
    receipt = _issue(cast, amount=1_500_000)

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(documents.receipt_pdf(receipt))).pages)

    for required in (
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        f"Mẫu số: {receipt.series.form_symbol}",
        f"Ký hiệu: {receipt.series.series}",
        "Số: 0000001",
        receipt.series.issuer_name.upper(),
        f"Mã số thuế: {receipt.series.issuer_tax_code}",
        "Lệ phí cấp Phiếu lý lịch tư pháp",
        "1.500.000 đồng",
        "Một triệu năm trăm nghìn đồng",
        "Nguyễn Văn An",
        "Thanh toán trực tuyến qua VNPay",
        "14234567",
        "Chữ ký số của đơn vị",
    ):
        assert required in text, required


def test_bad_lines_are_refused_beside_the_field(cast):
    with pytest.raises(InvalidInput) as refused:
        _issue(cast, lines=[services.Line(kind="thuế", name="Thuế", amount=1000)])
    assert "lines" in refused.value.errors
    with pytest.raises(InvalidInput):
        _issue(cast, source="vnpay:x", amount=0)
    assert not Receipt.objects.exists()


def test_a_payment_recorded_on_a_dossier_gets_a_signed_receipt(cast, signing_pki):
    dossier = in_state(cast, "payment")
    dossier_services.confirm_payment(
        actor=cast.desk, code=dossier.code, version=dossier.version, receipt="FT2634"
    )

    assert services.issue_pending() == 1
    signing_services.sign_pending()

    [receipt] = Receipt.objects.filter(dossier_code=dossier.code)
    assert (
        receipt.total == 200_000 and receipt.transaction_ref == "FT2634" and receipt.payer_account == cast.an
    )
    signed = signing_selectors.latest_of(subject=receipt.code, kind="receipt")
    with signed.file.open("rb") as stored:
        [signature] = verification.verify_pdf(stored.read()).signatures
    assert signature.intact and signature.trusted and signature.timestamp_trusted
    assert services.issue_pending() == 0  # the same payment never gets a second receipt


def test_cancel_and_replace_keep_the_numbers_and_record_the_reason(cast):
    receipt = _issue(cast)

    replacement = services.cancel_receipt(
        actor=cast.desk, code=receipt.code, version=receipt.version, reason="Sai tên người nộp", replace=True
    )

    receipt.refresh_from_db()
    assert receipt.status == Status.CANCELLED and receipt.cancel_reason == "Sai tên người nộp"
    assert replacement.number == 2 and replacement.replaces == receipt and replacement.total == receipt.total
    cancelled = Event.objects.get(action=events.CANCELLED)
    assert cancelled.actor == cast.desk and cancelled.payload["reason"] == "Sai tên người nộp"
    assert cancelled.payload["replaced_by"] == replacement.code
    with pytest.raises(Conflict):  # a cancelled receipt is cancelled once
        services.cancel_receipt(
            actor=cast.desk, code=receipt.code, version=receipt.version, reason="x", replace=False
        )


def test_only_the_collecting_unit_cancels_and_never_on_a_stale_page(cast):
    receipt = _issue(cast)

    with pytest.raises(Forbidden):
        services.cancel_receipt(
            actor=cast.an, code=receipt.code, version=1, reason="Tôi muốn hủy", replace=False
        )
    with pytest.raises(Conflict):
        services.cancel_receipt(actor=cast.desk, code=receipt.code, version=9, reason="Sai", replace=False)
    with pytest.raises(InvalidInput):
        services.cancel_receipt(actor=cast.desk, code=receipt.code, version=1, reason="  ", replace=False)
    receipt.refresh_from_db()
    assert receipt.status == Status.ISSUED


class ProviderIssuer:
    """A licensed e-receipt provider's adapter: it numbers receipts itself and hears of cancellations."""

    name = "provider"
    cancelled_codes: list[str] = []

    def take_number(self, series) -> int:
        return 9000 + series.receipts.count()

    def cancelled(self, receipt, reason: str) -> None:
        self.cancelled_codes.append(receipt.code)


def test_a_licensed_provider_takes_over_issuance(cast, settings):
    settings.TINHSO_RECEIPT_ISSUER = f"{__name__}.ProviderIssuer"

    receipt = _issue(cast)
    services.cancel_receipt(actor=cast.desk, code=receipt.code, version=1, reason="Nộp nhầm", replace=False)

    assert receipt.number == 9000 and receipt.issuer == "provider"
    assert ProviderIssuer.cancelled_codes == [receipt.code]


def test_the_desk_cancels_and_replaces_from_its_receipts_page(cast, client):
    receipt = _issue(cast)
    client.force_login(cast.desk)

    page = client.get("/can-bo/bien-lai/")
    assert page.status_code == 200 and receipt.code in page.content.decode()
    answer = client.post(
        f"/can-bo/bien-lai/{receipt.code}/huy/", {"version": "1", "reason": "Sai số tiền", "replace": "1"}
    )

    assert answer.status_code == 302
    receipt.refresh_from_db()
    assert receipt.status == Status.CANCELLED and hasattr(receipt, "replaced_by")
    refused = client.post(f"/can-bo/bien-lai/{receipt.code}/huy/", {"version": "2", "reason": "Lần nữa"})
    assert refused.status_code == 302 and Receipt.objects.count() == 2  # told why, nothing changed


def test_citizens_do_not_see_the_receipts_page(cast, client):
    client.force_login(cast.an)

    assert client.get("/can-bo/bien-lai/").status_code == 403


def test_the_verification_page_says_a_receipt_was_cancelled_and_names_its_replacement(
    cast, signing_pki, client
):
    receipt = _issue(cast)
    signing_services.sign_pending()
    signed = signing_selectors.latest_of(subject=receipt.code, kind="receipt")
    replacement = services.cancel_receipt(
        actor=cast.desk, code=receipt.code, version=1, reason="Sai tên người nộp", replace=True
    )

    page = client.get(f"/xac-thuc/{signed.code}/").content.decode()

    assert "Biên lai này đã bị hủy." in page and replacement.code in page
    assert "Sai tên người nộp" not in page and "Nguyễn Văn An" not in page


def test_an_order_paid_through_the_gateway_gets_one_receipt_with_its_fee_lines(cast, client):
    from tinhso.testing.payments import ipn, started_order

    dossier = in_state(cast, "payment")
    order = started_order(cast.an, dossier.code)
    assert client.get("/thanh-toan/vnpay/ipn", ipn(order)).json()["RspCode"] == "00"
    order.refresh_from_db()

    assert services.issue_pending() == 1  # the dossier's own "payment confirmed" (online) adds none

    [receipt] = Receipt.objects.filter(dossier_code=dossier.code)
    assert receipt.total == order.amount and receipt.transaction_ref == order.transaction_no
    assert (
        receipt.method == "Thanh toán trực tuyến qua cổng VNPay"
        and receipt.source == f"payment:{order.reference}"
    )
    assert [line["amount"] for line in receipt.lines] == [line.amount for line in order.lines.all()]
