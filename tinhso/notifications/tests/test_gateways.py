"""Each gateway's real message shape, sent to the local fakes: Viettel SOAP wsCpMt, the JSON SMS gateway, Zalo
ZNS, and Web Push decrypted with the subscribing browser's key."""

import json

import pytest
from django.utils import timezone

from tinhso.notifications import services
from tinhso.notifications.channels import Outgoing, sms
from tinhso.notifications.models import OutboxMessage, PushSubscription
from tinhso.testing.notifications import opt_in, reachable, sent, subscribed, vapid_keys

pytestmark = pytest.mark.django_db


def test_viettel_gets_a_wscpmt_call_with_unaccented_text_in_two_segments_at_most(cast, settings, gateways):
    settings.TINHSO_SMS_GATEWAY, settings.TINHSO_SMS_URL = "viettel", f"{gateways.url}/viettel"
    settings.TINHSO_SMS_USER, settings.TINHSO_SMS_PASSWORD, settings.TINHSO_SMS_CPCODE = (
        "camau",
        "s3cret",
        "CAMAU01",
    )
    reachable(cast.an, phone="84912345678", order=["sms"])
    dossier = sent(cast)
    message = OutboxMessage.objects.get()
    [delivered] = gateways.delivered
    fields = delivered.body
    assert (fields["RequestID"], fields["ReceiverID"], fields["UserID"]) == (
        str(message.pk),
        "84912345678",
        "84912345678",
    )
    assert (fields["ServiceID"], fields["CommandCode"], fields["ContentType"], fields["CPCode"]) == (
        "TINHSO",
        "bulksms",
        "0",
        "CAMAU01",
    )
    content = fields["Content"]
    assert content.isascii() and len(content) <= 2 * 153
    assert content.startswith(f"Ho so {dossier.code} da duoc gui den co quan")
    assert f"/tb/{message.pk.hex}/ Tu choi: " in content and content.endswith(f"/tb/{message.pk.hex}/huy/")
    assert message.status == OutboxMessage.Status.SENT
    assert "Insert MT_QUEUE: OK" in message.attempt_log.get().answer


def test_a_long_subject_is_cut_to_keep_the_links_within_two_segments():
    long = Outgoing(
        id="x",
        address="84912345678",
        subject="Phản ánh " + "rất dài " * 60,
        link="https://dichvucong.camau.gov.vn/tb/0123456789abcdef0123456789abcdef/",
        unsubscribe="https://dichvucong.camau.gov.vn/tb/0123456789abcdef0123456789abcdef/huy/",
        template="t",
        language="vi",
    )
    text = sms.sms_text(long)
    assert len(text) == 306 and text.isascii() and "... https://" in text and text.endswith("/huy/")


def test_zalo_gets_a_zns_template_with_the_oa_token_and_the_phone_as_84(cast, gateways):
    reachable(cast.an, phone="84912345678", order=["zalo"])

    opt_in(cast.an, "zalo", "notices")
    dossier = sent(cast)
    message = OutboxMessage.objects.get()
    [delivered] = gateways.delivered
    assert delivered.gateway == "zalo" and delivered.body == {
        "phone": "84912345678",
        "template_id": "231000",
        "template_data": {"code": dossier.code, "link": f"http://127.0.0.1:8000/tb/{message.pk.hex}/"},
        "tracking_id": str(message.pk),
    }
    assert message.status == OutboxMessage.Status.SENT


def test_zalo_needs_an_opt_in_and_a_wrong_token_fails_over_to_sms(cast, settings, gateways):

    reachable(cast.an, phone="84912345678", order=["zalo", "sms"])
    sent(cast)
    assert OutboxMessage.objects.get().channels == ["sms"]  # no opt-in to Zalo: not tried
    opt_in(cast.an, "zalo", "notices")
    settings.TINHSO_ZALO_ACCESS_TOKEN = "expired-token"
    sent(cast)
    services.deliver_outbox()  # the next run takes it up on SMS
    message = OutboxMessage.objects.exclude(channels=["sms"]).get()
    assert [(a.channel, a.ok) for a in message.attempt_log.all()] == [("zalo", False), ("sms", True)]
    assert "-124" in message.attempt_log.first().answer  # a bad token is not retried on Zalo


def test_web_push_reaches_a_browser_that_decrypts_it_with_its_own_key(cast, settings, gateways):

    settings.TINHSO_VAPID_PRIVATE_KEY, settings.TINHSO_VAPID_PUBLIC_KEY = vapid_keys()
    subscription = gateways.browser("chromium")
    subscribed(cast.an, subscription)
    reachable(cast.an, order=["push"])
    opt_in(cast.an, "push", "notices")
    dossier = sent(cast)
    message = OutboxMessage.objects.get()
    [delivered] = gateways.delivered
    assert delivered.gateway == "push" and delivered.id == str(message.pk)  # decrypted: the tag inside
    assert delivered.body["title"].startswith(f"Hồ sơ {dossier.code}")
    assert delivered.body["link"] == f"http://127.0.0.1:8000/tb/{message.pk.hex}/"
    assert message.status == OutboxMessage.Status.SENT and message.attempt_log.get().answer == "201"


def test_a_push_subscription_the_browser_dropped_is_not_retried(cast, settings, gateways):
    settings.TINHSO_VAPID_PRIVATE_KEY, settings.TINHSO_VAPID_PUBLIC_KEY = vapid_keys()
    keys = gateways.browser("chromium")["keys"]
    PushSubscription.objects.create(
        user=cast.an, endpoint=f"{gateways.url}/push/gone", created_at=timezone.now(), **keys
    )
    reachable(cast.an, order=["push"])
    opt_in(cast.an, "push", "notices")
    sent(cast)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.FAILED and message.attempt_log.get().answer.startswith(
        "410"
    )
    assert json.dumps(message.context).find(cast.an.citizen_id) == -1
