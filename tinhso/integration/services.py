"""Every write of the integration platform's register: partners, their credentials and grants, webhook
subscriptions and the status mapping. Each function runs in one transaction and records one event.
Deliveries (webhooks, the national portal) are written by `webhooks.py` and `portal.py`."""

import re
import secrets
from base64 import b64encode
from datetime import date, datetime, timedelta
from hashlib import sha256
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_application_model

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, NotFound, invalid, required_text
from tinhso.core.models import Role, User
from tinhso.core.services import record_event
from tinhso.core.working_time import DATA_SHARING_ANSWER_DAYS, add_working_time
from tinhso.fieldreports.models import ApiKey
from tinhso.integration import events
from tinhso.integration.lifecycle import GRANT, GRANT_REQUEST, PARTNER
from tinhso.integration.models import (
    Credential,
    Grant,
    GrantRequest,
    Partner,
    PortalMessage,
    Service,
    StatusMapping,
    WebhookDelivery,
    WebhookSubscription,
)

AGENCY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{1,38}$")
SYSTEM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{1,38}$")
API_KEY_PREFIX = "lgsp_"
OPEN311_SERVICE = "open311"
OPEN311_SCOPE = "open311.requests.write"
OPEN311_PURPOSE = "Gửi phản ánh hiện trường của người dân qua Open311"
OPEN311_LEGAL_BASIS = "Khóa Open311 cấp trước khi có nền tảng tích hợp"
# What a rotated credential keeps working for, unless the administrator says otherwise.
DEFAULT_OVERLAP = timedelta(hours=24)


def _require_admin(actor: User | None) -> None:
    # None: a command run by the platform's operator (tinhso partner ..., migrations, the demo).
    if actor is not None:
        core_selectors.require_role(actor, Role.ADMINISTRATOR)


def _partner_locked(code: str, version: int | None = None) -> Partner:
    partner = Partner.objects.select_for_update().filter(code=code).first()
    if partner is None:
        raise NotFound(_("Không có đối tác “%(code)s”."), code="partner_not_found", params={"code": code})
    if version is not None and partner.version != version:
        raise Conflict(
            _("Thông tin đối tác vừa được người khác thay đổi; hãy tải lại trang."),
            code="stale_version",
            current={"version": partner.version},
        )
    return partner


@transaction.atomic
def register_partner(
    *,
    actor: User | None,
    agency_code: str,
    agency_name: str,
    system: str,
    system_name: str,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    rate_limit_per_minute: int = 600,
) -> Partner:
    """A partner system, named VN/GOV/<agency code>/<system> as an X-Road member subsystem."""
    _require_admin(actor)
    agency_code = agency_code.strip().upper()
    if not AGENCY_CODE.match(agency_code):
        raise invalid(
            "agency_code", _("Mã định danh cơ quan chỉ gồm chữ in hoa, chữ số, dấu chấm, gạch ngang.")
        )
    if not SYSTEM_CODE.match(system.strip()):
        raise invalid("system", _("Mã hệ thống chỉ gồm chữ, chữ số và gạch ngang (2–40 ký tự)."))
    if not 1 <= rate_limit_per_minute <= 100_000:
        raise invalid("rate_limit_per_minute", _("Giới hạn phải từ 1 đến 100.000 lượt mỗi phút."))
    code = f"VN/GOV/{agency_code}/{system.strip()}"
    if Partner.objects.filter(code=code).exists():
        raise invalid("system", _("Đối tác %(member)s đã được đăng ký."), code="partner_exists", member=code)
    partner = Partner.objects.create(
        code=code,
        agency_code=agency_code,
        agency_name=required_text(agency_name, "agency_name", _("Cần tên cơ quan.")),
        system_name=required_text(system_name, "system_name", _("Cần tên hệ thống.")),
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        rate_limit_per_minute=rate_limit_per_minute,
    )
    record_event(
        subject=partner,
        action=events.PARTNER_REGISTERED,
        actor=actor,
        payload={"code": code, "version": 1, "agency_code": agency_code, "system": partner.system_name},
    )
    return partner


