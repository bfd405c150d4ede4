"""Writes of the receipts app: a receipt issued for a payment (numbered without gaps), cancelled or replaced
with a reason, and the job that issues receipts after the payments recorded on dossiers."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from num2words import num2words

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, InvalidInput, NotFound, required_text
from tinhso.core.models import AdminUnit, Domain, Event, Role, User
from tinhso.core.money import checked_amount
from tinhso.core.services import record_event
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers.models import Dossier
from tinhso.payments import events as payment_events
from tinhso.payments import selectors as payment_selectors
from tinhso.receipts import events, issuers
from tinhso.receipts.lifecycle import LIFECYCLE
from tinhso.receipts.models import IssuingCursor, Receipt, ReceiptSeries, Status

logger = logging.getLogger(__name__)
FORM_SYMBOL = "01BLP0-001"  # biên lai thu phí, lệ phí, form 001 (Circular 32/2025's numbering, to confirm)
KINDS = ("phí", "lệ phí")
# Payments recorded in transactions that committed after the previous run started are still seen.
GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class Line:
    kind: str  # "phí" or "lệ phí"
    name: str
    amount: int


def in_words(amount: int) -> str:
    """“Hai trăm nghìn đồng”: the amount in words, as a receipt writes it beside the figures."""
    words = num2words(amount, lang="vi")
    return f"{words[:1].upper()}{words[1:]} đồng"


def _series(unit: AdminUnit, year: int) -> ReceiptSeries:
    """The unit's series for the year, locked; created on first use (ký hiệu ending in E: electronic)."""
    series, _created = ReceiptSeries.objects.get_or_create(
        unit=unit,
        year=year,
        defaults={
            "form_symbol": FORM_SYMBOL,
            "series": f"{unit.code}-{year % 100:02d}E",
            "issuer_name": unit.name,
            "issuer_tax_code": settings.TINHSO_RECEIPT_TAX_CODE,
        },
    )
    return ReceiptSeries.objects.select_for_update().get(pk=series.pk)


def _checked_lines(lines: list[Line]) -> list[dict[str, Any]]:
    if not lines:
        raise InvalidInput.on("lines", _("Biên lai cần ít nhất một khoản phí, lệ phí."), code="no_lines")
    for line in lines:
        checked_amount(line.amount, field="lines")
        if line.kind not in KINDS or not line.name.strip():
            raise InvalidInput.on("lines", _("Mỗi khoản cần tên và loại (phí hoặc lệ phí)."), code="bad_line")
    return [{"kind": line.kind, "name": line.name.strip(), "amount": int(line.amount)} for line in lines]


def _payload(receipt: Receipt) -> dict[str, Any]:
    return {
        "code": receipt.code,
        "form_symbol": receipt.series.form_symbol,
        "series": receipt.series.series,
        "number": receipt.number,
        "dossier": receipt.dossier_code,
        "total": receipt.total,
        "transaction": receipt.transaction_ref,
        "issuer": receipt.issuer,
        "version": receipt.version,
    }


def _new_receipt(*, actor: User | None, unit: AdminUnit, fields: dict[str, Any], now: datetime) -> Receipt:
    """Numbers, saves and records a receipt: the caller's transaction holds the series' lock until commit."""
    series = _series(unit, timezone.localtime(now).year)
    issuer = issuers.issuer()
    number = issuer.take_number(series)
    receipt = Receipt(
        series=series,
        number=number,
        code=f"{series.series}-{number:07d}",
        issued_at=now,
        issuer=issuer.name,
        total_in_words=in_words(fields["total"]),
        **fields,
    )
    receipt.save(force_insert=True)
    record_event(subject=receipt, action=events.ISSUED, actor=actor, payload=_payload(receipt))
    return receipt


@transaction.atomic
def issue_receipt(
    *,
    actor: User | None,
    source: str,
    unit: AdminUnit,
    dossier_code: str,
    payer_name: str,
    payer_address: str,
    payer_account: User | None,
    lines: list[Line],
    method: str,
    transaction_ref: str,
    paid_at: datetime,
) -> Receipt:
    """The receipt for the payment `source`: issued once (a retry answers the one issued), with the next
    number of the collecting unit's series for the year."""
    existing = Receipt.objects.filter(source=source).first()
    if existing is not None:
        return existing
    checked = _checked_lines(lines)
    fields = {
        "source": source,
        "dossier_code": dossier_code,
        "payer_name": required_text(payer_name, "payer_name", _("Cần ghi tên người nộp tiền.")),
        "payer_address": payer_address.strip(),
        "payer_account": payer_account,
        "lines": checked,
        "total": sum(line["amount"] for line in checked),
        "method": method,
        "transaction_ref": required_text(transaction_ref, "transaction_ref", _("Cần mã giao dịch.")),
        "paid_at": paid_at,
    }
    return _new_receipt(actor=actor, unit=unit, fields=fields, now=timezone.now())


def _is_party(actor: User, receipt: Receipt) -> bool:
    unit_id = receipt.series.unit_id
    return any(
        core_selectors.holds_role(actor, role, unit_id, domain=Domain.DOSSIERS)
        for role in (Role.RECEPTIONIST, Role.UNIT_LEADER)
    )


