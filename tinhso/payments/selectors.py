"""Reads of the payment ledger, with the acting user's scope: a payer sees the orders of their own dossiers, an
official those of the dossiers they may see."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.db.models.fields.json import KT

from tinhso.catalog.models import Procedure
from tinhso.core import selectors as core_selectors
from tinhso.core.eventlog import stream_name
from tinhso.core.models import AdminUnit, Event, User
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers.models import Dossier, Status
from tinhso.dossiers.selectors import CitizenRow
from tinhso.payments import events
from tinhso.payments.models import HOLDS_THE_FEE, FeeKind, OrderStatus, PaymentOrder, Purpose, Reconciliation

# An order in one of these has taken the fee: the applicant no longer owes it.
SETTLED = (OrderStatus.PAID, OrderStatus.REFUNDED)
# A fee due at submission may be paid online until the dossier is handled, not once it is decided.
SUBMISSION_FEE_STATES = (Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT)


@dataclass(frozen=True)
class Line:
    kind: int
    code: str
    name: str
    amount: int


@dataclass(frozen=True)
class Due:
    """What a dossier owes now: which fee (its key), why, and its lines."""

    key: str
    purpose: str
    lines: tuple[Line, ...]

    @property
    def amount(self) -> int:
        return sum(line.amount for line in self.lines)


def due(dossier: Dossier) -> Due | None:
    """The fee the applicant may pay online now: what status 6 asked for, else the procedure's fee."""
    requests = _last_requests([dossier.pk] if dossier.status == Status.PAYMENT else [])
    procedure = dossier.procedure
    return _due_of(
        status=dossier.status,
        code=procedure.code,
        name=procedure.name,
        fee=procedure.fee,
        request=requests.get(dossier.pk),
    )


def _due_of(*, status: int, code: str, name: str, fee: Decimal | None, request: Event | None) -> Due | None:
    """`due` of a dossier in `status` of the procedure (`code`, `name`, `fee`), given its last payment request
    (read beforehand, for one dossier or a page of them)."""
    if status == Status.PAYMENT:
        if request is None:
            return None
        note = request.payload.get("note") or "Nghĩa vụ tài chính theo yêu cầu của cơ quan giải quyết"
        line = Line(FeeKind.CHARGE, code, note[:300], int(request.payload["amount"]))
        return Due(f"requested:{request.pk}", Purpose.REQUESTED, (line,))
    if status in SUBMISSION_FEE_STATES and fee:
        return Due("submission", Purpose.SUBMISSION, (Line(FeeKind.LEVY, code, name[:300], int(fee)),))
    return None


def _last_requests(payment_dossiers: Collection[int]) -> dict[int, Event]:
    """The last payment request of each status-6 dossier (their ids), by dossier id: one statement for all."""
    streams = {stream_name(Dossier, pk): pk for pk in payment_dossiers}
    requests = Event.objects.filter(stream__in=streams, action=dossier_events.PAYMENT_REQUESTED).order_by(
        "seq"
    )
    return {streams[request.stream]: request for request in requests} if streams else {}


def owing(*, actor: User, dossiers: Sequence[CitizenRow]) -> set[int]:
    """The ids of the actor's dossiers (as their list reads them) with a fee to pay online now (`due`, less
    the fees an order settled): two statements for a page of dossiers, however long."""
    requests = _last_requests([row.pk for row in dossiers if row.status == Status.PAYMENT])
    owed = {
        row.pk: found
        for row in dossiers
        if row.applicant_id == actor.pk
        and (
            found := _due_of(
                status=row.status,
                code=row.procedure_code,
                name=row.procedure_name,
                fee=row.procedure_fee,
                request=requests.get(row.pk),
            )
        )
    }
    settled = PaymentOrder.objects.filter(dossier__in=list(owed), status__in=SETTLED).values_list(
        "dossier", "due_key"
    )
    return set(owed) - {pk for pk, key in settled if owed[pk].key == key}


