"""The IPN is the only way a VNPay result changes an order: its answers in VNPay's order (97, 01, 04, 02, 00,
99), the clock of a status-6 dossier resuming at once, and nothing paid twice by a replay, a forgery or a
retry after a lost answer."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from tinhso.core.eventlog import stream_of
from tinhso.core.integrity import mismatches
from tinhso.core.models import Event
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import Status
from tinhso.payments import events, services, sql
from tinhso.payments.models import Callback, OrderStatus, PaymentOrder
from tinhso.testing.dossier_flow import in_state, submitted
from tinhso.testing.payments import ipn, started_order

IPN = "/thanh-toan/vnpay/ipn"
pytestmark = pytest.mark.django_db


def _answer(client, params: dict) -> dict:
    response = client.get(IPN, params)
    assert response.status_code == 200
    return response.json()


def _actions(obj) -> list[str]:
    return list(Event.objects.filter(stream=stream_of(obj)).order_by("seq").values_list("action", flat=True))


def test_paying_what_status_6_asked_for_resumes_the_clock_at_once(client, cast):
    dossier = in_state(cast, "payment")
    order = started_order(cast.an, dossier.code)
    assert order.amount == 200_000 and order.status == OrderStatus.PENDING

    assert _answer(client, ipn(order)) == {"RspCode": "00", "Message": "Confirm Success"}

    order.refresh_from_db()
    dossier.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.transaction_no
    assert dossier.status == Status.PROCESSING and dossier.paused_at is None
    assert _actions(order) == [events.ORDER_CREATED, events.ORDER_STARTED, events.ORDER_PAID]
    confirmed = Event.objects.filter(stream=stream_of(dossier)).order_by("-seq").first()
    assert confirmed.action == dossier_events.PAYMENT_CONFIRMED
    assert confirmed.actor is None
    assert confirmed.payload["method"] == "online" and confirmed.payload["receipt"] == order.reference


def test_a_notice_that_read_the_dossier_before_the_desk_recorded_cash_still_pays_and_keeps_itself(
    client, cast, monkeypatch
):
    dossier = in_state(cast, "payment")
    order = started_order(cast.an, dossier.code)
    read = sql.locked_for_notice

    def read_then_the_desk_records_cash(reference: str) -> PaymentOrder | None:
        found = read(reference)  # the dossier still waits for its fee here...
        dossier_services.confirm_payment(  # ...and the desk records cash before the notice locks it
            actor=cast.desk, code=dossier.code, version=dossier.version, receipt="BL 0013"
        )
        return found

    monkeypatch.setattr(sql, "locked_for_notice", read_then_the_desk_records_cash)
    assert _answer(client, ipn(order))["RspCode"] == "00"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert _actions(order)[-1] == events.ORDER_PAID
    assert list(Callback.objects.filter(order=order).values_list("answer", flat=True)) == ["00"]
    confirmed = Event.objects.filter(stream=stream_of(dossier), action=dossier_events.PAYMENT_CONFIRMED)
    assert [event.payload["method"] for event in confirmed] == ["counter"]
    assert list(mismatches()) == []


def test_the_desk_still_records_cash_marked_as_such(cast):
    dossier = in_state(cast, "payment")
    dossier_services.confirm_payment(
        actor=cast.desk, code=dossier.code, version=dossier.version, receipt="BL 0012"
    )
    confirmed = Event.objects.filter(stream=stream_of(dossier)).order_by("-seq").first()
    assert confirmed.payload["method"] == "counter"


def test_answers_come_in_vnpays_order(client, cast):
    order = started_order(cast.an, in_state(cast, "payment").code)
    forged = ipn(order) | {"vnp_Amount": "100"}  # changed after signing
    assert _answer(client, forged)["RspCode"] == "97"
    assert (
        _answer(client, ipn(order, vnp_TxnRef="TSNOSUCHORDER") | {"vnp_SecureHash": "0" * 128})["RspCode"]
        == "97"
    )
    assert _answer(client, ipn(order, vnp_TxnRef="TSNOSUCHORDER"))["RspCode"] == "01"
    assert _answer(client, ipn(order, vnp_TmnCode="OTHERTMN"))["RspCode"] == "01"
    assert _answer(client, ipn(order, vnp_Amount="100"))["RspCode"] == "04"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING  # none of these changed it
    assert _answer(client, ipn(order))["RspCode"] == "00"
    assert _answer(client, ipn(order))["RspCode"] == "02"
    assert _answer(client, ipn(order, vnp_Amount="100"))["RspCode"] == "04"  # amount checked before "already"
    answers = list(Callback.objects.order_by("pk").values_list("answer", "verified"))
    assert answers == [
        ("97", False),
        ("97", False),
        ("01", True),
        ("01", True),
        ("04", True),
        ("00", True),
        ("02", True),
        ("04", True),
    ]
    assert _actions(order).count(events.ORDER_PAID) == 1


def test_a_replayed_success_never_pays_twice_nor_resumes_twice(client, cast):
    dossier = in_state(cast, "payment")
    order = started_order(cast.an, dossier.code)
    notice = ipn(order)
    assert [_answer(client, notice)["RspCode"] for _ in range(3)] == ["00", "02", "02"]
    assert _actions(order).count(events.ORDER_PAID) == 1
    assert _actions(dossier).count(dossier_events.PAYMENT_CONFIRMED) == 1


def test_a_cancelled_payment_fails_the_order_and_lets_the_payer_try_again(client, cast):
    dossier = in_state(cast, "payment")
    order = started_order(cast.an, dossier.code)
    assert _answer(client, ipn(order, paid=False))["RspCode"] == "00"  # recorded, though not paid
    order.refresh_from_db()
    dossier.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert dossier.status == Status.PAYMENT
    assert _answer(client, ipn(order))["RspCode"] == "02"  # a late success for a closed order changes nothing
    again = services.create_order(actor=cast.an, code=dossier.code)
    assert again.reference != order.reference and again.status == OrderStatus.CREATED


def test_a_double_click_or_a_retry_makes_one_order(client, cast):
    dossier = in_state(cast, "payment")
    client.force_login(cast.an)
    first = client.post(f"/thanh-toan/ho-so/{dossier.code}/")
    second = client.post(f"/thanh-toan/ho-so/{dossier.code}/")
    assert first["Location"] == second["Location"]
    assert PaymentOrder.objects.filter(dossier=dossier).count() == 1
    order = PaymentOrder.objects.get()
    with pytest.raises(IntegrityError):  # the database holds the rule too
        PaymentOrder.objects.create(
            reference="TSOTHER",
            dossier=dossier,
            due_key=order.due_key,
            purpose=order.purpose,
            payer=cast.an,
            amount=order.amount,
            created_at=order.created_at,
            expires_at=order.expires_at,
        )


def test_a_fee_due_at_submission_is_paid_without_touching_the_dossier(client, cast):
    dossier = submitted(cast)
    order = started_order(cast.an, dossier.code)
    assert order.amount == 200_000 and order.purpose == "submission"
    assert _answer(client, ipn(order))["RspCode"] == "00"
    dossier.refresh_from_db()
    assert dossier.status == Status.NEW and dossier.version == 1
    assert services.create_order(actor=cast.an, code=dossier.code) == order  # paid: it answers for the fee


def test_only_the_applicant_opens_an_order(cast):
    dossier = in_state(cast, "payment")
    with pytest.raises(services.NotFound):
        services.create_order(actor=cast.ngoc, code=dossier.code)
    with pytest.raises(services.Forbidden):
        services.create_order(actor=cast.desk, code=dossier.code)


def test_a_crash_inside_the_ipn_leaves_nothing_and_the_retry_pays(client, cast, monkeypatch):
    dossier = in_state(cast, "payment")
    order = started_order(cast.an, dossier.code)

    def crash(**kwargs):
        raise RuntimeError("the process died while resuming the dossier")

    with monkeypatch.context() as patched:
        patched.setattr(services.dossier_services, "confirm_online_payment", crash)
        assert _answer(client, ipn(order))["RspCode"] == "99"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not Callback.objects.exists() and _actions(order)[-1] == events.ORDER_STARTED
    assert _answer(client, ipn(order))["RspCode"] == "00"
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING


def test_an_answer_lost_after_the_commit_is_answered_02_on_the_gateways_retry(client, cast):
    dossier = in_state(cast, "payment")
    order = started_order(cast.an, dossier.code)
    notice = ipn(order)
    assert services.receive_vnpay_ipn(params=notice) == "00"  # committed; the answer never reached VNPay
    assert _answer(client, notice)["RspCode"] == "02"
    assert _actions(order).count(events.ORDER_PAID) == 1
    assert _actions(dossier).count(dossier_events.PAYMENT_CONFIRMED) == 1


def test_the_return_page_shows_the_outcome_and_changes_nothing(client, cast):
    order = started_order(cast.an, in_state(cast, "payment").code)
    client.force_login(cast.an)
    page = client.get("/thanh-toan/vnpay/tra-ve", ipn(order))
    assert page.status_code == 200
    assert "đang chờ thông báo xác nhận" in page.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not Callback.objects.exists()
    forged = client.get(
        "/thanh-toan/vnpay/tra-ve", ipn(order) | {"vnp_ResponseCode": "00", "vnp_Amount": "1"}
    )
    assert forged.status_code == 400


def test_every_order_event_is_in_the_verified_chain(client, cast):
    order = started_order(cast.an, in_state(cast, "payment").code)
    _answer(client, ipn(order))
    assert list(mismatches()) == []
    PaymentOrder.objects.filter(pk=order.pk).update(
        status=OrderStatus.REFUNDED
    )  # an edit behind the log's back
    assert [mismatch.field for mismatch in mismatches()] == ["status"]


def _statements(captured) -> list[str]:
    """The statements of a captured request, without the transaction's own (BEGIN, COMMIT, savepoints)."""
    skipped = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")
    return [query["sql"] for query in captured if not query["sql"].startswith(skipped)]


