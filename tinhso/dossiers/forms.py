"""A page form drawn from a procedure's JSON Schema, and the posted strings turned back into JSON values."""

from dataclasses import dataclass, field

from django.http import QueryDict


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
    return {"integer": "integer", "number": "number"}.get(spec.get("type"), "text")


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


def parsed_form(schema: dict, post: QueryDict) -> dict:
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
