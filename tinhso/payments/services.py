"""Every write of the payment ledger. Each function locks the order (or the dossier, to open one), checks the
transition against `payments.lifecycle`, changes the row with the next version and records the table's event,
in one transaction. Only a verified gateway notice pays or fails an order."""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core import idempotency
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, Forbidden, NotFound, invalid, required_text, text
from tinhso.core.lifecycle import Party, Transition
from tinhso.core.models import Domain, Event, Role, User
from tinhso.core.services import next_event, record_event
from tinhso.core.sql import insert_new, saved_with_head
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import Dossier, Status
from tinhso.payments import dvcqg, events, selectors, sql, statements, vnpay
from tinhso.payments.lifecycle import BANK_STATEMENT, DESK, GATEWAY, LIFECYCLE, PAYER, SCHEDULER
from tinhso.payments.models import (
    OPEN,
    Callback,
    CallbackKind,
    FeeLine,
    OrderStatus,
    Outcome,
    PaymentOrder,
    Provider,
    Purpose,
    Reconciliation,
    ReconciliationLine,
)

# Payment references: unambiguous capitals and digits, short enough for vnp_TxnRef, MaThamChieu and a VietQR note.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 10
# VNPay transaction statuses that end a payment: paid, error, reversed, suspected fraud (05, 06: refunds).
SETTLED_STATUSES = ("00", "02", "04", "07")
PAY_MINUTES = 15
SERVER_IP = "127.0.0.1"  # vnp_IpAddr of the merchant API's calls: the platform's own, as VNPay logs it  # how long a VNPay pay request stays valid, and when querydr takes over from a missing IPN

MAX_REFUND_REASON = 500
# The columns a transition may change; the others are written once, when the order is opened.
CHANGING = [
    "status",
    "version",
    "provider",
    "started_at",
    "paid_at",
    "closed_at",
    "transaction_no",
    "bank_code",
]
# The kind of call an Idempotency-Key of the payments API belongs to (core.IdempotencyKey.scope).
IDEMPOTENCY_SCOPE = "payments.order"

# The IPN's answers (VNPay's merchant sample), in the order they are checked.
BAD_SIGNATURE, UNKNOWN_ORDER, WRONG_AMOUNT, ALREADY_CONFIRMED, CONFIRMED, UNKNOWN_ERROR = (
    "97",
    "01",
    "04",
    "02",
    "00",
    "99",
)
IPN_MESSAGES = {
    BAD_SIGNATURE: "Invalid signature",
    UNKNOWN_ORDER: "Order not found",
    WRONG_AMOUNT: "Invalid amount",
    ALREADY_CONFIRMED: "Order already confirmed",
    CONFIRMED: "Confirm Success",
    UNKNOWN_ERROR: "Unknown error",
}


@dataclass(frozen=True)
class Settlement:
    """What a verified gateway notice says of an order."""

    paid: bool
    amount: int  # đồng
    transaction_no: str = ""
    bank_code: str = ""
    paid_at: datetime | None = None
    response_code: str = ""


# ---- helpers ---------------------------------------------------------------------------------------


def _state(order: PaymentOrder) -> dict[str, object]:
    return {"reference": order.reference, "status": order.status, "version": order.version}


def _payload(order: PaymentOrder, *, before: str | None) -> dict[str, object]:
    return {
        "reference": order.reference,
        "dossier": order.dossier.code,
        "from": before,
        "status": order.status,
        "version": order.version,
        "amount": order.amount,
        "provider": order.provider,
    }


def _commit(
    order: PaymentOrder,
    row: Transition,
    *,
    actor: User | None,
    before: str,
    with_rows: Sequence[Model] = (),
    head: Event | None = None,
    **payload: object,
) -> PaymentOrder:
    """Saves the transition and appends its event, inserted in one statement with `with_rows` (the notice's
    Callback): the caller holds the order's row lock (_locked), which every writer of its chain takes. `head`:
    the chain's head read with the lock (sql.locked_for_notice), so the order is saved in that statement too."""
    event = _saved(order, row, actor=actor, before=before, head=head, **payload)
    insert_new(event, *with_rows, saving=_saving(order, head))
    return order


