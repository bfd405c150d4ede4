"""VNPay 2.1.0's signatures, computed here by hand from the protocol's description, must match the module's."""

import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote_plus, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tinhso.payments import vnpay

SECRET = "TESTSECRETTESTSECRETTESTSECRET00"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _hmac512(text: str) -> str:
    return hmac.new(SECRET.encode(), text.encode(), hashlib.sha512).hexdigest()


def test_the_pay_url_signs_the_sorted_form_encoded_parameters():
    url = vnpay.pay_url(
        base="https://sandbox.vnpayment.vn",
        tmn_code="TINHSO01",
        secret=SECRET,
        reference="TSABCDEFGHJK",
        amount=200_000,
        order_info="Thanh toan ho so H12.15-261206-0001",
        return_url="https://dichvucong.camau.gov.vn/thanh-toan/vnpay/tra-ve",
        ip="14.160.1.2",
        created=datetime(2026, 12, 6, 9, 30, tzinfo=HCM),
        expires=datetime(2026, 12, 6, 9, 45, tzinfo=HCM),
    )
    # What PHP's sample builds: keys sorted, values urlencoded (spaces as +), no empty vnp_BankCode.
    expected = (
        "vnp_Amount=20000000&vnp_Command=pay&vnp_CreateDate=20261206093000&vnp_CurrCode=VND"
        "&vnp_ExpireDate=20261206094500&vnp_IpAddr=14.160.1.2&vnp_Locale=vn"
        "&vnp_OrderInfo=Thanh+toan+ho+so+H12.15-261206-0001&vnp_OrderType=other"
        "&vnp_ReturnUrl=https%3A%2F%2Fdichvucong.camau.gov.vn%2Fthanh-toan%2Fvnpay%2Ftra-ve"
        "&vnp_TmnCode=TINHSO01&vnp_TxnRef=TSABCDEFGHJK&vnp_Version=2.1.0"
    )
    parts = urlsplit(url)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    )
    assert parts.query == f"{expected}&vnp_SecureHash={_hmac512(expected)}"
    assert "vnp_SecureHashType" not in parts.query  # 2.0.x sent it; 2.1.0 must not


def test_dates_are_sent_in_gmt_plus_7_whatever_the_server_zone():
    utc = datetime(2026, 12, 6, 2, 30, tzinfo=ZoneInfo("UTC"))
    assert vnpay.gateway_time(utc) == "20261206093000"


def test_a_tilde_is_escaped_as_php_does():
    assert (
        vnpay.signing_text({"vnp_ReturnUrl": "https://x.vn/~a b"})
        == "vnp_ReturnUrl=https%3A%2F%2Fx.vn%2F%7Ea+b"
    )


def test_a_notice_verifies_only_with_its_own_hash():
    params = {
        "vnp_Amount": "20000000",
        "vnp_TxnRef": "TSABCDEFGHJK",
        "vnp_ResponseCode": "00",
        "vnp_BankCode": "",
    }
    params["vnp_SecureHash"] = _hmac512("vnp_Amount=20000000&vnp_ResponseCode=00&vnp_TxnRef=TSABCDEFGHJK")
    assert vnpay.verify(params, SECRET)
    assert vnpay.verify(params | {"vnp_SecureHashType": "HmacSHA512"}, SECRET)
    assert vnpay.verify(params | {"vnp_SecureHash": params["vnp_SecureHash"].upper()}, SECRET)
    assert not vnpay.verify(params | {"vnp_Amount": "2000000000"}, SECRET)
    assert not vnpay.verify(params, "another secret")
    assert not vnpay.verify({k: v for k, v in params.items() if k != "vnp_SecureHash"}, SECRET)


def test_querydr_and_refund_sign_their_fields_joined_by_pipes():
    now = datetime(2026, 12, 6, 10, 0, tzinfo=HCM)
    created = datetime(2026, 12, 6, 9, 30, tzinfo=HCM)
    query = vnpay.querydr_message(
        tmn_code="TINHSO01",
        secret=SECRET,
        request_id="R1",
        reference="TSABCDEFGHJK",
        transaction_date=created,
        now=now,
        ip="10.0.0.1",
    )
    text = "R1|2.1.0|querydr|TINHSO01|TSABCDEFGHJK|20261206093000|20261206100000|10.0.0.1|Truy van giao dich TSABCDEFGHJK"
    assert query["vnp_SecureHash"] == _hmac512(text)
    refund = vnpay.refund_message(
        tmn_code="TINHSO01",
        secret=SECRET,
        request_id="R2",
        reference="TSABCDEFGHJK",
        amount=200_000,
        transaction_no="",
        transaction_date=created,
        created_by="thu.nguyen",
        now=now,
        ip="10.0.0.1",
    )
    text = (
        "R2|2.1.0|refund|TINHSO01|02|TSABCDEFGHJK|20000000|0|20261206093000|thu.nguyen|20261206100000"
        "|10.0.0.1|Hoan tien giao dich TSABCDEFGHJK"
    )
    assert refund["vnp_SecureHash"] == _hmac512(text)
    assert vnpay.verify_message(refund, vnpay.REFUND_FIELDS, SECRET)
    assert not vnpay.verify_message(refund | {"vnp_Amount": "1"}, vnpay.REFUND_FIELDS, SECRET)


def test_order_info_keeps_only_what_both_sides_encode_alike():
    assert vnpay.plain("Lệ phí hồ sơ #12 & “bản sao”~") == "Le phi ho so 12 ban sao"


@pytest.mark.parametrize(
    "value", ["", "NCB", "20260101120000", "a.b-c_d", "a~b", "a b", "x\n", "Lê Văn/1&2=3"]
)
def test_every_value_is_form_encoded_as_php_does_plain_ones_included(value):
    assert vnpay.signing_text({"vnp_X": value}) == ("" if not value else f"vnp_X={php_urlencode(value)}")


def php_urlencode(text: str) -> str:
    return quote_plus(text).replace("~", "%7E")
