"""Gateways a message leaves by. Each sender takes an `Outgoing` and returns the gateway's answer, or raises
`GatewayError` with it; the outbox keeps the answer in the delivery log and decides on retries."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class Outgoing:
    id: str  # the outbox message's id: the gateway's request or tracking id, so it can refuse a repeat
    address: str  # e-mail address, 84… phone number, or a push subscription as JSON
    subject: str
    link: str  # absolute, through the platform (counts the opening)
    unsubscribe: str  # absolute one-click opt-out
    template: str
    language: str
    context: dict[str, str] = field(default_factory=dict)
    body: str = ""  # the mail's text and the SMS; empty: the subject

    @property
    def text(self) -> str:
        return self.body or self.subject


class GatewayError(Exception):
    """The gateway did not take the message. `permanent`: retrying cannot help (bad number, no template)."""

    def __init__(self, answer: str, *, permanent: bool = False) -> None:
        super().__init__(answer)
        self.answer = answer
        self.permanent = permanent


Sender = Callable[[Outgoing], str]


def senders() -> dict[str, Sender]:
    """The channels this deployment has configured; e-mail always (the console without EMAIL_HOST)."""
    from tinhso.notifications.channels import email, push, sms, zalo

    configured: dict[str, Sender] = {"email": email.send}
    if settings.TINHSO_SMS_GATEWAY:
        configured["sms"] = sms.send
    if settings.TINHSO_ZALO_ACCESS_TOKEN:
        configured["zalo"] = zalo.send
    if settings.TINHSO_VAPID_PRIVATE_KEY:
        configured["push"] = push.send
    return configured
