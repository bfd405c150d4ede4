"""Pages of payments: the payer's order page (from "my dossiers"), the gateway's IPN (JSON, the only way in for
a VNPay result) and its return page (display only)."""

import json
import logging
from datetime import timedelta
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import DomainError, InvalidInput, NotFound
from tinhso.core.formats import money
from tinhso.core.parsing import whole_number
from tinhso.core.throttle import client_address
from tinhso.ioc.exports import table_response
from tinhso.payments import dvcqg, selectors, services, vietqr, vnpay
from tinhso.payments.models import OrderStatus, Outcome, PaymentOrder, Provider
from tinhso.web.access import official_required

logger = logging.getLogger(__name__)
MAX_FILE_BYTES = 10 * 1024 * 1024


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
        "refundable": order.status == OrderStatus.PAID
        and order.provider == Provider.VNPAY
        and not request.user.is_citizen,
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
    if order.provider == Provider.DVCQG:
        return dvcqg.send_init(
            base=settings.TINHSO_DVCQG_PAY_URL,
            message=_dvcqg_init(request, order),
            key=settings.TINHSO_DVCQG_HASH_KEY,
        )
    return reverse("payments:order", kwargs={"reference": order.reference})


def _dvcqg_init(request: SignedInRequest, order: PaymentOrder) -> dict[str, object]:
    dossier = order.dossier
    return dvcqg.init_message(
        partner=settings.TINHSO_DVCQG_PARTNER_CODE,
        key=settings.TINHSO_DVCQG_HASH_KEY,
        reference=order.reference,
        amount=order.amount,
        dossier_code=dossier.code,
        procedure_code=dossier.procedure.code,
        procedure_name=dossier.procedure.name,
        unit_code=dossier.authority_unit.code,
        unit_name=dossier.authority_unit.name,
        payer_name=dossier.applicant.display_name,
        fees=[dvcqg.Fee(line.kind, line.code, line.name, line.amount) for line in order.lines.all()],
        mobile="Mobi" in request.headers.get("User-Agent", ""),
        ip=client_address(request) or "127.0.0.1",
        now=order.started_at or timezone.now(),
    )


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
    try:
        return redirect(_pay_redirect(request, order))
    except vnpay.GatewayError:
        logger.exception("payment gateway unreachable")
        messages.error(request, _("Không kết nối được cổng thanh toán; vui lòng thử lại sau."))
        return redirect("payments:order", reference=reference)


@csrf_exempt
@require_GET
def vnpay_ipn(request: HttpRequest) -> JsonResponse:
    """VNPay's server-to-server notice; answers {RspCode, Message}. Anything unexpected rolls back and is 99,
    so VNPay retries."""
    try:
        code = _received(ipn_params(request), client_address(request) or None)
    except Exception:  # VNPay must get its 99 and retry, whatever failed here
        logger.exception("VNPay IPN failed")
        code = services.UNKNOWN_ERROR
    return JsonResponse({"RspCode": code, "Message": services.IPN_MESSAGES[code]})


def ipn_params(request: HttpRequest) -> dict[str, str]:
    """`request.GET.dict()` (the last value of each name), parsed as QueryDict parses the query without
    building one: the QueryDict cost more than the notice's signature check (bench/payments.py)."""
    raw = request.META.get("QUERY_STRING", "").encode("iso-8859-1")  # PEP 3333: the bytes as received
    encoding = request.encoding or settings.DEFAULT_CHARSET
    try:
        query = raw.decode(encoding)
    except UnicodeDecodeError:
        query = raw.decode("iso-8859-1")
    fields = parse_qsl(
        query,
        keep_blank_values=True,
        encoding=encoding,
        max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
    )
    return dict(fields)


def _received(params: dict[str, str], remote_addr: str | None) -> str:
    """receive_vnpay_ipn, once more after a failure of its connection or transaction (a connection the
    database dropped, which the short path did not check before the notice; a deadlock): as at the start of a
    request, a connection that failed is checked and replaced if it is gone. The notice is idempotent: a
    retry after a commit whose answer was lost finds the order settled, 02, as VNPay's own retry would."""
    try:
        return services.receive_vnpay_ipn(params=params, remote_addr=remote_addr)
    except (InterfaceError, OperationalError):
        connection.close_if_unusable_or_obsolete()
        return services.receive_vnpay_ipn(params=params, remote_addr=remote_addr)


