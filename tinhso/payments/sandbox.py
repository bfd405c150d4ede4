"""A local stand-in for VNPay and the national payment platform, served only in development and test mode (never in production: the URLs are not
mounted there and the production checks refuse its address and secret). It plays VNPay's side of version 2.1.0
with the configured secret: checks our pay request's signature, lets the payer pay or cancel, calls our IPN with
a signed query (retrying while the answer is neither 00 nor 02), sends the payer back to the return URL, and
answers querydr and refund on the merchant API. It can be told to lose the IPN, so querydr has work to do."""

import json
import secrets
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from tinhso.payments import dvcqg, vnpay

IPN_ATTEMPTS = 3
BANK_CODE = "NCB"


@dataclass
class Transaction:
    """What the sandbox remembers of a payment, to answer querydr and refund as VNPay would."""

    request: dict[str, str]
    result: dict[str, str] = field(default_factory=dict)
    refunded: bool = False


LEDGER: dict[str, Transaction] = {}  # by vnp_TxnRef
_ledger_lock = threading.Lock()


def _secret() -> str:
    return settings.TINHSO_VNPAY_HASH_SECRET


def notice(request: dict[str, str], *, paid: bool, transaction_no: str | None = None) -> dict[str, str]:
    """The signed query VNPay sends to the IPN and the return URL for the pay request `request`."""
    params = {
        "vnp_Amount": request["vnp_Amount"],
        "vnp_BankCode": BANK_CODE,
        "vnp_BankTranNo": "VNP" + secrets.token_hex(4).upper(),
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": request.get("vnp_OrderInfo", ""),
        "vnp_PayDate": vnpay.gateway_time(timezone.now()),
        "vnp_ResponseCode": "00" if paid else "24",
        "vnp_TmnCode": request["vnp_TmnCode"],
        "vnp_TransactionNo": transaction_no or str(secrets.randbelow(90_000_000) + 10_000_000),
        "vnp_TransactionStatus": "00" if paid else "02",
        "vnp_TxnRef": request["vnp_TxnRef"],
    }
    return params | {"vnp_SecureHash": vnpay.sign(params, _secret())}


def _genuine(params: dict[str, str]) -> bool:
    return vnpay.verify(params, _secret()) and params.get("vnp_TmnCode") == settings.TINHSO_VNPAY_TMN_CODE


