"""Throughput and latency of the dossier submission API on PostgreSQL, against a floor measured in the same run.

The floor is a bare endpoint on the same gunicorn setup that inserts two rows in one transaction. The script
recreates its own database, loads the reference data and the demo catalog, registers citizens with API
tokens through the real services, serves the platform with gunicorn on 127.0.0.1 and drives it with HTTP/1.1
clients from this process. Run: .venv/bin/python bench/submit.py  (see bench/README.md).
"""

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402 (the repository root goes on the path first)
    Run,
    add_server_options,
    children_of,
    drive,
    free_port,
    http_request,
    machine_cpu,
    maintenance_url,
    percentile,
    process_cpu,
    server_options,
    server_setup,
    start_server,
    stop_server,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tinhso_bench"
GOAL_RATIO = 0.5
GOAL_P99_RATIO = 1.5  # issue 25: the submission's p99 at most 1.5 x the floor's, same run

PURPOSES = (
    "Bổ sung hồ sơ xin việc tại doanh nghiệp",
    "Hoàn thiện hồ sơ du học",
    "Bổ sung hồ sơ thành lập doanh nghiệp",
    "Hồ sơ xuất khẩu lao động",
)
DOCUMENTS = (
    "Bằng tốt nghiệp trung học phổ thông",
    "Giấy khai sinh",
    "Giấy chứng nhận quyền sử dụng đất",
    "Bằng tốt nghiệp đại học",
)
# Province-level procedures are lodged at the provincial service centre; commune-level ones at each
# citizen's own commune, so the two differ in how many submissions share one receiving unit.
PROCEDURES = {
    "judicial-record": "H12-LLTP-01",  # Cấp Phiếu lý lịch tư pháp: every dossier to one desk
    "certified-copy": "2.000815",  # Chứng thực bản sao từ bản chính: dossiers spread over the communes
}


@dataclass
class Citizen:
    citizen_id: str
    token: str
    commune_name: str
    receiving_unit: str


