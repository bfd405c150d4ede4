"""VNPay's IPN takes the short path (payments.middleware) and its locking read is hand-written
(payments.sql): both give what the whole middleware chain and the ORM query give."""

import pytest
from django.db import transaction
from django.urls import resolve

from tinhso.core.eventlog import stream_of
from tinhso.core.models import Event
from tinhso.payments import sql, views
from tinhso.payments.models import PaymentOrder
from tinhso.payments.urls import IPN_PATH
from tinhso.testing.dossier_flow import in_state, submitted
from tinhso.testing.payments import ipn, started_order

pytestmark = pytest.mark.django_db


def _fields(order: PaymentOrder) -> dict:
    return {field.attname: getattr(order, field.attname) for field in PaymentOrder._meta.concrete_fields}


def test_the_notices_locking_read_gives_what_the_orm_gives(cast):
    for dossier in (submitted(cast), in_state(cast, "payment")):
        order = started_order(cast.an, dossier.code)
        orm = PaymentOrder.objects.select_related("dossier").get(reference=order.reference)
        with transaction.atomic():
            found = sql.locked_for_notice(order.reference)
        assert found is not None
        read, head = found
        assert _fields(read) == _fields(orm)
        last = Event.objects.filter(stream=stream_of(orm)).latest("seq")
        assert head is not None and (head.stream, head.seq, head.hash) == (last.stream, last.seq, last.hash)
        assert (read.dossier.pk, read.dossier.code, read.dossier.status) == (
            orm.dossier.pk,
            orm.dossier.code,
            orm.dossier.status,
        )
    assert sql.locked_for_notice("TSNOSUCHORDER") is None


def test_the_short_path_is_the_ipns_own_address(client, cast):
    assert resolve(IPN_PATH).func is views.vnpay_ipn
    order = started_order(cast.an, submitted(cast).code)
    response = client.get(IPN_PATH, ipn(order))
    assert response.json()["RspCode"] == "00"
    # The headers every answer carries (security_headers, SecurityMiddleware, and X-Frame-Options here).
    assert response["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in response


def test_what_the_short_path_leaves_takes_the_whole_chain(client, cast):
    order = started_order(cast.an, submitted(cast).code)
    assert client.get(IPN_PATH, ipn(order) | {"vnp_OrderInfo": "a\x00b"}).status_code == 400  # NUL refused
    assert client.post(IPN_PATH, ipn(order)).status_code == 405
    order.refresh_from_db()
    assert order.status == "pending"