def deliver_ipn(url: str, params: dict[str, str]) -> str:
    """Calls the merchant's IPN like VNPay: GET with the signed query, retried until it answers 00 or 02."""
    code = ""
    for _attempt in range(IPN_ATTEMPTS):
        try:
            with urllib.request.urlopen(f"{url}?{urllib.parse.urlencode(params)}", timeout=10) as answer:
                code = json.loads(answer.read()).get("RspCode", "")
        except (OSError, ValueError):
            code = ""
        if code in ("00", "02"):
            break
    return code


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest) -> HttpResponse:
    """VNPay's pay page (paymentv2/vpcpay.html): GET shows the order, POST pays or cancels it."""
    params = (request.GET if request.method == "GET" else request.POST).dict()
    params.pop("csrfmiddlewaretoken", None)
    choice = params.pop("choice", "")
    lose_ipn = params.pop("lose_ipn", "") == "1"
    if not _genuine(params):
        return render(request, "payments/sandbox_pay.html", {"refused": True}, status=400)
    if request.method == "GET":
        context = {"params": params, "amount": int(params["vnp_Amount"]) // 100}
        return render(request, "payments/sandbox_pay.html", context)
    result = notice(params, paid=choice == "pay")
    with _ledger_lock:
        LEDGER[params["vnp_TxnRef"]] = Transaction(request=params, result=result)
    if not lose_ipn:
        deliver_ipn(request.build_absolute_uri(reverse("payments:vnpay-ipn")), result)
    return HttpResponseRedirect(f"{params['vnp_ReturnUrl']}?{urllib.parse.urlencode(result)}")


def _answer(
    request_id: str, command: str, code: str, message: str, fields: tuple[str, ...], **values: str
) -> JsonResponse:
    answer = {
        "vnp_ResponseId": request_id,
        "vnp_Command": command,
        "vnp_ResponseCode": code,
        "vnp_Message": message,
    }
    answer |= {"vnp_TmnCode": settings.TINHSO_VNPAY_TMN_CODE} | values
    return JsonResponse(vnpay.signed_message(answer, fields, _secret()))


def _querydr(message: dict[str, str]) -> JsonResponse:
    reference = message.get("vnp_TxnRef", "")
    with _ledger_lock:
        known = LEDGER.get(reference)
    if known is None:
        return _answer(
            message["vnp_RequestId"],
            "querydr",
            "91",
            "Transaction not found",
            vnpay.ANSWER_FIELDS,
            vnp_TxnRef=reference,
        )
    result = known.result
    return _answer(
        message["vnp_RequestId"],
        "querydr",
        "00",
        "QueryDR Success",
        vnpay.ANSWER_FIELDS,
        vnp_TxnRef=reference,
        vnp_Amount=result["vnp_Amount"],
        vnp_BankCode=result["vnp_BankCode"],
        vnp_PayDate=result["vnp_PayDate"],
        vnp_TransactionNo=result["vnp_TransactionNo"],
        vnp_TransactionType="02" if known.refunded else "01",
        vnp_TransactionStatus="05" if known.refunded else result["vnp_TransactionStatus"],
        vnp_OrderInfo=result["vnp_OrderInfo"],
        vnp_PromotionCode="",
        vnp_PromotionAmount="",
    )


def _refund(message: dict[str, str]) -> JsonResponse:
    reference = message.get("vnp_TxnRef", "")
    with _ledger_lock:
        known = LEDGER.get(reference)
        if known is None:
            code, text = "91", "Transaction not found"
        elif known.result.get("vnp_TransactionStatus") != "00":
            code, text = "95", "Transaction not successful"
        elif known.refunded:
            code, text = "94", "Refund already requested"
        elif message.get("vnp_Amount") != known.result["vnp_Amount"]:
            code, text = "03", "Invalid amount"
        else:
            known.refunded = True
            code, text = "00", "Refund success"
    return _answer(
        message["vnp_RequestId"],
        "refund",
        code,
        text,
        vnpay.REFUND_ANSWER_FIELDS,
        vnp_TxnRef=reference,
        vnp_Amount=message.get("vnp_Amount", ""),
        vnp_BankCode=BANK_CODE,
        vnp_PayDate=vnpay.gateway_time(timezone.now()),
        vnp_TransactionNo=str(secrets.randbelow(90_000_000) + 10_000_000) if code == "00" else "",
        vnp_TransactionType=message.get("vnp_TransactionType", ""),
        vnp_TransactionStatus="05" if code == "00" else "",
        vnp_OrderInfo=message.get("vnp_OrderInfo", ""),
    )


@csrf_exempt
@require_POST
def merchant_api(request: HttpRequest) -> HttpResponse:
    """VNPay's merchant_webapi/api/transaction: querydr and refund, each checked against its signature."""
    try:
        message = {key: str(value) for key, value in json.loads(request.body).items()}
    except (ValueError, AttributeError):
        return HttpResponseBadRequest()
    command = message.get("vnp_Command")
    fields = {"querydr": vnpay.QUERYDR_FIELDS, "refund": vnpay.REFUND_FIELDS}.get(command or "")
    if fields is None or message.get("vnp_TmnCode") != settings.TINHSO_VNPAY_TMN_CODE:
        return _answer(
            message.get("vnp_RequestId", ""), command or "", "02", "Invalid TmnCode", vnpay.ANSWER_FIELDS
        )
    if not vnpay.verify_message(message, fields, _secret()):
        return _answer(
            message.get("vnp_RequestId", ""), command or "", "97", "Invalid checksum", vnpay.ANSWER_FIELDS
        )
    return _querydr(message) if command == "querydr" else _refund(message)


# ---- the national payment platform's side ------------------------------------------------------------

DVCQG_LEDGER: dict[str, dict] = {}  # init messages by MaThamChieu
ANSWER = ("MaLoi", "MaThamChieu", "UrlThanhToan")  # what the platform signs its init answer over


def _dvcqg_key() -> str:
    return settings.TINHSO_DVCQG_HASH_KEY


def confirm_message(init: dict, *, paid: bool) -> dict[str, object]:
    """The platform's signed confirm callback for the transaction `init` opened."""
    message: dict[str, object] = {
        "LoaiBanTin": "XacNhanGD",
        "MaLoi": "00" if paid else "01",
        "MaThamChieu": init["MaThamChieu"],
        "SoTien": init["SoTien"],
        "MaTienTe": "VND",
        "MaGiaoDich": "DVC" + secrets.token_hex(6).upper(),
        "MaNganHang": "VCB",
        "ThoiGianGD": vnpay.gateway_time(timezone.now()),
        "ThongTinGiaoDich": init.get("ThongTinGiaoDich", ""),
    }
    return dvcqg.signed(message, dvcqg.VERSIONS[dvcqg.VERSION].confirm_fields, _dvcqg_key())


@csrf_exempt
@require_POST
def dvcqg_init(request: HttpRequest) -> HttpResponse:
    """The platform's init-transaction endpoint: checks MaXacThuc, answers the URL the payer goes to."""
    try:
        message = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    fields = dvcqg.VERSIONS[dvcqg.VERSION].init_fields
    if not isinstance(message, dict) or not dvcqg.verified(message, fields, _dvcqg_key()):
        return JsonResponse(
            dvcqg.signed({"MaLoi": "97", "MaThamChieu": "", "UrlThanhToan": ""}, ANSWER, _dvcqg_key())
        )
    with _ledger_lock:
        DVCQG_LEDGER[str(message["MaThamChieu"])] = message
    url = request.build_absolute_uri(reverse("payments:sandbox-dvcqg-pay")) + f"?ma={message['MaThamChieu']}"
    answer = {"MaLoi": "00", "MaThamChieu": message["MaThamChieu"], "UrlThanhToan": url}
    return JsonResponse(dvcqg.signed(answer, ANSWER, _dvcqg_key()))


@require_http_methods(["GET", "POST"])
def dvcqg_pay(request: HttpRequest) -> HttpResponse:
    """The platform's pay page: GET shows the transaction, POST pays or cancels and sends the confirm callback."""
    reference = (request.GET if request.method == "GET" else request.POST).get("ma", "")
    with _ledger_lock:
        init = DVCQG_LEDGER.get(reference)
    if init is None:
        return render(request, "payments/sandbox_pay.html", {"refused": True}, status=404)
    if request.method == "GET":
        context = {
            "params": {"ma": reference},
            "amount": init["SoTien"],
            "reference": reference,
            "national": True,
        }
        return render(request, "payments/sandbox_pay.html", context)
    message = confirm_message(init, paid=request.POST.get("choice") == "pay")
    callback = urllib.request.Request(
        request.build_absolute_uri(reverse("payments:dvcqg-confirm")),
        data=json.dumps(message).encode(),
        headers={"Content-Type": "application/json"},
    )
    for _attempt in range(IPN_ATTEMPTS):
        try:
            with urllib.request.urlopen(callback, timeout=10) as answer:
                if json.loads(answer.read()).get("MaLoi") == "00":
                    break
        except (OSError, ValueError):
            continue
    return HttpResponseRedirect(reverse("payments:order", kwargs={"reference": reference}))