# ---- setup -------------------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop database {name!r}: the benchmark only recreates databases named *bench*.")
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(url: str, citizens: int, *, existing: bool = False) -> list[Citizen]:
    """Migrates, loads the demo data (tinhso load-demo) and registers citizens with API tokens; on an
    existing (generated) database only the floor's table and the citizens are added."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.floor_urls import FLOOR_TABLE_SQL

    call_command("migrate", verbosity=0, interactive=False)
    if not existing:
        call_command("load_demo", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_TABLE_SQL.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
    return register_citizens(citizens)


def register_citizens(count: int) -> list[Citizen]:
    from django.conf import settings
    from django.test import override_settings

    from tinhso.core import selectors, services
    from tinhso.core.identifiers import citizen_id_prefix
    from tinhso.core.models import AdminUnit, User
    from tinhso.generator.people import full_name

    province = selectors.province_unit()
    communes = list(AdminUnit.objects.filter(parent=province, kind=AdminUnit.Kind.COMMUNE).order_by("code"))
    citizens = []
    # Sign-in is not measured: a fast hasher spares ~1 s of Argon2 per account and per token.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for number in range(count):
            sex = "F" if number % 2 else "M"
            born = date(1970 + number % 35, 1 + number % 12, 1 + number % 28)
            citizen_id = (
                citizen_id_prefix(birth_province_code="96", birth_date=born, sex=sex) + f"{number:06d}"
            )
            name = full_name(random.Random(number), sex)  # plausible residents, the same every run
            commune = communes[number % len(communes)]
            services.save_population_record(
                citizen_id=citizen_id,
                full_name=name,
                birth_date=born,
                sex=sex,
                permanent_address=f"Ấp {1 + number % 9}, {commune.name}, {province.name}",
                permanent_commune=commune,
            )
            password = uuid.uuid4().hex
            account = User.objects.filter(citizen_id=citizen_id).first()
            if account is None:
                account = services.register_citizen(citizen_id=citizen_id, password=password, demo=True)
            else:  # an earlier run on this database (--existing-database) registered them
                account.set_password(password)
                account.save(update_fields=["password"])
            token, _ = services.issue_api_token(user=account)
            receiving = f"{commune.code}.{settings.TINHSO_PROVINCE}"
            citizens.append(Citizen(citizen_id, token, commune.name, receiving))
    return citizens


# ---- requests ----------------------------------------------------------------------------------------


def submission_body(procedure: str, citizen: Citizen, number: int) -> dict:
    if procedure == "judicial-record":
        form_data = {
            "certificate_type": "Phiếu số 1" if number % 3 else "Phiếu số 2",
            "purpose": PURPOSES[number % len(PURPOSES)],
            "copies": 1 + number % 2,
            "residence_history": f"Từ năm 2010 đến nay cư trú tại {citizen.commune_name}",
        }
        return {"procedure_code": PROCEDURES[procedure], "form_data": form_data}
    form_data = {"document_name": DOCUMENTS[number % len(DOCUMENTS)], "copies": 1 + number % 3}
    return {
        "procedure_code": PROCEDURES[procedure],
        "receiving_unit": citizen.receiving_unit,
        "form_data": form_data,
    }


def http_post(port: int, path: str, body: dict, headers: dict[str, str]) -> bytes:
    payload = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", **headers}
    return http_request(port, "POST", path, headers=headers, body=payload)


def submission_requests(port: int, procedure: str, citizen: Citizen):
    """Endless submissions of one citizen, each with a fresh Idempotency-Key."""
    number = 0
    while True:
        headers = {"Authorization": f"Bearer {citizen.token}", "Idempotency-Key": str(uuid.uuid4())}
        yield http_post(port, "/api/v1/dossiers", submission_body(procedure, citizen, number), headers)
        number += 1


def floor_requests(port: int, procedure: str, citizen: Citizen):
    """The same bodies as the submissions, to the bare endpoint."""
    number = 0
    while True:
        yield http_post(port, "/bench/floor", submission_body(procedure, citizen, number), {})
        number += 1


# ---- resource accounting ----------------------------------------------------------------------------


def describe(query: str) -> str:
    """'SELECT dossiers_dossiercounter FOR UPDATE' for a statement, to name what a waiting backend runs."""
    verb = query.split(None, 1)[0].upper() if query.strip() else "?"
    table = re.search(r'(?:FROM|INTO|UPDATE) "?(\w+)"?', query)
    locking = " FOR UPDATE" if "FOR UPDATE" in query.upper() else ""
    return f"{verb} {table[1] if table else ''}{locking}".strip()


class ActivitySampler(threading.Thread):
    """Samples pg_stat_activity of the benchmark database 20 times a second: who runs, waits or idles."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        super().__init__(daemon=True)
        self.database = urlsplit(database_url).path.lstrip("/")
        self.connection = psycopg.connect(maintenance_url(database_url), autocommit=True)
        self.finished = threading.Event()
        self.samples = 0
        self.states: Counter = Counter()
        self.lock_waits: Counter = Counter()

    def run(self) -> None:
        while not self.finished.wait(0.05):
            rows = self.connection.execute(
                "SELECT state, wait_event_type, query FROM pg_stat_activity WHERE datname = %s",
                [self.database],
            ).fetchall()
            self.samples += 1
            for state, wait_type, query in rows:
                if state == "active" and wait_type == "Lock":
                    self.states["waiting for a lock"] += 1
                    self.lock_waits[describe(query)] += 1
                else:
                    self.states[state or "other"] += 1

    def stop(self) -> dict:
        self.finished.set()
        self.join()
        self.connection.close()
        samples = max(self.samples, 1)
        return {
            "backends": {state: count / samples for state, count in self.states.items()},
            "lock_waits": {query: count / samples for query, count in self.lock_waits.most_common(3)},
        }


