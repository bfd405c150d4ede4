"""Webhooks per Standard Webhooks: events of the log fan out to the subscriptions of their type (a reader with
a grace window, idempotent by (subscription, event, type)); each delivery is signed (`webhook-id`,
`webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` under the `whsec_` secret, and under the
previous one during a rotation), retried on a backoff schedule, logged in the exchange log, and never sent to a
private or loopback address unless an administrator allowed it for the partner."""

import hmac
import ipaddress
import json
import socket
import time
from base64 import b64decode, b64encode
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import invalid
from tinhso.core.models import Event
from tinhso.core.services import record_event
from tinhso.dossiers import events as dossier_events
from tinhso.fieldreports import events as fieldreport_events
from tinhso.integration import events, exchange
from tinhso.integration.models import ExchangeLog, ReaderCursor, WebhookDelivery, WebhookSubscription
from tinhso.reporting import events as reporting_events

TYPES = {
    "dossier.status_changed": _("Hồ sơ đổi trạng thái"),
    "dossier.finished": _("Hồ sơ đã xử lý xong"),
    "fieldreport.published": _("Phản ánh hiện trường có kết quả"),
    "report.approved": _("Báo cáo định kỳ được phê duyệt"),
}
# Standard Webhooks' suggested schedule: the wait before each retry; then the delivery has failed.
SCHEDULE = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
# Failed attempts in a row after which a subscription is disabled (its partner is told by the log).
DISABLE_AFTER = 10
GRACE = timedelta(minutes=5)  # events committed late (a long transaction) are still read
CURSOR = "webhooks"


def _types_of(event: Event) -> list[str]:
    payload = event.payload if isinstance(event.payload, dict) else {}
    found = []
    if (
        event.action.startswith("dossier.")
        and "status" in payload
        and payload.get("from") != payload["status"]
    ):
        found.append("dossier.status_changed")
    if event.action == dossier_events.FINISHED:
        found.append("dossier.finished")
    if event.action == fieldreport_events.PUBLISHED:
        found.append("fieldreport.published")
    if event.action == reporting_events.APPROVED:
        found.append("report.approved")
    return found


def _data(event: Event) -> dict[str, Any]:
    """What a partner is told: codes and statuses, never personal data."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    kept = ("code", "status", "from", "tracking_code", "period", "regime", "unit")
    return {"event": event.action, "object": event.stream} | {k: payload[k] for k in kept if k in payload}


# --- Fan-out -----------------------------------------------------------------------------------------------


def dispatch(*, now: datetime | None = None) -> int:
    """Deliveries for the events written since the previous run (and a grace period before); returns how
    many were new. Running it twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        cursor = ReaderCursor.objects.select_for_update().filter(name=CURSOR).first()
        if cursor is None:
            cursor = ReaderCursor.objects.create(name=CURSOR, last_run_at=None)
        subscriptions = list(WebhookSubscription.objects.filter(state=WebhookSubscription.State.ACTIVE))
        if not subscriptions:
            _advance(cursor, now)
            return 0
        by_type: dict[str, list[WebhookSubscription]] = {}
        for subscription in subscriptions:
            for event_type in subscription.event_types:
                by_type.setdefault(event_type, []).append(subscription)
        # A subscriber hears of what happens after it subscribed, never of the history before.
        since = min(subscription.created_at for subscription in subscriptions)
        if cursor.last_run_at is not None:
            since = max(since, cursor.last_run_at - GRACE)
        rows = Event.objects.filter(occurred_at__gte=since, occurred_at__lte=now).order_by("id")
        new = []
        for event in rows.iterator(chunk_size=1000):
            for event_type in _types_of(event):
                body = {"type": event_type, "timestamp": event.occurred_at.isoformat(), "data": _data(event)}
                new += [
                    WebhookDelivery(
                        subscription=subscription,
                        message_id=f"msg_{event.pk}_{subscription.pk}_{event_type.split('.')[-1]}",
                        event_type=event_type,
                        event_id=event.pk,
                        payload=body,
                        next_attempt_at=now,
                        created_at=now,
                    )
                    for subscription in by_type.get(event_type, [])
                    if subscription.created_at <= event.occurred_at
                ]
        before = WebhookDelivery.objects.count()
        WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        _advance(cursor, now)
        return WebhookDelivery.objects.count() - before


def _advance(cursor: ReaderCursor, now: datetime) -> None:
    cursor.last_run_at = now
    cursor.save(update_fields=["last_run_at"])


# --- Signing and addresses ---------------------------------------------------------------------------------