@transaction.atomic
def update_partner(
    *,
    actor: User | None,
    code: str,
    version: int,
    contact_name: str | None = None,
    contact_email: str | None = None,
    contact_phone: str | None = None,
    rate_limit_per_minute: int | None = None,
    private_addresses_allowed: bool | None = None,
    contacts: list[User] | None = None,
) -> Partner:
    """Contacts, the rate limit, and whether webhooks may go to private addresses (an allow-list entry)."""
    _require_admin(actor)
    partner = _partner_locked(code, version)
    if rate_limit_per_minute is not None and not 1 <= rate_limit_per_minute <= 100_000:
        raise invalid("rate_limit_per_minute", _("Giới hạn phải từ 1 đến 100.000 lượt mỗi phút."))
    changes = {
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "rate_limit_per_minute": rate_limit_per_minute,
        "private_addresses_allowed": private_addresses_allowed,
    }
    changed = [
        name for name, value in changes.items() if value is not None and getattr(partner, name) != value
    ]
    for name in changed:
        setattr(partner, name, changes[name])
    if contacts is not None:
        partner.contacts.set(contacts)
        changed.append("contacts")
    partner.version += 1
    partner.save()
    record_event(
        subject=partner,
        action=events.PARTNER_UPDATED,
        actor=actor,
        payload={"code": code, "version": partner.version, "fields": changed},
    )
    return partner


@transaction.atomic
def change_partner_state(
    *, actor: User | None, code: str, version: int, action: str, reason: str = ""
) -> Partner:
    """suspend, resume or retire, as the partner lifecycle allows; retiring revokes every credential."""
    _require_admin(actor)
    partner = _partner_locked(code, version)
    row = PARTNER.check(action, partner.state, current={"version": partner.version})
    if action in ("suspend", "retire"):
        reason = required_text(reason, "reason", _("Cần nêu lý do."))
    partner.state = row.target
    partner.version += 1
    partner.save(update_fields=["state", "version"])
    if action == "retire":
        now = timezone.now()
        Credential.objects.filter(partner=partner, revoked_at__isnull=True).update(revoked_at=now)
        _drop_tokens(partner)
    payload: dict[str, object] = {"code": code, "version": partner.version}
    if reason:
        payload["reason"] = reason
    record_event(subject=partner, action=row.event, actor=actor, payload=payload)
    return partner


def _drop_tokens(partner: Partner) -> None:
    from oauth2_provider.models import get_access_token_model

    get_access_token_model().objects.filter(application__credential__partner=partner).delete()


# --- Credentials -------------------------------------------------------------------------------------------


def key_digest(secret: str) -> str:
    """Keys are 32 random bytes: a fast hash is enough (no dictionary to try), as for bearer tokens."""
    return sha256(secret.encode()).hexdigest()


def _new_credential(*, partner: Partner, kind: str) -> tuple[str, Credential]:
    now = timezone.now()
    if kind == Credential.Kind.API_KEY:
        secret = f"{API_KEY_PREFIX}{secrets.token_urlsafe(32)}"
        credential = Credential.objects.create(
            partner=partner, kind=kind, prefix=secret[:13], key_hash=key_digest(secret), created_at=now
        )
        return secret, credential
    if kind != Credential.Kind.OAUTH_CLIENT:
        raise invalid("kind", _("Loại thông tin xác thực không hợp lệ."))
    Application = get_application_model()
    secret = secrets.token_urlsafe(40)
    application = Application.objects.create(
        name=partner.code,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
        user=None,
    )
    credential = Credential.objects.create(
        partner=partner, kind=kind, prefix=application.client_id, application=application, created_at=now
    )
    return secret, credential


@transaction.atomic
def issue_credential(*, actor: User | None, partner_code: str, kind: str) -> tuple[str, Credential]:
    """A new API key or OAuth 2.0 client; the secret is returned once and never stored."""
    _require_admin(actor)
    partner = _partner_locked(partner_code)
    if partner.state == Partner.State.RETIRED:
        raise Conflict(_("Đối tác đã ngừng kết nối."), code="partner_retired")
    secret, credential = _new_credential(partner=partner, kind=kind)
    record_event(
        subject=credential,
        action=events.CREDENTIAL_ISSUED,
        actor=actor,
        payload={"partner": partner.code, "kind": kind, "prefix": credential.prefix},
    )
    return secret, credential


