"""Racing gateways and payers on PostgreSQL: two deliveries of the same IPN pay once (one 00, one 02), a
writer of the order's chain committing while the IPN waits for the order's lock neither forks the chain nor
loses the notice, and two clicks on "pay" at once open one order."""

import threading

import pytest

from tinhso.core.eventlog import stream_of
from tinhso.core.models import Event
from tinhso.core.selectors import verify_event_log
from tinhso.dossiers import events as dossier_events
from tinhso.payments import events, services, sql
from tinhso.payments.models import Callback, OrderStatus, PaymentOrder, Provider
from tinhso.testing.concurrency import POSTGRES_RACES, run_together, settle
from tinhso.testing.dossier_flow import in_state, submitted
from tinhso.testing.payments import ipn, started_order

pytestmark = POSTGRES_RACES


def _count(obj, action: str) -> int:
    return Event.objects.filter(stream=stream_of(obj), action=action).count()


def test_the_same_ipn_delivered_twice_at_once_pays_once(reference_data, cast, monkeypatch):
    dossier = in_state(cast, "payment")
    order = started_order(cast.an, dossier.code)
    notice = ipn(order)
    real_settle = services._settle

    def settle_holding_the_lock(*args, **kwargs):
        settle()  # only the lock's holder gets here; the other delivery now waits for the order's row
        return real_settle(*args, **kwargs)

    monkeypatch.setattr(services, "_settle", settle_holding_the_lock)
    answers = run_together(*[lambda: services.receive_vnpay_ipn(params=notice)] * 2)
    assert sorted(answers) == ["00", "02"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert _count(order, events.ORDER_PAID) == 1
    assert _count(dossier, dossier_events.PAYMENT_CONFIRMED) == 1


def _chain(order) -> list[tuple[int, str]]:
    return list(Event.objects.filter(stream=stream_of(order)).order_by("seq").values_list("seq", "action"))


@pytest.mark.parametrize("status_6", [False, True], ids=["submission fee", "status-6 fee"])
def test_a_writer_committing_while_the_ipn_waits_for_the_order_neither_forks_its_chain_nor_loses_it(
    reference_data, cast, monkeypatch, status_6
):
    dossier = in_state(cast, "payment") if status_6 else submitted(cast)
    order = started_order(cast.an, dossier.code)
    notice = ipn(order)
    written = threading.Event()
    real_insert, real_read = services.insert_new, sql.locked_for_notice
    heads = []

    def insert_then_hold_the_lock(*rows, **kwargs):
        real_insert(*rows, **kwargs)
        if any(getattr(row, "action", None) == events.ORDER_STARTED for row in rows):  # the second "pay"
            written.set()
            settle()  # the IPN now waits for the order's row, its statement's snapshot taken before our commit

    def read(reference):
        found = real_read(reference)
        heads.append(found[1])
        return found

    monkeypatch.setattr(services, "insert_new", insert_then_hold_the_lock)
    monkeypatch.setattr(sql, "locked_for_notice", read)

    def pay_again():
        return services.start_payment(
            actor=cast.an,
            reference=order.reference,
            version=order.version,
            provider=Provider.VNPAY,
            mobile=False,
        )

    def notice_after_it():
        assert written.wait(10)
        return services.receive_vnpay_ipn(params=notice)

    started, answer = run_together(pay_again, notice_after_it)
    assert isinstance(started, PaymentOrder), started
    assert answer == "00"
    # It saw the order's new version without its event, so it read the head again after its change.
    assert heads == [None]
    assert _chain(order) == [
        (1, events.ORDER_CREATED),
        (2, events.ORDER_STARTED),
        (3, events.ORDER_STARTED),
        (4, events.ORDER_PAID),
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.version == 4
    assert list(Callback.objects.filter(order=order).values_list("answer", flat=True)) == ["00"]
    assert _count(dossier, dossier_events.PAYMENT_CONFIRMED) == (1 if status_6 else 0)
    assert list(verify_event_log()) == []


def test_two_clicks_at_once_open_one_order(reference_data, cast):
    dossier = in_state(cast, "payment")
    orders = run_together(*[lambda: services.create_order(actor=cast.an, code=dossier.code)] * 2)
    assert all(isinstance(order, PaymentOrder) for order in orders), orders
    assert orders[0].reference == orders[1].reference
    assert PaymentOrder.objects.filter(dossier=dossier).count() == 1