class Accounting:
    """CPU of gunicorn, PostgreSQL backends, this process and the machine; PostgreSQL's own counters."""

    def __init__(self, database_url: str, server: subprocess.Popen) -> None:
        import psycopg

        self.database_url = database_url
        self.database = urlsplit(database_url).path.lstrip("/")
        self.monitor = psycopg.connect(maintenance_url(database_url), autocommit=True)
        self.server = server

    def _backends(self) -> list[int]:
        rows = self.monitor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database])
        return [pid for (pid,) in rows]

    def _database_counters(self) -> dict[str, float]:
        row = self.monitor.execute(
            "SELECT xact_commit, xact_rollback, active_time, idle_in_transaction_time "
            "FROM pg_stat_database WHERE datname = %s",
            [self.database],
        ).fetchone()
        return dict(zip(("commits", "rollbacks", "active_ms", "idle_in_transaction_ms"), row, strict=True))

    def start(self) -> None:
        time.sleep(1.5)  # PostgreSQL publishes a backend's counters at most once a second
        self.counters = self._database_counters()
        self.workers = {pid: process_cpu(pid) for pid in children_of(self.server.pid)}
        self.backends = {pid: process_cpu(pid) for pid in self._backends()}
        self.own = sum(os.times()[:2])
        self.machine = machine_cpu()
        self.sampler = ActivitySampler(self.database_url)
        self.sampler.start()
        self.wall = time.perf_counter()

    def stop(self) -> dict:
        wall = time.perf_counter() - self.wall
        activity = self.sampler.stop()
        workers = sum(process_cpu(pid) - self.workers.get(pid, 0.0) for pid in children_of(self.server.pid))
        backends = sum(process_cpu(pid) - self.backends.get(pid, 0.0) for pid in self._backends())
        own = sum(os.times()[:2]) - self.own
        busy, total = (after - before for after, before in zip(machine_cpu(), self.machine, strict=True))
        stop_server(self.server)
        time.sleep(1.5)
        counters = {key: value - self.counters[key] for key, value in self._database_counters().items()}
        self.monitor.close()
        return (
            {
                "cores": total / wall,
                "gunicorn": workers / wall,
                "postgres": backends / wall,
                "client": own / wall,
                "other": max(busy - workers - backends - own, 0.0) / wall,
                "idle": (total - busy) / wall,
            }
            | counters
            | activity
        )


# ---- figures -----------------------------------------------------------------------------------------


@dataclass
class Figures:
    name: str
    requests: int
    errors: int
    error_kinds: dict[str, int]
    throughput: float
    p50: float
    p95: float
    p99: float
    resources: dict
    server: dict[str, float]


def figures(name: str, run: Run, expected_status: int, resources: dict) -> Figures:
    ok = [sample for sample in run.samples if sample.status == expected_status]
    kinds = Counter(f"HTTP {sample.status}" for sample in run.samples if sample.status != expected_status)
    kinds.update(run.transport_errors)
    latencies = sorted(sample.latency * 1000 for sample in ok)
    server = {
        key: sum(sample.timing.get(key, 0.0) for sample in ok) / max(len(ok), 1)
        for key in ("app", "cpu", "sql", "sql_count")
    }
    return Figures(
        name=name,
        requests=len(run.samples) + sum(run.transport_errors.values()),
        errors=sum(kinds.values()),
        error_kinds=dict(kinds),
        throughput=len(ok) / run.seconds if run.seconds else 0.0,
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        resources=resources,
        server=server,
    )


def bound(result: "Figures") -> str:
    """What limits the figure: the CPU (and whose), lock waits, or neither."""
    r = result.resources
    waiting = r["backends"].get("waiting for a lock", 0.0)
    locks = ""
    if waiting >= 1:
        where = ", ".join(f"{query} ({share:.1f})" for query, share in r["lock_waits"].items())
        locks = f"row locks: on average {waiting:.1f} connections wait for a lock, in {where}"
    if r["idle"] < 0.1 * r["cores"]:
        users = {key: r[key] for key in ("gunicorn", "postgres", "client", "other")}
        busiest = ", ".join(f"{key} {users[key]:.2f}" for key in sorted(users, key=users.get, reverse=True))
        cpu = f"CPU: the machine is {(r['cores'] - r['idle']) / r['cores']:.0%} busy ({busiest} cores)"
        return f"{cpu}; {locks} (queueing that lengthens latency)" if locks else cpu
    if locks:
        return locks
    return f"not CPU ({r['idle']:.2f} of {r['cores']:.0f} cores idle) nor row locks: too few server threads"