def signature(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` under the whsec_ secret's key."""
    key = b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + b64encode(hmac.new(key, signed, sha256).digest()).decode()


def headers_for(subscription: WebhookSubscription, *, message_id: str, body: bytes, now: datetime) -> dict:
    timestamp = int(now.timestamp())
    signatures = [
        signature(secret=subscription.secret, message_id=message_id, timestamp=timestamp, body=body)
    ]
    until = subscription.previous_secret_until
    if subscription.previous_secret and until is not None and until > now:
        previous = subscription.previous_secret
        signatures.append(signature(secret=previous, message_id=message_id, timestamp=timestamp, body=body))
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


def check_address(*, url: str, private_allowed: bool) -> None:
    """InvalidInput unless `url` is http(s) to a host whose every address is public (or private ones were
    allowed for the partner): no webhook reaches the platform's own network by surprise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("url", _("Địa chỉ nhận phải bắt đầu bằng https:// hoặc http://."))
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise invalid("url", _("Không phân giải được tên miền của địa chỉ nhận.")) from None
    if not private_allowed and not all(_is_public(str(info[4][0])) for info in infos):
        raise invalid(
            "url",
            _("Địa chỉ nhận thuộc mạng nội bộ hoặc chính máy chủ; cần quản trị hệ thống cho phép."),
            code="private_address",
        )


# --- Sending -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int  # 0: no answer
    body: bytes
    error: str


def _post(http: requests.Session, url: str, body: bytes, headers: dict) -> Outcome:
    try:
        answer = http.post(
            url,
            data=body,
            headers=headers,
            timeout=settings.TINHSO_WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,  # a redirect could point anywhere: it counts as a failure
        )
    except requests.RequestException as error:
        return Outcome(status=0, body=b"", error=type(error).__name__)
    return Outcome(status=answer.status_code, body=answer.content[:65536], error="")


def send_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Tries the deliveries that are due, oldest first; returns how many were tried."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=now,
            subscription__state=WebhookSubscription.State.ACTIVE,
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    with requests.Session() as http:  # keeps the connection to receivers on the same host and port
        for pk in due:
            attempt(delivery_id=pk, now=now, http=http)
    return len(due)


def attempt(*, delivery_id: int, now: datetime, http: requests.Session) -> None:
    """One try of one delivery, outside any transaction while the receiver answers; the outcome is recorded
    under the delivery's lock (a second worker trying the same one skips it)."""
    delivery = WebhookDelivery.objects.select_related("subscription__partner").get(pk=delivery_id)
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        check_address(url=subscription.url, private_allowed=subscription.partner.private_addresses_allowed)
    except Exception as refused:  # the name resolves elsewhere now (DNS rebinding), or not at all
        outcome = Outcome(status=0, body=b"", error=str(refused)[:300])
    else:
        # Signed at the real time of sending: the receiver refuses a timestamp five minutes off.
        sent_at, clock = timezone.now(), time.perf_counter()
        headers = headers_for(subscription, message_id=delivery.message_id, body=body, now=sent_at)
        outcome = _post(http, subscription.url, body, headers)
        exchange.append(
            direction=ExchangeLog.Direction.OUTBOUND,
            partner=subscription.partner,
            service="webhooks",
            method="POST",
            target=subscription.url,
            status=outcome.status,
            request_body=body,
            response_body=outcome.body,
            started_at=sent_at,
            duration_ms=int((time.perf_counter() - clock) * 1000),
        )
    _record(delivery_id=delivery_id, outcome=outcome, now=now)


@transaction.atomic
def _record(*, delivery_id: int, outcome: Outcome, now: datetime) -> None:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    subscription = (
        WebhookSubscription.objects.select_for_update()
        .select_related("partner")
        .get(pk=delivery.subscription_id)
    )
    delivery.attempts += 1
    delivery.last_status = outcome.status or None
    if 200 <= outcome.status < 300:
        delivery.state, delivery.delivered_at, delivery.last_error = WebhookDelivery.State.DELIVERED, now, ""
        delivery.next_attempt_at = None
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failures=0)
    else:
        delivery.last_error = outcome.error or f"HTTP {outcome.status}"
        if delivery.attempts > len(SCHEDULE):
            delivery.state, delivery.next_attempt_at = WebhookDelivery.State.FAILED, None
        else:
            delivery.next_attempt_at = now + SCHEDULE[delivery.attempts - 1]
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
        if (
            subscription.failures + 1 >= DISABLE_AFTER
            and subscription.state == WebhookSubscription.State.ACTIVE
        ):
            subscription.state, subscription.failures = (
                WebhookSubscription.State.DISABLED,
                subscription.failures + 1,
            )
            subscription.version += 1
            subscription.save(update_fields=["state", "failures", "version"])
            record_event(
                subject=subscription,
                action=events.SUBSCRIPTION_DISABLED,
                actor=None,
                payload={
                    "partner": subscription.partner.code,
                    "reason": "repeated failures",
                    "failures": subscription.failures,
                },
            )
    delivery.save()


def delivery_row(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "message_id": delivery.message_id,
        "subscription_id": delivery.subscription_id,
        "event_type": delivery.event_type,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else None,
        "created_at": delivery.created_at.isoformat(),
    }
