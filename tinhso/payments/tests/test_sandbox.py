"""The whole VNPay exchange over HTTP against the local sandbox gateway (served by the live server): the payer
pays or cancels there, the sandbox calls our IPN, querydr recovers a lost IPN, and a refund goes through."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tinhso.core.production import SANDBOX_PATH
from tinhso.dossiers.models import Status
from tinhso.payments import sandbox, services
from tinhso.payments.models import Callback, OrderStatus, PaymentOrder
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.payments import query_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def gateway(settings, live_server):
    settings.TINHSO_VNPAY_URL = live_server.url + SANDBOX_PATH
    sandbox.LEDGER.clear()
    return urlsplit(live_server.url).netloc


def _to_gateway(client, cast, dossier) -> tuple[PaymentOrder, str]:
    """The payer opens the order and presses "pay" with VNPay: the signed pay URL we redirect to."""
    client.force_login(cast.an)
    opened = client.post(f"/thanh-toan/ho-so/{dossier.code}/")
    order = PaymentOrder.objects.get(dossier=dossier)
    assert opened["Location"] == f"/thanh-toan/{order.reference}/"
    pressed = client.post(
        f"/thanh-toan/{order.reference}/tra/", {"version": order.version, "provider": "vnpay"}
    )
    return order, pressed["Location"]


def _at_gateway(client, host: str, pay_url: str, **choice: str):
    parts = urlsplit(pay_url)
    shown = client.get(parts.path, query_of(pay_url))
    assert shown.status_code == 200
    return client.post(parts.path, query_of(pay_url) | choice, HTTP_HOST=host)


def test_the_payer_pays_at_the_sandbox_and_the_ipn_resumes_the_clock(client, cast, gateway):
    dossier = in_state(cast, "payment")
    order, pay_url = _to_gateway(client, cast, dossier)
    assert pay_url.startswith(f"http://{gateway}{SANDBOX_PATH}/paymentv2/vpcpay.html?vnp_Amount=20000000&")

    back = _at_gateway(client, gateway, pay_url, choice="pay")

    order.refresh_from_db()
    dossier.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert dossier.status == Status.PROCESSING
    assert list(Callback.objects.values_list("kind", "answer")) == [("ipn", "00")]
    shown = client.get(urlsplit(back["Location"]).path, query_of(back["Location"]))
    assert "Đã thanh toán 200.000 đồng" in shown.content.decode()


def test_a_cancelled_payment_fails_the_order(client, cast, gateway):
    dossier = in_state(cast, "payment")
    order, pay_url = _to_gateway(client, cast, dossier)
    _at_gateway(client, gateway, pay_url, choice="cancel")
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED


def test_the_sandbox_refuses_a_tampered_pay_request(client, cast, gateway):
    _order, pay_url = _to_gateway(client, cast, in_state(cast, "payment"))
    parts = urlsplit(pay_url)
    assert client.get(parts.path, query_of(pay_url) | {"vnp_Amount": "100"}).status_code == 400


def test_querydr_recovers_a_payment_whose_ipn_was_lost(client, cast, gateway):
    dossier = in_state(cast, "payment")
    order, pay_url = _to_gateway(client, cast, dossier)
    _at_gateway(client, gateway, pay_url, choice="pay", lose_ipn="1")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING

    assert services.recover_stale_orders(now=timezone.now() + timedelta(minutes=5)) == 0  # too early to ask
    assert services.recover_stale_orders(now=timezone.now() + timedelta(minutes=16)) == 1

    order.refresh_from_db()
    dossier.refresh_from_db()
    assert order.status == OrderStatus.PAID and dossier.status == Status.PROCESSING
    assert list(Callback.objects.values_list("kind", "answer")) == [("querydr", "00")]


def test_an_order_never_paid_at_the_gateway_expires(client, cast, gateway):
    dossier = in_state(cast, "payment")
    order, _pay_url = _to_gateway(client, cast, dossier)  # the payer closed the page at the gateway
    services.recover_stale_orders(now=timezone.now() + timedelta(minutes=16))
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED  # VNPay does not know it (91): nothing was paid
    assert services.create_order(actor=cast.an, code=dossier.code).reference != order.reference


def test_an_unreachable_gateway_is_asked_again_later(client, cast, gateway, settings):
    order, _pay_url = _to_gateway(client, cast, in_state(cast, "payment"))
    settings.TINHSO_VNPAY_URL = "http://127.0.0.1:9"
    assert services.recover_stale_orders(now=timezone.now() + timedelta(minutes=16)) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_a_paid_order_is_refunded_once(client, cast, gateway):
    dossier = in_state(cast, "payment")
    order, pay_url = _to_gateway(client, cast, dossier)
    _at_gateway(client, gateway, pay_url, choice="pay")
    order.refresh_from_db()
    with pytest.raises(services.Forbidden):  # the payer cannot refund themselves
        services.refund(actor=cast.an, reference=order.reference, version=order.version, reason="Trả lại.")
    refunded = services.refund(
        actor=cast.desk, reference=order.reference, version=order.version, reason="Nộp nhầm hai lần."
    )
    assert refunded.status == OrderStatus.REFUNDED
    assert sandbox.LEDGER[order.reference].refunded
    with pytest.raises(services.Conflict) as refused:
        services.refund(actor=cast.desk, reference=order.reference, version=refunded.version, reason="Lại.")
    assert refused.value.code == "transition_not_allowed"


def test_an_official_of_the_desk_refunds_from_the_refund_page(client, cast, gateway):
    order, pay_url = _to_gateway(client, cast, in_state(cast, "payment"))
    _at_gateway(client, gateway, pay_url, choice="pay")
    page = f"/can-bo/thanh-toan/lenh/{order.reference}/hoan-tien/"
    client.force_login(cast.other_commune_desk)  # serves another unit: does not see the order
    assert client.get(page).status_code == 404
    client.force_login(cast.desk)
    assert page in client.get(f"/thanh-toan/{order.reference}/").content.decode()
    order.refresh_from_db()

    blank = client.post(page, {"version": order.version, "reason": "  "})

    assert blank.status_code == 400
    assert 'id="e-reason">Cần ghi lý do hoàn tiền.</span>' in blank.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not sandbox.LEDGER[order.reference].refunded
    done = client.post(page, {"version": order.version, "reason": "Nộp nhầm hai lần."}, follow=True)
    assert "Đã hoàn 200.000 đồng cho lệnh thanh toán" in done.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and sandbox.LEDGER[order.reference].refunded
    again = client.post(page, {"version": order.version, "reason": "Lại."}, follow=True)
    assert "Chỉ hoàn tiền được cho khoản đã thanh toán." in again.content.decode()


def test_an_order_paid_at_another_gateway_is_not_refunded_online(client, cast, gateway):
    order, pay_url = _to_gateway(client, cast, in_state(cast, "payment"))
    _at_gateway(client, gateway, pay_url, choice="pay")
    PaymentOrder.objects.filter(pk=order.pk).update(provider="vietqr")
    order.refresh_from_db()
    with pytest.raises(services.Conflict) as refused:
        services.refund(actor=cast.desk, reference=order.reference, version=order.version, reason="Nộp nhầm.")
    assert refused.value.code == "refund_not_supported"
    assert not sandbox.LEDGER[order.reference].refunded
