"""Reporting's hand-written SQL on PostgreSQL: a save's many new values (a sheet's) and their first revisions written
by one COPY and one statement; a page's save read in one statement and written in another (bench/reporting.py,
docs/benchmarks.md "Reporting")."""

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import signals

from tinhso.core.models import Event

# A save's new values as they arrive: COPYed here, then moved into the real tables by one statement.
FRESH_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS reporting_fresh (
    submission_id bigint, indicator_version_id bigint, disaggregation varchar(40), kind varchar(6),
    value numeric(24, 4), comment text, obs_status varchar(1), changed_at timestamptz, changed_by_id bigint
) ON COMMIT DELETE ROWS
"""
FRESH_COLUMNS = ("submission_id", "indicator_version_id", "disaggregation", "kind", "value", "comment", "obs_status",
                 "changed_at", "changed_by_id")  # fmt: skip
# Each value and its first revision, in one statement: the keys never travel to Python and back.
MOVE_FRESH = """
WITH inserted AS (
    INSERT INTO reporting_datavalue (submission_id, indicator_version_id, disaggregation, kind, value, comment,
        obs_status, public, revision, changed_at, changed_by_id)
    SELECT submission_id, indicator_version_id, disaggregation, kind, value, comment, obs_status, true, 1,
        changed_at, changed_by_id
    FROM reporting_fresh
    RETURNING id, submission_id, value, comment, obs_status, changed_at, changed_by_id
)
INSERT INTO reporting_valuerevision (data_value_id, revision, value, comment, obs_status, channel, reason,
    changed_at, changed_by_id, event_seq)
SELECT inserted.id, 1, inserted.value, inserted.comment, inserted.obs_status, %(channel)s, %(reason)s,
    inserted.changed_at, inserted.changed_by_id, recorded.seq
FROM inserted JOIN unnest(%(submissions)s::bigint[], %(seqs)s::integer[]) AS recorded(submission_id, seq)
    USING (submission_id)
