"""The events of a person's notification choices (stream `core.user:<id>`). Payloads carry the channel and
purpose, never the address itself."""

from tinhso.core.events import EventType

CHOICE = {"channel": "email, sms, zalo or push", "purpose": "notices or suggestions"}

CONSENT_GIVEN = EventType(
    "notifications.consent_given",
    "A person opted in to a channel for a purpose (the text they agreed to is kept by version).",
    CHOICE | {"text_version": "version of the consent text shown", "via": "preferences"},
)
CONSENT_WITHDRAWN = EventType(
    "notifications.consent_withdrawn",
    "A person opted out of a channel for a purpose (on the preferences page or by a message's link).",
    CHOICE | {"via": "preferences or unsubscribe"},
)
CONTACT_VERIFIED = EventType(
    "notifications.contact_verified",
    "A person proved an e-mail address or mobile number theirs with the code sent to it.",
    {"kind": "email or phone"},
)
RULE_RAN = EventType(
    "notifications.rule_ran",
    "A proactive rule looked over the platform's data (stream `notifications.proactiverule:<id>`).",
    {"rule": "the rule's code", "found": "people newly found due", "told": "messages written for them"},
)
SUGGESTION_OPENED = EventType(
    "notifications.suggestion_opened",
    "A person opened a suggestion (its form, prefilled); nothing is submitted for them.",
    {"rule": "the rule's code"},
)
