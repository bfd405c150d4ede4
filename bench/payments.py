"""Throughput of VNPay's IPN (GET /thanh-toan/vnpay/ipn) on PostgreSQL against the two-insert floor measured in
the same run, at 16 concurrent clients. Every IPN is a first, correctly signed notice of its own order, so each
one does the full work: check the signature, lock the order, keep the callback, pay the order and append its
event; for orders of dossiers in status 6 (one in four) also resume the dossier and append its event. One server
answers both; its workers are warmed up on each kind by the same rule, then the two are measured by turns.
Run: .venv/bin/python bench/payments.py  (see bench/README.md)."""

import argparse
import itertools
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402 (the repository root goes on the path first)
    add_server_options,
    children_of,
    database_name,
    drive,
    free_port,
    http_get,
    http_request,
    latency,
    maintenance_url,
    process_cpu,
    run_and_exit,
    server_options,
    server_setup,
    start_server,
    stop_server,
)
from bench.submit import recreate_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tinhso_bench_payments"
GOAL_RATIO = 0.5
WARM_ROUNDS = 10
WARM_P95_MS = 500
WARM_REQUESTS = 20  # per client and round: each worker has answered its kind of request a few dozen times


def prepare(orders: int) -> None:
    """Migrates, loads the demo catalog, and opens `orders` VNPay orders (one in four for a dossier waiting in
    status 6)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    from bench.floor_urls import FLOOR_TABLE_SQL

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_TABLE_SQL)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        _orders(orders)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _orders(count: int) -> None:
    from tinhso.core.models import Role
    from tinhso.dossiers import services as dossiers
    from tinhso.testing.dossiers import RECORD, RECORD_FORM
    from tinhso.testing.factories import CENTRE, JUSTICE, citizen, official
    from tinhso.testing.payments import started_order

    payer = citizen("096090001234")
    desk = official("bench.motcua", (Role.RECEPTIONIST, CENTRE))
    specialist = official("bench.chuyenvien", (Role.SPECIALIST, JUSTICE))
    for number in range(count):
        dossier, _ = dossiers.submit_dossier(actor=payer, procedure_code=RECORD, form_data=RECORD_FORM)
        if number % 4 == 0:
            dossier = dossiers.accept(actor=desk, code=dossier.code, version=dossier.version)
            dossier = dossiers.forward(actor=desk, code=dossier.code, version=dossier.version)
            dossier = dossiers.request_payment(
                actor=specialist, code=dossier.code, version=dossier.version, amount=200_000
            )
        started_order(payer, dossier.code)


def notices() -> list[str]:
    """The signed IPN query of every order waiting for its gateway, in the order they were opened."""
    from tinhso.payments.models import OrderStatus, PaymentOrder
    from tinhso.testing.payments import ipn

    waiting = PaymentOrder.objects.filter(status=OrderStatus.PENDING).select_related("dossier").order_by("id")
    return [urlencode(ipn(order)) for order in waiting]


def prepared(args: argparse.Namespace) -> None:
    """Recreates the database with `--orders` orders; with --reuse, clones those an earlier --reuse run kept
    (database <name>_prepared) and keeps them for the next one."""
    import psycopg
    from psycopg import sql

    name = database_name(args.database_url)
    kept = f"{name}_prepared"
    with psycopg.connect(maintenance_url(args.database_url), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [kept]).fetchone()
    if not (args.reuse and found):
        recreate_database(args.database_url)
        prepare(args.orders)
        if not args.reuse:
            return
        from django.db import connections

        connections.close_all()
    with psycopg.connect(maintenance_url(args.database_url), autocommit=True) as conn:
        source, target = (name, kept) if not found else (kept, name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(target), sql.Identifier(source))
        )
    if found:
        import django

        django.setup()


def warm_up(args: argparse.Namespace, port: int, requests, *, left: Callable[[], int]) -> None:
    """Sends the measured kind of request until every worker answers promptly: the socket accepts connections
    while the workers still import the platform (seconds on a loaded machine), and a worker's first requests
    build its caches and prepare its statements. Rounds of at most `--warmup` seconds and WARM_REQUESTS per
    client until one is answered within WARM_P95_MS at the 95th percentile, at most WARM_ROUNDS of them."""
    for _ in range(WARM_ROUNDS):
        run = drive(port, [requests] * args.clients, args.warmup, min(WARM_REQUESTS * args.clients, left()))
        times = sorted(sample.latency * 1000 for sample in run.samples if sample.status in (200, 201))
        if times and len(times) == len(run.samples) and times[int(len(times) * 0.95)] < WARM_P95_MS:
            return
    print(f"   (still slow after {WARM_ROUNDS} warm-up rounds)")


@dataclass
class Cpu:
    """CPU seconds spent during phases: the server's workers, the database's backends, this client."""

    workers: float = 0.0
    database: float = 0.0
    client: float = 0.0


class CpuMeter:
    """The CPU each side spends in a phase, from /proc: on a machine shared with others the throughput hides
    it, and the ratio on a quiet machine follows it. A backend that ends within a phase is not counted."""

    def __init__(self, server_pid: int, database_url: str) -> None:
        import psycopg

        self.server_pid = server_pid
        self.name = database_name(database_url)
        self.conn = psycopg.connect(maintenance_url(database_url), autocommit=True)

    def _now(self) -> tuple[dict[int, float], dict[int, float], float]:
        backends = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.name]
        ).fetchall()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return (
            {pid: process_cpu(pid) for pid in children_of(self.server_pid)},
            {pid: process_cpu(pid) for (pid,) in backends},
            usage.ru_utime + usage.ru_stime,
        )

    def drive(self, into: Cpu, *args):
        """bench.harness.drive(*args), its CPU added `into`."""
        workers, backends, client = self._now()
        result = drive(*args)
        workers_after, backends_after, client_after = self._now()
        into.workers += sum(cpu - workers.get(pid, 0.0) for pid, cpu in workers_after.items())
        into.database += sum(cpu - backends.get(pid, 0.0) for pid, cpu in backends_after.items())
        into.client += client_after - client
        return result


def report(title: str, runs: list, cpu: Cpu) -> tuple[float, int]:
    """Prints a kind of request's figures over its phases; returns its answers per second and its errors."""
    samples = [sample for run in runs for sample in run.samples]
    ok = [sample for sample in samples if sample.status in (200, 201)]
    errors = len(samples) - len(ok) + sum(sum(run.transport_errors.values()) for run in runs)
    seconds = sum(run.seconds for run in runs)
    throughput = len(ok) / seconds if seconds else 0.0
    figures = latency([sample.latency * 1000 for sample in ok])
    timed = latency([sample.timing.get("cpu", 0.0) for sample in ok])
    statements = sum(sample.timing.get("sql_count", 0.0) for sample in ok) / max(len(ok), 1)
    print(f"== {title}\n   {throughput:.0f} answers/s, {errors} errors; {figures}")
    print(
        f"   worker CPU per answer p50 {timed.p50:.1f} ms, p95 {timed.p95:.1f} ms; {statements:.1f} statements"
    )
    each = 1000 / max(len(ok), 1)
    print(
        f"   CPU per answer from /proc: workers {cpu.workers * each:.2f} ms, PostgreSQL {cpu.database * each:.2f} "
        f"ms, client {cpu.client * each:.2f} ms, total {(cpu.workers + cpu.database + cpu.client) * each:.2f} ms"
    )
    return throughput, errors


