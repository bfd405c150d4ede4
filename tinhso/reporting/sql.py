"""Reporting's hand-written SQL on PostgreSQL: a page's save read in one statement and written in another (bench/reporting.py,
docs/benchmarks.md "Reporting")."""

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

import msgspec
from django.db import connection
from django.db.models import signals

from tinhso.core import caching
from tinhso.core.models import Event
from tinhso.reporting import bulk

# A save's report (locked), what the writer needs to know about it and the cells' current values, in one read
# (services._save_at_once). One row per current value named (at least one row when the unit takes part); from
# the 16th column on, the value as selectors.HeldCell's fields, in their order (held_cells reads all others).
REPORT_FOR_ENTRY = """
SELECT r.id, r.state, r.cutoff_mode, r.frequency, r.deadline_rules, r.expiry_days, r.recipient_id,
    u.id, u.name, u.path,
    ARRAY(SELECT ARRAY[a.role, p.path] FROM core_roleassignment a JOIN core_adminunit p ON p.id = a.unit_id
          WHERE a.user_id = %(actor)s AND (a.valid_to IS NULL OR a.valid_to >= %(today)s)
          AND a.domain IN (%(domain)s, %(all_domains)s)),
    s.id, s.status, h.seq, h.hash,
    v.id, v.submission_id, %(period)s::varchar, u.code, v.indicator_version_id, v.code, v.breakdown, v.kind,
    v.value::numeric, coalesce(v.meta ->> 'c', ''), coalesce(v.meta ->> 's', v.obs_status), v.public,
    coalesce((v.meta ->> 'r')::integer, 1), CASE WHEN v.meta ? 'u' THEN (v.meta ->> 'u')::bigint ELSE v.changed_by_id END,
    CASE WHEN v.meta ? 'b' THEN (v.meta ->> 'b')::bigint ELSE v.batch_id END,
    CASE WHEN v.meta ? 't' THEN (v.meta ->> 't')::timestamptz ELSE v.changed_at END
FROM reporting_regime r
JOIN core_adminunit u ON u.code = %(unit)s
LEFT JOIN LATERAL (
    SELECT id, status FROM reporting_submission
    WHERE regime_id = r.id AND period = %(period)s AND unit_id = u.id FOR UPDATE
) s ON true
LEFT JOIN LATERAL (
    SELECT seq, hash FROM core_streamhead WHERE stream = %(streams)s || s.id::text
) h ON true
LEFT JOIN LATERAL (
    SELECT b.id, b.submission_id, b.indicator_version_id, c.code, c.breakdown, b.kind, b."values" ->> c.breakdown AS value,
        b.cells -> c.breakdown AS meta, b.obs_status, b.public, b.changed_by_id, b.batch_id, b.changed_at
    FROM jsonb_to_recordset(%(cells)s::jsonb) AS c(code text, breakdown text, kind text)
    JOIN reporting_indicator i ON i.code = c.code
    JOIN reporting_indicatorversion iv ON iv.indicator_id = i.id
    JOIN reporting_valueblock b ON b.submission_id = s.id AND b.indicator_version_id = iv.id AND b.kind = c.kind
    WHERE b."values" ? c.breakdown OR b.cells ? c.breakdown
) v ON true
WHERE r.code = %(regime)s AND (u.id = r.recipient_id OR EXISTS (
    SELECT 1 FROM reporting_regime_reporters m WHERE m.regime_id = r.id AND m.adminunit_id = u.id))
"""


class EntryPlace(NamedTuple):
    """REPORT_FOR_ENTRY's first columns: the regime, the unit, the writer's roles there, the report and its chain's
    head (the report's and the head's None when the unit has no report yet)."""

    regime_id: int
    state: str
    cutoff_mode: str
    frequency: str
    deadline_rules: str  # JSON
    expiry_days: int
    recipient_id: int | None
    unit_id: int
    unit_name: str
    unit_path: str
    roles: list[tuple[str, str]]  # (role, unit path) of each active assignment in reporting
    report_id: int | None
    status: str | None
    head_seq: int | None
    head_hash: str | None


