"""Delivery of notifications from the event log, and marking them read."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import NotFound
from tinhso.core.models import Event, User
from tinhso.core.services import record_event
from tinhso.notifications import channels, events, rules, selectors
from tinhso.notifications.models import (
    Consent,
    DeliveryAttempt,
    DeliveryCursor,
    Notification,
    OutboxMessage,
    Purpose,
)
from tinhso.notifications.rules import RULES

# Events of transactions that committed after the previous run started are still picked up; the unique
# (event, recipient) constraint makes looking at an event twice harmless.
GRACE = timedelta(minutes=10)


@transaction.atomic
def deliver_notifications(*, now: datetime | None = None) -> int:
    """Creates the inbox entries for events written since the previous run; returns how many were new."""
    now = now or timezone.now()
    cursor = DeliveryCursor.objects.select_for_update().first() or DeliveryCursor.objects.create(
        last_run_at=None
    )
    events = Event.objects.filter(action__in=RULES).order_by("id")
    if cursor.last_run_at is not None:
        events = events.filter(occurred_at__gte=cursor.last_run_at - GRACE)
    notifications = []
    for event in events.iterator(chunk_size=500):
        message = RULES[event.action](event)
        if message is None:
            continue
        notifications += [
            Notification(
                recipient_id=recipient,
                event=event,
                title=message.title,
                link=message.link,
                created_at=event.occurred_at,
            )
            for recipient in dict.fromkeys(message.recipients)
        ]
    before = Notification.objects.count()
    Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=500)
    cursor.last_run_at = now
    cursor.save(update_fields=["last_run_at"])
    return Notification.objects.count() - before


def mark_read(*, actor: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient=actor).first()
    if notification is None:
        raise NotFound(_("Không tìm thấy thông báo."), code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, actor: User) -> int:
    """Marks every unread notification of the person read; returns how many were unread."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- The outbox: messages beyond the inbox -------------------------------------------------------------------
# A message is claimed for this long; a worker killed mid-send leaves it to be claimed again after, and the
# gateway recognises the repeat by the message's id.
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3  # per channel, then the next channel in the person's order
BACKOFF = timedelta(minutes=1)  # 1, 4, 16 minutes between the tries on one channel
CHUNK = 100  # messages a run sends per channel before it lets other jobs run


def write_outbox(*, event: Event) -> int:
    """Writes the messages an event sends on people's channels, inside the transaction that records the event
    (called from its post_save): they exist exactly when the event does. Returns how many were written."""
    configured = list(channels.senders())
    rows = []
    for template, rule in rules.channel_rules(event.action):
        message = rule(event)
        if message is None:
            continue
        plans = selectors.channel_plans(
            user_ids=message.recipients, purpose=Purpose.NOTICES, configured=configured
        )
        rows += [
            _outbox_row(recipient=user_id, plan=plan, template=template, event=event, link=message.link)
            for user_id, plan in plans.items()
        ]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def _outbox_row(
    *,
    recipient: int,
    plan: selectors.Plan,
    template: str,
    event: Event | None,
    link: str,
    optional: bool = False,
) -> OutboxMessage:
    now = timezone.now()
    held = plan.digest and not optional
    return OutboxMessage(
        recipient_id=recipient,
        event=event,
        template=template,
        context={"code": str(event.payload.get("code", "")) if event else "", "link": link},
        optional=optional,
        channels=["email"] if held else plan.channels,
        current_channel="email" if held else plan.channels[0],
        status=OutboxMessage.Status.HELD if held else OutboxMessage.Status.PENDING,
        next_attempt_at=now,
        created_at=now,
    )


@dataclass
class DeliveryRun:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    more: bool = False  # due messages are left for the next run


def deliver_outbox(*, now: datetime | None = None) -> DeliveryRun:
    """Sends due messages, at most CHUNK per channel and within each channel's rate per minute."""
    now = now or timezone.now()
    senders = channels.senders()
    run = DeliveryRun()
    for channel, send in senders.items():
        budget = min(CHUNK, settings.TINHSO_SEND_RATES[channel] - selectors.sent_in_last_minute(channel, now))
        claimed = _claim(channel=channel, limit=max(budget, 0), now=now)
        for message_id in claimed:
            _deliver_one(message_id=message_id, send=send, now=now, run=run)
        run.more = run.more or (len(claimed) == budget and budget > 0)
    return run


@transaction.atomic
def _claim(*, channel: str, limit: int, now: datetime) -> list[uuid.UUID]:
    """Takes due messages for this worker (a message being sent counts as due once its lease ran out)."""
    if limit <= 0:
        return []
    due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
        current_channel=channel,
        status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING],
        next_attempt_at__lte=now,
    )
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    OutboxMessage.objects.filter(pk__in=ids).update(
        status=OutboxMessage.Status.SENDING, next_attempt_at=now + LEASE
    )
    return ids