def server_cpu_ms(result: Figures) -> float:
    """CPU of the gunicorn workers and PostgreSQL backends per answered request."""
    r = result.resources
    return (r["gunicorn"] + r["postgres"]) * 1000 / result.throughput if result.throughput else float("nan")


def show(result: Figures) -> None:
    r, s = result.resources, result.server
    answered = max(result.requests - result.errors, 1)
    per_request = 1000 / result.throughput if result.throughput else float("nan")
    backends = ", ".join(f"{share:.1f} {state}" for state, share in sorted(r["backends"].items()))
    print(f"== {result.name}")
    print(
        f"   requests {result.requests}  errors {result.errors}  throughput {result.throughput:.1f} req/s  "
        f"p50 {result.p50:.1f} ms  p95 {result.p95:.1f} ms  p99 {result.p99:.1f} ms"
    )
    if result.error_kinds:
        print(f"   errors by kind: {result.error_kinds}")
    print(
        f"   in Django per request: {s['app']:.2f} ms wall, {s['cpu']:.2f} ms thread CPU, "
        f"{s['sql']:.2f} ms waiting on {s['sql_count']:.1f} SQL statements"
    )
    print(
        f"   in PostgreSQL per request: {r['commits'] / answered:.2f} commits, "
        f"{r['active_ms'] / answered:.2f} ms executing, {r['idle_in_transaction_ms'] / answered:.2f} ms idle "
        f"in transaction; connections on average: {backends}"
    )
    print(
        f"   CPU in cores (of {r['cores']:.0f}): gunicorn {r['gunicorn']:.2f}, postgres {r['postgres']:.2f}, "
        f"load generator {r['client']:.2f}, other processes {r['other']:.2f}, idle {r['idle']:.2f}; "
        f"per request gunicorn {r['gunicorn'] * per_request:.2f} ms, postgres {r['postgres'] * per_request:.2f} ms"
    )
    print(f"   bound: {bound(result)}")


def measure(
    args: argparse.Namespace, name: str, make_stream, citizens: list[Citizen], expected: int
) -> Figures:
    port = free_port()
    server = start_server(port=port, **server_options(args))
    streams = [make_stream(port, args.procedure, citizens[i % len(citizens)]) for i in range(args.clients)]
    drive(port, streams, args.warmup, args.max_requests)
    accounting = Accounting(args.database_url, server)
    accounting.start()
    run = drive(port, streams, args.duration, args.max_requests)
    return figures(name, run, expected, accounting.stop())


# ---- one submission, in this process -----------------------------------------------------------------


