"""VNPay 2.1.0, implemented from its protocol: the signed pay URL, the check of the IPN and return queries, and
the querydr and refund messages of the merchant API. Pure functions plus one JSON POST; no Django here."""

import hashlib
import hmac
import json
import re
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from unidecode import unidecode

VERSION = "2.1.0"
PAY_PATH = "/paymentv2/vpcpay.html"
API_PATH = "/merchant_webapi/api/transaction"
GATEWAY_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # VNPay's dates are GMT+7
SIGNATURE_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")
QUERYDR_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
# The fields VNPay signs its querydr and refund answers over, in order.
ANSWER_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_ANSWER_FIELDS = ANSWER_FIELDS[:-2]  # a refund's answer has no promotion fields
# PHP's urlencode, which VNPay's signature follows, escapes these; Python's quote_plus leaves them.
_UNSAFE_FOR_GATEWAY = re.compile(r"[^A-Za-z0-9 .,:_-]")


class GatewayError(Exception):
    """The gateway could not be reached or answered something unreadable or unsigned."""


def gateway_time(moment: datetime) -> str:
    return moment.astimezone(GATEWAY_ZONE).strftime("%Y%m%d%H%M%S")


def parse_gateway_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=GATEWAY_ZONE)


def plain(text: str, *, limit: int = 255) -> str:
    """Text the gateway takes and signs alike: Vietnamese without diacritics, letters, digits, a few marks."""
    return " ".join(_UNSAFE_FOR_GATEWAY.sub(" ", unidecode(text)).split())[:limit]


# What PHP's urlencode leaves as it is, in full.
_KEPT = re.compile(r"[A-Za-z0-9_.\-]*\Z")


def signing_text(params: Mapping[str, str]) -> str:
    """The sorted, form-encoded `vnp_*` parameters (empty ones and the signature itself left out)."""
    fields = sorted(
        (key, str(value))
        for key, value in params.items()
        if key.startswith("vnp_") and key not in SIGNATURE_FIELDS and str(value) != ""
    )
    return "&".join(f"{_urlencode(key)}={_urlencode(value)}" for key, value in fields)


def _urlencode(text: str) -> str:
    if _KEPT.match(text):  # most values (codes, amounts, dates): quote_plus would return them as they are
        return text
    return quote_plus(text).replace("~", "%7E")  # as PHP urlencode, which VNPay follows


def _hmac(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def sign(params: Mapping[str, str], secret: str) -> str:
    return _hmac(secret, signing_text(params))


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Whether the query (IPN, return URL, our own pay URL at the sandbox) carries our shared secret's hash."""
    given = str(params.get("vnp_SecureHash", "")).lower()
    return bool(given) and hmac.compare_digest(given, sign(params, secret))


def pay_url(
    *,
    base: str,
    tmn_code: str,
    secret: str,
    reference: str,
    amount: int,
    order_info: str,
    return_url: str,
    ip: str,
    created: datetime,
    expires: datetime,
    locale: str = "vn",
    bank_code: str = "",
) -> str:
    """The pay request the payer's browser is sent to (amount in đồng; VNPay counts hundredths)."""
    params = {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": tmn_code,
        "vnp_Amount": str(amount * 100),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": reference,
        "vnp_OrderInfo": plain(order_info),
        "vnp_OrderType": "other",
        "vnp_Locale": locale,
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": ip,
        "vnp_CreateDate": gateway_time(created),
        "vnp_ExpireDate": gateway_time(expires),
        "vnp_BankCode": bank_code,
    }
    query = signing_text(params)
    return f"{base}{PAY_PATH}?{query}&vnp_SecureHash={_hmac(secret, query)}"


def piped(params: Mapping[str, str], fields: tuple[str, ...]) -> str:
    return "|".join(str(params.get(name, "")) for name in fields)


def signed_message(params: dict[str, str], fields: tuple[str, ...], secret: str) -> dict[str, str]:
    """A merchant-API message with its `vnp_SecureHash` over the `|`-joined `fields`."""
    return params | {"vnp_SecureHash": _hmac(secret, piped(params, fields))}


def verify_message(params: Mapping[str, str], fields: tuple[str, ...], secret: str) -> bool:
    given = str(params.get("vnp_SecureHash", "")).lower()
    return bool(given) and hmac.compare_digest(given, _hmac(secret, piped(params, fields)))


def querydr_message(
    *,
    tmn_code: str,
    secret: str,
    request_id: str,
    reference: str,
    transaction_date: datetime,
    now: datetime,
    ip: str,
) -> dict[str, str]:
    params = {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "querydr",
        "vnp_TmnCode": tmn_code,
        "vnp_TxnRef": reference,
        "vnp_TransactionDate": gateway_time(transaction_date),
        "vnp_CreateDate": gateway_time(now),
        "vnp_IpAddr": ip,
        "vnp_OrderInfo": f"Truy van giao dich {reference}",
    }
    return signed_message(params, QUERYDR_FIELDS, secret)


def refund_message(
    *,
    tmn_code: str,
    secret: str,
    request_id: str,
    reference: str,
    amount: int,
    transaction_no: str,
    transaction_date: datetime,
    created_by: str,
    now: datetime,
    ip: str,
) -> dict[str, str]:
    """A full refund (type 02) of `amount` đồng."""
    params = {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "refund",
        "vnp_TmnCode": tmn_code,
        "vnp_TransactionType": "02",
        "vnp_TxnRef": reference,
        "vnp_Amount": str(amount * 100),
        "vnp_TransactionNo": transaction_no or "0",
        "vnp_TransactionDate": gateway_time(transaction_date),
        "vnp_CreateBy": plain(created_by, limit=250),
        "vnp_CreateDate": gateway_time(now),
        "vnp_IpAddr": ip,
        "vnp_OrderInfo": f"Hoan tien giao dich {reference}",
    }
    return signed_message(params, REFUND_FIELDS, secret)


def post(
    *, base: str, message: dict[str, str], secret: str, answer_fields: tuple[str, ...]
) -> dict[str, str]:
    """Sends a querydr or refund message; the answer, once its signature is checked."""
    request = urllib.request.Request(
        base + API_PATH,
        data=json.dumps(message).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            answer = json.loads(response.read())
    except (OSError, ValueError) as error:
        raise GatewayError(f"VNPay merchant API: {error}") from error
    if not isinstance(answer, dict):
        raise GatewayError("VNPay merchant API: the answer is not a JSON object")
    answer = {key: str(value) for key, value in answer.items()}
    if not verify_message(answer, answer_fields, secret):
        raise GatewayError("VNPay merchant API: the answer's signature does not match")
    return answer


def succeeded(params: Mapping[str, str]) -> bool:
    """Paid means both codes say so: the response and the transaction's own status."""
    return params.get("vnp_ResponseCode") == "00" and params.get("vnp_TransactionStatus") == "00"