def _saved(
    order: PaymentOrder,
    row: Transition,
    *,
    actor: User | None,
    before: str,
    head: Event | None = None,
    **payload: object,
) -> Event:
    """The transition with the next version and its event, unsaved, for the caller to insert. The order is
    saved here, returning its chain's head, unless that `head` is known: then the caller saves it with the
    event (insert_new's `saving=_saving(order, head)`)."""
    order.status = row.target
    order.version += 1
    if head is None:
        head = saved_with_head(order, changing=CHANGING)
    return next_event(head, action=row.event, actor=actor, payload=_payload(order, before=before) | payload)


def _saving(order: PaymentOrder, head: Event | None) -> tuple[PaymentOrder, Sequence[str]] | None:
    """What insert_new still saves of the order after _saved (nothing when _saved saved it)."""
    return None if head is None else (order, CHANGING)


def _locked(*, reference: str) -> PaymentOrder | None:
    """The order with its dossier, only the order's row locked: FOR NO KEY UPDATE, which lets rows that refer
    to the order (its callbacks, fee lines) be inserted meanwhile."""
    return (
        PaymentOrder.objects.select_for_update(no_key=True, of=("self",))
        .select_related("dossier")
        .filter(reference=reference)
        .first()
    )


def order_not_found(reference: str) -> NotFound:
    return NotFound(
        text(_("Không tìm thấy lệnh thanh toán “%(reference)s”."), {"reference": reference}),
        code="payment_order_not_found",
    )


def _checked_version(order: PaymentOrder, version: int) -> None:
    if order.version != version:
        raise Conflict(
            _("Lệnh thanh toán vừa thay đổi; vui lòng tải lại trang."),
            code="stale_version",
            current=_state(order),
        )


def _new_reference() -> str:
    return "TS" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _is_party(actor: User | None, order: PaymentOrder, party: Party) -> bool:
    if party == PAYER:
        return actor is not None and selectors.is_payer(actor, order)
    if party in (DESK, BANK_STATEMENT):
        return actor is not None and core_selectors.holds_role(
            actor, Role.RECEPTIONIST, order.dossier.receiving_unit_id, domain=Domain.DOSSIERS
        )
    return party in (GATEWAY, SCHEDULER) and actor is None


def _allowed(actor: User | None, order: PaymentOrder, action: str) -> Transition:
    row = LIFECYCLE.check(action, order.status, current=_state(order))
    LIFECYCLE.authorize(row, lambda party: _is_party(actor, order, party))
    return row


# ---- the payer -------------------------------------------------------------------------------------


@transaction.atomic
def create_order(*, actor: User, code: str, now: datetime | None = None) -> PaymentOrder:
    """The order for what the dossier owes now; a double click or a retry gets the same order back."""
    return _order_for(actor=actor, code=code, now=now or timezone.now())[0]


def open_order(*, actor: User, code: str, idempotency_key: str | None = None) -> tuple[PaymentOrder, bool]:
    """create_order for the API, returning whether the order is new. With an Idempotency-Key, a retry of the
    same request returns the first request's order even once that order failed or expired (create_order
    alone would open another): the key is stored with the order in one transaction (core.idempotency)."""
    if idempotency_key is None:
        with transaction.atomic():
            return _order_for(actor=actor, code=code, now=timezone.now())
    idempotency.checked_key(idempotency_key)
    fingerprint = idempotency.fingerprint(dossier=code)
    opened: list[tuple[PaymentOrder, bool]] = []

    def insert() -> None:  # the order and its key, or neither
        with transaction.atomic():
            order, created = _order_for(actor=actor, code=code, now=timezone.now())
            idempotency.key_row(
                user=actor,
                scope=IDEMPOTENCY_SCOPE,
                key=idempotency_key,
                fingerprint=fingerprint,
                created=order,
            ).save()
            opened.append((order, created))

    earlier = idempotency.insert_or_earlier(
        insert=insert,
        user=actor,
        scope=IDEMPOTENCY_SCOPE,
        key=idempotency_key,
        fingerprint=fingerprint,
        load=lambda pk: PaymentOrder.objects.get(pk=pk),
    )
    return (earlier, False) if earlier is not None else opened[0]


