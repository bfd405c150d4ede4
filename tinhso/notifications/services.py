"""Delivery of notifications from the event log, and marking them read."""

import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import InvalidInput, NotFound
from tinhso.core.models import Event, User
from tinhso.core.services import record_event
from tinhso.core.working_time import local_zone
from tinhso.notifications import channels, digest, events, proactive, rules, selectors, texts
from tinhso.notifications.models import (
    Channel,
    Consent,
    Contact,
    DeliveryAttempt,
    DeliveryCursor,
    Notification,
    OutboxMessage,
    Preference,
    ProactiveRule,
    Purpose,
    PushSubscription,
    Suggestion,
)
from tinhso.notifications.rules import RULES

# Events of transactions that committed after the previous run started are still picked up; the unique
# (event, recipient) constraint makes looking at an event twice harmless.
GRACE = timedelta(minutes=10)


@transaction.atomic
def deliver_notifications(*, now: datetime | None = None) -> int:
    """Creates the inbox entries and the outbox messages of events written since the previous run, in one
    transaction; returns how many inbox entries were new. The event log is the outbox's durable half: an
    event commits with the change it records, and its messages are derived from it here exactly once per
    (event, recipient, template), however often a run looks at it again."""
    now = now or timezone.now()
    cursor = DeliveryCursor.objects.select_for_update().first() or DeliveryCursor.objects.create(
        last_run_at=None
    )
    events = Event.objects.filter(action__in=RULES).order_by("id")
    if cursor.last_run_at is not None:
        events = events.filter(occurred_at__gte=cursor.last_run_at - GRACE)
    notifications, outbox = [], []
    configured = list(channels.senders())
    rows = selectors.message_templates()
    for event in events.iterator(chunk_size=500):
        message = RULES[event.action](event)
        outbox += _outbox_rows(event=event, inbox_message=message, configured=configured)
        if message is None:
            continue
        notifications += [
            Notification(
                recipient_id=recipient,
                event=event,
                title=message.title(rows),
                link=message.link,
                created_at=event.occurred_at,
            )
            for recipient in dict.fromkeys(message.recipients)
        ]
    before = Notification.objects.count()
    Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=500)
    OutboxMessage.objects.bulk_create(outbox, ignore_conflicts=True, batch_size=1000)
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


def _outbox_rows(
    *, event: Event, inbox_message: rules.Message | None, configured: list[str]
) -> list[OutboxMessage]:
    """The messages an event sends on people's channels: one per reachable recipient of each channel rule
    (the inbox's own rule is not run twice)."""
    rows = []
    for template, rule in rules.channel_rules(event.action):
        message = inbox_message if template == event.action else rule(event)
        if message is None:
            continue
        plans = selectors.channel_plans(
            user_ids=message.recipients, purpose=Purpose.NOTICES, configured=configured
        )
        rows += [
            _outbox_row(recipient=user_id, plan=plan, template=template, event=event, link=message.link)
            for user_id, plan in plans.items()
        ]
    return rows


def _outbox_row(
    *,
    recipient: int,
    plan: selectors.Plan,
    template: str,
    event: Event | None,
    link: str,
    optional: bool = False,
    context: dict[str, str] | None = None,
) -> OutboxMessage:
    now = timezone.now()
    held = plan.digest and not optional
    return OutboxMessage(
        recipient_id=recipient,
        event=event,
        template=template,
        context={"code": str(event.payload.get("code", "")) if event else "", "link": link} | (context or {}),
        optional=optional,
        channels=["email"] if held else plan.channels,
        current_channel="email" if held else plan.channels[0],
        status=OutboxMessage.Status.HELD if held else OutboxMessage.Status.PENDING,
        next_attempt_at=now,
        created_at=now,
    )


def send_daily_digests(*, now: datetime | None = None) -> int:
    """Writes each official who chose the daily digest and has work one message of the day summing up their
    queue, on their own channels; a second run the same day writes nothing (one digest per official per
    day). Returns how many were written."""
    now = now or timezone.now()
    day = now.astimezone(local_zone()).date()
    plans = selectors.channel_plans(
        user_ids=digest.readers(), purpose=Purpose.NOTICES, configured=list(channels.senders())
    )
    # Read once for all: who already has today's digest, and how many notices each one's digest holds.
    done = digest.written_on(day=day, user_ids=list(plans))
    held = digest.held_counts(user_ids=list(plans))
    return sum(
        _write_digest(user=user, plan=plans[user.pk], day=day, now=now, held=held.get(user.pk, 0))
        for user in User.objects.filter(pk__in=plans.keys() - done).order_by("pk")
    )


