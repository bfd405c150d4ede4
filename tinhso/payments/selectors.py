"""Reads of the payment ledger, with the acting user's scope: a payer sees the orders of their own dossiers, an
official those of the dossiers they may see."""

from dataclasses import dataclass

from django.db.models import QuerySet

from tinhso.core.eventlog import stream_of
from tinhso.core.models import Event, User
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers.models import Dossier, Status
from tinhso.payments.models import HOLDS_THE_FEE, FeeKind, PaymentOrder, Purpose, Reconciliation

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
    if dossier.status == Status.PAYMENT:
        request = (
            Event.objects.filter(stream=stream_of(dossier), action=dossier_events.PAYMENT_REQUESTED)
            .order_by("-seq")
            .first()
        )
        if request is None:
            return None
        name = request.payload.get("note") or "Nghĩa vụ tài chính theo yêu cầu của cơ quan giải quyết"
        line = Line(FeeKind.CHARGE, dossier.procedure.code, name[:300], int(request.payload["amount"]))
        return Due(f"requested:{request.pk}", Purpose.REQUESTED, (line,))
    fee = dossier.procedure.fee
    if dossier.status in SUBMISSION_FEE_STATES and fee:
        line = Line(FeeKind.LEVY, dossier.procedure.code, dossier.procedure.name[:300], int(fee))
        return Due("submission", Purpose.SUBMISSION, (line,))
    return None


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