def _order_for(*, actor: User, code: str, now: datetime) -> tuple[PaymentOrder, bool]:
    """The live order for what the dossier owes now, or a new one (True): in the caller's transaction."""
    if not dossier_selectors.visible_dossiers(actor).filter(code=code).exists():
        raise NotFound(text(_("Không tìm thấy hồ sơ “%(code)s”."), {"code": code}), code="dossier_not_found")
    dossier = Dossier.objects.select_for_update().select_related("procedure").get(code=code)
    if dossier.applicant_id != actor.pk:
        raise Forbidden(PAYER.refusal, code=PAYER.refusal_code)
    owed = selectors.due(dossier)
    if owed is None:
        raise Conflict(_("Hồ sơ này hiện không có khoản phí, lệ phí nào phải nộp."), code="nothing_due")
    existing = selectors.live_order(dossier, owed.key)
    if existing is not None:
        return existing, False
    order = PaymentOrder.objects.create(
        reference=_new_reference(),
        dossier=dossier,
        due_key=owed.key,
        purpose=owed.purpose,
        payer=actor,
        amount=owed.amount,
        created_at=now,
        expires_at=now + timedelta(hours=settings.TINHSO_PAYMENT_ORDER_HOURS),
    )
    FeeLine.objects.bulk_create(
        FeeLine(order=order, kind=line.kind, code=line.code, name=line.name, amount=line.amount)
        for line in owed.lines
    )
    lines = [{"kind": line.kind, "name": line.name, "amount": line.amount} for line in owed.lines]
    record_event(
        subject=order,
        action=events.ORDER_CREATED,
        actor=actor,
        payload=_payload(order, before=None) | {"purpose": owed.purpose, "lines": lines},
    )
    return order, True


@transaction.atomic
def start_payment(
    *, actor: User, reference: str, version: int, provider: str, mobile: bool, now: datetime | None = None
) -> PaymentOrder:
    """The payer goes to a gateway: the order waits for its notice (the caller builds the redirect or QR)."""
    order = _locked(reference=reference)
    if order is None or not selectors.is_payer(actor, order):
        raise order_not_found(reference)
    _checked_version(order, version)
    row = _allowed(actor, order, "start")
    if provider not in Provider.values:
        raise Conflict(_("Không hỗ trợ hình thức thanh toán này."), code="unknown_provider")
    before = order.status
    order.provider = provider
    order.started_at = now or timezone.now()
    return _commit(order, row, actor=actor, before=before, channel="mobile" if mobile else "desktop")


# ---- the gateways ----------------------------------------------------------------------------------


def _settle(
    order: PaymentOrder,
    settlement: Settlement,
    *,
    source: str,
    actor: User | None = None,
    with_rows: Sequence[Model] = (),
    head: Event | None = None,
) -> PaymentOrder:
    """Pays or fails the order as the verified notice (or, with `actor`, the bank statement they imported)
    says, its event inserted with `with_rows`; a paid status-6 fee resumes the dossier's clock, and both go
    into the dossier event's INSERT (one statement fewer under the locks). `head`: as for _commit."""
    before = order.status
    if not settlement.paid:
        row = _allowed(None, order, "fail")
        return _commit(
            order,
            row,
            actor=None,
            before=before,
            with_rows=with_rows,
            head=head,
            response_code=settlement.response_code,
            source=source,
        )
    row = _allowed(actor, order, "settle")
    order.paid_at = settlement.paid_at or timezone.now()
    order.transaction_no = settlement.transaction_no[:40]
    order.bank_code = settlement.bank_code[:20]
    event = _saved(
        order,
        row,
        actor=actor,
        before=before,
        head=head,
        transaction_no=order.transaction_no,
        bank_code=order.bank_code,
        paid_at=order.paid_at.isoformat(),
        source=source,
        online=True,
    )
    if order.purpose == Purpose.REQUESTED and order.dossier.status == Status.PAYMENT:
        dossier_services.confirm_online_payment(
            code=order.dossier.code,
            reference=order.reference,
            with_rows=(event, *with_rows),
            saving=_saving(order, head),
        )
    else:
        insert_new(event, *with_rows, saving=_saving(order, head))
    return order