@transaction.atomic
def _write_digest(*, user: User, plan: selectors.Plan, day: date, now: datetime, held: int) -> int:
    """The official's digest, and their held notices marked told by it, together or not at all."""
    work = digest.work_of(user=user, now=now, held=held)
    if not work:
        return 0
    message = _outbox_row(
        recipient=user.pk,
        plan=replace(plan, digest=False),  # the digest itself is not held for the digest
        template=digest.TEMPLATE,
        event=None,
        link=digest.link_of(work),
        context=work.as_context() | {"day": day.isoformat()},
    )
    message.digest_on = day
    try:
        with transaction.atomic():  # a concurrent run wrote it first: the constraint keeps one
            message.save(force_insert=True)
    except IntegrityError:
        return 0
    if held:
        digest.held(user_id=user.pk).filter(created_at__lte=now).update(status=OutboxMessage.Status.DIGESTED)
    return 1


@dataclass
class DeliveryRun:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    more: bool = False  # due messages are left for the next run


def deliver_outbox(*, now: datetime | None = None) -> DeliveryRun:
    """Sends due messages, at most CHUNK per channel and within each channel's rate per minute."""
    now = now or timezone.now()
    run = DeliveryRun()
    for channel, send in channels.senders().items():
        budget = min(CHUNK, settings.TINHSO_SEND_RATES[channel] - selectors.sent_in_last_minute(channel, now))
        claimed = _claim(channel=channel, limit=max(budget, 0), now=now)
        if claimed:
            _deliver(claimed, channel=channel, send=send, now=now, run=run)
        run.more = run.more or (len(claimed) == budget and budget > 0)
    return run


@transaction.atomic
def _claim(*, channel: str, limit: int, now: datetime) -> list[OutboxMessage]:
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
    return list(OutboxMessage.objects.select_related("event").filter(pk__in=ids))


def _deliver(
    claimed: list[OutboxMessage], *, channel: str, send: channels.Sender, now: datetime, run: DeliveryRun
) -> None:
    """Sends each claimed message, its recipients' consents, addresses and languages read once for all."""
    recipients = {message.recipient_id for message in claimed}
    choices = selectors.consents(recipients)
    addresses = selectors.contact_addresses(user_ids=recipients, channel=channel)
    languages = selectors.languages_of(recipients)
    rows = selectors.message_templates()
    for message in claimed:
        purpose = Purpose.SUGGESTIONS if message.optional else Purpose.NOTICES
        address = addresses.get(message.recipient_id, "")
        if not selectors.allowed(choices, user_id=message.recipient_id, channel=channel, purpose=purpose):
            outcome = (False, "opted out", True)
        elif not address:
            outcome = (False, "no verified contact", True)
        else:
            language = languages.get(message.recipient_id, settings.LANGUAGE_CODE)
            try:
                outcome = (
                    True,
                    send(compose(message=message, address=address, language=language, rows=rows)),
                    False,
                )
            except channels.GatewayError as error:
                outcome = (False, error.answer, error.permanent)
        _settle(message=message, ok=outcome[0], answer=outcome[1], permanent=outcome[2], now=now, run=run)


@transaction.atomic
def _settle(
    *, message: OutboxMessage, ok: bool, answer: str, permanent: bool, now: datetime, run: DeliveryRun
) -> None:
    """Logs the try and moves the message on: sent, retried later, on to the next channel, or failed. Only
    while this worker's lease holds: a worker that took the message over after the lease settles it."""
    lease = now + LEASE
    channel = message.current_channel
    if ok:
        message.status, message.sent_at, message.sent_via = OutboxMessage.Status.SENT, now, channel
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
    fields = [
        "status",
        "sent_at",
        "sent_via",
        "attempts",
        "next_attempt_at",
        "channel_index",
        "current_channel",
    ]
    held = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxMessage.Status.SENDING, next_attempt_at=lease
    )
    if held.update(**{field: getattr(message, field) for field in fields}):
        DeliveryAttempt.objects.create(message=message, channel=channel, at=now, ok=ok, answer=answer)