class StatementTimer:
    """An execute wrapper keeping each statement and its wall time (BEGIN and COMMIT do not pass here)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, time.perf_counter() - start))


def analyse_one(args: argparse.Namespace, citizen: Citizen) -> None:
    """Queries of one submission (CaptureQueriesContext) and a cProfile of many, through the test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"Authorization": f"Bearer {citizen.token}"})

    def submit(number: int) -> None:
        response = client.post(
            "/api/v1/dossiers",
            submission_body(args.procedure, citizen, number),
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if response.status_code != 201:
            sys.exit(f"submission failed: {response.status_code} {response.content[:300]!r}")

    for number in range(5):  # caches, imports and the persistent connection
        submit(number)
    timer = StatementTimer()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
        submit(5)
    timed = iter(timer.statements)
    print(
        f"== One submission, alone, through Django's test client: {len(captured)} statements "
        f"({len(captured) - len(timer.statements)} of them BEGIN/COMMIT; the server adds a health-check SELECT 1 "
        "per request)"
    )
    for query in captured.captured_queries:
        duration = "" if query["sql"] in ("BEGIN", "COMMIT") else f"{next(timed)[1] * 1000:.2f} ms"
        print(f"   {duration:>9}  {query['sql'][:104]}")
    rounds = args.profile_requests
    start, cpu = time.perf_counter(), time.process_time()
    for number in range(rounds):
        submit(number)
    wall, cpu = (time.perf_counter() - start) / rounds * 1000, (time.process_time() - cpu) / rounds * 1000
    for name, request in (
        ("floor", lambda number: post_floor(client, args.procedure, citizen, number)),
        ("submission", submit),
    ):
        process, backend = in_process_cpu(request, rounds)
        print(
            f"   {rounds} {name} requests in a row, CPU per request: this process {process:.2f} ms, its PostgreSQL "
            f"backend {backend:.2f} ms (steadier than HTTP throughput on a loaded machine)"
        )
    timer = StatementTimer()
    with connection.execute_wrapper(timer):
        for number in range(rounds):
            submit(number)
    sql = sum(seconds for _, seconds in timer.statements) / rounds * 1000
    print(
        f"   {rounds} in a row: {wall:.2f} ms wall per submission, {cpu:.2f} ms CPU of this process, "
        f"{sql:.2f} ms in SQL statements (commit not included)"
    )
    floor_calls, floor_seconds = profiled(
        lambda number: post_floor(client, args.procedure, citizen, number), rounds
    )
    stats = pstats.Stats(profile(submit, rounds))
    calls, seconds = stats.total_calls / rounds, stats.total_tt / rounds
    print(
        f"== cProfile of {rounds} requests through the test client, per request: floor {floor_calls:,.0f} Python "
        f"calls in {floor_seconds * 1000:.2f} ms, submission {calls:,.0f} calls in {seconds * 1000:.2f} ms "
        f"({calls / floor_calls:.1f}x the floor's calls; call counts do not vary with the machine's load)"
    )
    print("   the platform's functions by cumulative time per submission:")
    ours = [(key, value) for key, value in stats.stats.items() if "/tinhso/" in key[0]]
    for (filename, line, function), (_, calls, _, cumulative, _) in sorted(ours, key=lambda r: -r[1][3])[:14]:
        where = filename.split("/tinhso/", 1)[1]
        print(
            f"   {cumulative / rounds * 1000:6.2f} ms  {calls / rounds:4.1f}x  tinhso/{where}:{line} {function}"
        )
    print("   everything by own time per submission:")
    for (filename, line, function), (_, calls, own, _, _) in sorted(
        stats.stats.items(), key=lambda r: -r[1][2]
    )[:10]:
        where = "/".join(Path(filename).parts[-2:])
        print(f"   {own / rounds * 1000:6.2f} ms  {calls / rounds:6.1f}x  {where}:{line} {function}")


def in_process_cpu(request, rounds: int) -> tuple[float, float]:
    """CPU milliseconds per request of this process and of its PostgreSQL backend (when on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    before, backend_before = time.process_time(), process_cpu(backend)
    for number in range(rounds):
        request(number)
    process = (time.process_time() - before) / rounds * 1000
    return process, (process_cpu(backend) - backend_before) / rounds * 1000


def post_floor(client, procedure: str, citizen: Citizen, number: int) -> None:
    body = submission_body(procedure, citizen, number)
    response = client.post("/bench/floor", body, content_type="application/json")
    if response.status_code != 201:
        sys.exit(f"floor failed: {response.status_code} {response.content[:300]!r}")


def profile(request, rounds: int) -> cProfile.Profile:
    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(rounds):
        request(number)
    profiler.disable()
    return profiler


def profiled(request, rounds: int) -> tuple[float, float]:
    """Python calls and seconds per request, under cProfile."""
    for number in range(5):
        request(number)
    stats = pstats.Stats(profile(request, rounds))
    return stats.total_calls / rounds, stats.total_tt / rounds


# ---- main --------------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=15, help="seconds measured per endpoint")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--max-requests", type=int, default=30000, help="request budget per endpoint")
    add_server_options(parser)
    parser.add_argument("--procedure", choices=sorted(PROCEDURES), default="judicial-record")
    parser.add_argument("--profile-requests", type=int, default=200, help="submissions profiled in-process")
    parser.add_argument(
        "--analyse-only", action="store_true", help="skip the HTTP load; only analyse in-process"
    )
    parser.add_argument(
        "--existing-database",
        action="store_true",
        help="submit into the database given as it is (e.g. filled by tinhso gen): adds the floor's table, "
        "the clients' citizens and their dossiers, drops nothing",
    )
    return parser.parse_args()


def queued_jobs(var_dir: str) -> int | None:
    """Jobs waiting in Huey's SQLite queue, to run now or later (a coalesced run is scheduled a second ahead);
    None when the jobs go elsewhere, e.g. REDIS_URL."""
    path = Path(var_dir) / "jobs.sqlite3"
    if os.environ.get("REDIS_URL") or not path.exists():
        return None
    with contextlib.closing(sqlite3.connect(path)) as jobs:
        return jobs.execute(
            "SELECT (SELECT count(*) FROM task) + (SELECT count(*) FROM schedule)"
        ).fetchone()[0]


def main() -> None:
    args = arguments()
    # The job queue and files of the run stay apart from the developer's var/ and go away after it.
    var_dir = tempfile.mkdtemp(prefix="tinhso-bench-")
    os.environ |= {"DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    os.environ |= {"TINHSO_DEMO": "0", "TINHSO_ENV": "development", "DEBUG": "0", "TINHSO_VAR_DIR": var_dir}
    try:
        met = run(args, var_dir)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    sys.exit(0 if met else 1)


def run(args: argparse.Namespace, var_dir: str) -> bool:
    started = time.perf_counter()
    if not args.existing_database:
        recreate_database(args.database_url)
    citizens = prepare(args.database_url, args.clients, existing=args.existing_database)
    from django.db import connections

    connections.close_all()
    print(
        f"Database {urlsplit(args.database_url).path.lstrip('/')} ready in {time.perf_counter() - started:.0f} s: "
        f"{len(citizens)} citizens with tokens. Server: {server_setup(args)}; "
        f"{args.clients} clients for {args.duration:g} s each "
        f"(after {args.warmup:g} s warm-up); procedure {PROCEDURES[args.procedure]} ({args.procedure})."
    )
    if args.analyse_only:
        analyse_one(args, citizens[0])
        return True
    floor = measure(
        args, "Floor: POST /bench/floor (two rows, one transaction)", floor_requests, citizens, 201
    )
    show(floor)
    jobs_before = queued_jobs(var_dir) or 0
    submission = measure(args, "Submission: POST /api/v1/dossiers", submission_requests, citizens, 201)
    show(submission)
    jobs = queued_jobs(var_dir)
    if jobs is not None:
        print(
            f"   background jobs queued in Huey's SQLite file: {jobs - jobs_before} for {submission.requests} "
            "submissions (no consumer runs meanwhile)"
        )
    ratio = submission.throughput / floor.throughput if floor.throughput else 0.0
    ratio_met = ratio >= GOAL_RATIO
    p99_ratio = submission.p99 / floor.p99 if floor.p99 else float("inf")
    p99_met = p99_ratio <= GOAL_P99_RATIO and submission.errors == 0
    print("== Goals")
    print(
        f"   throughput ratio submission/floor = {ratio:.2f} (goal >= {GOAL_RATIO}): "
        f"{'met' if ratio_met else 'NOT met'}"
    )
    print(
        f"   p99 submission/floor = {submission.p99:.1f} / {floor.p99:.1f} ms = {p99_ratio:.2f} at {args.clients} "
        f"clients, {submission.errors} errors (goal <= {GOAL_P99_RATIO}, no errors): {'met' if p99_met else 'NOT met'}"
    )
    floor_cpu, submission_cpu = server_cpu_ms(floor), server_cpu_ms(submission)
    print(
        f"   server CPU per request (gunicorn + PostgreSQL): floor {floor_cpu:.2f} ms, submission "
        f"{submission_cpu:.2f} ms, ratio {floor_cpu / submission_cpu:.2f} (what the throughput ratio tends to on "
        "a machine that serves only this, less the load generator's share; steadier when others load it)"
    )
    analyse_one(args, citizens[0])
    print(f"Done in {time.perf_counter() - started:.0f} s.")
    return ratio_met and p99_met


if __name__ == "__main__":
    main()