def rate(run) -> float:
    return sum(sample.status in (200, 201) for sample in run.samples) / run.seconds if run.seconds else 0.0


def run(args: argparse.Namespace) -> bool:
    started = time.perf_counter()
    prepared(args)
    queries = notices()
    from django.db import connections
    from django.db.models import Count

    from tinhso.payments.models import Callback, OrderStatus, PaymentOrder

    connections.close_all()
    print(
        f"{len(queries)} orders ready in {time.perf_counter() - started:.0f} s. Server: {server_setup(args)}; "
        f"{args.clients} clients; {args.rounds} rounds of {args.duration / args.rounds:g} s per kind."
    )
    body = json.dumps({"vnp_TxnRef": "TS", "vnp_Amount": "20000000"}).encode()
    headers = {"Content-Type": "application/json"}
    sent = [0]

    def notices_once(port: int):  # each order's IPN once, whichever client takes it (warm-up included)
        for query in queries:
            sent[0] += 1
            yield http_get(port, f"/thanh-toan/vnpay/ipn?{query}")

    port = free_port()
    server = start_server(port=port, **server_options(args))
    cpu = {"floor": Cpu(), "ipn": Cpu()}
    try:
        floor_requests = itertools.repeat(
            http_request(port, "POST", "/bench/floor", headers=headers, body=body)
        )
        floors, ipns = interleaved(
            args,
            port,
            floor_requests,
            notices_once(port),
            left=lambda: len(queries) - sent[0],
            meter=CpuMeter(server.pid, args.database_url),
            cpu=cpu,
        )
    finally:
        stop_server(server)
    floor, _ = report("Floor: POST /bench/floor (two rows, one transaction)", floors, cpu["floor"])
    ipn, errors = report("IPN: GET /thanh-toan/vnpay/ipn (first notice of each order)", ipns, cpu["ipn"])
    pairs = [rate(i) / rate(f) for f, i in zip(floors, ipns, strict=True) if rate(f) and i.seconds]
    print("   ratio per round: " + ", ".join(f"{pair:.2f}" for pair in pairs))
    paid = PaymentOrder.objects.filter(status=OrderStatus.PAID).count()
    answered = dict(Callback.objects.values_list("answer").annotate(n=Count("id")))
    print(f"   orders paid {paid}, callbacks by answer {answered}")
    ratio = ipn / floor if floor else 0.0
    met = ratio >= GOAL_RATIO and errors == 0 and set(answered) == {"00"} and paid == answered.get("00")
    print(
        f"== Goal\n   throughput ratio IPN/floor = {ratio:.2f} (goal >= {GOAL_RATIO}): {'met' if met else 'NOT met'}"
    )
    return met


