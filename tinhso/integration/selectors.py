"""Reads of the integration platform, with the caller's scope: administrators see every partner, a partner's
contacts see their own partner only; anyone sees the catalogue of services."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import NotFound
from tinhso.core.models import Role, User
from tinhso.fieldreports.models import ApiKey
from tinhso.integration import gateway
from tinhso.integration.models import (
    Credential,
    ExchangeLog,
    Grant,
    GrantRequest,
    Partner,
    PortalMessage,
    Service,
    StatusMapping,
    WebhookDelivery,
    WebhookSubscription,
)

OPEN311_SERVICE = "open311"
OPEN311_SCOPE = "open311.requests.write"  # the same names as services.OPEN311_*: selectors import no services


def is_admin(actor: User) -> bool:
    return actor.is_authenticated and core_selectors.has_role(actor, Role.ADMINISTRATOR)


def require_admin(actor: User) -> None:
    core_selectors.require_role(actor, Role.ADMINISTRATOR)


def services() -> QuerySet[Service]:
    return Service.objects.order_by("code")


def partners(*, actor: User) -> QuerySet[Partner]:
    require_admin(actor)
    return Partner.objects.order_by("code")


def partners_of_contact(*, actor: User) -> QuerySet[Partner]:
    """The partners whose technical staff the actor is (administrators: none of their own)."""
    if not actor.is_authenticated:
        return Partner.objects.none()
    return Partner.objects.filter(contacts=actor).order_by("code")


def partner(*, actor: User, code: str) -> Partner:
    """A partner the actor may see: any for an administrator, their own for a contact."""
    visible = Partner.objects.all() if is_admin(actor) else partners_of_contact(actor=actor)
    found = visible.filter(code=code).first()
    if found is None:
        raise NotFound(_("Không có đối tác “%(code)s”."), code="partner_not_found", params={"code": code})
    return found


def credentials_of(partner: Partner) -> QuerySet[Credential]:
    return Credential.objects.filter(partner=partner).order_by("-created_at")


def grants_of(partner: Partner) -> QuerySet[Grant]:
    return Grant.objects.filter(partner=partner).select_related("service", "approver").order_by("-created_at")


def _flag_overdue(rows: "QuerySet[GrantRequest]", *, now: datetime) -> list[GrantRequest]:
    """Each request with `overdue`: still pending after its 2 working days."""
    found = list(rows.select_related("partner", "service", "grant"))
    for row in found:
        row.overdue = row.state == GrantRequest.State.PENDING and row.due_at < now  # type: ignore[attr-defined]
    return found


def grant_requests(
    *, actor: User, pending_only: bool = False, now: datetime | None = None
) -> list[GrantRequest]:
    """The requests for administrators to answer, oldest due first; overdue ones flagged."""
    require_admin(actor)
    rows = GrantRequest.objects.order_by("state", "due_at")
    if pending_only:
        rows = rows.filter(state=GrantRequest.State.PENDING)
    return _flag_overdue(rows, now=now or timezone.now())


def grant_requests_of(partner: Partner, *, now: datetime | None = None) -> list[GrantRequest]:
    return _flag_overdue(
        GrantRequest.objects.filter(partner=partner).order_by("-requested_at"), now=now or timezone.now()
    )


def subscriptions_of(partner: Partner) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(partner=partner).order_by("id")


def deliveries_of(partner: Partner, *, limit: int = 50) -> list[WebhookDelivery]:
    rows = WebhookDelivery.objects.filter(subscription__partner=partner).select_related("subscription")
    return list(rows.order_by("-id")[:limit])


def exchange_log(
    *,
    actor: User,
    partner_code: str = "",
    service: str = "",
    status: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[ExchangeLog]:
    """The exchange log for administrators, newest first, filtered as asked."""
    require_admin(actor)
    rows = ExchangeLog.objects.select_related("partner").order_by("-id")
    if partner_code:
        rows = rows.filter(chain=partner_code)
    if service:
        rows = rows.filter(service=service)
    if status is not None:
        rows = rows.filter(status=status)
    if since is not None:
        rows = rows.filter(started_at__gte=since)
    if until is not None:
        rows = rows.filter(started_at__lt=until)
    return rows


def open311_identity(secret: str) -> ApiKey | None:
    """The partner, as field reports know it, whose API key this is, when a grant in force covers Open311
    filing; None for an unknown, revoked or ungranted key (Open311 answers 403 alike)."""
    caller = gateway.caller_by_key(secret)
    if caller is None or caller.partner.open311_identity is None:
        return None
    identity = caller.partner.open311_identity
    if identity.revoked_at is not None:
        return None
    if OPEN311_SCOPE not in gateway.granted_scopes(
        caller.partner, service=OPEN311_SERVICE, on=timezone.now()
    ):
        return None
    return identity


def status_mappings() -> dict[int, int]:
    return dict(StatusMapping.objects.values_list("status", "national_code"))


def portal_messages(*, actor: User, state: str = "") -> QuerySet[PortalMessage]:
    require_admin(actor)
    rows = PortalMessage.objects.order_by("-id")
    return rows.filter(state=state) if state else rows


def recent_deliveries(*, actor: User, limit: int = 100) -> list[WebhookDelivery]:
    require_admin(actor)
    return list(WebhookDelivery.objects.select_related("subscription__partner").order_by("-id")[:limit])


def delivery_of(partner: Partner, *, message_id: str) -> WebhookDelivery:
    """One of the partner's own deliveries (another partner's is not found)."""
    found = WebhookDelivery.objects.filter(subscription__partner=partner, message_id=message_id).first()
    if found is None:
        raise NotFound(_("Không tìm thấy lần gửi này."), code="delivery_not_found")
    return found
