"""The signed-in user's inbox."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import translation

from tinhso.core.models import User
from tinhso.notifications.models import (
    Channel,
    Consent,
    Contact,
    DeliveryAttempt,
    MessageTemplate,
    Notification,
    OutboxMessage,
    Preference,
    ProactiveRule,
    Purpose,
    PushSubscription,
    Suggestion,
)
from tinhso.notifications.rules import SUGGESTION
from tinhso.notifications.texts import Rows


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def in_reading_language(notifications: list[Notification]) -> list[Notification]:
    """Titles are stored as written at delivery (Vietnamese); a reader in another language gets each one
    written again from its event in theirs (rules read a row or two each: only then)."""
    from tinhso.notifications.rules import RULES  # the rules import the dossier and report selectors

    if translation.get_language() == settings.LANGUAGE_CODE:
        return notifications
    rows = message_templates()
    for notification in notifications:
        rule = RULES.get(notification.event.action)
        message = rule(notification.event) if rule else None
        if message is not None:
            notification.title = message.title(rows)
    return notifications


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# Tried in this order unless the person set their own.
DEFAULT_ORDER = ["email", "zalo", "sms", "push"]
# Notices about a person's own dossiers and reports go by e-mail or SMS on the legal basis of the service
# (Law 91/2025/QH15); every other (channel, purpose) needs an opt-in.
ON_LEGAL_BASIS = {("email", Purpose.NOTICES), ("sms", Purpose.NOTICES)}
CONTACT_OF = {"email": Contact.Kind.EMAIL, "sms": Contact.Kind.PHONE, "zalo": Contact.Kind.PHONE}


IN_CHUNK = 10_000


@dataclass(frozen=True)
class Plan:
    channels: list[str]
    language: str
    digest: bool


def consents(user_ids: Iterable[int]) -> dict[tuple[int, str, str], bool]:
    """The standing choice per (person, channel, purpose): the latest opt-in or opt-out."""
    rows = Consent.objects.filter(user_id__in=list(user_ids)).order_by("at", "id")
    return {(row.user_id, row.channel, row.purpose): row.granted for row in rows}


def allowed(choices: dict[tuple[int, str, str], bool], *, user_id: int, channel: str, purpose: str) -> bool:
    return choices.get((user_id, channel, purpose), (channel, purpose) in ON_LEGAL_BASIS)


def channel_plans(*, user_ids: list[int], purpose: str, configured: Iterable[str]) -> dict[int, Plan]:
    """For each person who can be reached beyond the inbox: the channels to try in order (configured,
    verified, consented), their language, and whether an official's notices wait for the daily digest."""
    user_ids = list(dict.fromkeys(user_ids))
    reachable: dict[int, set[str]] = {}
    preferences: dict[int, Preference] = {}
    choices: dict[tuple[int, str, str], bool] = {}
    for start in range(0, len(user_ids), IN_CHUNK):  # a query takes at most 65,535 parameters
        chunk = user_ids[start : start + IN_CHUNK]
        for user_id, kind in Contact.objects.filter(user_id__in=chunk, verified_at__isnull=False).values_list(
            "user_id", "kind"
        ):
            reachable.setdefault(user_id, set()).update(c for c, k in CONTACT_OF.items() if k == kind)
        for user_id in PushSubscription.objects.filter(user_id__in=chunk).values_list("user_id", flat=True):
            reachable.setdefault(user_id, set()).add("push")
        found = [pk for pk in chunk if pk in reachable]
        preferences |= {p.user_id: p for p in Preference.objects.filter(user_id__in=found)}
        choices |= consents(found)
    configured = set(configured)
    plans = {}
    for user_id, channels in reachable.items():
        preference = preferences.get(user_id)
        order = [
            channel
            for channel in (preference.order if preference and preference.order else DEFAULT_ORDER)
            if channel in channels
            and channel in configured
            and allowed(choices, user_id=user_id, channel=channel, purpose=purpose)
        ]
        if order:
            plans[user_id] = Plan(
                channels=order,
                language=preference.language if preference else settings.LANGUAGE_CODE,
                digest=bool(preference and preference.daily_digest),
            )
    return plans


