"""The events of the procedure catalogue, declared once with their payloads."""

from tinhso.core.events import EventType

PROCEDURE_PUBLISHED = EventType(
    "procedure.published",
    "A procedure, or a new version of it, was published (dossiers keep the version they were submitted under).",
    {"code": "procedure code", "version": "its new version", "name": "its name"},
)
BUNDLE_DEFINED = EventType(
    "bundle.defined",
    "A bundle of interconnected procedures (liên thông) was defined.",
    {"procedures": "their codes"},
)
