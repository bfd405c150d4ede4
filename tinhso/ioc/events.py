"""The operations centre's events: threshold rules on indicators and the alerts they raise and clear."""

from tinhso.core.events import EventType

BREACH = {"unit": "unit code", "indicator": "indicator code", "period": "month (YYYY-MM)"}

ALERT_RULE_CREATED = EventType(
    "ioc.alert_rule_created",
    "A leader or an administrator set a threshold on an indicator's monthly rate.",
    {
        "indicator": "indicator code",
        "threshold": "the lowest acceptable rate (0 to 1)",
        "min_denominator": "records needed in the month before the rule applies",
    },
)
ALERT_RAISED = EventType(
    "ioc.alert_raised",
    "A unit's monthly rate fell below a rule's threshold; its leaders are told.",
    BREACH
    | {
        "rate": "the rate (0 to 1, 4 decimals)",
        "threshold": "the rule's threshold",
        "notify": "ids of the leaders told",
    },
)
ALERT_CLEARED = EventType(
    "ioc.alert_cleared",
    "A unit's monthly rate is back at or above the threshold.",
    BREACH | {"rate": "the rate"},
)
