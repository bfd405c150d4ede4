"""Reporting on PostgreSQL, each figure against a floor measured in the same run:
1. importing 100,000 values through the dataValueSets API (Django's test client, 10 calls of 10,000) against
   COPYing the same rows into a bare table (goal: at least 1/4 of the floor's rate), in a process started as a
   deployed worker is (`tinhso/wsgi.py`: every view loaded, the start-up heap frozen);
2. the province's total of one month read from the kept totals (one row) against recomputing it from every unit's
   approved values (goal: at least 100x faster, equal numbers);
3. a data-entry save and an approval under 16 clients (forked processes with a connection each) against a
   transaction of two inserts, from as many processes (goal: p99 within 2x of the floor's p99); each process makes
   one call before the timed rounds, as a server's worker has served a request (its first call is shown apart);
   the kept totals are folded after the approvals by a job: one client runs it after each of its cycles;
4. the same save and approval, and the roll-up of a large report, from one client in CPU time and queries.
`--part blocks`: section 1 on the storage decided in docs/benchmarks.md (issue 20) before it is built: the
API's parsing and the import's checks and locks, the values written as one jsonb block per report.
Drops and recreates the database `tinhso_bench_reporting` (only a name containing `bench` is dropped).
Run: .venv/bin/python bench/reporting.py [--database-url postgres://.../tinhso_bench_reporting]"""

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import harness
from bench.submit import ActivitySampler

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tinhso_bench_reporting"
BREAKDOWNS = 1400  # x the province's reporting units (~72) ≈ 100,000 cells
BATCH = 10_000
CLIENTS = 16