@csrf_exempt
@require_POST
def dvcqg_confirm(request: HttpRequest) -> JsonResponse:
    """The national payment platform's confirm callback (JSON), answered with the province's signed reply."""
    try:
        message = json.loads(request.body)
    except ValueError:
        message = None
    reference = str(message.get("MaThamChieu", "")) if isinstance(message, dict) else ""
    try:
        code = (
            services.receive_dvcqg_confirm(message=message, remote_addr=client_address(request) or None)
            if isinstance(message, dict)
            else services.BAD_SIGNATURE
        )
    except Exception:  # the platform must get its 99 and retry, whatever failed here
        logger.exception("national platform confirm failed")
        code = services.UNKNOWN_ERROR
    recorded = code in (services.CONFIRMED, services.ALREADY_CONFIRMED)
    answer = dvcqg.confirm_answer(
        partner=settings.TINHSO_DVCQG_PARTNER_CODE,
        key=settings.TINHSO_DVCQG_HASH_KEY,
        reference=reference,
        code="00" if recorded else "99",
        text="Thanh cong" if recorded else services.IPN_MESSAGES[code],
        now=timezone.now(),
    )
    return JsonResponse(answer)


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


# ---- officials: bank statements and reconciliation ----------------------------------------------------


def _uploaded(request: HttpRequest, name: str) -> tuple[str, bytes] | None:
    upload = request.FILES.get(name)
    if upload is None or (upload.size or 0) > MAX_FILE_BYTES:
        return None
    return upload.name or name, upload.read()


@official_required
@require_GET
def reconciliations(request: SignedInRequest) -> HttpResponse:
    context = {
        "runs": selectors.reconciliations(request.user)[:30],
        "yesterday": timezone.localdate() - timedelta(days=1),
    }
    return render(request, "payments/reconciliations.html", context)


@official_required
@require_POST
def import_statement(request: SignedInRequest) -> HttpResponse:
    upload = _uploaded(request, "file")
    if upload is None:
        messages.error(request, _("Chọn tệp sao kê (CSV hoặc XLSX, tối đa 10 MB)."))
        return redirect("payments:reconciliations")
    try:
        report = services.import_statement(actor=request.user, name=upload[0], content=upload[1])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Đã đọc %(rows)s dòng sao kê: %(paid)s lệnh được ghi nhận đã thanh toán, %(left)s dòng không khớp."
            )
            % {"rows": report.rows, "paid": len(report.paid), "left": len(report.unmatched)},
        )
    return redirect("payments:reconciliations")


@official_required
def refund(request: SignedInRequest, reference: str) -> HttpResponse:
    """An official of the receiving desk refunds a paid order through its gateway, giving the reason."""
    order = _order(request, reference)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        version = whole_number(request.POST.get("version", "")) or 0
        try:
            services.refund(
                actor=request.user,
                reference=reference,
                version=version,
                reason=request.POST.get("reason", ""),
            )
        except InvalidInput as refusal:
            errors = refusal.errors
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            done = _("Đã hoàn %(amount)s cho lệnh thanh toán %(reference)s.")
            messages.success(request, done % {"amount": money(order.amount), "reference": reference})
            return redirect("payments:order", reference=reference)
    context = {"order": order, "errors": errors, "reason": request.POST.get("reason", "")}
    return render(request, "payments/refund.html", context, status=400 if errors else 200)


@official_required
@require_POST
def run_reconciliation(request: SignedInRequest) -> HttpResponse:
    day = parse_date(request.POST.get("day", "") or "")
    provider = _uploaded(request, "provider_file")
    statement = _uploaded(request, "statement")
    if day is None or (provider is None and statement is None):
        messages.error(request, _("Chọn ngày và ít nhất một tệp để đối soát."))
        return redirect("payments:reconciliations")
    try:
        run = services.reconcile(
            actor=request.user, day=day, provider_files=[provider] if provider else [], statement=statement
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("payments:reconciliations")
    return redirect("payments:reconciliation", pk=run.pk)


@official_required
@require_GET
def reconciliation(request: SignedInRequest, pk: int) -> HttpResponse:
    run = selectors.reconciliations(request.user).filter(pk=pk).first()
    if run is None:
        raise Http404(pk)
    lines = list(run.lines.order_by("outcome", "reference"))
    if request.GET.get("tai") == "xlsx":
        header = [
            _("Nguồn"),
            _("Kết quả"),
            _("Mã thanh toán"),
            _("Mã giao dịch"),
            _("Số tiền trên hệ thống"),
            _("Số tiền ở đối tác"),
            _("Trạng thái trên hệ thống"),
            _("Trạng thái ở đối tác"),
        ]
        rows = [
            [
                line.source,
                line.get_outcome_display(),
                line.reference,
                line.transaction_no,
                line.amount_here,
                line.amount_there,
                line.status_here,
                line.status_there,
            ]
            for line in lines
        ]
        title = _("Đối soát %(day)s") % {"day": run.day.strftime("%d-%m-%Y")}
        return table_response(
            fmt="xlsx", name=f"doi-soat-{run.day.isoformat()}", title=title, header=header, rows=rows
        )
    counts = {outcome: sum(line.outcome == outcome for line in lines) for outcome in Outcome.values}
    context = {
        "run": run,
        "lines": lines,
        "counts": [(label, counts[value]) for value, label in Outcome.choices],
    }
    return render(request, "payments/reconciliation.html", context)