def _credential_locked(partner_code: str, prefix: str) -> Credential:
    credential = (
        Credential.objects.select_for_update()
        .select_related("partner")
        .filter(partner__code=partner_code, prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if credential is None:
        raise NotFound(
            _("Đối tác không có thông tin xác thực đang dùng nào là “%(prefix)s”."),
            code="credential_not_found",
            params={"prefix": prefix},
        )
    return credential


@transaction.atomic
def rotate_credential(
    *, actor: User | None, partner_code: str, prefix: str, overlap: timedelta = DEFAULT_OVERLAP
) -> tuple[str, Credential]:
    """A new credential of the same kind; the old one keeps working until the overlap ends, so the partner
    can switch without a gap."""
    _require_admin(actor)
    old = _credential_locked(partner_code, prefix)
    if old.replaced_by_id is not None:
        raise Conflict(_("Thông tin xác thực này đã được thay bằng cái mới."), code="already_rotated")
    if not timedelta(0) <= overlap <= timedelta(days=30):
        raise invalid("overlap", _("Thời gian dùng song song từ 0 đến 30 ngày."))
    secret, new = _new_credential(partner=old.partner, kind=old.kind)
    old.replaced_by = new
    old.expires_at = timezone.now() + overlap
    old.save(update_fields=["replaced_by", "expires_at"])
    record_event(
        subject=old,
        action=events.CREDENTIAL_ROTATED,
        actor=actor,
        payload={
            "partner": partner_code,
            "prefix": old.prefix,
            "replaced_by": new.prefix,
            "until": old.expires_at.isoformat(),
        },
    )
    return secret, new


@transaction.atomic
def revoke_credential(*, actor: User | None, partner_code: str, prefix: str) -> Credential:
    """Stops a credential at once, with every token issued under it."""
    _require_admin(actor)
    credential = _credential_locked(partner_code, prefix)
    credential.revoked_at = timezone.now()
    credential.save(update_fields=["revoked_at"])
    if credential.application_id is not None:
        from oauth2_provider.models import get_access_token_model

        get_access_token_model().objects.filter(application_id=credential.application_id).delete()
    record_event(
        subject=credential,
        action=events.CREDENTIAL_REVOKED,
        actor=actor,
        payload={"partner": partner_code, "prefix": credential.prefix},
    )
    return credential


@transaction.atomic
def adopt_open311_key(*, actor: User | None, api_key: ApiKey) -> Partner:
    """An Open311 key becomes a partner key: a partner of its own, the key as its credential (same hash, so
    the secret keeps working) and a grant to file reports. The data migration does the same for older keys."""
    partner = Partner.objects.create(
        code=f"VN/GOV/OPEN311/key-{api_key.pk}",
        agency_code="OPEN311",
        agency_name=api_key.name,
        system_name=api_key.name,
        open311_identity=api_key,
    )
    Credential.objects.create(
        partner=partner,
        kind=Credential.Kind.API_KEY,
        prefix=api_key.prefix,
        key_hash=api_key.key_hash,
        created_at=api_key.created_at,
        revoked_at=api_key.revoked_at,
    )
    Grant.objects.create(
        partner=partner,
        service=Service.objects.get(code=OPEN311_SERVICE),
        scopes=[OPEN311_SCOPE],
        purpose=OPEN311_PURPOSE,
        legal_basis=OPEN311_LEGAL_BASIS,
        valid_from=timezone.localdate(api_key.created_at),
    )
    record_event(
        subject=partner,
        action=events.OPEN311_KEY_ADOPTED,
        actor=actor,
        payload={"partner": partner.code, "prefix": api_key.prefix},
    )
    return partner


# --- Grants ------------------------------------------------------------------------------------------------


def _grant_terms(
    *,
    service_code: str,
    scopes: list[str],
    purpose: str,
    legal_basis: str,
    valid_from: date,
    valid_to: date | None,
) -> dict[str, Any]:
    """The terms of a grant or a request, checked: a known service, scopes among its own, a purpose and a
    legal basis, a period that ends after it starts."""
    service = Service.objects.filter(code=service_code).first()
    if service is None:
        raise invalid(
            "service", _("Không có dịch vụ “%(service)s”."), code="service_not_found", service=service_code
        )
    unknown = sorted(set(scopes) - set(service.scopes))
    if not scopes or unknown:
        raise invalid(
            "scopes",
            _("Phạm vi phải chọn trong các phạm vi của dịch vụ: %(known)s."),
            known=", ".join(service.scopes),
        )
    if valid_to is not None and valid_to < valid_from:
        raise invalid("valid_to", _("Ngày hết hiệu lực phải sau ngày bắt đầu."))
    return {
        "service": service,
        "scopes": sorted(set(scopes)),
        "purpose": required_text(purpose, "purpose", _("Cần nêu mục đích khai thác.")),
        "legal_basis": required_text(legal_basis, "legal_basis", _("Cần nêu căn cứ pháp lý.")),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


@transaction.atomic
def approve_grant(
    *,
    actor: User | None,
    partner_code: str,
    service_code: str,
    scopes: list[str],
    purpose: str,
    legal_basis: str,
    valid_from: date,
    valid_to: date | None = None,
) -> Grant:
    """Access of the partner to scopes of a service; every field is required but the end date."""
    _require_admin(actor)
    partner = _partner_locked(partner_code)
    terms = _grant_terms(
        service_code=service_code,
        scopes=scopes,
        purpose=purpose,
        legal_basis=legal_basis,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    service = terms["service"]
    if service.code == OPEN311_SERVICE and partner.open311_identity is None:
        # Field reports name their partner by this row (Report.partner); no secret opens it.
        partner.open311_identity = ApiKey.objects.create(
            name=partner.system_name, prefix="lgsp", key_hash=key_digest(f"partner-identity:{partner.code}")
        )
        partner.save(update_fields=["open311_identity"])
    grant = Grant.objects.create(partner=partner, approver=actor, **terms)
    record_event(
        subject=grant,
        action=events.GRANT_APPROVED,
        actor=actor,
        payload={
            "partner": partner.code,
            "service": service.code,
            "scopes": grant.scopes,
            "purpose": grant.purpose,
            "legal_basis": grant.legal_basis,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
        },
    )
    return grant


@transaction.atomic
def revoke_grant(*, actor: User | None, grant_id: int, version: int, reason: str) -> Grant:
    """Takes effect at once: every call is checked against the grants as they are now."""
    _require_admin(actor)
    grant = Grant.objects.select_for_update().select_related("partner", "service").filter(pk=grant_id).first()
    if grant is None:
        raise NotFound(_("Không tìm thấy quyền khai thác này."), code="grant_not_found")
    if grant.version != version:
        raise Conflict(_("Quyền này vừa được người khác thay đổi; hãy tải lại trang."), code="stale_version")
    row = GRANT.check("revoke", grant.status, current={"version": grant.version})
    reason = required_text(reason, "reason", _("Cần nêu lý do thu hồi."))
    grant.status, grant.revoked_at = row.target, timezone.now()
    grant.version += 1
    grant.save(update_fields=["status", "revoked_at", "version"])
    record_event(
        subject=grant,
        action=row.event,
        actor=actor,
        payload={"partner": grant.partner.code, "service": grant.service.code, "reason": reason},
    )
    return grant


# --- Requests for grants (B6) ------------------------------------------------------------------------------


def _require_admin_or_contact(actor: User | None, partner: Partner) -> None:
    """An administrator, or one of the partner's own technical staff (None: the partner system itself)."""
    if actor is None or partner.contacts.filter(pk=actor.pk).exists():
        return
    core_selectors.require_role(actor, Role.ADMINISTRATOR)


@transaction.atomic
def request_grant(
    *,
    actor: User | None,
    partner_code: str,
    service_code: str,
    scopes: list[str],
    purpose: str,
    legal_basis: str,
    valid_from: date,
    valid_to: date | None = None,
    now: datetime | None = None,
) -> GrantRequest:
    """A partner asks for scopes of a service; the data owner's answer is due in 2 working days."""
    partner = _partner_locked(partner_code)
    _require_admin_or_contact(actor, partner)
    terms = _grant_terms(
        service_code=service_code,
        scopes=scopes,
        purpose=purpose,
        legal_basis=legal_basis,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    asked = now or timezone.now()
    request = GrantRequest.objects.create(
        partner=partner,
        **terms,
        requested_by=actor,
        requested_at=asked,
        due_at=add_working_time(asked, days=DATA_SHARING_ANSWER_DAYS),
    )
    record_event(
        subject=request,
        action=events.GRANT_REQUESTED,
        actor=actor,
        payload={
            "partner": partner.code,
            "service": request.service.code,
            "version": request.version,
            "scopes": request.scopes,
            "purpose": request.purpose,
            "legal_basis": request.legal_basis,
            "due_at": request.due_at.isoformat(),
        },
    )
    return request


@transaction.atomic
def answer_grant_request(
    *,
    actor: User | None,
    request_id: int,
    version: int,
    action: str,
    reason: str = "",
    now: datetime | None = None,
) -> GrantRequest:
    """The data owner approves (the grant is created) or refuses (with its reason) a pending request."""
    _require_admin(actor)
    request = (
        GrantRequest.objects.select_for_update()
        .select_related("partner", "service")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound(_("Không tìm thấy yêu cầu cấp quyền này."), code="grant_request_not_found")
    if request.version != version:
        raise Conflict(
            _("Yêu cầu vừa được người khác trả lời; hãy tải lại trang."),
            code="stale_version",
            current={"version": request.version},
        )
    row = GRANT_REQUEST.check(action, request.state, current={"version": request.version})
    answered = now or timezone.now()
    payload: dict[str, object] = {"late": answered > request.due_at}
    if action == "refuse":
        request.reason = required_text(reason, "reason", _("Cần nêu lý do từ chối."))
        payload["reason"] = request.reason
    else:
        request.grant = approve_grant(
            actor=actor,
            partner_code=request.partner.code,
            service_code=request.service.code,
            scopes=request.scopes,
            purpose=request.purpose,
            legal_basis=request.legal_basis,
            valid_from=request.valid_from,
            valid_to=request.valid_to,
        )
        payload["grant"] = request.grant.pk
    request.state, request.decided_by, request.decided_at = row.target, actor, answered
    request.version += 1
    request.save()
    record_event(
        subject=request,
        action=row.event,
        actor=actor,
        payload={"partner": request.partner.code, "service": request.service.code, "version": request.version}
        | payload,
    )
    return request


# --- Webhook subscriptions ---------------------------------------------------------------------------------


def new_webhook_secret() -> str:
    return "whsec_" + b64encode(secrets.token_bytes(32)).decode()


@transaction.atomic
def subscribe(
    *, actor: User | None, partner_code: str, url: str, event_types: list[str]
) -> tuple[str, WebhookSubscription]:
    """A receiving address for event types; the signing secret is returned once."""
    from tinhso.integration.webhooks import TYPES, check_address

    _require_admin(actor)
    partner = _partner_locked(partner_code)
    unknown = sorted(set(event_types) - set(TYPES))
    if not event_types or unknown:
        raise invalid("event_types", _("Loại sự kiện phải chọn trong: %(known)s."), known=", ".join(TYPES))
    check_address(url=url, private_allowed=partner.private_addresses_allowed)
    secret = new_webhook_secret()
    subscription = WebhookSubscription.objects.create(
        partner=partner, url=url, event_types=sorted(set(event_types)), secret=secret
    )
    record_event(
        subject=subscription,
        action=events.SUBSCRIPTION_CREATED,
        actor=actor,
        payload={"partner": partner.code, "url": url, "event_types": subscription.event_types},
    )
    return secret, subscription


def _subscription_locked(subscription_id: int) -> WebhookSubscription:
    subscription = (
        WebhookSubscription.objects.select_for_update()
        .select_related("partner")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        raise NotFound(_("Không tìm thấy đăng ký nhận sự kiện này."), code="subscription_not_found")
    return subscription


@transaction.atomic
def rotate_webhook_secret(
    *, actor: User | None, subscription_id: int, overlap: timedelta = DEFAULT_OVERLAP
) -> str:
    """A new secret; deliveries carry a signature under each secret until the overlap ends."""
    _require_admin(actor)
    subscription = _subscription_locked(subscription_id)
    secret = new_webhook_secret()
    subscription.previous_secret, subscription.secret = subscription.secret, secret
    subscription.previous_secret_until = timezone.now() + overlap
    subscription.version += 1
    subscription.save()
    record_event(
        subject=subscription,
        action=events.SUBSCRIPTION_SECRET_ROTATED,
        actor=actor,
        payload={
            "partner": subscription.partner.code,
            "until": subscription.previous_secret_until.isoformat(),
        },
    )
    return secret


@transaction.atomic
def set_subscription_state(
    *, actor: User | None, subscription_id: int, enabled: bool, reason: str = ""
) -> None:
    _require_admin(actor)
    subscription = _subscription_locked(subscription_id)
    target = WebhookSubscription.State.ACTIVE if enabled else WebhookSubscription.State.DISABLED
    if subscription.state == target:
        return
    subscription.state, subscription.failures = target, 0
    subscription.version += 1
    subscription.save(update_fields=["state", "failures", "version"])
    if enabled:
        record_event(
            subject=subscription,
            action=events.SUBSCRIPTION_ENABLED,
            actor=actor,
            payload={"partner": subscription.partner.code},
        )
    else:
        record_event(
            subject=subscription,
            action=events.SUBSCRIPTION_DISABLED,
            actor=actor,
            payload={"partner": subscription.partner.code, "reason": reason, "failures": 0},
        )


@transaction.atomic
def replay_delivery(*, actor: User | None, message_id: str) -> WebhookDelivery:
    """Queues a delivery again now, whatever became of it (the receiver dedupes by webhook-id)."""
    _require_admin(actor)
    delivery = (
        WebhookDelivery.objects.select_for_update()
        .select_related("subscription__partner")
        .filter(message_id=message_id)
        .first()
    )
    if delivery is None:
        raise NotFound(_("Không tìm thấy lần gửi này."), code="delivery_not_found")
    delivery.state, delivery.next_attempt_at = WebhookDelivery.State.PENDING, timezone.now()
    delivery.save(update_fields=["state", "next_attempt_at"])
    record_event(
        subject=delivery.subscription,
        action=events.DELIVERY_REPLAYED,
        actor=actor,
        payload={"partner": delivery.subscription.partner.code, "message_id": message_id},
    )
    return delivery


# --- The national portal -----------------------------------------------------------------------------------


@transaction.atomic
def set_status_mapping(*, actor: User | None, status: int, national_code: int, label: str) -> StatusMapping:
    _require_admin(actor)
    if not 1 <= national_code <= 10:
        raise invalid("national_code", _("Mã trạng thái của Cổng Dịch vụ công quốc gia từ 1 đến 10."))
    mapping, _created = StatusMapping.objects.update_or_create(
        status=status, defaults={"national_code": national_code, "label": label}
    )
    record_event(
        subject=mapping,
        action=events.STATUS_MAPPING_SET,
        actor=actor,
        payload={"status": status, "national_code": national_code},
    )
    return mapping


@transaction.atomic
def replay_portal_message(*, actor: User | None, message_id: str) -> PortalMessage:
    """Takes a message off the dead-letter list: it is sent again, in its place in its dossier's order."""
    _require_admin(actor)
    message = PortalMessage.objects.select_for_update().filter(message_id=message_id).first()
    if message is None:
        raise NotFound(_("Không tìm thấy thông điệp này."), code="message_not_found")
    if message.state != PortalMessage.State.DEAD:
        raise Conflict(_("Chỉ gửi lại được thông điệp đang trong danh sách lỗi."), code="not_dead")
    reason = message.last_error
    message.state, message.attempts = PortalMessage.State.PENDING, 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["state", "attempts", "next_attempt_at"])
    record_event(
        subject=message,
        action=events.PORTAL_MESSAGE_REPLAYED,
        actor=actor,
        payload={"message_id": message_id, "dossier": message.dossier_code, "reason": reason},
    )
    return message
