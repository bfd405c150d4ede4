"""The events of reporting, declared once with their payloads. A unit's report for a period (stream
`reporting.submission:<id>`) records every value and decision; regimes and indicators have their own chains;
the platform's figures frozen at a cut-off are recorded on `reporting.derivation:<regime>:<period>:<unit>`."""

from tinhso.core.events import EventType

REASON = {"reason": "the reason given"}

REGIME_DEFINED = EventType(
    "reporting.regime_defined", "A draft regime was created or changed.", {"version": "the regime's version"}
)
REGIME_ACTIVATED = EventType(
    "reporting.regime_activated",
    "The regime came into force (every Decree 09 Art. 7 component present).",
    {"version": "version"},
)
FORM_DEFINED = EventType(
    "reporting.form_defined",
    "A data form of a draft regime was set.",
    {"form": "form code", "rows": "indicator codes"},
)
RULE_DEFINED = EventType("reporting.rule_defined", "A validation rule was set.", {"rule": "rule code"})
INDICATOR_VERSIONED = EventType(
    "reporting.indicator_versioned",
    "An indicator got a version (a published one is never edited in place).",
    {"version": "version number", "changed": "names of the fields changed"},
)
VALUES_SAVED = EventType(
    "reporting.values_saved",
    "Values of a report changed (unchanged values record nothing).",
    {"channel": "ui, api, xlsx or history", "changes": "[[indicator, breakdown, kind, old, new], ...]"}
    | REASON,
)
VALUES_IMPORTED = EventType(
    "reporting.values_imported",
    "An import wrote values (stream reporting.importbatch:<id>; the values it made carry the batch).",
    {
        "regime": "regime code",
        "channel": "api",
        "strategy": "CREATE, UPDATE or CREATE_AND_UPDATE",
        "sha256": "SHA-256 of the values as sent",
        "imported": "values made",
        "updated": "values changed",
        "ignored": "values left as they were",
        "submissions": "ids of the reports it wrote into",
    }
    | REASON,
)
NARRATIVE_SAVED = EventType(
    "reporting.narrative_saved",
    "A narrative section of the outline changed.",
    {"section": "outline code", "text": "the text"},
)
EXPLAINED = EventType(
    "reporting.explained",
    "A finding was explained (a rule, an outlier, a mismatch with the platform).",
    {"subject": "rule:CODE, outlier:CODE or crosscheck:CODE", "text": "the explanation"},
)
SUBMITTED = EventType(
    "reporting.submitted", "The unit sent its report up.", {"revision": "1 for the first sending"} | REASON
)
ACCEPTED = EventType("reporting.accepted", "The level above took the report in; its values are locked.", {})
APPROVED = EventType(
    "reporting.approved",
    "The level above approved the report.",
    {"children": "ids of the units approved under it"},
)
RETURNED = EventType("reporting.returned", "The level above sent the report back.", REASON)
LOCK_EXCEPTION_GRANTED = EventType(
    "reporting.lock_exception_granted",
    "Entry was reopened for a unit and period after its deadline.",
    {"period": "period id", "unit": "unit code", "expires_at": "when it closes again"} | REASON,
)
HISTORY_IMPORTED = EventType(
    "reporting.history_imported",
    "Figures approved in an earlier reporting system were brought in as approved.",
    REASON,
)
DERIVED = EventType(
    "reporting.derived",
    "The platform's own figure for a derived row, counted over the cut-off period and frozen.",
    {
        "indicator": "indicator code",
        "value": "the count",
        "query": "name@version",
        "records_hash": "SHA-256 of the ids counted",
    },
)
PACKAGE_SENT = EventType(
    "reporting.package_sent",
    "An approved report was packaged (canonical JSON with its SHA-256, PDF signed PAdES) and handed to the upward adapter.",
    {
        "adapter": "adapter name",
        "sha256": "hash of the canonical JSON",
        "location": "where the adapter put it",
        "signature": "verification code of the signed PDF",
    },
)
REMINDER_DUE = EventType(
    "reporting.reminder_due",
    "A unit has not sent a report whose deadline is near (recorded once per unit and period).",
    {
        "regime": "regime code",
        "period": "period id",
        "unit": "unit code",
        "due": "deadline",
        "notify": "ids of its reporting officers",
        "link": "the report's page",
    },
)