def report_for_entry(*, regime: str, period: str, unit: str, actor: int, today: date, domains: tuple[str, str],
                     cells: Sequence[tuple[str, str, str]]) -> tuple[EntryPlace, list[tuple[Any, ...]]] | None:  # fmt: skip
    """Stands for selectors.regime_by_code, the reporters' lookup, active_roles, services._report (the report
    locked FOR UPDATE), the chain head record_event reads and the report's values of `cells` (indicator code,
    breakdown, kind): the place and the values held as selectors.HeldCell's fields, None when the regime or
    the unit taking part is unknown.
    Its snapshot may predate the lock: SAVE_VALUES writes only if the chain head it read is still the head.
    The cells go as one JSON text: psycopg's dumping of a list per column was most of the statement's CPU."""
    with connection.cursor() as cursor:
        cursor.execute(REPORT_FOR_ENTRY, {
            "regime": regime, "period": period, "unit": unit, "actor": actor, "today": today,
            "domain": domains[0], "all_domains": domains[1], "streams": "reporting.submission:",
            "cells": json.dumps([{"code": code, "breakdown": breakdown, "kind": kind} for code, breakdown, kind in cells]),
        })  # fmt: skip
        rows = cursor.fetchall()
    if not rows:
        return None
    width = len(EntryPlace._fields)
    return EntryPlace._make(rows[0][:width]), [row[width:] for row in rows if row[width] is not None]


# The save's event, its cells written into their blocks (a block made if the row has none) and a revision each, in
# one statement, written only when the chain head is still the one the event follows: a report read before its
# lock was granted is then written by nobody. A cell written leaves `values` unless given a number again.
SAVE_VALUES = """
WITH event AS (
    INSERT INTO core_event (stream, seq, action, actor_id, payload, occurred_at, prev_hash, hash)
    SELECT %(stream)s::varchar, %(seq)s::integer, %(action)s::varchar, %(actor)s::bigint, %(payload)s::jsonb, %(now)s::timestamptz, %(prev_hash)s::varchar, %(hash)s::varchar
    WHERE coalesce((SELECT seq FROM core_streamhead WHERE stream = %(stream)s::varchar), 0) = %(seq)s::integer - 1
    RETURNING id
), blocks AS (
    INSERT INTO reporting_valueblock AS b (submission_id, indicator_version_id, kind, "values", cells, obs_status,
        public, changed_at, changed_by_id)
    SELECT %(report)s::bigint, c.version, c.kind, c.numbers, c.cells, 'A', true, %(now)s::timestamptz, %(actor)s::bigint
    FROM jsonb_to_recordset(%(blocks)s::jsonb) AS c(version bigint, kind text, numbers jsonb, cells jsonb)
    WHERE EXISTS (SELECT 1 FROM event)
    ON CONFLICT (submission_id, indicator_version_id, kind) DO UPDATE SET
        "values" = (b."values" - ARRAY(SELECT jsonb_object_keys(excluded.cells))) || excluded."values",
        cells = b.cells || excluded.cells
    RETURNING b.id, b.indicator_version_id, b.kind
)
INSERT INTO reporting_valuerevision (block_id, disaggregation, revision, value, comment, obs_status, channel, reason,
    changed_at, changed_by_id, event_seq)
SELECT blocks.id, r.breakdown, r.revision, r.value, r.comment, r.obs, %(channel)s::varchar, %(reason)s::text,
    %(now)s::timestamptz, %(actor)s::bigint, %(seq)s::integer
FROM jsonb_to_recordset(%(revisions)s::jsonb)
    AS r(version bigint, kind text, breakdown text, revision integer, value numeric, comment text, obs text)
JOIN blocks ON blocks.indicator_version_id = r.version AND blocks.kind = r.kind
RETURNING (SELECT id FROM event)
"""


def save_values(
    *, event: Event, report: int, cells: Sequence[bulk.Written], channel: str, reason: str
) -> bool:
    """Stands for record_event(locked=True) of `event` (built by next_event) and writing the `cells` into the
    report's blocks with a revision each: False, with nothing written, when `event` no longer follows the head
    of its chain (the caller reads again). post_save is sent for the event, as save() would.
    The blocks and the revisions go as one JSON text each, as report_for_entry's cells do."""
    blocks = [{"version": version, "kind": kind, "numbers": numbers, "cells": metas}
              for (version, kind), (numbers, metas) in bulk.patches(cells, at=event.occurred_at, author=event.actor_id).items()]  # fmt: skip
    revisions = [{"version": cell.indicator_version_id, "kind": cell.kind, "breakdown": cell.disaggregation,
                  "revision": cell.revision, "value": None if cell.value is None else str(cell.value),
                  "comment": cell.comment, "obs": cell.obs_status} for cell in cells]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(SAVE_VALUES, {
            "stream": event.stream, "seq": event.seq, "action": event.action, "actor": event.actor_id,
            "payload": json.dumps(event.payload), "now": event.occurred_at, "prev_hash": event.prev_hash,
            "hash": event.hash, "report": report, "channel": channel, "reason": reason,
            "blocks": json.dumps(blocks), "revisions": json.dumps(revisions),
        })  # fmt: skip
        written = cursor.fetchall()
    if not written:
        return False
    event.pk = written[0][0]
    event._state.adding, event._state.db = False, connection.alias
    signals.post_save.send(sender=Event, instance=event, created=True, update_fields=None, raw=False,
                           using=connection.alias)  # fmt: skip
    return True


