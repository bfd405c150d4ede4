"""The events of open data, declared once with their payloads. A dataset's chain (`opendata.dataset:<id>`)
records its metadata, its resources' versions and every decision on it; the register of shared data records on
each database's and each access request's chain."""

from tinhso.core.events import EventType

REASON = {"reason": "the reason given"}

ORGANIZATION_REGISTERED = EventType(
    "opendata.organization_registered",
    "An agency became a publisher of the catalogue.",
    {"name": "its slug", "unit": "unit code"},
)
DATASET_CREATED = EventType(
    "opendata.dataset_created",
    "A dataset was put in the catalogue as a draft.",
    {"name": "slug", "organization": "publisher slug", "access_level": "open, shared or internal"},
)
DATASET_UPDATED = EventType(
    "opendata.dataset_updated", "A dataset's metadata changed.", {"changed": "names of the fields changed"}
)
DATASET_SUBMITTED = EventType("opendata.dataset_submitted", "A draft was sent for review.", {})
DATASET_RETURNED = EventType("opendata.dataset_returned", "The reviewer sent the dataset back.", REASON)
DATASET_PUBLISHED = EventType(
    "opendata.dataset_published",
    "The dataset was published (an open one only after the personal-data scan passed or was exempted).",
    {"access_level": "open, shared or internal", "findings": "personal-data findings exempted, if any"},
)
DATASET_WITHDRAWN = EventType("opendata.dataset_withdrawn", "A published dataset was withdrawn.", REASON)
DATASET_REOPENED = EventType("opendata.dataset_reopened", "A withdrawn dataset went back to draft.", {})
PII_EXEMPTED = EventType(
    "opendata.pii_exempted",
    "A reviewer exempted the dataset from the personal-data guard.",
    {"findings": "what the scan found"} | REASON,
)
CATALOGUE_REVIEWED = EventType(
    "opendata.catalogue_reviewed",
    "A published dataset passed its periodic review (Decree 47/2020: every 6 months).",
    {},
)
RESOURCE_ADDED = EventType(
    "opendata.resource_added",
    "A resource (a file or a link) was added to a dataset.",
    {"resource": "its id", "name": "its name", "format": "file format", "url": "the link, or empty"},
)
VERSION_ADDED = EventType(
    "opendata.version_added",
    "A new version of a resource's file was stored and queued for loading (an upload or a refresh).",
    {"resource": "resource id", "number": "version number", "sha256": "hash of the file", "size": "bytes"},
)
LOAD_FINISHED = EventType(
    "opendata.load_finished",
    "The datastore finished loading a version: done (it became current) or error.",
    {
        "resource": "resource id",
        "number": "version number",
        "status": "done or error",
        "rows": "rows loaded",
        "bad_rows": "how many rows were refused",
        "error": "why it failed, if it did",
    },
)
SHARED_DATABASE_REGISTERED = EventType(
    "opendata.shared_database_registered",
    "A shared database was entered in the province's register.",
    {"code": "its code", "owner": "owner unit code", "classification": "shared, important or core"},
)
SHARED_SERVICE_REGISTERED = EventType(
    "opendata.shared_service_registered",
    "A service of a shared database was registered.",
    {"code": "service code", "scopes": "the scopes it offers"},
)
ACCESS_REQUESTED = EventType(
    "opendata.access_requested",
    "An agency asked to use a shared service.",
    {"service": "service code", "requester": "unit code", "scopes": "scopes asked", "due_at": "answer due"},
)
ACCESS_APPROVED = EventType("opendata.access_approved", "The owner approved an access request.", {})
ACCESS_REFUSED = EventType("opendata.access_refused", "The owner refused an access request.", REASON)
ACCESS_REVOKED = EventType("opendata.access_revoked", "The owner revoked approved access.", REASON)