def contact_addresses(*, user_ids: Iterable[int], channel: str) -> dict[int, str]:
    """Where a channel reaches each person now: the verified contact, or the newest push subscription as
    JSON; a person reached nowhere is missing."""
    user_ids = list(user_ids)
    if channel == "push":
        subscriptions = PushSubscription.objects.filter(user_id__in=user_ids).order_by("created_at")
        return {
            s.user_id: json.dumps({"endpoint": s.endpoint, "keys": {"p256dh": s.p256dh, "auth": s.auth}})
            for s in subscriptions
        }
    contacts = Contact.objects.filter(
        user_id__in=user_ids, kind=CONTACT_OF[channel], verified_at__isnull=False
    )
    return dict(contacts.values_list("user_id", "address"))


def sent_in_last_minute(channel: str, now: datetime) -> int:
    return DeliveryAttempt.objects.filter(channel=channel, at__gt=now - timedelta(minutes=1)).count()


def language_of(user_id: int) -> str:
    return languages_of([user_id]).get(user_id, settings.LANGUAGE_CODE)


def languages_of(user_ids: Iterable[int]) -> dict[int, str]:
    """The language each person reads their messages in (those who never chose are missing)."""
    return dict(Preference.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "language"))


@dataclass(frozen=True)
class Settings:
    contacts: dict[str, Contact]
    preference: Preference | None
    choices: dict[tuple[str, str], bool]  # (channel, purpose) → allowed now
    push_subscribed: bool


def settings_of(user: User) -> Settings:
    standing = consents([user.pk])
    return Settings(
        contacts={contact.kind: contact for contact in Contact.objects.filter(user=user)},
        preference=Preference.objects.filter(user=user).first(),
        choices={
            (channel, purpose): allowed(standing, user_id=user.pk, channel=channel, purpose=purpose)
            for channel in Channel.values
            for purpose in Purpose.values
        },
        push_subscribed=PushSubscription.objects.filter(user=user).exists(),
    )


def suggestions_for(user: User) -> list[Suggestion]:
    """The person's suggestions still ahead of them, the soonest due first."""
    return list(
        Suggestion.objects.filter(user=user, dismissed_at__isnull=True, rule__active=True)
        .select_related("rule")
        .order_by("due_on", "pk")[:5]
    )


@dataclass(frozen=True)
class Reach:
    rule: ProactiveRule
    found: int
    told: int
    opened: int
    submitted: int
    finished: int


def campaign_reach() -> list[Reach]:
    """Each rule's campaign: people found, told on a channel, who opened it, submitted, and got a result; three
    statements whatever the number of rules."""
    from tinhso.dossiers.models import Dossier  # read-only: did the person go on to the procedure?

    dossiers = Dossier.objects.filter(
        applicant=OuterRef("user"),
        procedure__code=OuterRef("rule__procedure_code"),
        submitted_at__gte=OuterRef("created_at"),
    )
    counts = {
        row.pop("rule"): row
        for row in Suggestion.objects.order_by()
        .values("rule")
        .annotate(
            found=Count("pk"),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            submitted=Count("pk", filter=Q(Exists(dossiers))),
            finished=Count("pk", filter=Q(Exists(dossiers.filter(finished_at__isnull=False)))),
        )
    }
    told = dict(
        OutboxMessage.objects.filter(template__startswith=SUGGESTION, status=OutboxMessage.Status.SENT)
        .order_by()
        .values_list("template")
        .annotate(count=Count("pk"))
    )
    nothing = {"found": 0, "opened": 0, "submitted": 0, "finished": 0}
    return [
        Reach(rule=rule, told=told.get(f"{SUGGESTION}{rule.code}", 0), **counts.get(rule.pk, nothing))
        for rule in ProactiveRule.objects.order_by("code")
    ]


def active_rule_codes() -> list[str]:
    return list(ProactiveRule.objects.filter(active=True).order_by("code").values_list("code", flat=True))


def message_templates() -> Rows:
    """Every template as the administrators left it, read once for a batch of messages."""
    rows = MessageTemplate.objects.values_list("key", "channel", "language", "subject", "body")
    return {(key, channel, language): (subject, body) for key, channel, language, subject, body in rows}