def prepare(url: str) -> None:
    import psycopg

    name = harness.database_name(url)
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark's database name must contain 'bench'.")
    with psycopg.connect(harness.maintenance_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_data() -> dict:
    from django.core.management import call_command

    from tinhso.core import services as core_services
    from tinhso.core.models import AdminUnit, Role
    from tinhso.reporting import services, setup

    call_command("migrate", verbosity=0)
    core_services.import_admin_units()
    core_services.create_province_agencies()
    province = AdminUnit.objects.get(code="96")
    units = list(
        AdminUnit.objects.filter(parent__parent=province, kind=AdminUnit.Kind.AGENCY).values_list(
            "code", flat=True
        )
    )
    units += list(
        AdminUnit.objects.filter(parent=province, kind=AdminUnit.Kind.AGENCY).values_list("code", flat=True)
    )
    services.define_indicator(
        actor=None, code="DNMOI", disaggregations=[[f"x{n}", f"Nhóm {n}"] for n in range(BREAKDOWNS)]
    )
    setup.define_monthly_report(reporters=units, expiry_days=3650)
    officer = core_services.create_official(actor=None, username="bench.baocao", full_name="Cán bộ báo cáo (đo)",
                                            password="Bench-2026-reporting", roles=[(Role.REPORTING_OFFICER, "96")])  # fmt: skip
    leader = core_services.create_official(actor=None, username="bench.lanhdao", full_name="Lãnh đạo (đo)",
                                           password="Bench-2026-reporting", roles=[(Role.PROVINCE_LEADER, "96")])  # fmt: skip
    return {"units": units, "officer": officer, "leader": leader}


def rows(units: list[str], period: str) -> list[dict]:
    return [
        {
            "indicator": "DNMOI",
            "disaggregation": f"x{n}",
            "period": period,
            "unit": unit,
            "value": str((n * 7 + i) % 997),
        }
        for i, unit in enumerate(units)
        for n in range(BREAKDOWNS)
    ][:100_000]


def import_figures(data: dict, period: str = "2026M03") -> tuple[float, float, int, float]:
    from django.test import Client

    from tinhso.testing.factories import bearer

    values = rows(data["units"], period)
    client = Client()
    headers = bearer("bench.baocao", "Bench-2026-reporting")
    with import_phases() as phases:
        started = time.perf_counter()
        for first in range(0, len(values), BATCH):
            body = json.dumps({"regime": "KTXH-THANG", "dataValues": values[first : first + BATCH]})
            began = time.process_time()
            reply = client.post(
                "/api/v1/reporting/dataValueSets", body, content_type="application/json", **headers
            )
            phases["call"] += time.process_time() - began
            summary = reply.json()
            assert reply.status_code == 200 and summary["status"] == "SUCCESS", summary
        imported = time.perf_counter() - started
    per = 100_000 / len(values)
    call, whole = phases["call"] * per, phases["import_values"] * per
    check = (phases["_checked"] + phases["_lock"] + phases["_compare"]) * per
    print(f"   CPU per 100,000 values: web process {call:.3f} s = parse and HTTP {call - whole:.3f} + checks "
          f"{check:.3f} (_checked {phases['_checked'] * per:.3f}, _lock {phases['_lock'] * per:.3f}, _compare "
          f"{phases['_compare'] * per:.3f}) + write and record {whole - check:.3f}; PostgreSQL backend "
          f"{phases['backend'] * per:.3f} s")  # fmt: skip
    floor = import_figures_floor(values)
    with floor_cpu() as spent:
        import_figures_floor(values)
    # CPU seconds do not wait for a core: the ratio a loaded machine's wall times blur.
    print(f"   CPU, web process and backend: import {call + phases['backend'] * per:.3f} s, the floor's COPY "
          f"{spent['cpu'] * per:.3f} s (a second COPY, client and backend); CPU ratio "
          f"{spent['cpu'] / (phases['call'] + phases['backend']):.3f}")  # fmt: skip
    return imported, floor, len(values), own_writes(values, period)


@contextmanager
def floor_cpu() -> Iterator[dict[str, float]]:
    """The CPU seconds of this process and of its PostgreSQL backend over the block."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    spent: dict[str, float] = {}
    began, backend_began = time.process_time(), harness.process_cpu(backend)
    yield spent
    spent["cpu"] = time.process_time() - began + harness.process_cpu(backend) - backend_began


@contextmanager
def import_phases() -> Iterator[dict[str, float]]:
    """The process CPU seconds spent in the import and in each of its steps (by wrapping them, for this run
    only), and the PostgreSQL backend's CPU seconds over the whole block."""
    from collections import defaultdict
    from unittest import mock

    from django.db import connection

    from tinhso.reporting import imports

    phases: dict[str, float] = defaultdict(float)

    def timed(name: str, work):
        def run(*args, **kwargs):
            began = time.process_time()
            try:
                return work(*args, **kwargs)
            finally:
                phases[name] += time.process_time() - began

        return run

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    steps = [mock.patch.object(imports, name, timed(name, getattr(imports, name)))
             for name in ("import_values", "_checked", "_lock", "_compare")]  # fmt: skip
    for step in steps:
        step.start()
    before = harness.process_cpu(backend)
    try:
        yield phases
    finally:
        phases["backend"] = harness.process_cpu(backend) - before
        for step in steps:
            step.stop()


def import_figures_floor(values: list[dict]) -> float:
    """Seconds to COPY the values into a bare unlogged table of five text columns: the import's floor."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS bench_floor_values (unit text, indicator text, breakdown text, period text, value numeric)"
        )
        cursor.execute("TRUNCATE bench_floor_values")
    raw = connection.connection
    started = time.perf_counter()
    with raw.cursor() as cursor, cursor.copy("COPY bench_floor_values FROM STDIN") as copy:
        for item in values:
            copy.write_row(
                (item["unit"], item["indicator"], item["disaggregation"], item["period"], item["value"])
            )
    raw.commit()
    return time.perf_counter() - started


def own_writes(values: list[dict], period: str) -> float:
    """Seconds to COPY the same values into their real table (its indexes, its references checked at once),
    in a transaction rolled back: what any import must write, without reading, checking or recording anything
    (a value an import makes has no revision row: its batch stands for it). As plans (`kind`), beside the
    period values imported above: one block per report, its cells' numbers as text."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tinhso.core.models import User
    from tinhso.reporting import bulk, imports, selectors
    from tinhso.reporting.models import Submission, ValueBlock

    regime = selectors.regime_by_code("KTXH-THANG")
    version = selectors.row_versions(regime)["DNMOI"].pk
    reports = dict(Submission.objects.filter(regime=regime, period=period).values_list("unit__code", "pk"))
    actor, now = User.objects.get(username="bench.baocao").pk, timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
        blocks: dict[int, dict[str, str]] = {}
        for item in values:
            blocks.setdefault(reports[item["unit"]], {})[item["disaggregation"]] = item["value"]
        fresh = [[report, version, "plan", numbers, {}, "A", True, now, actor, None]
                 for report, numbers in blocks.items()]  # fmt: skip
        bulk.copy_rows(ValueBlock, imports.NEW_BLOCK, fresh)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


BLOCKS = """CREATE TABLE IF NOT EXISTS bench_value_blocks (submission_id bigint NOT NULL, indicator_version_id bigint NOT NULL,
kind varchar(6) NOT NULL, cells jsonb NOT NULL, obs_status varchar(1) NOT NULL, public boolean NOT NULL,
revision integer NOT NULL, changed_at timestamptz NOT NULL, changed_by_id bigint, batch_id bigint,
PRIMARY KEY (submission_id, indicator_version_id, kind))"""


def block_figures(data: dict, period: str) -> tuple[float, float, float, int]:
    """The storage decided in docs/benchmarks.md (issue 20), before it is built: the same 10 bodies parsed by the
    API's schema and checked, grouped and locked by the import's own code, then written as one jsonb block per
    report, indicator version and kind (`bench_value_blocks`, logged, its references checked per statement;
    COPYed into a temporary table, then inserted or merged by one statement).
    Left out: the comparison with values already held (none in a fresh month), the batch and its event (about
    0.02 s per 100,000 values today). Returns wall and process CPU seconds, and the COPY floor's seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tinhso.core.models import User
    from tinhso.reporting import api, imports, selectors, services

    values = rows(data["units"], period)
    bodies = [json.dumps({"regime": "KTXH-THANG", "dataValues": values[first : first + BATCH]}).encode()
              for first in range(0, len(values), BATCH)]  # fmt: skip
    actor, regime = User.objects.get(username="bench.baocao"), selectors.regime_by_code("KTXH-THANG")
    with connection.cursor() as cursor:
        cursor.execute(BLOCKS)
    started, cpu = time.perf_counter(), time.process_time()
    for body in bodies:
        with imports._collector_paused(), transaction.atomic():
            digest = hashlib.sha256(body).hexdigest()
            items = api.data_value_set(body).dataValues
            outcome, now = services.Outcome(), timezone.now()
            reports = imports._checked(actor, regime, items, outcome)
            imports._lock(regime, reports, outcome, False, now)
            assert not outcome.conflicts and digest, outcome.conflicts
            blocks: dict[tuple[int, int, str], dict[str, str | None]] = {}
            for report in reports.values():
                submission = report.submission.pk  # type: ignore[union-attr]
                for _index, _code, version, breakdown, kind, number, _comment, _status in report.rows:
                    cells = blocks.setdefault((submission, version.pk, kind), {})
                    cells[breakdown] = None if number is None else str(number)
            # A report's values may come in two calls: new blocks inserted, those already there merged.
            with connection.cursor() as cursor:
                cursor.execute("CREATE TEMPORARY TABLE arriving (LIKE bench_value_blocks) ON COMMIT DROP")
                with cursor.cursor.copy("COPY arriving FROM STDIN") as copy:
                    for (submission, version, kind), cells in blocks.items():
                        copy.write_row(
                            (submission, version, kind, json.dumps(cells), "A", True, 1, now, actor.pk, None)
                        )
                cursor.execute(
                    "INSERT INTO bench_value_blocks SELECT * FROM arriving ON CONFLICT (submission_id, "
                    "indicator_version_id, kind) DO UPDATE SET cells = bench_value_blocks.cells || excluded.cells"
                )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    floor = import_figures_floor(values)
    return elapsed, cpu, floor, len(values)


# The province's month from every approved value: each block's cells summed by indicator and breakdown.
RECOMPUTED = """
SELECT i.code, e.key, sum(e.value::numeric) FROM reporting_valueblock b
JOIN reporting_submission s ON s.id = b.submission_id
JOIN reporting_indicatorversion iv ON iv.id = b.indicator_version_id JOIN reporting_indicator i ON i.id = iv.indicator_id
CROSS JOIN LATERAL jsonb_each_text(b."values") AS e
WHERE s.regime_id = %s AND s.period = %s AND s.status = %s AND b.kind = 'period'
GROUP BY i.code, e.key
"""


def aggregate_figures(data: dict) -> dict[str, tuple[float, float]]:
    """Section 2: each read's median milliseconds and its CPU per call (this process and its PostgreSQL
    backend), equal numbers checked: the kept read as a page reads it (the row's version unchanged since this
    process decoded it), the kept read on a new version (the row fetched and decoded: every read before the
    process kept them), and the recompute from every approved value."""
    from django.db import connection
    from django.utils import timezone

    from tinhso.core.models import AdminUnit
    from tinhso.reporting import selectors, services, sql
    from tinhso.reporting.models import Status, Submission

    regime = selectors.regime_by_code("KTXH-THANG")
    Submission.objects.filter(regime=regime, period="2026M03").update(
        status=Status.APPROVED, decided_at=timezone.now()
    )
    first = Submission.objects.filter(regime=regime, period="2026M03").select_related("unit").first()
    # Approved by hand above, outside the lifecycle: the totals are worked out once from every value.
    services.rebuild_totals(regime=regime, period_id="2026M03", unit=first.unit)

    province = AdminUnit.objects.get(code="96")

    def kept() -> Mapping[str, Decimal]:
        return selectors.kept_totals(regime, "2026M03", province)

    def kept_new_version() -> Mapping[str, Decimal]:
        sql._KEPT.clear()  # as after a fold: the version read is not the one this process kept
        return kept()

    def recomputed() -> dict[str, Decimal]:
        with connection.cursor() as cursor:
            cursor.execute(RECOMPUTED, [regime.pk, "2026M03", Status.APPROVED])
            totals = cursor.fetchall()
        return {services.cell_key(code, disaggregation): total for code, disaggregation, total in totals}

    expected = recomputed()
    if len(expected) < BREAKDOWNS or not all(isinstance(total, Decimal) for total in expected.values()):
        sys.exit(f"The recompute gave {len(expected)} totals, not the province's month.")
    figures = {}
    for name, read, calls in (("kept", kept, 2000), ("kept, new version", kept_new_version, 300),
                              ("recomputed", recomputed, 20)):  # fmt: skip
        answer = read()
        if answer != expected or not all(isinstance(total, Decimal) for total in answer.values()):
            sys.exit(f"{name}: not the recomputed numbers")
        figures[name] = (statistics.median(harness.timed(read, calls)[0]), _cpu_per_call(read, calls))
    return figures


def _cpu_per_call(read, calls: int) -> float:
    """Milliseconds of CPU per call, this process's and its PostgreSQL backend's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    began, backend_began = time.process_time(), harness.process_cpu(backend)
    for _ in range(calls):
        read()
    return (time.process_time() - began + harness.process_cpu(backend) - backend_began) * 1000 / calls


