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
