"""VietQR payloads (EMVCo, CRC-16/CCITT-FALSE) checked against an independent implementation, and bank
statements (CSV and XLSX) paying the orders whose payment code and amount they show."""

import io

import pytest
from openpyxl import Workbook
from vietnam_qr_pay import QRPay

from tinhso.core.errors import Forbidden, InvalidInput
from tinhso.dossiers.models import Status
from tinhso.payments import services, statements, vietqr
from tinhso.payments.models import Callback, OrderStatus, Provider
from tinhso.testing.dossier_flow import in_state


def test_the_crc_is_ccitt_false():
    assert vietqr.crc16("123456789") == "29B1"  # the catalogued check value of CRC-16/CCITT-FALSE


def test_the_payload_is_what_an_independent_encoder_builds_and_parses_back():
    ours = vietqr.payload(
        bank_bin="970405", account="7600201009999", amount=200_000, purpose="DVC TSABCDEFGHJK"
    )
    theirs = QRPay.init_viet_qr(
        bank_bin="970405", bank_number="7600201009999", amount="200000", purpose="DVC TSABCDEFGHJK"
    ).build()
    assert ours == theirs
    parsed = QRPay(ours)
    assert parsed.is_valid and parsed.consumer.bank_bin == "970405" and parsed.amount == "200000"
    assert parsed.additional_data.purpose == "DVC TSABCDEFGHJK"
    assert vietqr.fields(ours)["54"] == "200000"
    with pytest.raises(ValueError, match="CRC"):
        vietqr.fields(ours.replace("200000", "900000"))


def test_the_purpose_is_ascii_and_short_enough_for_banks():
    text = vietqr.payload(
        bank_bin="970405", account="1", amount=5, purpose="Lệ phí hộ tịch — Nguyễn Văn Ẩn 123"
    )
    assert vietqr.fields(text)["62"] == "0825Le phi ho tich Nguyen Van"


# ---- statements --------------------------------------------------------------------------------------


def _vietqr_order(cast, state: str = "payment"):
    dossier = in_state(cast, state)
    order = services.create_order(actor=cast.an, code=dossier.code)
    order = services.start_payment(
        actor=cast.an, reference=order.reference, version=order.version, provider=Provider.VIETQR, mobile=True
    )
    return dossier, order


def _csv(*rows: str) -> bytes:
    return ("Ngày giao dịch;Số tiền ghi có;Nội dung;Số tham chiếu\n" + "\n".join(rows) + "\n").encode()


@pytest.mark.django_db
def test_a_statement_row_with_the_code_and_amount_pays_the_order_and_resumes_the_clock(cast):
    dossier, order = _vietqr_order(cast)
    content = _csv(
        f"06/12/2026;200.000;MBVCB.123 {vietqr.purpose_of(order.reference)} NGUYEN VAN AN CK;FT2634012345",
        f"06/12/2026;100.000;DVC {order.reference};FT2634012346",  # another amount: pays nothing
        "06/12/2026;50.000;Tien dien thang 11;FT2634012347",
    )
    report = services.import_statement(actor=cast.desk, name="sao-ke-0612.csv", content=content)
    assert report.paid == (order.reference,)
    assert report.unmatched == ((3, "amount"), (4, "no_order"))
    order.refresh_from_db()
    dossier.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.transaction_no == "FT2634012345"
    assert dossier.status == Status.PROCESSING
    again = services.import_statement(actor=cast.desk, name="sao-ke-0612.csv", content=content)
    assert again.paid == () and again.unmatched[0] == (2, "settled")  # an import read twice pays once
    assert Callback.objects.filter(kind="statement").count() == 4


@pytest.mark.django_db
def test_an_xlsx_statement_is_read_by_its_column_titles(cast):
    _dossier, order = _vietqr_order(cast)
    book = Workbook()
    book.active.append(["STT", "Ngày hạch toán", "Diễn giải", "Ghi có", "Số bút toán"])
    book.active.append([1, "06/12/2026", f"IBFT DVC{order.reference}", 200000, "FT99"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = services.import_statement(actor=cast.desk, name="saoke.xlsx", content=buffer.getvalue())
    assert report.paid == (order.reference,)


@pytest.mark.django_db
def test_a_citizen_cannot_import_a_statement_and_a_bad_file_is_named(cast):
    with pytest.raises(Forbidden):
        services.import_statement(actor=cast.an, name="x.csv", content=_csv())
    with pytest.raises(InvalidInput) as bad:
        services.import_statement(actor=cast.desk, name="x.csv", content=b"Ngay;Ghi chu\n1;2\n")
    assert bad.value.code == "statement_columns_missing"
    with pytest.raises(InvalidInput):
        services.import_statement(actor=cast.desk, name="x.xlsx", content=b"not a workbook")


def test_amounts_are_whole_dong():
    assert [
        statements.whole_dong(text) for text in ("200.000", "200,000", "200000", "200000.0", "2,5", "")
    ] == [200_000, 200_000, 200_000, 200_000, None, None]