def test_a_first_notice_is_kept_with_the_orders_event_and_a_retry_only_keeps_its_notice(client, cast):
    order = started_order(cast.an, submitted(cast).code)
    notice = ipn(order)
    with CaptureQueriesContext(connection) as first:
        assert _answer(client, notice)["RspCode"] == "00"
    statements = _statements(first.captured_queries)
    # PostgreSQL: the order locked with its chain's head; its change, its event and the notice in one statement.
    assert len(statements) == (2 if connection.vendor == "postgresql" else 4), statements
    if connection.vendor == "postgresql":  # the order's row only, and its callbacks may still be inserted
        assert statements[0].endswith("FOR NO KEY UPDATE OF o"), statements[0]  # o: the order
        assert statements[1].startswith('WITH u AS (UPDATE "payments_paymentorder"'), statements[1]
    with CaptureQueriesContext(connection) as retry:
        assert _answer(client, notice)["RspCode"] == "02"
    statements = _statements(retry.captured_queries)
    assert len(statements) == 2 and statements[1].startswith('INSERT INTO "payments_callback"'), statements
    assert _actions(order).count(events.ORDER_PAID) == 1
    assert list(Callback.objects.order_by("pk").values_list("answer", flat=True)) == ["00", "02"]


def test_a_paid_status_6_fee_resumes_the_dossier_in_a_lean_transaction(client, cast):
    dossier = in_state(cast, "payment")
    order = started_order(cast.an, dossier.code)
    with CaptureQueriesContext(connection) as captured:
        assert _answer(client, ipn(order))["RspCode"] == "00"
    statements = _statements(captured.captured_queries)
    # PostgreSQL: the order locked with its chain's head; the dossier locked with its step and unit, its change
    # returning its chain's head; the order's change, its event, the notice and the dossier's event in one
    # statement; the portal's outbox message with the dossier it reads (integration.portal). SQLite: the
    # dossier's head read after its save, each row written on its own.
    assert len(statements) == (6 if connection.vendor == "postgresql" else 10), statements
    if connection.vendor == "postgresql":
        inserts = statements[3]
        assert inserts.startswith('WITH u AS (UPDATE "payments_paymentorder"'), inserts
        assert inserts.count('INSERT INTO "core_event"') == 2, inserts
        assert 'INSERT INTO "payments_callback"' in inserts, inserts
    savepoints = [query for query in captured.captured_queries if query["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1  # the notice's own transaction, nested in the test's: none inside it
    assert _actions(dossier)[-1] == dossier_events.PAYMENT_CONFIRMED
    assert list(mismatches()) == []
