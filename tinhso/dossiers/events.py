"""The events of a dossier's chain (stream `dossiers.dossier:<id>`), declared once with their payloads."""

from tinhso.core.events import EventType

# What every lifecycle event after submission says of the dossier once changed (services.event_payload).
STATE = {
    "code": "the dossier's code",
    "from": "status before (national code 1-10)",
    "status": "status after",
    "version": "the dossier's version after the change",
    "step": "order of the current process step, or null",
    "unit": "code of the unit at the current step, or null",
    "step_due_at": "deadline of the current step (ISO 8601), or null",
}
REASON = {"reason": "the reason given, shown to the applicant"}
ON_TIME = {"on_time": "the step was done before its deadline"}

SUBMITTED = EventType(
    "dossier.submitted",
    "A dossier was submitted online, lodged at a desk or received by post.",
    {
        "code": "the dossier's code",
        "status": "1 (new)",
        "version": "1",
        "procedure": "procedure code",
        "procedure_version": "version of the procedure submitted under",
        "channel": "1 in person, 2 online, 3 postal",
        "receiving_unit": "code of the receiving unit",
        "acknowledge_due_at": "deadline to acknowledge an online dossier, or null",
    },
)
ACCEPTED = EventType(
    "dossier.accepted",
    "Reception accepted the dossier; the legal clock starts (form 01).",
    STATE | {"promised_at": "the promised return date", "acknowledged_in_time": "within 8 working hours"},
)
REFUSED = EventType("dossier.refused", "Reception refused the dossier (form 03).", STATE | REASON)
SUPPLEMENT_REQUESTED = EventType(
    "dossier.supplement_requested",
    "The applicant is asked to supplement (form 02); the clock stops.",
    STATE | REASON,
)
SUPPLEMENT_ANSWERED = EventType(
    "dossier.supplement_answered",
    "The applicant supplemented; every deadline moves by the office time paused.",
    STATE
    | {
        "paused_hours": "office hours paused",
        "promised_at": "the promised date after the move, or null",
        "note": "the applicant's note",
        "files": "names of the files added",
    },
)
DOCUMENTS_ATTACHED = EventType(
    "dossier.documents_attached",
    "The applicant added files while the dossier waits.",
    STATE | {"files": "names of the files added"},
)
FORWARDED = EventType(
    "dossier.forwarded",
    "The dossier went on to the next process step (form 06 records it).",
    STATE | ON_TIME | {"note": "the handler's note", "assignee": "id of the official named, or absent"},
)
SENT_BACK = EventType("dossier.sent_back", "The dossier went back to an earlier step.", STATE | REASON)
APOLOGIZED = EventType(
    "dossier.apologized",
    "An apology with a new return date (form 04); the dossier still counts as late.",
    STATE
    | REASON
    | {
        "previous_promised_at": "the promise broken",
        "promised_at": "the new promise",
        "sent_a_day_ahead": "sent at least one working day before the broken promise",
    },
)
STOPPED = EventType("dossier.stopped", "Handling stopped (form 05).", STATE | REASON)
FINISHED = EventType(
    "dossier.finished",
    "The result was recorded at the last handling step; it goes to the desk.",
    STATE | ON_TIME | {"late": "finished after the original promise"},
)
RETURNED = EventType("dossier.returned", "The desk handed the result to the applicant.", STATE)
CONSULTED = EventType(
    "dossier.consulted",
    "Another agency's opinion was asked (liên thông).",
    STATE
    | {
        "consulted_unit": "code of the agency asked",
        "question": "what was asked",
        "consult_due_at": "answer deadline",
    },
)
CONSULTATION_ANSWERED = EventType(
    "dossier.consultation_answered",
    "The consulted agency answered.",
    STATE | ON_TIME | {"consulted_unit": "code of the agency", "answer": "its answer"},
)
PAYMENT_REQUESTED = EventType(
    "dossier.payment_requested",
    "Fees or taxes are asked for (status 6); the clock stops.",
    STATE | {"amount": "amount in đồng", "note": "what is to be paid"},
)
PAYMENT_CONFIRMED = EventType(
    "dossier.payment_confirmed",
    "The payment was recorded; the clock resumes.",
    STATE
    | {
        "receipt": "receipt or transaction number",
        "paused_hours": "office hours paused",
        "method": "counter (recorded by an official, cash at the desk) or online (a verified gateway notice)",
    },
)
WITHDRAWN = EventType(
    "dossier.withdrawn", "The applicant withdrew the dossier.", STATE | {"reason": "optional"}
)
RATED = EventType("dossier.rated", "The applicant rated the service.", STATE | {"rating": "1, 2 or 3"})
OVERDUE = EventType(
    "dossier.overdue",
    "The job flagged reception or the current step as past due (no change of state or version).",
    {
        "code": "the dossier's code",
        "status": "status",
        "step": "order of the current step, or null",
        "unit": "code of the unit that is late",
        "due_at": "the deadline passed",
        "notify": "ids of the accounts to notify",
    },
)

# Events after which the dossier no longer runs against its deadline.
ENDING = frozenset({REFUSED, WITHDRAWN, STOPPED, FINISHED})
