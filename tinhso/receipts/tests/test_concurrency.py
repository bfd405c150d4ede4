"""Receipt numbers stay gap-free under concurrent payments: real threads on PostgreSQL, each holding the series'
lock until the others queue behind it, one of them failing after it took a number."""

from datetime import UTC, datetime

from tinhso.receipts import issuers, services
from tinhso.receipts.models import Receipt
from tinhso.testing.concurrency import POSTGRES_RACES, run_together, settle
from tinhso.testing.dossier_flow import submitted

pytestmark = POSTGRES_RACES
RACERS = 6


class SettlingIssuer(issuers.PlatformIssuer):
    """The platform's numbering, holding the series' lock until every other payment waits for it."""

    def take_number(self, series) -> int:
        number = super().take_number(series)
        settle()
        return number


def test_concurrent_payments_get_consecutive_numbers_and_a_failed_one_gives_its_number_back(
    reference_data, cast, settings
):
    settings.TINHSO_RECEIPT_ISSUER = f"{__name__}.SettlingIssuer"
    unit = submitted(cast).receiving_unit

    def pay(source: str, payer: str):
        return lambda: services.issue_receipt(
            actor=None,
            source=source,
            unit=unit,
            dossier_code="000.00.12.H12-261207-0009",
            payer_name=payer,
            payer_address="",
            payer_account=None,
            lines=[services.Line(kind="lệ phí", name="Lệ phí hộ tịch", amount=8_000)],
            method="Thanh toán trực tuyến qua VNPay",
            transaction_ref=source,
            paid_at=datetime(2026, 12, 7, 3, 0, tzinfo=UTC),
        )

    payments = [pay(f"vnpay:{n}", "Lê Thị Hoa") for n in range(RACERS)]
    # The same payment twice at once: one receipt, and the loser's number is not lost.
    outcomes = run_together(*payments, pay("vnpay:0", "Lê Thị Hoa"))

    assert sum(isinstance(outcome, Exception) for outcome in outcomes) <= 1
    numbers = sorted(Receipt.objects.values_list("number", flat=True))
    assert numbers == list(range(1, RACERS + 1))
    assert Receipt.objects.filter(source="vnpay:0").count() == 1
