"""Notification channels in tests: verified contacts, a real local SMTP server (aiosmtpd), the fake gateways."""

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from py_vapid import Vapid02, b64urlencode

from tinhso.core.models import User
from tinhso.notifications.fakes import FakeGateways
from tinhso.notifications.models import Consent, Contact, Preference, PushSubscription


def sent(cast):
    """Submits a dossier and runs the jobs its commit queues: delivery, then the outbox."""
    from tinhso.notifications import services
    from tinhso.testing.dossier_flow import submitted

    dossier = submitted(cast)
    services.deliver_notifications()
    services.deliver_outbox()
    return dossier


def reachable(
    user: User, *, email: str = "", phone: str = "", order: list[str] | None = None, language: str = "vi"
) -> User:
    """Gives the person verified contacts and, if given, a fallback order and language."""
    for kind, address in ((Contact.Kind.EMAIL, email), (Contact.Kind.PHONE, phone)):
        if address:
            Contact.objects.create(user=user, kind=kind, address=address, verified_at=timezone.now())
    Preference.objects.update_or_create(user=user, defaults={"order": order or [], "language": language})
    return user


class Mailbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1; the platform's EMAIL_* settings point at it."""
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks it can connect, so not port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox.port = port
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield mailbox
    controller.stop()


@pytest.fixture
def gateways(settings) -> Iterator[FakeGateways]:
    """The fake SMS (JSON shape) and Zalo gateways, configured as the platform's."""
    with FakeGateways() as fake:
        settings.TINHSO_SMS_GATEWAY, settings.TINHSO_SMS_URL = "json", f"{fake.url}/sms-json"
        settings.TINHSO_ZALO_URL, settings.TINHSO_ZALO_ACCESS_TOKEN = f"{fake.url}/zalo", fake.zalo_token
        settings.TINHSO_ZALO_TEMPLATES = {"*": "231000"}
        settings.TINHSO_GATEWAY_TIMEOUT = 2
        yield fake


def opt_in(user: User, channel: str, purpose: str) -> None:
    """The person's opt-in to a channel for a purpose, as the settings page records it."""
    from tinhso.notifications.services import CONSENT_TEXT_VERSION

    Consent.objects.create(
        user=user,
        channel=channel,
        purpose=purpose,
        granted=True,
        at=timezone.now(),
        text_version=CONSENT_TEXT_VERSION,
        via="preferences",
    )


def subscribed(user: User, subscription: dict) -> None:
    """A browser's push subscription (`FakeGateways.browser`) kept for the person."""
    PushSubscription.objects.create(
        user=user,
        endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
        created_at=timezone.now(),
    )


def vapid_keys() -> tuple[str, str]:
    """A VAPID key pair as `vapid --gen` gives it: the private key and the public point, base64url."""
    vapid = Vapid02()
    vapid.generate_keys()
    private = b64urlencode(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
    public = b64urlencode(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    return private, public
