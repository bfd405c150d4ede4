"""The catalogue of event types: each type is declared once, by the app that writes it, with its payload
fields. A type is a `str` (its stored name), so writers pass it to `record_event` and readers compare and
filter with it; grepping the constant finds both. `docs/events.md` is generated from the catalogue."""

from collections.abc import Iterator

CATALOGUE: dict[str, "EventType"] = {}


class EventType(str):
    """An event's stored name (`<app>.<what happened>`), what it means, and what its payload holds."""

    description: str
    fields: dict[str, str]

    def __new__(cls, name: str, description: str, fields: dict[str, str] | None = None) -> "EventType":
        declared = super().__new__(cls, name)
        declared.description = description
        declared.fields = dict(fields or {})
        CATALOGUE[name] = declared
        return declared

    def __reduce__(self) -> tuple:
        # Pickled (job queues, worker processes) as the plain name it is stored as.
        return (str, (str(self),))

    @property
    def app(self) -> str:
        return self.split(".", 1)[0]


def declared(app: str | None = None) -> Iterator[EventType]:
    """The declared types, by name, of one app (the name's prefix) or of all."""
    for name in sorted(CATALOGUE):
        if app is None or CATALOGUE[name].app == app:
            yield CATALOGUE[name]


# The data core's own events ------------------------------------------------------------------------------

CALENDAR_DECLARED = EventType(
    "calendar.declared",
    "An administrator declared an extra day off or a make-up working day.",
    {"date": "the day (ISO 8601)", "kind": "day off or working day", "reason": "why"},
)
CITIZEN_REGISTERED = EventType(
    "account.citizen_registered",
    "A citizen's account was created.",
    {"citizen_id": "personal identification number"},
)
OFFICIAL_CREATED = EventType(
    "account.official_created", "An official's account was created.", {"username": "login"}
)
ROLE_ASSIGNED = EventType(
    "account.role_assigned",
    "A role over a unit was given to an official.",
    {"role": "role code", "domain": "the domain it is scoped to, or null", "unit": "unit code"},
)
API_TOKEN_ISSUED = EventType(
    "account.api_token_issued", "An API access token was issued.", {"token_id": "its id"}
)
API_TOKEN_REVOKED = EventType(
    "account.api_token_revoked", "An API access token was revoked.", {"token_id": "its id"}
)
API_TOKENS_SIGNED_OUT = EventType(
    "account.api_tokens_signed_out", "Every API token of an account was revoked.", {"token_ids": "their ids"}
)
UNIT_CREATED = EventType(
    "unit.created", "An agency was added under a unit.", {"name": "its name", "parent": "unit code"}
)
SECOND_FACTOR_ENROLLED = EventType(
    "account.second_factor_enrolled", "An official enrolled a second factor (TOTP).", {}
)
RECOVERY_CODES_ISSUED = EventType(
    "account.recovery_codes_issued", "New recovery codes replaced the old ones.", {"count": "how many"}
)
RECOVERY_CODE_USED = EventType(
    "account.recovery_code_used", "A recovery code stood in for the second factor.", {"left": "codes left"}
)