def _callback(
    *,
    order: PaymentOrder | None,
    provider: str,
    kind: str,
    reference: str,
    params: Mapping[str, str],
    verified: bool,
    answer: str,
    remote_addr: str | None = None,
) -> Callback:
    """The unsaved record of a notice or answer and what we made of it (the caller inserts it)."""
    return Callback(
        order=order,
        provider=provider,
        kind=kind,
        reference=reference[:100],
        params=dict(params),
        verified=verified,
        answer=answer,
        received_at=timezone.now(),
        remote_addr=remote_addr,
    )


def vnpay_settlement(params: Mapping[str, str]) -> Settlement:
    paid_at = params.get("vnp_PayDate", "")
    return Settlement(
        paid=vnpay.succeeded(params),
        amount=int(params.get("vnp_Amount", "0") or 0) // 100,
        transaction_no=params.get("vnp_TransactionNo", ""),
        bank_code=params.get("vnp_BankCode", ""),
        paid_at=vnpay.parse_gateway_time(paid_at) if paid_at.isdigit() and len(paid_at) == 14 else None,
        response_code=params.get("vnp_ResponseCode", ""),
    )


def _vnpay_amount_matches(order: PaymentOrder, params: Mapping[str, str]) -> bool:
    raw = params.get("vnp_Amount", "")
    return raw.isdigit() and int(raw) == order.amount * 100


@transaction.atomic
def receive_vnpay_ipn(*, params: Mapping[str, str], remote_addr: str | None = None) -> str:
    """VNPay's IPN: the RspCode to answer, checked in VNPay's order (97, 01, 04, 02, then 00); every notice is
    kept with what we made of it, in the statement that appends the order's event when it settles one. A
    replay or a retry after a lost answer finds the order settled: 02, and only its notice is kept."""
    reference = str(params.get("vnp_TxnRef", ""))
    answer, order, head = _ipn_answer(params, reference)
    callback = _callback(
        order=order,
        provider=Provider.VNPAY,
        kind=CallbackKind.IPN,
        reference=reference,
        params=params,
        verified=answer != BAD_SIGNATURE,
        answer=answer,
        remote_addr=remote_addr,
    )
    if answer == CONFIRMED and order is not None:
        _settle(order, vnpay_settlement(params), source="ipn", with_rows=(callback,), head=head)
    else:
        insert_new(callback)
    return answer


def _ipn_answer(params: Mapping[str, str], reference: str) -> tuple[str, PaymentOrder | None, Event | None]:
    """The answer, the order locked and the head of its chain (sql.locked_for_notice)."""
    if not vnpay.verify(params, settings.TINHSO_VNPAY_HASH_SECRET):
        return BAD_SIGNATURE, None, None
    found = sql.locked_for_notice(reference)
    if found is None or params.get("vnp_TmnCode") != settings.TINHSO_VNPAY_TMN_CODE:
        return UNKNOWN_ORDER, None, None
    order, head = found
    if not _vnpay_amount_matches(order, params):
        return WRONG_AMOUNT, order, None
    if order.status not in OPEN:
        return ALREADY_CONFIRMED, order, None
    return CONFIRMED, order, head  # the caller settles it


