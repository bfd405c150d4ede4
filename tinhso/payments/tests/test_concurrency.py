"""Racing gateways and payers on PostgreSQL: two deliveries of the same IPN pay once (one 00, one 02), and two
clicks on "pay" at once open one order."""

from tinhso.core.eventlog import stream_of
from tinhso.core.models import Event
from tinhso.dossiers import events as dossier_events
from tinhso.payments import events, services
from tinhso.payments.models import OrderStatus, PaymentOrder
from tinhso.testing.concurrency import POSTGRES_RACES, run_together, settle
from tinhso.testing.dossier_flow import in_state
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


def test_two_clicks_at_once_open_one_order(reference_data, cast):
    dossier = in_state(cast, "payment")
    orders = run_together(*[lambda: services.create_order(actor=cast.an, code=dossier.code)] * 2)
    assert all(isinstance(order, PaymentOrder) for order in orders), orders
    assert orders[0].reference == orders[1].reference
    assert PaymentOrder.objects.filter(dossier=dossier).count() == 1