def live_order(dossier: Dossier, key: str) -> PaymentOrder | None:
    """The order that answers for the fee `key` of the dossier (open, paid or refunded), if any."""
    return PaymentOrder.objects.filter(dossier=dossier, due_key=key, status__in=HOLDS_THE_FEE).first()


def visible_orders(actor: User) -> QuerySet[PaymentOrder]:
    dossiers = dossier_selectors.visible_dossiers(actor)
    return PaymentOrder.objects.filter(dossier__in=dossiers.values("pk")).select_related("dossier")


def orders_of_dossier(actor: User, code: str) -> QuerySet[PaymentOrder]:
    return visible_orders(actor).filter(dossier__code=code).order_by("-created_at")


def is_payer(actor: User, order: PaymentOrder) -> bool:
    return order.dossier.applicant_id == actor.pk


def reconciliations(actor: User) -> QuerySet[Reconciliation]:
    """Officials who serve dossiers see the province's reconciliations (the ledger is the province's)."""
    if actor.is_citizen:
        return Reconciliation.objects.none()
    return Reconciliation.objects.order_by("-day", "-ran_at")


@dataclass(frozen=True)
class OnlinePaymentFigures:
    """The online-payment group (TTTT) of the national service index over a period, from the payment events."""

    procedures_with_fee: int  # 4.1 and 4.2's denominator: procedures in force that charge a fee
    procedures_payable_online: int  # 4.1: of those, the ones whose fee can be paid here online (all of them)
    procedures_paid_online: int  # 4.2: procedures with at least one fee paid online in the period
    dossiers_with_fee: int  # 4.3's denominator: dossiers that owed a fee in the period (an order opened)
    dossiers_paid_online: int  # 4.3: of those, the ones whose fee was paid online


def online_payment_figures(
    *, start: datetime, end: datetime, unit: AdminUnit | None = None
) -> OnlinePaymentFigures:
    """Counted from the order events of [start, end): ORDER_CREATED says a dossier owed a fee, ORDER_PAID with
    `online` that it was paid online; the orders give each event's dossier and procedure. With `unit`, only
    the dossiers decided under it (the operations centre keeps the same figures per unit in its rollups)."""
    window = Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    dossiers = Dossier.objects.all()
    if unit is not None:
        dossiers = dossiers.filter(core_selectors.under_path(unit.path, "authority_unit__path"))
    codes = dossiers.values("code")
    created = window.filter(action=events.ORDER_CREATED).annotate(dossier=KT("payload__dossier"))
    owed = set(created.filter(dossier__in=codes).values_list("dossier", flat=True))
    paid = window.filter(action=events.ORDER_PAID, payload__online=True)
    paid_references = set(paid.values_list("payload__reference", flat=True))
    paid_orders = PaymentOrder.objects.filter(reference__in=paid_references, dossier__code__in=codes)
    paid_dossiers = set(paid_orders.values_list("dossier__code", flat=True))
    with_fee = Procedure.objects.filter(fee__gt=0).values("code").distinct().count()
    return OnlinePaymentFigures(
        procedures_with_fee=with_fee,
        procedures_payable_online=with_fee,
        procedures_paid_online=paid_orders.values("dossier__procedure__code").distinct().count(),
        dossiers_with_fee=len(owed | paid_dossiers),  # an order opened earlier and paid now counts too
        dossiers_paid_online=len(paid_dossiers),
    )


def order_by_reference(reference: str) -> PaymentOrder | None:
    """An order with its dossier, payer and fee lines (for the receipt issued once it is paid)."""
    orders = PaymentOrder.objects.select_related("dossier__applicant", "dossier__receiving_unit")
    return orders.prefetch_related("lines").filter(reference=reference).first()


def paid_online(*, dossier_ids: Collection[int]) -> set[int]:
    """Those of the dossiers with a fee paid online (every order is paid through a gateway or a transfer; cash
    at the counter is recorded on the dossier, not as an order)."""
    paid = PaymentOrder.objects.filter(dossier_id__in=dossier_ids, paid_at__isnull=False)
    return set(paid.values_list("dossier_id", flat=True))
