"""Webhooks per Standard Webhooks, received by a local endpoint that verifies with the `standardwebhooks`
library: signed deliveries, retries on schedule, disabling after repeated failure, replay, secret rotation
and the guard against private addresses."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from tinhso.core.errors import InvalidInput
from tinhso.integration import services, webhooks
from tinhso.integration.fakes import WebhookReceiver, serving
from tinhso.integration.models import ExchangeLog, WebhookDelivery, WebhookSubscription
from tinhso.testing.dossier_flow import in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(admin, partner):
    """A subscription of the partner to dossier events at its endpoint on this machine, which an
    administrator allowed (the partner's system is on the province's own network)."""
    services.update_partner(
        actor=admin,
        code=partner.partner.code,
        version=partner.partner.version,
        private_addresses_allowed=True,
    )
    endpoint = WebhookReceiver(secret="")
    with serving(endpoint.handle) as url:
        secret, subscription = services.subscribe(
            actor=admin,
            partner_code=partner.partner.code,
            url=f"{url}/su-kien",
            event_types=["dossier.status_changed", "dossier.finished"],
        )
        endpoint.secret = secret
        endpoint.subscription = subscription
        yield endpoint


def run(now=None) -> None:
    webhooks.dispatch(now=now)
    webhooks.send_due(now=now)


def test_deliveries_are_signed_and_verified_by_the_receiver(cast, receiver):
    dossier = in_state(cast, "accepted")
    run()
    types = [(payload["type"], payload["data"].get("status")) for payload in receiver.received]
    assert ("dossier.status_changed", 2) in types
    assert all(payload["data"]["code"] == dossier.code for payload in receiver.received)
    assert receiver.rejected == 0
    assert WebhookDelivery.objects.filter(state="delivered").count() == len(receiver.received)
    assert ExchangeLog.objects.filter(service="webhooks", direction="out", status=204).count() == len(
        receiver.received
    )


def test_dispatching_twice_delivers_once(cast, receiver):
    in_state(cast, "accepted")
    run()
    count = WebhookDelivery.objects.count()
    assert webhooks.dispatch() == 0 and WebhookDelivery.objects.count() == count


def test_a_tampered_body_or_a_stale_timestamp_fails_verification(receiver):
    subscription = WebhookSubscription.objects.get()
    body = json.dumps({"type": "dossier.status_changed", "data": {"code": "X"}}).encode()
    headers = webhooks.headers_for(subscription, message_id="msg_1", body=body, now=timezone.now())
    assert Webhook(receiver.secret).verify(body, headers)["data"]["code"] == "X"
    with pytest.raises(WebhookVerificationError):
        Webhook(receiver.secret).verify(body.replace(b'"X"', b'"Y"'), headers)
    stale = webhooks.headers_for(
        subscription, message_id="msg_2", body=body, now=timezone.now() - timedelta(minutes=6)
    )
    with pytest.raises(WebhookVerificationError):
        Webhook(receiver.secret).verify(body, stale)


def test_a_receiver_answering_500_is_retried_on_schedule(cast, receiver):
    receiver.status = 500
    in_state(cast, "accepted")
    started = timezone.now()
    run(now=started)
    delivery = WebhookDelivery.objects.order_by("id").first()
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.last_status == 500
    assert delivery.next_attempt_at == started + webhooks.SCHEDULE[0]
    webhooks.send_due(now=started + webhooks.SCHEDULE[0])
    delivery.refresh_from_db()
    assert (
        delivery.attempts == 2
        and delivery.next_attempt_at == started + webhooks.SCHEDULE[0] + webhooks.SCHEDULE[1]
    )
    receiver.status = 204
    webhooks.send_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and len(receiver.received) >= 1


def test_a_subscription_is_disabled_after_repeated_failures_and_replay_sends_again(
    client, cast, partner, receiver
):
    receiver.status = 500
    in_state(cast, "accepted")
    later = timezone.now()
    webhooks.dispatch(now=later)
    for _ in range(webhooks.DISABLE_AFTER):
        webhooks.send_due(now=later)
        later += timedelta(hours=11)
    subscription = WebhookSubscription.objects.get()
    assert subscription.state == "disabled"
    assert webhooks.send_due(now=later + timedelta(days=1)) == 0  # nothing more goes to a disabled endpoint
    services.set_subscription_state(actor=None, subscription_id=subscription.pk, enabled=True)
    receiver.status = 204
    services.approve_grant(
        actor=None,
        partner_code=partner.partner.code,
        service_code="webhooks",
        scopes=["webhooks.subscribe"],
        purpose="Nhận thông báo hồ sơ đất đai",
        legal_basis="Quyết định 1619/QĐ-UBND",
        valid_from=timezone.localdate(),
    )
    failed = WebhookDelivery.objects.order_by("id").first()
    replayed = client.post(
        f"/api/v1/lgsp/webhooks/deliveries/{failed.message_id}/replay", HTTP_X_API_KEY=partner.key
    )
    assert replayed.status_code == 202
    webhooks.send_due()
    failed.refresh_from_db()
    assert failed.state == "delivered"
    log = client.get("/api/v1/lgsp/webhooks/deliveries", HTTP_X_API_KEY=partner.key).json()
    assert {row["message_id"] for row in log} >= {failed.message_id}


def test_during_a_rotation_both_secrets_sign(cast, receiver):
    subscription = WebhookSubscription.objects.get()
    old_secret = receiver.secret
    new_secret = services.rotate_webhook_secret(actor=None, subscription_id=subscription.pk)
    subscription.refresh_from_db()
    body = b'{"type":"dossier.finished"}'
    headers = webhooks.headers_for(subscription, message_id="msg_9", body=body, now=timezone.now())
    assert len(headers["webhook-signature"].split()) == 2
    for secret in (old_secret, new_secret):
        Webhook(secret).verify(body, headers)
    after = webhooks.headers_for(
        subscription, message_id="msg_9", body=body, now=timezone.now() + timedelta(days=2)
    )
    assert len(after["webhook-signature"].split()) == 1


def test_private_and_loopback_addresses_need_an_administrator(admin, partner):
    for url in (
        "http://127.0.0.1:9000/hook",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "ftp://example.org/x",
    ):
        with pytest.raises(InvalidInput):
            services.subscribe(
                actor=admin, partner_code=partner.partner.code, url=url, event_types=["dossier.finished"]
            )
    assert not WebhookSubscription.objects.exists()


def test_partners_subscribe_themselves_within_their_grant(client, partner):
    body = {"url": "http://127.0.0.1:9/x", "event_types": ["dossier.finished"]}
    refused = client.post(
        "/api/v1/lgsp/webhooks", body, content_type="application/json", HTTP_X_API_KEY=partner.key
    )
    assert refused.status_code == 403
    services.approve_grant(
        actor=None,
        partner_code=partner.partner.code,
        service_code="webhooks",
        scopes=["webhooks.subscribe"],
        purpose="Nhận thông báo hồ sơ đất đai",
        legal_basis="Quyết định 1619/QĐ-UBND",
        valid_from=timezone.localdate(),
    )
    private = client.post(
        "/api/v1/lgsp/webhooks", body, content_type="application/json", HTTP_X_API_KEY=partner.key
    )
    assert private.status_code == 422 and private.json()["code"] == "private_address"


def test_a_new_subscriber_is_not_sent_the_history(cast, request):
    in_state(cast, "accepted")
    receiver = request.getfixturevalue("receiver")
    run()
    assert receiver.received == [] and not WebhookDelivery.objects.exists()