@transaction.atomic
def receive_dvcqg_confirm(*, message: Mapping[str, object], remote_addr: str | None = None) -> str:
    """The national payment platform's confirm callback, checked like VNPay's IPN (97, 01, 04, 02, 00); the
    platform is answered 00 for 00 and 02 (recorded), 99 otherwise."""
    reference = str(message.get("MaThamChieu", ""))
    verified = dvcqg.verified(
        message, dvcqg.VERSIONS[dvcqg.VERSION].confirm_fields, settings.TINHSO_DVCQG_HASH_KEY
    )
    found = sql.locked_for_notice(reference) if verified else None
    order, head = found if found is not None else (None, None)
    if not verified:
        answer = BAD_SIGNATURE
    elif order is None:
        answer = UNKNOWN_ORDER
    elif str(message.get("SoTien", "")) != str(order.amount) or message.get("MaTienTe", "VND") != "VND":
        answer = WRONG_AMOUNT
    elif order.status not in OPEN:
        answer = ALREADY_CONFIRMED
    else:
        when = str(message.get("ThoiGianGD", ""))
        settlement = Settlement(
            paid=message.get("MaLoi") == "00",
            amount=order.amount,
            transaction_no=str(message.get("MaGiaoDich", "")),
            bank_code=str(message.get("MaNganHang", "")),
            paid_at=vnpay.parse_gateway_time(when) if when.isdigit() and len(when) == 14 else None,
            response_code=str(message.get("MaLoi", "")),
        )
        _settle(order, settlement, source="callback", head=head)
        answer = CONFIRMED
    insert_new(
        _callback(
            order=order,
            provider=Provider.DVCQG,
            kind=CallbackKind.CONFIRM,
            reference=reference,
            params={key: str(value) for key, value in message.items()},
            verified=answer != BAD_SIGNATURE,
            answer=answer,
            remote_addr=remote_addr,
        )
    )
    return answer


@transaction.atomic
def record_query_result(
    *, reference: str, params: Mapping[str, str], now: datetime | None = None
) -> PaymentOrder:
    """A querydr answer (already verified by `vnpay.post`) for an order the IPN never reached: settles it if
    VNPay knows the outcome, or expires it once its time is up with nothing paid."""
    now = now or timezone.now()
    order = _locked(reference=reference)
    if order is None:
        raise order_not_found(reference)
    code = params.get("vnp_ResponseCode", "")
    insert_new(
        _callback(
            order=order,
            provider=Provider.VNPAY,
            kind=CallbackKind.QUERYDR,
            reference=reference,
            params=params,
            verified=True,
            answer=code,
        )
    )
    if order.status not in OPEN:
        return order
    amount_ok = _vnpay_amount_matches(order, params)
    status = params.get("vnp_TransactionStatus", "")
    if code == "00" and amount_ok and status in SETTLED_STATUSES:
        return _settle(order, vnpay_settlement(params), source="querydr")
    if now >= order.expires_at or (code == "91" and now >= _pay_deadline(order)):
        return _expire(order)
    return order


def _pay_deadline(order: PaymentOrder) -> datetime:
    return (order.started_at or order.created_at) + timedelta(minutes=PAY_MINUTES)


def _expire(order: PaymentOrder) -> PaymentOrder:
    row = _allowed(None, order, "expire")
    order.closed_at = timezone.now()
    return _commit(order, row, actor=None, before=order.status)


@transaction.atomic
def expire_order(*, reference: str, now: datetime | None = None) -> PaymentOrder:
    """Closes an order nobody paid by its expiry (the periodic job; orders at a gateway are queried first)."""
    order = _locked(reference=reference)
    if order is None:
        raise order_not_found(reference)
    if order.status in OPEN and (now or timezone.now()) >= order.expires_at:
        return _expire(order)
    return order


# ---- officials -------------------------------------------------------------------------------------


