"""Domain rows against their event chains. Each app declares in `<app>/integrity.py` how the state of its rows
follows from their events; `tinhso verify-log` replays every chain and names each row whose current state
(a dossier's status and version, a report's status) differs: an edit made straight in the database."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils.module_loading import autodiscover_modules

from tinhso.core.eventlog import stream_name
from tinhso.core.models import Event

# (state so far, event action, event payload): updates the state the chain implies after that event.
Replay = Callable[[dict[str, Any], str, dict], None]
CHECKS: list["StateCheck"] = []
# Other hash-chained logs an app keeps beside the event log (the integration platform's exchange log): each
# check yields (where, what) for every break, and `tinhso verify-log` reports them with the event log's.
LogCheck = Callable[..., Iterator[tuple[str, str]]]
LOG_CHECKS: list[LogCheck] = []


@dataclass(frozen=True)
class StateCheck:
    model: type[Model]
    fields: tuple[str, ...]
    replay: Replay


@dataclass(frozen=True)
class Mismatch:
    stream: str
    field: str  # "" when the row or its whole chain is missing
    stored: Any
    implied: Any


def register(check: StateCheck) -> StateCheck:
    if all(known.model is not check.model for known in CHECKS):
        CHECKS.append(check)
    return check


def register_log(check: LogCheck) -> LogCheck:
    if check not in LOG_CHECKS:
        LOG_CHECKS.append(check)
    return check


def log_problems(*, chunk_size: int = 5000) -> Iterator[tuple[str, str]]:
    autodiscover_modules("integrity")
    for check in LOG_CHECKS:
        yield from check(chunk_size=chunk_size)


def mismatches(*, chunk_size: int = 5000, streams: set[str] | None = None) -> Iterator[Mismatch]:
    """Every row's, or only the rows of `streams` when given (the chains `verify-log` read)."""
    autodiscover_modules("integrity")
    for check in CHECKS:
        if streams is None:
            yield from _mismatches_of(check, chunk_size=chunk_size)
        else:
            yield from _mismatches_among(check, streams=streams, chunk_size=chunk_size)


def _mismatches_of(check: StateCheck, *, chunk_size: int) -> Iterator[Mismatch]:
    """Rows in id order, a chunk at a time, with the chains of every id in the chunk's range: a row deleted
    between two others shows as a chain without its row."""
    after = 0
    while True:
        rows = list(
            check.model._default_manager.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", *check.fields)[:chunk_size]
        )
        if not rows:
            return
        last = rows[-1][0]
        ids = range(after + 1, last + 1) if last - after <= 4 * chunk_size else [row[0] for row in rows]
        yield from _compare(check, rows, ids)
        after = last


def _mismatches_among(check: StateCheck, *, streams: set[str], chunk_size: int) -> Iterator[Mismatch]:
    prefix = stream_name(check.model, 0)[:-1]
    ids = sorted(
        int(stream[len(prefix) :])
        for stream in streams
        if stream.startswith(prefix) and stream[len(prefix) :].isdigit()
    )
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        rows = list(
            check.model._default_manager.filter(pk__in=chunk).order_by("pk").values_list("pk", *check.fields)
        )
        yield from _compare(check, rows, chunk)


def _compare(check: StateCheck, rows: list[tuple[Any, ...]], ids: Iterable[int]) -> Iterator[Mismatch]:
    """The rows against the states their chains imply; `ids` are those whose chains are read."""
    implied = _implied_states(check, [stream_name(check.model, pk) for pk in ids])
    for pk, *values in rows:
        stream = stream_name(check.model, pk)
        state = implied.pop(stream, None)
        if state is None:
            yield Mismatch(stream=stream, field="", stored="row", implied=None)
            continue
        for field, value in zip(check.fields, values, strict=True):
            if state.get(field, _UNSET) != value:
                yield Mismatch(stream=stream, field=field, stored=value, implied=state.get(field))
    for stream in sorted(implied):
        yield Mismatch(stream=stream, field="", stored=None, implied="row")


_UNSET = object()


def _implied_states(check: StateCheck, streams: list[str]) -> dict[str, dict[str, Any]]:
    states: dict[str, dict[str, Any]] = {}
    events = (
        Event.objects.filter(stream__in=streams)
        .order_by("stream", "seq")
        .values_list("stream", "action", "payload")
    )
    for stream, action, payload in events.iterator(chunk_size=5000):
        check.replay(states.setdefault(stream, {}), action, payload if isinstance(payload, dict) else {})
    return states