"""


def insert_fresh_values(*, rows: Sequence[Sequence[Any]], channel: str, reason: str,
                        events: dict[int, int]) -> None:  # fmt: skip
    """Stands for bulk.insert_rows of DataValue (`rows` in FRESH_COLUMNS' order) and then of one
    ValueRevision each, recorded by `events` {submission id: event seq}; PostgreSQL only."""
    with connection.cursor() as cursor:
        cursor.execute(FRESH_TABLE)
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY reporting_fresh ({', '.join(FRESH_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        submissions = sorted(events)
        cursor.execute(MOVE_FRESH, {"channel": channel, "reason": reason, "submissions": submissions,
                                    "seqs": [events[key] for key in submissions]})  # fmt: skip
        cursor.execute("DELETE FROM reporting_fresh")  # a second import in the same transaction starts empty


# A save's report (locked), what the writer needs to know about it and the cells' current values, in one read
# (services._save_at_once). One row per current value named (at least one row when the unit takes part); from
# the 16th column on, the value as selectors.HeldCell's fields, in their order (held_cells reads all others).
REPORT_FOR_ENTRY = """
SELECT r.id, r.state, r.cutoff_mode, r.frequency, r.deadline_rules, r.expiry_days, r.recipient_id,
    u.id, u.name, u.path,
    ARRAY(SELECT ARRAY[a.role, p.path] FROM core_roleassignment a JOIN core_adminunit p ON p.id = a.unit_id
          WHERE a.user_id = %(actor)s AND (a.valid_to IS NULL OR a.valid_to >= %(today)s)
          AND a.domain = ANY(%(domains)s::text[])),
    s.id, s.status, h.seq, h.hash,
    v.id, v.submission_id, %(period)s::varchar, u.code, v.indicator_version_id, v.code, v.disaggregation, v.kind,
    v.value, v.comment, v.obs_status, v.public, v.revision, v.changed_by_id, v.batch_id, v.changed_at
FROM reporting_regime r
JOIN core_adminunit u ON u.code = %(unit)s
LEFT JOIN LATERAL (
    SELECT id, status FROM reporting_submission
    WHERE regime_id = r.id AND period = %(period)s AND unit_id = u.id FOR UPDATE
) s ON true
LEFT JOIN LATERAL (
    SELECT seq, hash FROM core_event WHERE stream = %(streams)s || s.id::text ORDER BY seq DESC LIMIT 1
) h ON true
LEFT JOIN LATERAL (
    SELECT v.*, c.code FROM unnest(%(codes)s::text[], %(breakdowns)s::text[], %(kinds)s::text[]) AS c(code, breakdown, kind)
    JOIN reporting_indicator i ON i.code = c.code
    JOIN reporting_indicatorversion iv ON iv.indicator_id = i.id
    JOIN reporting_datavalue v ON v.submission_id = s.id AND v.indicator_version_id = iv.id
        AND v.disaggregation = c.breakdown AND v.kind = c.kind
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


def report_for_entry(*, regime: str, period: str, unit: str, actor: int, today: date, domains: Sequence[str],
                     cells: Sequence[tuple[str, str, str]]) -> tuple[EntryPlace, list[tuple[Any, ...]]] | None:  # fmt: skip
    """Stands for selectors.regime_by_code, the reporters' lookup, active_roles, services._report (the report
    locked FOR UPDATE), the chain head record_event reads and the report's values of `cells` (indicator code,
    breakdown, kind): the place and the values held as selectors.HeldCell's fields, None when the regime or
    the unit taking part is unknown.
    Its snapshot may predate the lock: SAVE_VALUES writes only if the chain head it read is still the head."""
    with connection.cursor() as cursor:
        cursor.execute(REPORT_FOR_ENTRY, {
            "regime": regime, "period": period, "unit": unit, "actor": actor, "today": today,
            "domains": list(domains), "streams": "reporting.submission:", "codes": [cell[0] for cell in cells],
            "breakdowns": [cell[1] for cell in cells], "kinds": [cell[2] for cell in cells],
        })  # fmt: skip
        rows = cursor.fetchall()
    if not rows:
        return None
    width = len(EntryPlace._fields)
    return EntryPlace._make(rows[0][:width]), [row[width:] for row in rows if row[width] is not None]


# The save's event, its values changed and new, and a revision each, in one statement, written only when the chain
# head is still the one the event follows: a report read before its lock was granted is then written by nobody.
SAVE_VALUES = """
WITH event AS (
    INSERT INTO core_event (stream, seq, action, actor_id, payload, occurred_at, prev_hash, hash)
    SELECT %(stream)s::varchar, %(seq)s::integer, %(action)s::varchar, %(actor)s::bigint, %(payload)s::jsonb, %(now)s::timestamptz, %(prev_hash)s::varchar, %(hash)s::varchar
    WHERE coalesce((SELECT max(seq) FROM core_event WHERE stream = %(stream)s::varchar), 0) = %(seq)s::integer - 1
    RETURNING id
), updated AS (
    UPDATE reporting_datavalue v SET value = c.value, comment = c.comment, obs_status = c.obs,
        revision = c.revision, changed_at = %(now)s::timestamptz, changed_by_id = %(actor)s::bigint
    FROM unnest(%(ids)s::bigint[], %(values)s::numeric[], %(comments)s::text[], %(statuses)s::text[],
        %(revisions)s::integer[]) AS c(id, value, comment, obs, revision)
    WHERE v.id = c.id AND EXISTS (SELECT 1 FROM event)
    RETURNING v.id, v.revision, v.value, v.comment, v.obs_status
), inserted AS (
    INSERT INTO reporting_datavalue (submission_id, indicator_version_id, disaggregation, kind, value, comment,
        obs_status, public, revision, changed_at, changed_by_id)
    SELECT %(report)s::bigint, c.version, c.breakdown, c.kind, c.value, c.comment, c.obs, true, 1, %(now)s::timestamptz, %(actor)s::bigint
    FROM unnest(%(new_versions)s::bigint[], %(new_breakdowns)s::text[], %(new_kinds)s::text[],
        %(new_values)s::numeric[], %(new_comments)s::text[], %(new_statuses)s::text[])
        AS c(version, breakdown, kind, value, comment, obs)
    WHERE EXISTS (SELECT 1 FROM event)
    RETURNING id, revision, value, comment, obs_status
)
INSERT INTO reporting_valuerevision (data_value_id, revision, value, comment, obs_status, channel, reason,
    changed_at, changed_by_id, event_seq)
SELECT w.id, w.revision, w.value, w.comment, w.obs_status, %(channel)s::varchar, %(reason)s::text, %(now)s::timestamptz, %(actor)s::bigint, %(seq)s::integer
FROM (SELECT * FROM updated UNION ALL SELECT * FROM inserted) AS w
RETURNING (SELECT id FROM event)
"""


def save_values(*, event: Event, report: int, changed: Sequence[Sequence[Any]], fresh: Sequence[Sequence[Any]],
                channel: str, reason: str) -> bool:  # fmt: skip
    """Stands for record_event(locked=True) of `event` (built by next_event), saving the `changed` values
    [id, value, comment, obs_status, revision], inserting the `fresh` ones [indicator version, breakdown, kind,
    value, comment, obs_status] and a revision of each: False, with nothing written, when `event` no longer
    follows the head of its chain (the caller reads again). post_save is sent for the event, as save() would."""
    with connection.cursor() as cursor:
        cursor.execute(SAVE_VALUES, {
            "stream": event.stream, "seq": event.seq, "action": event.action, "actor": event.actor_id,
            "payload": json.dumps(event.payload), "now": event.occurred_at, "prev_hash": event.prev_hash,
            "hash": event.hash, "report": report, "channel": channel, "reason": reason,
            **dict(zip(("ids", "values", "comments", "statuses", "revisions"), _columns(changed, 5), strict=True)),
            **dict(zip(("new_versions", "new_breakdowns", "new_kinds", "new_values", "new_comments", "new_statuses"),
                       _columns(fresh, 6), strict=True)),
        })  # fmt: skip
        written = cursor.fetchall()
    if not written:
        return False
    event.pk = written[0][0]
    event._state.adding, event._state.db = False, connection.alias
    signals.post_save.send(sender=Event, instance=event, created=True, update_fields=None, raw=False,
                           using=connection.alias)  # fmt: skip
    return True


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    return [[row[index] for row in rows] for index in range(width)]


def kept_totals(*, regime: int, period: str, unit: int) -> dict[str, str]:
    """Stands for `KeptTotals.objects.filter(regime=, period=, unit=).values_list("totals", flat=True).first()`
    (or {}): building that statement cost the province's month read as much as decoding its 1,400 totals."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT totals FROM reporting_kepttotals WHERE regime_id = %s AND period = %s AND unit_id = %s",
            [regime, period, unit],
        )
        row = cursor.fetchone()
    return {} if row is None else json.loads(row[0])