def compose(*, message: OutboxMessage, address: str, language: str, rows: texts.Rows) -> channels.Outgoing:
    """The message in its recipient's language from its channel's template; its links go through the
    platform (opening, opt-out)."""
    with translation.override(language):
        subject, body = rules.text_of(message, rows, channel=message.current_channel)
    base = f"{settings.TINHSO_SITE_URL}/tb/{message.pk.hex}"
    return channels.Outgoing(
        id=str(message.pk),
        address=address,
        subject=subject,
        body=body,
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


# --- Contacts and preferences ---------------------------------------------------------------------------------
CODE_LIFETIME = timedelta(minutes=15)
MAX_CODE_TRIES = 5
# Vietnamese mobile numbers: 0 or 84 then 9 digits starting 3, 5, 7, 8 or 9.
MOBILE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")


def normalise_address(*, kind: str, address: str) -> str:
    """The address as the gateways want it (e-mail lower-cased, phone as 84…), or InvalidInput beside it."""
    address = address.strip()
    if kind == Contact.Kind.PHONE:
        match = MOBILE.match(re.sub(r"[\s.\-]", "", address))
        if match is None:
            raise InvalidInput.on(
                "address", _("Số điện thoại di động không hợp lệ (ví dụ 0912 345 678)."), code="invalid_phone"
            )
        return "84" + match.group(1)
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidInput.on(
            "address", _("Địa chỉ thư điện tử không hợp lệ (ví dụ ten@example.com)."), code="invalid_email"
        ) from None
    return address.lower()


def _code_hash(contact: Contact, code: str) -> str:
    return salted_hmac("notifications.contact", f"{contact.pk}:{contact.address}:{code}").hexdigest()


@transaction.atomic
def start_verification(*, actor: User, kind: str, address: str, now: datetime | None = None) -> Contact:
    """Keeps the address (unverified until its code comes back) and sends it a six-digit code."""
    address = normalise_address(kind=kind, address=address)
    now = now or timezone.now()
    contact, _created = Contact.objects.select_for_update().get_or_create(
        user=actor, kind=kind, defaults={"address": address}
    )
    code = f"{secrets.randbelow(10**6):06d}"
    contact.address, contact.verified_at, contact.attempts, contact.code_sent_at = address, None, 0, now
    contact.code_hash = _code_hash(contact, code)
    contact.save()
    language = selectors.language_of(actor.pk)
    with translation.override(language):
        subject = _("Mã xác minh Tỉnh số của bạn là %(code)s (hiệu lực 15 phút).") % {"code": code}
    channel = "email" if kind == Contact.Kind.EMAIL else "sms"
    send = channels.senders().get(channel)
    if send is None:
        raise InvalidInput.on("address", _("Tỉnh số chưa gửi được tin nhắn SMS."), code="channel_unavailable")
    site = settings.TINHSO_SITE_URL
    try:
        send(
            channels.Outgoing(
                id=str(uuid.uuid4()),
                address=address,
                subject=str(subject),
                link=f"{site}/thong-bao/cai-dat/",
                unsubscribe=f"{site}/thong-bao/cai-dat/",
                template="contact_code",
                language=language,
            )
        )
    except channels.GatewayError:
        raise InvalidInput.on(
            "address", _("Không gửi được mã xác minh đến địa chỉ này; hãy thử lại sau."), code="code_not_sent"
        ) from None
    return contact


def confirm_contact(*, actor: User, kind: str, code: str, now: datetime | None = None) -> Contact:
    """Verifies the contact when the code matches; a wrong code still counts (its try is committed)."""
    contact, matched = _try_code(actor=actor, kind=kind, code=code, now=now or timezone.now())
    if not matched:
        raise InvalidInput.on("code", _("Mã xác minh không đúng."), code="wrong_code")
    return contact


@transaction.atomic
def _try_code(*, actor: User, kind: str, code: str, now: datetime) -> tuple[Contact, bool]:
    contact = Contact.objects.select_for_update().filter(user=actor, kind=kind).first()
    if contact is None or contact.verified_at is not None or contact.code_sent_at is None:
        raise InvalidInput.on("code", _("Hãy nhập địa chỉ và nhận mã trước."), code="no_code")
    if contact.attempts >= MAX_CODE_TRIES or now - contact.code_sent_at > CODE_LIFETIME:
        raise InvalidInput.on("code", _("Mã đã hết hiệu lực; hãy nhận mã mới."), code="code_expired")
    contact.attempts += 1
    if not constant_time_compare(contact.code_hash, _code_hash(contact, code.strip())):
        contact.save(update_fields=["attempts"])
        return contact, False
    contact.verified_at, contact.code_hash = now, ""
    contact.save()
    record_event(subject=actor, action=events.CONTACT_VERIFIED, actor=actor, payload={"kind": kind})
    return contact, True


@transaction.atomic
def save_preferences(
    *,
    actor: User,
    order: list[str],
    choices: dict[tuple[str, str], bool],
    language: str,
    daily_digest: bool,
    now: datetime | None = None,
) -> Preference:
    """Stores the fallback order and language, and records each opt-in or opt-out that changed."""
    now = now or timezone.now()
    if language not in dict(settings.LANGUAGES) or not set(order) <= set(Channel.values):
        raise InvalidInput.on("order", _("Lựa chọn không hợp lệ."), code="invalid_choice")
    preference, _created = Preference.objects.select_for_update().get_or_create(user=actor)
    preference.order = list(dict.fromkeys(order))
    preference.language = language
    preference.daily_digest = daily_digest and not actor.is_citizen
    preference.save()
    standing = selectors.consents([actor.pk])
    for (channel, purpose), granted in choices.items():
        if selectors.allowed(standing, user_id=actor.pk, channel=channel, purpose=purpose) != granted:
            _record_choice(
                user=actor, channel=channel, purpose=purpose, granted=granted, via="preferences", now=now
            )
    return preference


@transaction.atomic
def subscribe_push(
    *, actor: User, endpoint: str, p256dh: str, auth: str, now: datetime | None = None
) -> None:
    """Keeps a browser's push subscription (the same browser subscribing again replaces its keys)."""
    if not endpoint.startswith("https://") and not settings.DEBUG and settings.TINHSO_ENV == "production":
        raise InvalidInput.on("endpoint", _("Địa chỉ nhận thông báo không hợp lệ."), code="invalid_endpoint")
    PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": actor, "p256dh": p256dh, "auth": auth, "created_at": now or timezone.now()},
    )


