"""The events of a payment order's chain (stream `payments.paymentorder:<id>`), declared once with their payloads.
No payload carries the payer's personal data: readers (receipts, the operations centre) look the order up."""

from tinhso.core.events import EventType

STATE = {
    "reference": "the order's merchant reference (vnp_TxnRef, MaThamChieu, the VietQR payment code)",
    "dossier": "the dossier's code",
    "from": "status before (created, pending, paid, failed, expired, refunded), or null",
    "status": "status after",
    "version": "the order's version after the change",
    "amount": "amount in đồng (integer)",
    "provider": "vnpay, vietqr, dvcqg or counter",
}

ORDER_CREATED = EventType(
    "payment.order_created",
    "A payment order was opened for a dossier's fees (at submission or when status 6 asked for them).",
    STATE | {"purpose": "submission (fee due at submission) or requested (status 6)", "lines": "fee lines"},
)
ORDER_STARTED = EventType(
    "payment.order_started",
    "The payer was sent to a gateway (pay URL or QR issued); the order waits for the gateway's notice.",
    STATE | {"channel": "device class the payer used: mobile or desktop"},
)
ORDER_PAID = EventType(
    "payment.order_paid",
    "A verified gateway notice (IPN, confirm callback, querydr or bank statement) settled the order.",
    STATE
    | {
        "transaction_no": "the gateway's transaction number",
        "bank_code": "the payer's bank, or empty",
        "paid_at": "when the gateway says it was paid (ISO 8601)",
        "source": "ipn, querydr, callback or statement: what proved it",
        "online": "true: paid through an online channel (counts for the national index)",
    },
)
ORDER_FAILED = EventType(
    "payment.order_failed",
    "The gateway reported the payment failed or was cancelled by the payer.",
    STATE | {"response_code": "the gateway's response code", "source": "ipn or querydr"},
)
ORDER_EXPIRED = EventType(
    "payment.order_expired", "An order nobody paid in time was closed by the periodic job.", STATE
)
ORDER_REFUNDED = EventType(
    "payment.order_refunded",
    "A paid order was refunded through its gateway.",
    STATE | {"reason": "why", "refund_no": "the gateway's refund transaction number"},
)
STATEMENT_IMPORTED = EventType(
    "payment.statement_imported",
    "A bank statement was imported; its transfers were matched to VietQR orders by code and amount.",
    {
        "file": "the file's name",
        "rows": "rows read",
        "matched": "orders paid by it",
        "unmatched": "rows left",
    },
)
RECONCILED = EventType(
    "payment.reconciled",
    "The daily reconciliation compared the ledger with the provider's file and the bank statement.",
    {
        "day": "the day reconciled (ISO 8601)",
        "matched": "rows matched",
        "missing_here": "provider rows with no order",
        "missing_there": "paid orders the provider does not list",
        "amount_mismatch": "rows whose amounts differ",
        "status_mismatch": "rows whose statuses differ",
    },
)