def _deliver_one(*, message_id: uuid.UUID, send: channels.Sender, now: datetime, run: DeliveryRun) -> None:
    message = OutboxMessage.objects.select_related("event").get(pk=message_id)
    channel = message.current_channel
    purpose = Purpose.SUGGESTIONS if message.optional else Purpose.NOTICES
    choices = selectors.consents([message.recipient_id])
    address = selectors.contact_address(user_id=message.recipient_id, channel=channel)
    if not selectors.allowed(choices, user_id=message.recipient_id, channel=channel, purpose=purpose):
        _settle(message_id=message_id, ok=False, answer="opted out", permanent=True, now=now, run=run)
    elif not address:
        _settle(
            message_id=message_id, ok=False, answer="no verified contact", permanent=True, now=now, run=run
        )
    else:
        try:
            answer = send(compose(message=message, address=address))
        except channels.GatewayError as error:
            _settle(
                message_id=message_id,
                ok=False,
                answer=error.answer,
                permanent=error.permanent,
                now=now,
                run=run,
            )
        else:
            _settle(message_id=message_id, ok=True, answer=answer, permanent=False, now=now, run=run)


@transaction.atomic
def _settle(
    *, message_id: uuid.UUID, ok: bool, answer: str, permanent: bool, now: datetime, run: DeliveryRun
) -> None:
    """Logs the try and moves the message on: sent, retried later, on to the next channel, or failed."""
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    if message.status != OutboxMessage.Status.SENDING:
        return  # settled by a worker that took it over after the lease ran out
    DeliveryAttempt.objects.create(
        message=message, channel=message.current_channel, at=now, ok=ok, answer=answer
    )
    if ok:
        message.status, message.sent_at, message.sent_via = (
            OutboxMessage.Status.SENT,
            now,
            message.current_channel,
        )
        run.sent += 1
    elif not permanent and message.attempts + 1 < MAX_ATTEMPTS:
        message.attempts += 1
        message.status = OutboxMessage.Status.PENDING
        message.next_attempt_at = now + BACKOFF * 4 ** (message.attempts - 1)
        run.retried += 1
    elif message.channel_index + 1 < len(message.channels):
        message.channel_index += 1
        message.current_channel = message.channels[message.channel_index]
        message.attempts, message.status, message.next_attempt_at = 0, OutboxMessage.Status.PENDING, now
        run.retried += 1
    else:
        message.status = OutboxMessage.Status.FAILED
        run.failed += 1
    message.save()


def compose(*, message: OutboxMessage, address: str) -> channels.Outgoing:
    """The message in its recipient's language; its links go through the platform (opening, opt-out)."""
    language = selectors.language_of(message.recipient_id)
    with translation.override(language):
        subject = rules.subject_of(message)
    base = f"{settings.TINHSO_SITE_URL}/tb/{message.pk.hex}"
    return channels.Outgoing(
        id=str(message.pk),
        address=address,
        subject=subject,
        link=f"{base}/",
        unsubscribe=f"{base}/huy/",
        template=message.template,
        language=language,
        context=message.context,
    )


# --- Choices: consent, opt-out, opening -----------------------------------------------------------------------
# The version of the consent text shown on the preferences page; a new text gets a new version.
CONSENT_TEXT_VERSION = "2026-12-01"


def _record_choice(
    *, user: User, channel: str, purpose: str, granted: bool, via: str, now: datetime
) -> Consent:
    consent = Consent.objects.create(
        user=user,
        channel=channel,
        purpose=purpose,
        granted=granted,
        at=now,
        text_version=CONSENT_TEXT_VERSION,
        via=via,
    )
    payload = {"channel": channel, "purpose": purpose, "via": via}
    if granted:
        record_event(
            subject=user,
            action=events.CONSENT_GIVEN,
            actor=user,
            payload=payload | {"text_version": CONSENT_TEXT_VERSION},
        )
    else:
        record_event(subject=user, action=events.CONSENT_WITHDRAWN, actor=user, payload=payload)
    return consent


@transaction.atomic
def opt_out(*, message_id: uuid.UUID, now: datetime | None = None) -> OutboxMessage:
    """The one-click opt-out a message carries: its recipient gets nothing more of its kind on its channel."""
    message = OutboxMessage.objects.select_related("recipient").filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("Không tìm thấy thông báo."), code="notification_not_found")
    channel = message.sent_via or message.current_channel
    purpose = Purpose.SUGGESTIONS if message.optional else Purpose.NOTICES
    choices = selectors.consents([message.recipient_id])
    if selectors.allowed(choices, user_id=message.recipient_id, channel=channel, purpose=purpose):
        _record_choice(
            user=message.recipient,
            channel=channel,
            purpose=purpose,
            granted=False,
            via="unsubscribe",
            now=now or timezone.now(),
        )
    return message


def mark_opened(*, message_id: uuid.UUID, now: datetime | None = None) -> OutboxMessage:
    """A message's link was followed: counted once (a campaign's reach), then the person goes on to it."""
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("Không tìm thấy thông báo."), code="notification_not_found")
    OutboxMessage.objects.filter(pk=message_id, opened_at__isnull=True).update(
        opened_at=now or timezone.now()
    )
    return message