def _race(work, clients: int, rounds: int, database_url: str) -> dict[str, list[float]]:
    """Runs `work(index, round)` `rounds` times in each of `clients` processes at once (forked after setup: one
    interpreter and one connection each, as gunicorn's workers, so no client waits for another's GIL). `work`
    answers the milliseconds of each step it names; each step's timings come back sorted."""
    import multiprocessing
    import traceback

    from django.db import connections

    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(clients), context.Queue()

    def run(index: int) -> None:
        timings: dict[str, list[float]] = {}
        try:
            # Connected and warm before its first timed call, as a server's worker is after its first request
            # (per-process caches, prepared statements, a save's report made): the first call is timed apart.
            connections["default"].ensure_connection()
            first = work(index, -1)
            start.wait()
            began, backend = time.process_time(), _backend_cpu()
            for round_number in range(rounds):
                for step, milliseconds in work(index, round_number).items():
                    timings.setdefault(step, []).append(milliseconds)
            timings["client CPU per round"] = [(time.process_time() - began) * 1000 / rounds]
            timings["backend CPU per round"] = [(_backend_cpu() - backend) / rounds]
            for step, milliseconds in first.items():
                timings.setdefault(f"{step}, a process's first call", []).append(milliseconds)
        except Exception:
            traceback.print_exc()
            timings = {"failed": []}
        finally:
            connections.close_all()
            results.put(timings)

    processes = [context.Process(target=run, args=(index,)) for index in range(clients)]
    sampler = ActivitySampler(database_url)
    sampler.start()
    for process in processes:
        process.start()
    merged: dict[str, list[float]] = {}
    for _process in processes:
        for step, milliseconds in results.get().items():
            merged.setdefault(step, []).extend(milliseconds)
    for process in processes:
        process.join()
    activity = sampler.stop()
    cpu = statistics.mean(merged.pop("client CPU per round"))
    backend_cpu = statistics.mean(merged.pop("backend CPU per round"))
    waits = ", ".join(f"{query} {share:.1f}" for query, share in activity["lock_waits"].items()) or "none"
    backends = activity["backends"]
    print(f"   {clients} clients of {', '.join(merged)}: backends active {backends.get('active', 0):.1f}, "
          f"waiting for a lock {backends.get('waiting for a lock', 0):.1f} ({waits}); CPU per round: client "
          f"{cpu:.1f} ms, its PostgreSQL backend {backend_cpu:.1f} ms")  # fmt: skip
    if "failed" in merged:
        sys.exit("a client failed (traceback above)")
    return {step: sorted(milliseconds) for step, milliseconds in merged.items()}


