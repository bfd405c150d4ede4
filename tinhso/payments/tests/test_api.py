"""The payments API: opening the order for a dossier's fee honours the Idempotency-Key, so a retry never makes
a second order, and refusals are problem+json."""

import pytest

from tinhso.core.models import IdempotencyKey
from tinhso.payments import services
from tinhso.payments.models import OrderStatus, PaymentOrder
from tinhso.testing.dossier_flow import submitted
from tinhso.testing.factories import bearer
from tinhso.testing.payments import ipn

pytestmark = pytest.mark.django_db
API = "/api/v1/payments/orders"


def post(client, body: dict, auth: dict, **headers):
    return client.post(API, body, content_type="application/json", **auth, **headers)


def test_a_retried_creation_returns_the_same_order_even_once_it_failed(client, cast):
    code = submitted(cast).code
    an = bearer(cast.an.citizen_id)
    first = post(client, {"dossier": code}, an, HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == 201
    assert first.json()["amount"] == first.json()["lines"][0]["amount"] > 0
    order = PaymentOrder.objects.get(reference=first.json()["reference"])
    services.start_payment(
        actor=cast.an, reference=order.reference, version=order.version, provider="vnpay", mobile=True
    )
    assert services.receive_vnpay_ipn(params=ipn(order, paid=False)) == "00"

    retry = post(client, {"dossier": code}, an, HTTP_IDEMPOTENCY_KEY="pay-1")

    assert retry.status_code == 200
    assert retry.json()["reference"] == order.reference and retry.json()["status"] == OrderStatus.FAILED
    assert PaymentOrder.objects.filter(dossier__code=code).count() == 1
    fresh = post(client, {"dossier": code}, an, HTTP_IDEMPOTENCY_KEY="pay-2")  # a new request opens a new one
    assert fresh.status_code == 201 and fresh.json()["reference"] != order.reference


def test_without_a_key_a_double_click_gets_the_open_order(client, cast):
    code = submitted(cast).code
    an = bearer(cast.an.citizen_id)
    first, second = post(client, {"dossier": code}, an), post(client, {"dossier": code}, an)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]
    read = client.get(f"{API}/{first.json()['reference']}", **an)
    assert read.status_code == 200 and read.json()["dossier"] == code


def test_a_key_reused_for_another_dossier_or_too_long_is_refused_and_writes_nothing(client, cast):
    an = bearer(cast.an.citizen_id)
    first_code, other_code = submitted(cast).code, submitted(cast).code
    assert post(client, {"dossier": first_code}, an, HTTP_IDEMPOTENCY_KEY="pay-1").status_code == 201

    reused = post(client, {"dossier": other_code}, an, HTTP_IDEMPOTENCY_KEY="pay-1")
    too_long = post(client, {"dossier": other_code}, an, HTTP_IDEMPOTENCY_KEY="k" * 201)

    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    assert too_long.status_code == 422 and too_long["Content-Type"] == "application/problem+json"
    assert not PaymentOrder.objects.filter(dossier__code=other_code).exists()
    assert IdempotencyKey.objects.count() == 1


def test_someone_else_s_dossier_is_not_found(client, cast):
    code = submitted(cast).code
    answer = post(client, {"dossier": code}, bearer(cast.ngoc.citizen_id), HTTP_IDEMPOTENCY_KEY="x")
    assert answer.status_code == 404 and answer.json()["code"] == "dossier_not_found"
    assert not PaymentOrder.objects.exists() and not IdempotencyKey.objects.exists()