@transaction.atomic
def refund(*, actor: User, reference: str, version: int, reason: str) -> PaymentOrder:
    """Refunds a paid order in full through VNPay, holding the order's lock while the gateway answers, so two
    officials never refund twice; a refusal by the gateway is kept and changes nothing else."""
    order = _locked(reference=reference)
    if order is None or not selectors.visible_orders(actor).filter(pk=order.pk).exists():
        raise order_not_found(reference)
    _checked_version(order, version)
    row = _allowed(actor, order, "refund")
    reason = required_text(reason, "reason", _("Cần ghi lý do hoàn tiền."))
    if len(reason) > MAX_REFUND_REASON:
        raise invalid("reason", text(_("Dài tối đa %(limit)s ký tự."), {"limit": MAX_REFUND_REASON}))
    if (
        order.provider != Provider.VNPAY
    ):  # the other gateways have no refund call: the treasury refunds by hand
        raise Conflict(
            _("Chỉ hoàn tiền trực tuyến được cho khoản đã nộp qua VNPay."), code="refund_not_supported"
        )
    now = timezone.now()
    message = vnpay.refund_message(
        tmn_code=settings.TINHSO_VNPAY_TMN_CODE,
        secret=settings.TINHSO_VNPAY_HASH_SECRET,
        request_id=_new_reference(),
        reference=order.reference,
        amount=order.amount,
        transaction_no=order.transaction_no,
        transaction_date=order.started_at or order.created_at,
        created_by=actor.username,
        now=now,
        ip=SERVER_IP,
    )
    try:
        answer = vnpay.post(
            base=settings.TINHSO_VNPAY_URL,
            message=message,
            secret=settings.TINHSO_VNPAY_HASH_SECRET,
            answer_fields=vnpay.REFUND_ANSWER_FIELDS,
        )
    except vnpay.GatewayError as error:
        raise Conflict(
            _("Không kết nối được cổng thanh toán; vui lòng thử lại sau."), code="gateway_unreachable"
        ) from error
    code = answer.get("vnp_ResponseCode", "")
    insert_new(
        _callback(
            order=order,
            provider=order.provider,
            kind=CallbackKind.REFUND,
            reference=reference,
            params=answer,
            verified=True,
            answer=code,
        )
    )
    if code != "00":
        return order
    order.closed_at = now
    return _commit(
        order,
        row,
        actor=actor,
        before=OrderStatus.PAID,
        reason=reason,
        refund_no=answer.get("vnp_TransactionNo", ""),
    )


# ---- periodic jobs ---------------------------------------------------------------------------------


def query_vnpay(order: PaymentOrder, *, now: datetime) -> dict[str, str]:
    """Asks VNPay (querydr) what became of an order; the answer's signature is checked."""
    message = vnpay.querydr_message(
        tmn_code=settings.TINHSO_VNPAY_TMN_CODE,
        secret=settings.TINHSO_VNPAY_HASH_SECRET,
        request_id=_new_reference(),
        reference=order.reference,
        transaction_date=order.started_at or order.created_at,
        now=now,
        ip=SERVER_IP,
    )
    return vnpay.post(
        base=settings.TINHSO_VNPAY_URL,
        message=message,
        secret=settings.TINHSO_VNPAY_HASH_SECRET,
        answer_fields=vnpay.ANSWER_FIELDS,
    )


def recover_stale_orders(*, now: datetime | None = None) -> int:
    """Orders at VNPay with no IPN after 15 minutes are settled from querydr; open orders past their expiry
    are closed. Each order in its own transaction; an unreachable gateway is asked again next run."""
    now = now or timezone.now()
    changed = 0
    stale = PaymentOrder.objects.filter(
        status=OrderStatus.PENDING,
        provider=Provider.VNPAY,
        started_at__lte=now - timedelta(minutes=PAY_MINUTES),
    )
    for order in stale.order_by("started_at").iterator():
        try:
            answer = query_vnpay(order, now=now)
        except vnpay.GatewayError:
            continue
        changed += (
            record_query_result(reference=order.reference, params=answer, now=now).status != order.status
        )
    expired = PaymentOrder.objects.filter(status__in=OPEN, expires_at__lte=now).exclude(
        status=OrderStatus.PENDING, provider=Provider.VNPAY
    )
    for reference in expired.values_list("reference", flat=True).iterator():
        changed += expire_order(reference=reference, now=now).status == OrderStatus.EXPIRED
    return changed


