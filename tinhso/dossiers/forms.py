"""A page form drawn from a procedure's JSON Schema, and the posted strings turned back into JSON values."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from tinhso.catalog.models import Procedure, RequiredDocument
from tinhso.dossiers.models import Status
from tinhso.dossiers.selectors import QueueFilter
from tinhso.dossiers.validation import document_field, to_upload


@dataclass
class SchemaField:
    name: str
    label: str
    kind: str  # text, date, integer, number or select
    required: bool
    value: object = ""
    options: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    source: str = ""
    minimum: object = None
    maximum: object = None


def _kind(spec: dict) -> str:
    if "enum" in spec:
        return "select"
    if spec.get("format") == "date":
        return "date"
    return {"integer": "integer", "number": "number"}.get(str(spec.get("type")), "text")


def schema_fields(
    schema: dict, values: dict, errors: dict[str, list[str]], sources: dict[str, str] | None = None
) -> list[SchemaField]:
    required = set(schema.get("required", []))
    sources = sources or {}
    return [
        SchemaField(
            name=name,
            label=spec.get("title", name),
            kind=_kind(spec),
            required=name in required,
            value=values.get(name, ""),
            options=[str(option) for option in spec.get("enum", [])],
            errors=errors.get(name, []),
            source=sources.get(name, ""),
            minimum=spec.get("minimum"),
            maximum=spec.get("maximum"),
        )
        for name, spec in schema.get("properties", {}).items()
    ]


def parsed_form(schema: dict, post: Mapping[str, str]) -> dict:
    """Posted values by schema type; blanks are left out, and a number that does not parse stays text
    so that the schema check names it beside its field."""
    data: dict = {}
    for name, spec in schema.get("properties", {}).items():
        raw = post.get(name, "").strip()
        if not raw:
            continue
        kind = spec.get("type")
        try:
            data[name] = (
                int(raw) if kind == "integer" else float(raw.replace(",", ".")) if kind == "number" else raw
            )
        except ValueError:
            data[name] = raw
    return data


@dataclass
class DocumentInput:
    """A required document on the page: an upload field when the applicant provides it, else its source."""

    document: RequiredDocument
    name: str
    required: bool
    errors: list[str]
    chosen: list[str]  # files chosen before a refused submit, which the browser does not keep


def document_inputs(
    procedure: Procedure,
    errors: dict[str, list[str]],
    files: MultiValueDict,
    *,
    at_desk: bool,
    prefix: str = "",
) -> list[DocumentInput]:
    inputs = []
    for document in procedure.documents.all():
        name = document_field(document.order)
        inputs.append(
            DocumentInput(
                document=document,
                name=f"{prefix}{name}",
                required=to_upload(document) and not at_desk,
                errors=errors.get(name, []),
                chosen=[upload.name for upload in files.getlist(f"{prefix}{name}")] if errors else [],
            )
        )
    return inputs


@dataclass
class Problem:
    anchor: str
    label: str
    message: str


# The page's own fields outside the procedure's form, with the labels the summary names them by.
PAGE_FIELDS = {
    "applicant_citizen_id": ("f-applicant", _("Số định danh cá nhân của người nộp")),
    "channel": ("f-channel", _("Kênh nộp")),
    "receiving_unit": ("f-receiving_unit", _("Nơi nộp hồ sơ")),
    "authority_unit": ("f-authority_unit", _("Ủy ban nhân dân xã, phường giải quyết")),
    "attachments": ("f-attachments", _("Tệp đính kèm")),
}


def error_summary(
    errors: dict[str, list[str]], fields: list[SchemaField], documents: Sequence[DocumentInput] = ()
) -> list[Problem]:
    """Every error of a refused submit, in the page's order, each linking to its field."""
    problems = []
    for key, (anchor, label) in PAGE_FIELDS.items():
        problems += [Problem(anchor, str(label), message) for message in errors.get(key, [])]
    for item in fields:
        problems += [Problem(f"f-{item.name}", item.label, message) for message in item.errors]
    for document in documents:
        problems += [Problem(f"f-{document.name}", document.document.name, m) for m in document.errors]
    known = set(PAGE_FIELDS) | {item.name.split("__")[-1] for item in fields}
    known |= {document_field(document.document.order) for document in documents}
    for key, messages in errors.items():
        if key not in known and "." not in key:
            problems += [Problem("", key, message) for message in messages]
    return problems


