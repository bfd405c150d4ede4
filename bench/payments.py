"""Throughput of VNPay's IPN (GET /thanh-toan/vnpay/ipn) on PostgreSQL against the two-insert floor measured in
the same run, at 16 concurrent clients. Every IPN is a first, correctly signed notice of its own order, so each
one does the full work: check the signature, lock the order, keep the callback, pay the order and append its
event; for orders of dossiers in status 6 (every other one) also resume the dossier and append its event.
Run: .venv/bin/python bench/payments.py  (see bench/README.md)."""

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402 (the repository root goes on the path first)
    add_server_options,
    drive,
    free_port,
    http_get,
    http_request,
    latency,
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


def prepare(orders: int) -> list[str]:
    """Migrates, loads the demo catalog, and opens `orders` VNPay orders (one in four for a dossier waiting in
    status 6); returns the signed IPN query of each."""
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
        return _orders(orders)


def _orders(count: int) -> list[str]:
    from tinhso.core.models import Role
    from tinhso.dossiers import services as dossiers
    from tinhso.testing.dossiers import RECORD, RECORD_FORM
    from tinhso.testing.factories import CENTRE, JUSTICE, citizen, official
    from tinhso.testing.payments import ipn, started_order

    payer = citizen("096090001234")
    desk = official("bench.motcua", (Role.RECEPTIONIST, CENTRE))
    specialist = official("bench.chuyenvien", (Role.SPECIALIST, JUSTICE))
    queries = []
    for number in range(count):
        dossier, _ = dossiers.submit_dossier(actor=payer, procedure_code=RECORD, form_data=RECORD_FORM)
        if number % 4 == 0:
            dossier = dossiers.accept(actor=desk, code=dossier.code, version=dossier.version)
            dossier = dossiers.forward(actor=desk, code=dossier.code, version=dossier.version)
            dossier = dossiers.request_payment(
                actor=specialist, code=dossier.code, version=dossier.version, amount=200_000
            )
        queries.append(urlencode(ipn(started_order(payer, dossier.code))))
    return queries


def warm_up(args: argparse.Namespace, port: int, page: str) -> None:
    """Loads `page` (it writes nothing) until every worker answers promptly: the socket accepts connections while
    the workers still import the platform and its URLconf (seconds on a loaded machine). Rounds of `--warmup`
    seconds until one is answered within WARM_P95_MS at the 95th percentile, at most WARM_ROUNDS of them."""
    for _ in range(WARM_ROUNDS):
        run = drive(port, [itertools.repeat(http_get(port, page))] * args.clients, args.warmup, 10**9)
        times = sorted(sample.latency * 1000 for sample in run.samples if sample.status == 200)
        if times and len(times) == len(run.samples) and times[int(len(times) * 0.95)] < WARM_P95_MS:
            return
    print(f"   (still slow after {WARM_ROUNDS} warm-up rounds)")


def measure(
    args: argparse.Namespace, title: str, requests, budget: int, warm_page: str
) -> tuple[float, int, object]:
    """Serves the platform, warms every worker up on a page that writes nothing, then drives `requests`."""
    port = free_port()
    server = start_server(port=port, **server_options(args))
    try:
        warm_up(args, port, warm_page)
        run = drive(port, [requests(port)] * args.clients, args.duration, budget)
    finally:
        stop_server(server)
    ok = [sample for sample in run.samples if sample.status == 200 or sample.status == 201]
    errors = len(run.samples) - len(ok) + sum(run.transport_errors.values())
    throughput = len(ok) / run.seconds if run.seconds else 0.0
    figures = latency([sample.latency * 1000 for sample in ok])
    print(f"== {title}\n   {throughput:.0f} answers/s, {errors} errors; {figures}")
    return throughput, errors, figures


def run(args: argparse.Namespace) -> bool:
    started = time.perf_counter()
    recreate_database(args.database_url)
    queries = prepare(args.orders)
    from django.db import connections
    from django.db.models import Count

    from tinhso.payments.models import Callback, OrderStatus, PaymentOrder

    connections.close_all()
    print(
        f"{args.orders} orders ready in {time.perf_counter() - started:.0f} s. Server: {server_setup(args)}; "
        f"{args.clients} clients for at most {args.duration:g} s each."
    )
    # The return page of an order, genuinely signed: read only, it answers 200 (no "Bad Request" warnings).
    warm_page = f"/thanh-toan/vnpay/tra-ve?{queries[0]}"
    body = json.dumps({"vnp_TxnRef": "TS", "vnp_Amount": "20000000"}).encode()
    headers = {"Content-Type": "application/json"}
    floor, _, _ = measure(
        args,
        "Floor: POST /bench/floor (two rows, one transaction)",
        lambda port: itertools.repeat(http_request(port, "POST", "/bench/floor", headers=headers, body=body)),
        budget=10**9,
        warm_page=warm_page,
    )
    shared = iter(queries)  # each order's IPN once, whichever client takes it
    ipn, errors, _ = measure(
        args,
        "IPN: GET /thanh-toan/vnpay/ipn (first notice of each order)",
        lambda port: (http_get(port, f"/thanh-toan/vnpay/ipn?{query}") for query in shared),
        budget=len(queries),
        warm_page=warm_page,
    )
    paid = PaymentOrder.objects.filter(status=OrderStatus.PAID).count()
    answered = dict(Callback.objects.values_list("answer").annotate(n=Count("id")))
    print(f"   orders paid {paid}, callbacks by answer {answered}")
    ratio = ipn / floor if floor else 0.0
    met = ratio >= GOAL_RATIO and errors == 0 and set(answered) == {"00"} and paid == answered.get("00")
    print(
        f"== Goal\n   throughput ratio IPN/floor = {ratio:.2f} (goal >= {GOAL_RATIO}): {'met' if met else 'NOT met'}"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per endpoint at most")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--orders", type=int, default=1000, help="orders opened, one IPN each")
    add_server_options(parser)
    run_and_exit(run, parser.parse_args())


if __name__ == "__main__":
    main()