# ---- bank statements and reconciliation ------------------------------------------------------------


@dataclass(frozen=True)
class StatementReport:
    rows: int
    paid: tuple[str, ...]  # references of the orders the statement paid
    unmatched: tuple[tuple[int, str], ...]  # (line, why) of the rows that paid nothing


def _require_desk(actor: User) -> None:
    if (
        actor.is_citizen
        or not core_selectors.units_for(actor, domain=Domain.DOSSIERS, action="view").exists()
    ):
        raise Forbidden(DESK.refusal, code=DESK.refusal_code)


@transaction.atomic
def import_statement(*, actor: User, name: str, content: bytes) -> StatementReport:
    """Pays the VietQR orders whose payment code and amount a bank statement shows, as the statement says;
    a row without a known code, with another amount, or for an order already settled pays nothing."""
    _require_desk(actor)
    rows = statements.read(name=name, content=content, columns=statements.STATEMENT_COLUMNS)
    paid: list[str] = []
    unmatched: list[tuple[int, str]] = []
    for row in rows:
        reference = statements.reference_in(row.values.get("description", ""))
        order = _locked(reference=reference) if reference else None
        if order is None or not _is_party(actor, order, BANK_STATEMENT):
            unmatched.append((row.line, "no_order"))
        elif row.amount() != order.amount:
            unmatched.append((row.line, "amount"))
        elif order.status not in OPEN:
            unmatched.append((row.line, "settled"))
        else:
            settlement = Settlement(
                paid=True, amount=order.amount, transaction_no=row.values.get("bank_ref", "")
            )
            _settle(order, settlement, source="statement", actor=actor)
            paid.append(order.reference)
        if order is not None:
            insert_new(
                _callback(
                    order=order,
                    provider=Provider.VIETQR,
                    kind=CallbackKind.STATEMENT,
                    reference=reference,
                    params=row.values,
                    verified=True,
                    answer="00" if paid[-1:] == [order.reference] else "--",
                )
            )
    record_event(
        subject="payments.statement",
        action=events.STATEMENT_IMPORTED,
        actor=actor,
        payload={"file": name[:200], "rows": len(rows), "matched": len(paid), "unmatched": len(unmatched)},
    )
    return StatementReport(rows=len(rows), paid=tuple(paid), unmatched=tuple(unmatched))


PAID_WORDS = {"00", "paid", "success", "thanh cong", "da thanh toan"}
REFUNDED_WORDS = {"05", "06", "refunded", "hoan tien", "da hoan tien"}


def _status_there(text_: str) -> str:
    word = statements.title_key(text_)
    return (
        OrderStatus.PAID if word in PAID_WORDS else OrderStatus.REFUNDED if word in REFUNDED_WORDS else word
    )


def _line(source: str, outcome: str, order: PaymentOrder | None, **there: object) -> ReconciliationLine:
    return ReconciliationLine(
        source=source,
        outcome=outcome,
        reference=order.reference if order else str(there.get("reference", ""))[:40],
        transaction_no=str(there.get("transaction_no", "") or (order.transaction_no if order else ""))[:60],
        amount_here=order.amount if order else None,
        amount_there=there.get("amount"),  # type: ignore[misc]
        status_here=order.status if order else "",
        status_there=str(there.get("status", ""))[:20],
    )


def _compare(
    source: str, order: PaymentOrder | None, amount: int | None, status: str, **there: object
) -> ReconciliationLine:
    if order is None:
        return _line(source, Outcome.MISSING_HERE, None, amount=amount, status=status, **there)
    if amount != order.amount:
        return _line(source, Outcome.AMOUNT_MISMATCH, order, amount=amount, status=status, **there)
    if status != order.status:
        return _line(source, Outcome.STATUS_MISMATCH, order, amount=amount, status=status, **there)
    return _line(source, Outcome.MATCHED, order, amount=amount, status=status, **there)