SHARED = "shared__"


def shared_names(procedures: list[Procedure]) -> list[str]:
    """Fields asked by two or more procedures of a bundle (the child's name, their birth date): asked once,
    as the bundle promises (“khai một lần”), and given to every procedure that asks them."""
    seen: dict[str, int] = {}
    for procedure in procedures:
        for name in procedure.form_schema.get("properties", {}):
            seen[name] = seen.get(name, 0) + 1
    return [name for name, count in seen.items() if count > 1]


def bundle_values(procedures: list[Procedure], post: QueryDict) -> dict[str, dict]:
    """Each procedure's answers from its own fields (`{code}__{name}`) and the shared ones."""
    shared = {name: post.get(f"{SHARED}{name}", "") for name in shared_names(procedures)}
    values = {}
    for procedure in procedures:
        prefix = f"{procedure.code}__"
        own = {key[len(prefix) :]: post.get(key, "") for key in post if key.startswith(prefix)}
        values[procedure.code] = parsed_form(procedure.form_schema, own | shared)
    return values


@dataclass
class BundleSection:
    procedure: Procedure
    fields: list[SchemaField]
    documents: list[DocumentInput]


@dataclass
class BundlePage:
    shared: list[SchemaField]
    sections: list[BundleSection]
    summary: list[Problem]


def bundle_page(
    procedures: list[Procedure],
    values: dict[str, dict],
    errors: dict[str, list[str]],
    sources: dict[str, dict[str, str]],
    files: MultiValueDict,
) -> BundlePage:
    """The bundle's form: the shared fields once, then each procedure's own fields and documents, every error
    beside its field (a procedure's errors come as `{code}.{field}`; codes hold dots, so they are cut by
    length) and in one summary."""
    names = shared_names(procedures)
    shared: dict[str, SchemaField] = {}
    sections = []
    for procedure in procedures:
        prefix = f"{procedure.code}."
        own = {key[len(prefix) :]: value for key, value in errors.items() if key.startswith(prefix)}
        fields = schema_fields(
            procedure.form_schema, values[procedure.code], own, sources.get(procedure.code)
        )
        own_fields = [item for item in fields if item.name not in names]
        for item in fields:
            if item.name in names:
                first = shared.setdefault(item.name, item)
                first.errors = first.errors + [e for e in item.errors if e not in first.errors]
        for item in own_fields:
            item.name = f"{procedure.code}__{item.name}"
        documents = document_inputs(procedure, own, files, at_desk=False, prefix=f"{procedure.code}__")
        sections.append(BundleSection(procedure, own_fields, documents))
    for item in shared.values():
        item.name = f"{SHARED}{item.name}"
    page_errors = {
        key: value
        for key, value in errors.items()
        if not any(key.startswith(f"{p.code}.") for p in procedures)
    }
    every_field = [*shared.values(), *[item for section in sections for item in section.fields]]
    every_document = [document for section in sections for document in section.documents]
    return BundlePage(
        list(shared.values()), sections, error_summary(page_errors, every_field, every_document)
    )


def _day(raw: str) -> date | None:
    """A day typed as the date picker sends it (2026-12-06) or as people write it (06/12/2026)."""
    raw = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None


def queue_filter(get: QueryDict) -> tuple[QueueFilter, dict[str, list[str]]]:
    """The queue's filter from the page's query string, and an error beside each part that does not parse."""
    errors: dict[str, list[str]] = {}
    days = {}
    for name in ("tu-ngay", "den-ngay"):
        raw = get.get(name, "").strip()
        days[name] = _day(raw) if raw else None
        if raw and days[name] is None:
            errors[name.replace("-", "_")] = [str(_("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 06/12/2026."))]
    status = get.get("trang-thai", "")
    filters = QueueFilter(
        text=get.get("q", "").strip()[:100],
        procedure=get.get("thu-tuc", "").strip()[:40],
        status=int(status) if status.isdigit() and int(status) in Status.values else None,
        submitted_from=days["tu-ngay"],
        submitted_to=days["den-ngay"],
        overdue=get.get("qua-han") == "1",
    )
    return filters, errors
