"""The events of a receipt's chain (stream `receipts.receipt:<id>`)."""

from tinhso.core.events import EventType

RECEIPT = {
    "code": "the receipt's series and number, e.g. 32002-26E-0000001",
    "form_symbol": "the receipt form's symbol (ký hiệu mẫu)",
    "series": "the series (ký hiệu)",
    "number": "the number, gap-free within the series",
    "dossier": "the dossier's code",
    "total": "amount in đồng",
    "transaction": "the payment's transaction reference",
    "issuer": "who issued it: the platform or a licensed e-receipt provider",
    "version": "the receipt's version after the change",
}

ISSUED = EventType(
    "receipts.issued", "An electronic receipt (biên lai điện tử) was issued for a payment.", RECEIPT
)
CANCELLED = EventType(
    "receipts.cancelled",
    "A receipt was cancelled (with the reason), and replaced when it was issued wrongly.",
    RECEIPT | {"reason": "why", "replaced_by": "the replacing receipt's code, or null"},
)