# --- Proactive rules and suggestions --------------------------------------------------------------------------
def run_rule(*, code: str, today: date | None = None) -> int:
    """Runs one active rule: each person newly found gets a suggestion and, if they opted in to
    suggestions on a channel, a message. Returns how many were found; a second run finds no one again."""
    rule = ProactiveRule.objects.get(code=code)
    if not rule.active:
        return 0
    today = today or timezone.localdate()
    found = told = 0
    batch: list[proactive.Finding] = []
    for finding in proactive.FINDERS[rule.kind](rule, today):
        batch.append(finding)
        if len(batch) == proactive.CHUNK:
            found, told = _add(found, told, _suggest(rule=rule, findings=batch))
            batch = []
    found, told = _add(found, told, _suggest(rule=rule, findings=batch))
    _finish_run(rule=rule, found=found, told=told)
    return found


def _add(found: int, told: int, counts: tuple[int, int]) -> tuple[int, int]:
    return found + counts[0], told + counts[1]


@transaction.atomic
def _suggest(*, rule: ProactiveRule, findings: list[proactive.Finding]) -> tuple[int, int]:
    """One chunk: the suggestions not made before, and their messages, in one transaction."""
    if not findings:
        return 0, 0
    known = set(
        Suggestion.objects.filter(rule=rule, user_id__in={f.user_id for f in findings}).values_list(
            "user_id", "key"
        )
    )
    now = timezone.now()
    fresh = [
        Suggestion(rule=rule, user_id=f.user_id, key=f.key, due_on=f.due_on, created_at=now)
        for f in {(f.user_id, f.key): f for f in findings}.values()
        if (f.user_id, f.key) not in known
    ]
    Suggestion.objects.bulk_create(fresh, batch_size=1000)
    plans = selectors.channel_plans(
        user_ids=[s.user_id for s in fresh], purpose=Purpose.SUGGESTIONS, configured=list(channels.senders())
    )
    messages = [
        _outbox_row(
            recipient=s.user_id,
            plan=plans[s.user_id],
            template=f"{rules.SUGGESTION}{rule.code}",
            event=None,
            link=reverse("notifications:suggestion", args=[s.pk]),
            optional=True,
            context={"suggestion": str(s.pk), "due": s.due_on.isoformat()},
        )
        for s in fresh
        if s.user_id in plans
    ]
    OutboxMessage.objects.bulk_create(messages, batch_size=1000)
    return len(fresh), len(messages)


@transaction.atomic
def _finish_run(*, rule: ProactiveRule, found: int, told: int) -> None:
    rule = ProactiveRule.objects.select_for_update().get(pk=rule.pk)
    rule.last_run_at = timezone.now()
    rule.save(update_fields=["last_run_at"])
    record_event(
        subject=rule,
        action=events.RULE_RAN,
        actor=None,
        payload={"rule": rule.code, "found": found, "told": told},
    )


@transaction.atomic
def open_suggestion(*, actor: User, suggestion_id: int) -> Suggestion:
    """The person follows a suggestion (from the home page or a message): counted once for the campaign."""
    suggestion = (
        Suggestion.objects.select_for_update()
        .select_related("rule")
        .filter(pk=suggestion_id, user=actor)
        .first()
    )
    if suggestion is None:
        raise NotFound(_("Không tìm thấy gợi ý."), code="suggestion_not_found")
    if suggestion.opened_at is None:
        suggestion.opened_at = timezone.now()
        suggestion.save(update_fields=["opened_at"])
        record_event(
            subject=actor,
            action=events.SUGGESTION_OPENED,
            actor=actor,
            payload={"rule": suggestion.rule.code},
        )
    return suggestion


def dismiss_suggestion(*, actor: User, suggestion_id: int) -> None:
    """The person does not want it: it leaves their home page (the campaign still counts it found)."""
    if not Suggestion.objects.filter(pk=suggestion_id, user=actor, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now()
    ):
        raise NotFound(_("Không tìm thấy gợi ý."), code="suggestion_not_found")
