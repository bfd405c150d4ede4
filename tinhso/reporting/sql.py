"""Reporting's hand-written SQL: a save's many new values (a sheet's) and their first revisions written by one
COPY and one statement on PostgreSQL (bench/reporting.py, docs/benchmarks.md "Reporting")."""

from collections.abc import Sequence
from typing import Any

from django.db import connection

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
