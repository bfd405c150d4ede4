"""The events of field reports (stream `fieldreports.report:<id>`) and of their set-up, declared once with their
payloads. No payload carries the reporter's personal data, which lives only on the report row."""

from tinhso.core.events import EventType

UNIT = {"unit": "code of the responsible unit"}
REASON = {"reason": "the reason given"}

SUBMITTED = EventType(
    "fieldreport.submitted",
    "A report was filed (web, Open311 partner).",
    {
        "tracking_code": "the report's tracking code",
        "category": "category code",
        "commune": "code of the commune the point resolved to",
        "source": "web, open311 or staff",
        "partner": "id of the partner's API key, or null",
        "photos": "number of photos",
    },
)
ROUTED = EventType(
    "fieldreport.routed",
    "The report was routed to its responsible unit by the routing rules.",
    UNIT | {"due_at": "handling deadline", "automatic": "true: by the rules"},
)
REROUTED = EventType(
    "fieldreport.rerouted",
    "The coordinator moved the report to another unit.",
    UNIT | REASON | {"from": "unit before"},
)
CATEGORY_CHANGED = EventType(
    "fieldreport.category_changed",
    "A category was updated, or a report was put in another category (routed again, deadline recounted).",
    {
        "code": "category code (category set-up)",
        "from": "category before (report)",
        "category": "category after (report)",
        "unit": "responsible unit after (report)",
        "due_at": "deadline after (report)",
        "reason": "the reason (report)",
    },
)
SPLIT_FROM = EventType(
    "fieldreport.split_from",
    "A report was filed by a coordinator from a part of another report.",
    UNIT
    | {
        "parent": "tracking code of the report split",
        "tracking_code": "this report's tracking code",
        "category": "category code",
        "due_at": "handling deadline",
    },
)
SPLIT = EventType("fieldreport.split", "Parts of the report were filed apart.", {"parts": "tracking codes"})
MERGED = EventType(
    "fieldreport.merged", "The report was closed as a duplicate.", {"into": "tracking code of the one kept"}
)
DUPLICATE_MERGED = EventType(
    "fieldreport.duplicate_merged", "A duplicate was merged into this report.", {"duplicate": "its code"}
)
REJECTED = EventType("fieldreport.rejected", "The coordinator did not accept the report.", REASON)
ACKNOWLEDGED = EventType("fieldreport.acknowledged", "The responsible unit took the report in hand.", UNIT)
RESOLVED = EventType(
    "fieldreport.resolved",
    "The unit reported its result, for the coordinator's approval.",
    UNIT | {"photos": "number of result photos", "on_time": "before the deadline"},
)
# The stored name predates the service's name (`send_back_result`): history keeps it.
RESULT_SENT_BACK = EventType(
    "fieldreport.result_returned", "The coordinator sent an inadequate result back to the unit.", REASON
)
PUBLISHED = EventType("fieldreport.published", "The result was approved and published; the report closes.")
RATED = EventType("fieldreport.rated", "The reporter rated the result.", {"satisfied": "true or false"})
REOPENED = EventType(
    "fieldreport.reopened",
    "A first unsatisfied rating reopened the report at its unit.",
    UNIT | {"due_at": "the new deadline"},
)
FOLLOWED = EventType("fieldreport.followed", "A signed-in citizen follows the report.")
PERSONAL_DATA_REMOVED = EventType(
    "fieldreport.personal_data_removed",
    "Who filed the report was erased.",
    {"by": "reporter (on request) or retention (after the retention period)"},
)
OVERDUE = EventType(
    "fieldreport.overdue",
    "The job flagged the report past its deadline (no change of state or version).",
    UNIT | {"due_at": "the deadline passed"},
)
ESCALATED = EventType(
    "fieldreport.escalated",
    "An overdue report was escalated to the leaders of its unit.",
    UNIT | {"leaders": "ids of the leaders told"},
)
CATEGORY_CREATED = EventType(
    "fieldreport.category_created",
    "A category was added.",
    {
        "code": "category code",
        "parent": "group code, or null",
        "urgency": "urgent, immediate or scheduled",
        "deadline_days": "working days, or null",
        "deadline_hours": "working hours, or null",
    },
)
CATEGORY_ATTRIBUTE_SET = EventType(
    "fieldreport.category_attribute_set",
    "An extra question of a category was set.",
    {"code": "question code", "datatype": "Open311 datatype", "required": "true or false"},
)
ROUTING_RULE_ADDED = EventType(
    "fieldreport.routing_rule_added",
    "A routing rule was added.",
    {
        "category": "category code or null",
        "commune": "commune code or null",
        "target": "rule kind",
        "unit": "unit code",
    },
)
API_KEY_CREATED = EventType("fieldreport.api_key_created", "A partner key was issued.", {"name": "partner"})
API_KEY_REVOKED = EventType("fieldreport.api_key_revoked", "A partner key was revoked.", {"name": "partner"})