def interleaved(
    args: argparse.Namespace,
    port: int,
    floor_requests,
    ipn_requests,
    *,
    left: Callable[[], int],
    meter: CpuMeter,
    cpu: dict[str, Cpu],
):
    """Warms the workers up on both kinds, then measures them in `--rounds` pairs of phases, floor then IPN and
    IPN then floor by turns: on a machine whose load from others moves by the second, each IPN phase is
    measured next to a floor phase, not a minute away from it."""
    warm_up(args, port, floor_requests, left=lambda: 10**9)
    warm_up(args, port, ipn_requests, left=left)
    seconds = args.duration / args.rounds
    floors, ipns = [], []
    for number in range(args.rounds):
        for kind in ("floor", "ipn") if number % 2 == 0 else ("ipn", "floor"):
            if kind == "floor":
                floors.append(meter.drive(cpu[kind], port, [floor_requests] * args.clients, seconds, 10**9))
            else:
                ipns.append(meter.drive(cpu[kind], port, [ipn_requests] * args.clients, seconds, left()))
    return floors, ipns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--duration", type=float, default=10, help="seconds measured per kind of request at most"
    )
    parser.add_argument("--rounds", type=int, default=4, help="phases per kind, floor and IPN by turns")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--orders", type=int, default=4000, help="orders opened, one IPN each")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="clone the orders an earlier --reuse run kept (<database>_prepared), made anew if missing; "
        "drop that database after a change of migrations or of --orders",
    )
    add_server_options(parser)
    run_and_exit(run, parser.parse_args())


if __name__ == "__main__":
    main()
