"""The events of the integration platform: partners (stream `integration.partner:<id>`), their credentials,
grants, grant requests and webhook subscriptions (each its own stream), declared once with their payloads."""

from tinhso.core.events import EventType

PARTNER = {"code": "the partner's member code (VN/GOV/<agency code>/<system>)", "version": "version after"}

PARTNER_REGISTERED = EventType(
    "integration.partner_registered",
    "An administrator registered a partner system.",
    PARTNER | {"agency_code": "the agency's electronic code", "system": "the system's name"},
)
PARTNER_UPDATED = EventType(
    "integration.partner_updated",
    "An administrator changed a partner's contacts, rate limit or address allow-list.",
    PARTNER | {"fields": "names of the fields changed"},
)
PARTNER_SUSPENDED = EventType(
    "integration.partner_suspended",
    "A partner was suspended: every call of it is refused until it is resumed.",
    PARTNER | {"reason": "why"},
)
PARTNER_RESUMED = EventType("integration.partner_resumed", "A suspended partner may call again.", PARTNER)
PARTNER_RETIRED = EventType(
    "integration.partner_retired",
    "A partner was retired for good; its credentials stop working.",
    PARTNER | {"reason": "why"},
)
CREDENTIAL_ISSUED = EventType(
    "integration.credential_issued",
    "An API key or an OAuth 2.0 client was issued to a partner (the secret is shown once, never stored).",
    {
        "partner": "member code",
        "kind": "api_key or oauth_client",
        "prefix": "the key's first characters or the client id",
    },
)
CREDENTIAL_ROTATED = EventType(
    "integration.credential_rotated",
    "A credential was replaced by a new one; the old one keeps working until the end of the overlap.",
    {
        "partner": "member code",
        "prefix": "the old credential",
        "replaced_by": "the new one",
        "until": "end of the overlap (ISO 8601)",
    },
)
CREDENTIAL_REVOKED = EventType(
    "integration.credential_revoked",
    "A credential was revoked; it stops working at once.",
    {"partner": "member code", "prefix": "the credential"},
)
OPEN311_KEY_ADOPTED = EventType(
    "integration.open311_key_adopted",
    "An Open311 key issued before the platform became a partner key (data migration).",
    {"partner": "member code", "prefix": "the key's first characters"},
)
GRANT_APPROVED = EventType(
    "integration.grant_approved",
    "A partner was granted scopes of a service, for a purpose on a legal basis, for a period.",
    {
        "partner": "member code",
        "service": "service code",
        "scopes": "the scopes granted",
        "purpose": "why the partner needs it",
        "legal_basis": "the legal document allowing it",
        "valid_from": "first day (ISO 8601)",
        "valid_to": "last day (ISO 8601), or null",
    },
)
GRANT_REVOKED = EventType(
    "integration.grant_revoked",
    "A grant was revoked; calls under it are refused at once.",
    {"partner": "member code", "service": "service code", "reason": "why"},
)
GRANT_REQUEST = {"partner": "member code", "service": "service code", "version": "version after"}
GRANT_REQUESTED = EventType(
    "integration.grant_requested",
    "A partner (or an administrator on its behalf) asked for scopes of a service; the answer is due in 2 "
    "working days.",
    GRANT_REQUEST
    | {
        "scopes": "the scopes asked for",
        "purpose": "why the partner needs them",
        "legal_basis": "the legal document allowing it",
        "due_at": "when the answer is due (ISO 8601)",
    },
)
GRANT_REQUEST_APPROVED = EventType(
    "integration.grant_request_approved",
    "The data owner approved a partner's request; the grant it created is named.",
    GRANT_REQUEST | {"grant": "the grant's id", "late": "whether the answer came after its due time"},
)
GRANT_REQUEST_REFUSED = EventType(
    "integration.grant_request_refused",
    "The data owner refused a partner's request, with its reason.",
    GRANT_REQUEST | {"reason": "why", "late": "whether the answer came after its due time"},
)
SUBSCRIPTION_CREATED = EventType(
    "integration.webhook_subscribed",
    "A partner subscribed an address to event types (Standard Webhooks).",
    {"partner": "member code", "url": "the receiving address", "event_types": "the types subscribed"},
)
SUBSCRIPTION_SECRET_ROTATED = EventType(
    "integration.webhook_secret_rotated",
    "A subscription's signing secret was replaced; both sign deliveries until the end of the overlap.",
    {"partner": "member code", "until": "end of the overlap (ISO 8601)"},
)
SUBSCRIPTION_DISABLED = EventType(
    "integration.webhook_disabled",
    "A subscription was disabled, by its partner, an administrator or after repeated failed deliveries.",
    {"partner": "member code", "reason": "why", "failures": "failed attempts in a row"},
)
SUBSCRIPTION_ENABLED = EventType(
    "integration.webhook_enabled", "A disabled subscription was enabled again.", {"partner": "member code"}
)
DELIVERY_REPLAYED = EventType(
    "integration.webhook_replayed",
    "A webhook delivery was queued again by hand.",
    {"partner": "member code", "message_id": "the delivery's webhook-id"},
)
PORTAL_MESSAGE_REPLAYED = EventType(
    "integration.portal_message_replayed",
    "A message to the national portal left the dead-letter list and was queued again.",
    {"message_id": "its id", "dossier": "the dossier's code", "reason": "why it had failed"},
)
STATUS_MAPPING_SET = EventType(
    "integration.status_mapping_set",
    "The national status code of an internal dossier status was set.",
    {"status": "internal status", "national_code": "TrangThaiHoSo code 1-10"},
)
