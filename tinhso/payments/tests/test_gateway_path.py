"""VNPay's IPN takes the short path (payments.middleware) and its locking read is hand-written
(payments.sql): both give what the whole middleware chain and the ORM query give; it checks no connection
before the notice, and a connection the database dropped is replaced, the notice answered all the same."""

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.test import RequestFactory
from django.urls import resolve

from tinhso.core.eventlog import stream_of
from tinhso.core.models import Event
from tinhso.payments import sql, views
from tinhso.payments.models import OrderStatus, PaymentOrder
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


@pytest.mark.parametrize(
    "query",  # as WSGI hands it over: the bytes received, one character each (PEP 3333)
    [
        "vnp_TxnRef=TS1&vnp_Amount=20000000&vnp_OrderInfo=Thanh+toan%20phi",
        "a=1&a=2&b=&c&d=%C3%A0+%2B",
        "x=%E0%A4%A&y=%FF",  # broken escapes
        "z=\xc3\xa0",  # UTF-8 sent unescaped
        "z=\xff",  # a byte that is no UTF-8: the whole query read as Latin-1
        "",
    ],
)
def test_the_ipns_query_is_read_as_querydict_reads_it(query):
    request = RequestFactory().get("/thanh-toan/vnpay/ipn")
    request.META["QUERY_STRING"] = query
    assert views.ipn_params(request) == request.GET.dict()


def test_the_short_path_checks_no_connection_before_the_notice(client, cast, monkeypatch):
    order = started_order(cast.an, submitted(cast).code)
    database, checks = connections["default"], []
    monkeypatch.setattr(database, "health_check_enabled", True)
    monkeypatch.setattr(database, "is_usable", lambda: checks.append(1) or True)
    database.health_check_done = False  # as at the start of every request (close_old_connections)
    assert client.get(IPN_PATH, ipn(order)).json()["RspCode"] == "00"
    assert checks == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: a server ending a connection"
)
def test_a_notice_on_a_connection_the_database_dropped_is_answered_on_a_new_one(reference_data, cast, client):
    order = started_order(cast.an, submitted(cast).code)
    connection.ensure_connection()
    target = connection.settings_dict
    with psycopg.connect(
        dbname=target["NAME"], user=target["USER"], host=target["HOST"], port=target["PORT"], autocommit=True
    ) as other:  # a restart, an idle timeout, a pooler: the IPN's connection is gone
        other.execute("SELECT pg_terminate_backend(%s, 10000)", [connection.connection.info.backend_pid])
    assert client.get(IPN_PATH, ipn(order)).json()["RspCode"] == "00"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