@transaction.atomic
def cancel_receipt(*, actor: User, code: str, version: int, reason: str, replace: bool) -> Receipt:
    """Cancels a receipt with the reason, and, when `replace`, issues its replacement with the next number;
    returns the replacement, or the cancelled receipt."""
    receipt = Receipt.objects.select_for_update().select_related("series").filter(code=code).first()
    if receipt is None:
        raise NotFound(_("Không có biên lai “%(code)s”."), params={"code": code}, code="receipt_not_found")
    if receipt.version != version:
        raise Conflict(
            _("Biên lai %(code)s vừa được thay đổi; hãy tải lại."),
            code="stale_version",
            params={"code": code},
        )
    row = LIFECYCLE.check("replace" if replace else "cancel", receipt.status)
    LIFECYCLE.authorize(row, lambda _party: _is_party(actor, receipt))
    reason = required_text(reason, "reason", _("Cần ghi lý do hủy biên lai."))
    now = timezone.now()
    replacement = None
    if replace:
        copied = ("dossier_code", "payer_name", "payer_address", "payer_account", "lines", "total", "method")
        fields = {name: getattr(receipt, name) for name in copied} | {
            "source": f"replaces:{receipt.code}",
            "transaction_ref": receipt.transaction_ref,
            "paid_at": receipt.paid_at,
            "replaces": receipt,
        }
        replacement = _new_receipt(actor=actor, unit=receipt.series.unit, fields=fields, now=now)
    receipt.status = Status.CANCELLED
    receipt.cancel_reason = reason
    receipt.version += 1
    receipt.save(update_fields=["status", "cancel_reason", "version"])
    issuers.issuer().cancelled(receipt, reason)
    record_event(
        subject=receipt,
        action=events.CANCELLED,
        actor=actor,
        payload=_payload(receipt)
        | {"reason": reason, "replaced_by": replacement.code if replacement else None},
    )
    return replacement or receipt


# ---- the job: a receipt for each payment recorded on a dossier ---------------------------------------


def _paid_for(dossier: Dossier) -> dict[str, Any]:
    """The collecting unit, the dossier and the payer (the applicant, named as the population registry has it)."""
    applicant = dossier.applicant
    identity = core_selectors.identity_of(applicant.citizen_id) if applicant.citizen_id else None
    return {
        "unit": dossier.receiving_unit,
        "dossier_code": dossier.code,
        "payer_name": identity.full_name if identity else applicant.display_name,
        "payer_address": identity.permanent_address if identity else "",
        "payer_account": applicant,
    }


def _payment_of(event: Event) -> dict[str, Any] | None:
    """What a dossier.payment_confirmed event paid for: the dossier, the amount asked before it, the payer."""
    dossier = dossier_selectors.for_signing(code=event.payload["code"])
    if dossier is None:
        return None
    asked = (
        dossier_selectors.events_of(dossier)
        .filter(action=dossier_events.PAYMENT_REQUESTED, seq__lt=event.seq)
        .order_by("-seq")
        .first()
    )
    if asked is None or not asked.payload.get("amount"):
        return None
    note = asked.payload.get("note") or f"Lệ phí giải quyết thủ tục {dossier.procedure.name}"
    return _paid_for(dossier) | {
        "lines": [Line(kind="lệ phí", name=note[:200], amount=int(asked.payload["amount"]))],
        "method": "Nộp tại Bộ phận Một cửa (tiền mặt hoặc chuyển khoản)",
        "transaction_ref": event.payload.get("receipt", ""),
        "paid_at": event.occurred_at,
    }


METHODS = {
    "vnpay": "Thanh toán trực tuyến qua cổng VNPay",
    "vietqr": "Chuyển khoản ngân hàng (VietQR)",
    "dvcqg": "Thanh toán qua Nền tảng thanh toán Cổng Dịch vụ công quốc gia",
}


def _order_paid(event: Event) -> dict[str, Any] | None:
    """What a payment.order_paid event paid for: the order's fee lines, payer and gateway transaction."""
    order = payment_selectors.order_by_reference(event.payload["reference"])
    if order is None:
        return None
    return _paid_for(order.dossier) | {
        "lines": [
            Line(kind="phí" if line.kind == 1 else "lệ phí", name=line.name[:200], amount=int(line.amount))
            for line in order.lines.all()
        ],
        "method": METHODS.get(order.provider, order.get_provider_display()),
        "transaction_ref": order.transaction_no or order.reference,
        "paid_at": order.paid_at or event.occurred_at,
    }


def _desk_payment(event: Event) -> dict[str, Any] | None:
    # An online payment also resumes the dossier (method "online"): its order's receipt is issued instead.
    return None if event.payload.get("method") == "online" else _payment_of(event)


def _order_key(event: Event) -> str:
    return f"payment:{event.payload['reference']}"


def _desk_key(event: Event) -> str:
    return f"dossier-payment:{event.pk}"


# Which events are payments: the receipt's once-only key, and what each paid.
PAYMENTS: dict[str, tuple[Callable[[Event], str], Callable[[Event], dict[str, Any] | None]]] = {
    payment_events.ORDER_PAID: (_order_key, _order_paid),
    dossier_events.PAYMENT_CONFIRMED: (_desk_key, _desk_payment),
}


def issue_pending(*, now: datetime | None = None) -> int:
    """Issues the receipts of payments recorded since the previous run; returns how many were new."""
    now = now or timezone.now()
    cursor = IssuingCursor.objects.first() or IssuingCursor.objects.create(last_run_at=None)
    since = (cursor.last_run_at or now) - GRACE  # the first run starts now, not with the history
    payments = Event.objects.filter(action__in=PAYMENTS, occurred_at__gte=since)
    issued = 0
    for event in payments.order_by("id").iterator(chunk_size=100):
        key, paid = PAYMENTS[event.action]
        source = key(event)
        if Receipt.objects.filter(source=source).exists():
            continue
        payment = paid(event)
        if payment is None:
            continue
        try:
            issue_receipt(actor=None, source=source, **payment)
        except IntegrityError:  # a concurrent run issued it first
            continue
        issued += 1
    IssuingCursor.objects.filter(pk=cursor.pk).update(last_run_at=now)
    return issued
