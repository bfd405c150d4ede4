"""JSON API of payments: the payer opens the order for what a dossier owes (with Idempotency-Key) and reads it.
Every rule lives in the services."""

from datetime import datetime

from ninja import Router, Schema
from ninja.responses import Status

from tinhso.core.api import bearer_auth
from tinhso.core.auth import SignedInRequest
from tinhso.payments import selectors, services
from tinhso.payments.models import PaymentOrder

router = Router(tags=["payments"], auth=bearer_auth)


class FeeLineOut(Schema):
    kind: int
    code: str
    name: str
    amount: int


class PaymentOrderOut(Schema):
    reference: str
    dossier: str
    purpose: str
    amount: int
    status: str
    status_label: str
    version: int
    provider: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    lines: list[FeeLineOut]

    @staticmethod
    def resolve_dossier(order: PaymentOrder) -> str:
        return order.dossier.code

    @staticmethod
    def resolve_status_label(order: PaymentOrder) -> str:
        return str(order.get_status_display())

    @staticmethod
    def resolve_lines(order: PaymentOrder) -> list:
        return list(order.lines.all())


class PaymentOrderIn(Schema):
    dossier: str


@router.post("/orders", response={200: PaymentOrderOut, 201: PaymentOrderOut}, summary="Open a payment order")
def open_order(request: SignedInRequest, body: PaymentOrderIn):
    """The order for what the dossier owes now: 201 when opened by this call, 200 with the order already
    open for that fee or, with the same `Idempotency-Key` header, the order the first request got."""
    order, created = services.open_order(
        actor=request.auth, code=body.dossier, idempotency_key=request.headers.get("Idempotency-Key")
    )
    return Status(201 if created else 200, order)


@router.get("/orders/{reference}", response=PaymentOrderOut, summary="A payment order")
def order(request: SignedInRequest, reference: str):
    found = selectors.visible_orders(request.auth).filter(reference=reference).first()
    if found is None:
        raise services.order_not_found(reference)
    return found