def _backend_cpu() -> float:
    """CPU milliseconds this process's PostgreSQL backend has used (the database runs on this machine)."""
    from django.db import connection

    return harness.process_cpu(connection.connection.info.backend_pid) * 1000


def _timed(call) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def concurrency_figures(data: dict, rounds: int, database_url: str) -> dict[str, list[float]]:
    from django.db import connection, transaction

    from tinhso.core.models import User
    from tinhso.reporting import services
    from tinhso.reporting.models import Submission

    officer, leader = User.objects.get(username="bench.baocao"), User.objects.get(username="bench.lanhdao")
    units = data["units"][:CLIENTS]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor_a (id bigserial primary key, body text)")
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_b (id bigserial primary key, a bigint, body text)"
        )

    def two_inserts(index: int, round_number: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_floor_a (body) VALUES (%s) RETURNING id", [f"{index}:{round_number}"]
            )
            cursor.execute(
                "INSERT INTO bench_floor_b (a, body) VALUES (%s, %s)", [cursor.fetchone()[0], "event"]
            )

    def floor(index: int, round_number: int) -> dict[str, float]:
        return {"floor (two inserts)": _timed(lambda: two_inserts(index, round_number))}

    def save(index: int, round_number: int) -> dict[str, float]:
        cells = [services.Cell("BLHH", str(Decimal(400 + round_number)))]
        return {"data-entry save": _timed(lambda: services.save_values(
            actor=officer, regime_code="KTXH-THANG", period_id="2026M04", unit_code=units[index], cells=cells))}  # fmt: skip

    def cycle(index: int, round_number: int) -> dict[str, float]:
        """One report through submit, accept, approve and return: each action timed on its own."""
        submission = Submission.objects.get(
            regime__code="KTXH-THANG", period="2026M04", unit__code=units[index]
        )
        steps = {}
        for action, actor, reason in (("submit", officer, "bench"), ("accept", leader, ""), ("approve", leader, ""),
                                      ("return", leader, "bench")):  # fmt: skip
            began = time.perf_counter()
            submission = services.act(actor=actor, submission_id=submission.pk, version=submission.version,
                                      action=action, reason=reason)  # fmt: skip
            steps[action] = (time.perf_counter() - began) * 1000
        steps["submit+accept+approve+return"] = sum(steps.values())
        if index == 0:  # the job the approvals' commits queue, racing the others' actions from one process
            began = time.perf_counter()
            services.fold_totals()
            steps["fold of the totals (one client)"] = (time.perf_counter() - began) * 1000
        return steps

    return (
        _race(floor, CLIENTS, rounds, database_url)
        | _race(save, CLIENTS, rounds, database_url)
        | _race(cycle, CLIENTS, max(2, rounds // 4), database_url)
    )


def cpu_figures(data: dict, rounds: int) -> dict[str, tuple[float, int]]:
    """One client: the web process's CPU milliseconds and queries per call, which the machine's load moves far
    less than the 16-client times (the database's own work is not counted). The roll-up is a report of
    1,400 approved cells taken out of the month's totals, in a transaction rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from tinhso.core.models import User
    from tinhso.reporting import services
    from tinhso.reporting.models import Submission

    officer, leader = User.objects.get(username="bench.baocao"), User.objects.get(username="bench.lanhdao")
    unit = data["units"][0]
    reports = Submission.objects.filter(regime__code="KTXH-THANG", period="2026M03").order_by("pk")
    big = reports.select_related("regime", "unit")[1:2].first()

    def save(number: int) -> None:
        services.save_values(actor=officer, regime_code="KTXH-THANG", period_id="2026M04", unit_code=unit,
                             cells=[services.Cell("BLHH", str(Decimal(700 + number)))])  # fmt: skip

    def cycle(number: int) -> None:
        submission = Submission.objects.get(regime__code="KTXH-THANG", period="2026M04", unit__code=unit)
        for action, actor, reason in (("submit", officer, "bench"), ("accept", leader, ""), ("approve", leader, ""),
                                      ("return", leader, "bench")):  # fmt: skip
            submission = services.act(actor=actor, submission_id=submission.pk, version=submission.version,
                                      action=action, reason=reason)  # fmt: skip

    def roll_up(number: int) -> None:
        with transaction.atomic():
            services.roll_up(submission=big, sign=-1)
            transaction.set_rollback(True)

    figures = {}
    for name, work, calls in (("data-entry save", save, rounds * 4), ("submit+accept+approve+return", cycle, rounds),
                              ("roll-up of a 1,400-cell report", roll_up, max(2, rounds // 2))):  # fmt: skip
        if work is roll_up and big is None:
            continue  # --part races: no month imported
        work(0)  # warm: the form rows a regime keeps per process, prepared statements
        with CaptureQueriesContext(connection) as queries:
            work(1)
        started = time.process_time()
        for number in range(calls):
            work(2 + number)
        figures[name] = ((time.process_time() - started) * 1000 / calls, len(queries.captured_queries))
    return figures


def print_import(imported: float, floor: float, count: int, writes: float) -> None:
    rate, floor_rate = count / imported, count / floor
    print(f"1. import {count:,} values via API: {imported:.2f} s ({rate:,.0f}/s); COPY floor {floor:.2f} s "
          f"({floor_rate:,.0f}/s); ratio {rate / floor_rate:.3f} (goal >= 0.25)")  # fmt: skip
    print(f"   the same rows COPYed into the real values table alone (indexes, references): {writes:.2f} s, "
          f"{floor / writes:.3f}x the bare table's rate; the API {writes / imported:.2f}x of that")  # fmt: skip


def print_blocks(elapsed: float, cpu: float, floor: float, count: int) -> None:
    print(f"1. {count:,} values parsed, checked, locked and written as jsonb blocks: {elapsed:.2f} s "
          f"({cpu:.2f} s of the process's CPU); COPY floor {floor:.2f} s; ratio {floor / elapsed:.3f} (goal >= 0.25), "
          f"{elapsed / floor:.2f}x the floor's time")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--rounds", type=int, default=20, help="saves per client")
    parser.add_argument(
        "--part",
        choices=("all", "import", "aggregate", "blocks", "races"),
        default="all",
        help="import: section 1 only; aggregate: sections 1 and 2; blocks: section 1 on the storage decided, not yet built; races: sections 3 "
        "and 4 without the import (no roll-up of a large report)",
    )
    parser.add_argument(
        "--imports", type=int, default=1, help="section 1 repeated, a month earlier each time"
    )
    args = parser.parse_args()
    prepare(args.database_url)
    harness.bench_environment(database_url=args.database_url, var_dir="/tmp/tinhso-bench-reporting")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.settings"
    os.environ["TINHSO_ENV"] = "test"
    import django

    django.setup()
    from unittest import mock
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from tinhso.reporting.periods import Period

    # Entry of 2026M03 and 2026M04 opens after their cut-off: the run stands on 16/05/2026.
    now = Period(2026, 5, 1).end.astimezone(ZoneInfo("UTC")).replace(day=16)
    with mock.patch.object(timezone, "now", lambda: now):
        data = setup_data()
        if args.part == "blocks":
            for month in range(args.imports):
                print_blocks(
                    *block_figures(data, f"2026M{3 - month:02d}" if month < 3 else f"2025M{15 - month:02d}")
                )
            return
        if args.part == "races":
            races, cpu = (
                concurrency_figures(data, args.rounds, args.database_url),
                cpu_figures(data, args.rounds),
            )
            print_races(races, cpu)
            return
        began = time.process_time()
        import tinhso.wsgi  # noqa: F401  # started as a deployed worker is: every view loaded, the heap frozen

        print(f"0. worker start-up (tinhso/wsgi.py, once a process): {time.process_time() - began:.3f} s CPU")
        for month in range(args.imports - 1, 0, -1):  # each into its own month, so each writes new values
            print_import(
                *import_figures(data, f"2026M{3 - month:02d}" if month < 3 else f"2025M{15 - month:02d}")
            )
        print_import(*import_figures(data))
        if args.part == "import":
            return
        aggregate = aggregate_figures(data)
        if args.part == "aggregate":
            print_aggregate(aggregate)
            return
        races = concurrency_figures(data, args.rounds, args.database_url)
        cpu = cpu_figures(data, args.rounds)
    print_aggregate(aggregate)
    print_races(races, cpu)


def print_aggregate(figures: dict[str, tuple[float, float]]) -> None:
    recomputed_ms, recomputed_cpu = figures["recomputed"]
    for name, (milliseconds, cpu) in figures.items():
        print(f"2. province month, {name}: {milliseconds:.3f} ms (median), {cpu:.3f} ms CPU per call "
              f"(process + backend); recomputed / this: {recomputed_ms / milliseconds:.0f}x, "
              f"CPU {recomputed_cpu / cpu:.0f}x; equal Decimal numbers (goal >= 100x)")  # fmt: skip


def print_races(races: dict[str, list[float]], cpu: dict[str, tuple[float, int]]) -> None:
    floor_p99 = harness.percentile(races["floor (two inserts)"], 0.99)
    for name, timings in races.items():
        p99 = harness.percentile(timings, 0.99)
        print(f"3. {CLIENTS} clients, {name}: p50 {harness.percentile(timings, 0.5):.1f} ms, p99 {p99:.1f} ms, "
              f"{p99 / floor_p99:.1f}x the floor's p99 ({len(timings)} calls)")  # fmt: skip
    for name, (milliseconds, queries) in cpu.items():
        print(f"4. one client, {name}: {milliseconds:.1f} ms of CPU, {queries} queries per call")


if __name__ == "__main__":
    main()
