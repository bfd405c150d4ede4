"""The daily reconciliation: the ledger against a provider's transaction file and the bank statement, one row of
each outcome, with the XLSX export officials download."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from tinhso.payments import services
from tinhso.payments.models import Outcome
from tinhso.testing.dossier_flow import in_state, submitted
from tinhso.testing.payments import ipn, started_order

pytestmark = pytest.mark.django_db

HEADER = "provider;provider_txn_no;merchant_ref;dossier_code;amount_vnd;currency;status;paid_at;bank_code;fee_vnd\n"


def _paid(cast, state: str):
    order = started_order(cast.an, (in_state(cast, state) if state != "new" else submitted(cast)).code)
    assert services.receive_vnpay_ipn(params=ipn(order)) == "00"
    order.refresh_from_db()
    return order


def test_each_row_is_classified_and_paid_orders_nobody_lists_are_missing_there(cast):
    matched, wrong_amount, unlisted = _paid(cast, "payment"), _paid(cast, "new"), _paid(cast, "payment")
    failed = started_order(cast.an, in_state(cast, "payment").code)
    assert services.receive_vnpay_ipn(params=ipn(failed, paid=False)) == "00"
    day = timezone.localdate()
    provider_file = (
        HEADER
        + f"vnpay;{matched.transaction_no};{matched.reference};;200000;VND;00;;NCB;0\n"
        + f"vnpay;1;{wrong_amount.reference};;20000;VND;00;;NCB;0\n"
        + f"vnpay;2;{failed.reference};;200000;VND;00;;NCB;0\n"  # the gateway says paid, the ledger failed
        + "vnpay;3;TSZZZZZZZZZZ;;50000;VND;00;;NCB;0\n"
    ).encode()
    run = services.reconcile(
        actor=cast.desk, day=day, provider_files=[("vnpay-20261206.csv", provider_file)], statement=None
    )
    outcomes = {line.reference: line.outcome for line in run.lines.all()}
    assert outcomes == {
        matched.reference: Outcome.MATCHED,
        wrong_amount.reference: Outcome.AMOUNT_MISMATCH,
        failed.reference: Outcome.STATUS_MISMATCH,
        "TSZZZZZZZZZZ": Outcome.MISSING_HERE,
        unlisted.reference: Outcome.MISSING_THERE,
    }
    assert (
        services.reconcile(
            actor=None,
            day=day - timedelta(days=1),
            provider_files=[("vnpay.csv", HEADER.encode())],
            statement=None,
        ).lines.count()
        == 0
    )  # nothing was paid that day


def test_officials_run_it_from_their_page_and_download_it_as_xlsx(client, cast):
    order = _paid(cast, "payment")
    client.force_login(cast.desk)
    assert client.get("/can-bo/thanh-toan/").status_code == 200
    provider_file = SimpleUploadedFile(
        "vnpay.csv", (HEADER + f"vnpay;1;{order.reference};;200000;VND;00;;NCB;0\n").encode()
    )
    ran = client.post(
        "/can-bo/thanh-toan/doi-soat/",
        {"day": timezone.localdate().isoformat(), "provider_file": provider_file},
    )
    page = client.get(ran["Location"])
    assert "Khớp" in page.content.decode()
    book = load_workbook(io.BytesIO(client.get(ran["Location"] + "?tai=xlsx").content))
    assert [cell.value for cell in book.active[2]][:3] == ["vnpay", "Khớp", order.reference]
    client.force_login(cast.an)
    assert client.get(ran["Location"]).status_code == 403