# A level's totals by the unique key, their text only when their version is not the one the process keeps.
KEPT_TOTALS = """
SELECT version, CASE WHEN version = %s THEN NULL ELSE totals END FROM reporting_kepttotals
WHERE regime_id = %s AND period = %s AND unit_id = %s
"""
# (database alias, regime, period, unit) -> (version, totals): each write of the totals gives them a new version.
_KEPT = caching.Kept("reporting.kept_totals", max_entries=64)


def kept_totals(*, regime: int, period: str, unit: int) -> Mapping[str, Decimal]:
    """Stands for `KeptTotals.objects.filter(regime=, period=, unit=).values_list("totals", flat=True).first()`
    (or {}) with each total a Decimal, read-only: the totals this process decoded under the row's version, as
    long as the row still has it (one probe of the key), else the row's totals decoded by msgspec in one pass."""
    key = (connection.alias, regime, period, unit)
    kept = _KEPT.peek(key)
    with connection.cursor() as cursor:
        cursor.execute(KEPT_TOTALS, [None if kept is None else kept[0], regime, period, unit])
        row = cursor.fetchone()
    if row is None:
        return _NONE
    version, text = row
    if text is None and kept is not None:
        return kept[1]
    totals = MappingProxyType(_TOTALS.decode(text))
    _KEPT.put(key, (version, totals))
    return totals


_TOTALS = msgspec.json.Decoder(dict[str, Decimal])
_NONE: Mapping[str, Decimal] = MappingProxyType({})


# What a report's checks read, in one statement (selectors.check_inputs): the regime's rules, the report's
# explanations, and the period values of the unit's reports of `periods` (the report's own and those before
# it, for the outlier checks) as one JSON array of [period, indicator code, {breakdown: number}] by block.
CHECK_INPUTS = """
SELECT
    ARRAY(SELECT ARRAY[code, name, "left", operator, "right", importance, missing]
          FROM reporting_validationrule WHERE regime_id = %(regime)s ORDER BY code),
    ARRAY(SELECT ARRAY[subject, text] FROM reporting_explanation WHERE submission_id = %(report)s),
    (SELECT coalesce(json_agg(json_build_array(s.period, i.code, b."values") ORDER BY b.id), '[]')::text
     FROM reporting_submission s
     JOIN reporting_valueblock b ON b.submission_id = s.id AND b.kind = %(kind)s
     JOIN reporting_indicatorversion iv ON iv.id = b.indicator_version_id
     JOIN reporting_indicator i ON i.id = iv.indicator_id
     WHERE s.regime_id = %(regime)s AND s.unit_id = %(unit)s AND s.period = ANY(%(periods)s::text[]))
"""
_BLOCKS = msgspec.json.Decoder(list[tuple[str, str, dict[str, Decimal | None]]])


def check_inputs(*, regime: int, report: int, unit: int, periods: Sequence[str], kind: str) -> tuple[
    list[list[str]], list[list[str]], list[tuple[str, str, dict[str, Decimal | None]]]
]:  # fmt: skip
    """Stands for the regime's rules (ordered by code) as rows of their seven text columns, the report's
    explanations as (subject, text) and held_cells(regime=, unit=, periods_in=, kind=) as blocks of numbers,
    decoded by msgspec in one pass."""
    with connection.cursor() as cursor:
        cursor.execute(CHECK_INPUTS, {"regime": regime, "report": report, "unit": unit, "periods": list(periods),
                                      "kind": kind})  # fmt: skip
        rules, explained, blocks = cursor.fetchone()
    return rules, explained, _BLOCKS.decode(blocks)
