"""Pages of payments: the payer's order page (from "my dossiers"), the gateway's IPN (JSON, the only way in for
a VNPay result) and its return page (display only)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.parsing import whole_number
from tinhso.core.throttle import client_address
from tinhso.payments import selectors, services, vietqr, vnpay
from tinhso.payments.models import OrderStatus, PaymentOrder, Provider

logger = logging.getLogger(__name__)


def _order(request: SignedInRequest, reference: str) -> PaymentOrder:
    order = selectors.visible_orders(request.user).filter(reference=reference).first()
    if order is None:
        raise Http404(reference)
    return order


@login_required
@require_POST
def open_order(request: SignedInRequest, code: str) -> HttpResponse:
    """The payer's "pay" button on a dossier: the order for what it owes now (the same one on a double click)."""
    try:
        order = services.create_order(actor=request.user, code=code)
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("dossiers:detail", code=code)
    return redirect("payments:order", reference=order.reference)


@login_required
@require_GET
def order(request: SignedInRequest, reference: str) -> HttpResponse:
    order = _order(request, reference)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "Status": OrderStatus,
        "payable": order.status in (OrderStatus.CREATED, OrderStatus.PENDING)
        and selectors.is_payer(request.user, order),
        "providers": Provider.choices,
        "qr": vietqr.order_qr(order)
        if order.provider == Provider.VIETQR and order.status == OrderStatus.PENDING
        else None,
    }
    return render(request, "payments/order.html", context)


def _pay_redirect(request: SignedInRequest, order: PaymentOrder) -> str:
    """Where the payer goes once the order is started: VNPay's pay URL, or back to the order page (VietQR)."""
    if order.provider == Provider.VNPAY:
        started = order.started_at or timezone.now()
        return vnpay.pay_url(
            base=settings.TINHSO_VNPAY_URL,
            tmn_code=settings.TINHSO_VNPAY_TMN_CODE,
            secret=settings.TINHSO_VNPAY_HASH_SECRET,
            reference=order.reference,
            amount=order.amount,
            order_info=f"Thanh toan phi le phi ho so {order.dossier.code}",
            return_url=request.build_absolute_uri(reverse("payments:vnpay-return")),
            ip=client_address(request) or "127.0.0.1",
            created=started,
            expires=started + timedelta(minutes=services.PAY_MINUTES),
            locale="en" if get_language() == "en" else "vn",
        )
    return reverse("payments:order", kwargs={"reference": order.reference})


@login_required
@require_POST
def pay(request: SignedInRequest, reference: str) -> HttpResponse:
    version = whole_number(request.POST.get("version", ""))
    if version is None:
        raise Http404(reference)
    try:
        order = services.start_payment(
            actor=request.user,
            reference=reference,
            version=version,
            provider=request.POST.get("provider", ""),
            mobile="Mobi" in request.headers.get("User-Agent", ""),
        )
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("payments:order", reference=reference)
    return redirect(_pay_redirect(request, order))


@csrf_exempt
@require_GET
def vnpay_ipn(request: HttpRequest) -> JsonResponse:
    """VNPay's server-to-server notice; answers {RspCode, Message}. Anything unexpected rolls back and is 99,
    so VNPay retries."""
    try:
        code = services.receive_vnpay_ipn(
            params=request.GET.dict(), remote_addr=client_address(request) or None
        )
    except Exception:  # VNPay must get its 99 and retry, whatever failed here
        logger.exception("VNPay IPN failed")
        code = services.UNKNOWN_ERROR
    return JsonResponse({"RspCode": code, "Message": services.IPN_MESSAGES[code]})


@require_GET
def vnpay_return(request: HttpRequest) -> HttpResponse:
    """Where VNPay sends the payer back: shows the outcome and changes nothing (only the IPN does)."""
    params = request.GET.dict()
    genuine = vnpay.verify(params, settings.TINHSO_VNPAY_HASH_SECRET)
    order = (
        PaymentOrder.objects.filter(reference=params.get("vnp_TxnRef", "")).select_related("dossier").first()
    )
    if not genuine or order is None:
        return render(request, "payments/return.html", {"genuine": False}, status=400)
    context = {
        "genuine": True,
        "order": order,
        "Status": OrderStatus,
        "succeeded": vnpay.succeeded(params),
        "own": request.user.is_authenticated and selectors.is_payer(request.user, order),
    }
    return render(request, "payments/return.html", context)