def _settled_on(day: date, provider: str) -> QuerySet[PaymentOrder]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return PaymentOrder.objects.filter(
        provider=provider, paid_at__gte=start, paid_at__lt=start + timedelta(days=1)
    )


@transaction.atomic
def reconcile(
    *,
    actor: User | None,
    day: date,
    provider_files: Sequence[tuple[str, bytes]],
    statement: tuple[str, bytes] | None,
) -> Reconciliation:
    """Compares the day's ledger with the providers' transaction files (the normalised CSV) and the bank
    statement: each row matched, missing here, with another amount or status; each order paid that day that
    no file lists is missing there."""
    if actor is not None:
        _require_desk(actor)
    run = Reconciliation.objects.create(
        day=day,
        ran_at=timezone.now(),
        ran_by=actor,
        sources=[name for name, _ in provider_files] + ([statement[0]] if statement else []),
    )
    lines: list[ReconciliationLine] = []
    for name, content in provider_files:
        rows = statements.read(name=name, content=content, columns=statements.PROVIDER_COLUMNS)
        provider = (rows[0].values.get("provider", "") if rows else "") or Provider.VNPAY
        seen = set()
        for row in rows:
            reference = row.values.get("reference", "")
            order = PaymentOrder.objects.filter(reference=reference).first()
            seen.add(reference)
            lines.append(
                _compare(
                    provider,
                    order,
                    row.amount(),
                    _status_there(row.values.get("status", "")),
                    reference=reference,
                    transaction_no=row.values.get("transaction_no", ""),
                )
            )
        lines += [
            _line(provider, Outcome.MISSING_THERE, order)
            for order in _settled_on(day, provider)
            if order.reference not in seen
        ]
    if statement is not None:
        rows = statements.read(name=statement[0], content=statement[1], columns=statements.STATEMENT_COLUMNS)
        seen = set()
        for row in rows:
            reference = statements.reference_in(row.values.get("description", ""))
            order = PaymentOrder.objects.filter(reference=reference).first() if reference else None
            seen.add(reference)
            lines.append(
                _compare(
                    "statement",
                    order,
                    row.amount(),
                    OrderStatus.PAID,
                    reference=reference or row.values.get("description", ""),
                    transaction_no=row.values.get("bank_ref", ""),
                )
            )
        lines += [
            _line("statement", Outcome.MISSING_THERE, order)
            for order in _settled_on(day, Provider.VIETQR)
            if order.reference not in seen
        ]
    for line in lines:
        line.reconciliation = run
    ReconciliationLine.objects.bulk_create(lines)
    counts = {outcome: sum(line.outcome == outcome for line in lines) for outcome in Outcome.values}
    record_event(
        subject=run,
        action=events.RECONCILED,
        actor=actor,
        payload={
            "day": day.isoformat(),
            "matched": counts[Outcome.MATCHED],
            "missing_here": counts[Outcome.MISSING_HERE],
            "missing_there": counts[Outcome.MISSING_THERE],
            "amount_mismatch": counts[Outcome.AMOUNT_MISMATCH],
            "status_mismatch": counts[Outcome.STATUS_MISMATCH],
        },
    )
    return run


def reconcile_inbox(*, day: date) -> Reconciliation | None:
    """The daily job: reconciles `day` from the files dropped in TINHSO_RECONCILIATION_INBOX/<yyyy-mm-dd>/
    (providers' `vnpay*.csv`, `dvcqg*.csv`; the bank's `statement*.csv|xlsx`); nothing when none came."""
    folder = Path(settings.TINHSO_RECONCILIATION_INBOX) / day.isoformat()
    if not folder.is_dir():
        return None
    files = sorted(path for path in folder.iterdir() if path.is_file())
    providers = [(path.name, path.read_bytes()) for path in files if path.name.startswith(("vnpay", "dvcqg"))]
    bank = next(((path.name, path.read_bytes()) for path in files if path.name.startswith("statement")), None)
    if not providers and bank is None:
        return None
    return reconcile(actor=None, day=day, provider_files=providers, statement=bank)
