"""Who issues a receipt: the platform itself (numbers from the series, the PDF signed by the province), or a
licensed e-receipt provider (VNPT, Viettel, MISA...) that takes over numbering and tells the tax authority.
TINHSO_RECEIPT_ISSUER names the class; a provider's adapter implements the same two calls."""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from tinhso.receipts.models import Receipt, ReceiptSeries


class ReceiptIssuer(Protocol):
    name: str

    def take_number(self, series: ReceiptSeries) -> int:
        """The receipt's number in `series`, inside the issuing transaction with the series row locked."""
        ...

    def cancelled(self, receipt: Receipt, reason: str) -> None:
        """Tells the issuer a receipt was cancelled (a provider reports it to the tax authority)."""
        ...


class PlatformIssuer:
    """The platform numbers receipts itself: the next number of the locked series row, so a rolled-back
    issue gives its number back and concurrent payments never share or skip one."""

    name = "platform"

    def take_number(self, series: ReceiptSeries) -> int:
        number = series.next_number
        series.next_number = number + 1
        series.save(update_fields=["next_number"])
        return number

    def cancelled(self, receipt: Receipt, reason: str) -> None:
        """Nothing to tell: the cancellation is in the receipt's own event chain."""


def issuer() -> ReceiptIssuer:
    chosen: ReceiptIssuer = import_string(settings.TINHSO_RECEIPT_ISSUER)()
    return chosen
