"""Instructions a page costs the web process, counted by callgrind: unlike times, the count comes out the same run
after run on a machine whose speed drifts, so it compares two versions of a page's code. PostgreSQL's own work
is not counted; --python-calls counts Python calls (cProfile) instead, in seconds. Reads the database; signs in
the IOC benchmark's province leader (bench/ioc.py) or --as another.
Run: .venv/bin/python bench/instructions.py --database-url postgres://...  (see bench/README.md)."""

import argparse
import cProfile
import gc
import os
import pstats
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import harness

UNDER_CALLGRIND = "BENCH_UNDER_CALLGRIND"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--path", default="/dieu-hanh/", help="the page, with its query")
    parser.add_argument("--requests", type=int, default=20, help="requests counted")
    parser.add_argument("--warmup", type=int, default=10, help="requests before counting")
    parser.add_argument(
        "--submit",
        choices=("judicial-record", "certified-copy"),
        help="count dossier submissions of this procedure (POST /api/v1/dossiers, as bench/submit.py sends them, "
        "on a database it prepared) instead of a page",
    )
    parser.add_argument(
        "--as",
        dest="person",
        choices=("leader", "official", "citizen", "nobody"),
        default="leader",
        help="who asks: the IOC benchmark's province leader, bench/pages.py's official of the busiest unit or "
        "its citizen with the most dossiers, or nobody signed in (the floor, /bench/read-floor)",
    )
    parser.add_argument(
        "--shared",
        action="store_true",
        help="ask the same address each time (default: a query parameter n of its own for each request, so no "
        "render kept for an earlier request serves it)",
    )
    parser.add_argument(
        "--python-calls",
        action="store_true",
        help="count the Python calls a request makes (cProfile, in this process) instead of instructions",
    )
    return harness.parse_for_existing_database(parser)


def count_under_callgrind(args: argparse.Namespace) -> None:
    """Runs this script again under callgrind, which counts only between its two callgrind_control calls."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={Path(folder) / 'callgrind.out'}",
            sys.executable,
            *sys.argv,
        ]
        run = subprocess.run(
            command, env={**os.environ, UNDER_CALLGRIND: "1"}, capture_output=True, text=True
        )
    collected = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or collected is None:
        sys.exit(f"callgrind run failed ({run.returncode}):\n{run.stderr[-3000:]}")
    per_request = int(collected.group(1)) / args.requests
    if args.submit:
        shown = f"POST /api/v1/dossiers ({args.submit})"
    else:
        shown = f"{args.path} ({'the same address' if args.shared else 'a distinct address each'})"
    print(f"{shown}: {per_request / 1e6:.2f} M instructions per request, {args.requests} counted")


def request_pages(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.test import Client

    if args.submit:
        count(args, submission(args.submit))
        return
    headers, session_key = signed_in(args.person)
    client = Client(HTTP_COOKIE=headers["Cookie"]) if headers else Client()
    separator = "&" if "?" in args.path else "?"

    def get(number: int) -> None:
        path = args.path if args.shared else f"{args.path}{separator}n={number}"
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")

    try:
        count(args, get)
    finally:
        if session_key:
            harness.end_session(session_key)


def signed_in(person: str) -> tuple[dict[str, str], str]:
    """The headers and session key of the person asking (none for nobody)."""
    from bench.ioc import bench_leader
    from bench.pages import bench_official, busiest_citizen, busiest_unit

    if person == "nobody":
        return {}, ""
    if person == "official":
        return harness.signed_in(bench_official(busiest_unit()))
    if person == "citizen":
        return harness.signed_in(busiest_citizen()[0])
    return harness.signed_in(bench_leader())


def submission(procedure: str) -> Callable[[int], None]:
    """One submission a call, each with a key of its own, from a citizen registered now (bench/submit.py)."""
    import uuid

    from django.test import Client

    from bench.submit import register_citizens, submission_body

    citizen = register_citizens(1)[0]
    client = Client(headers={"Authorization": f"Bearer {citizen.token}"})

    def submit(number: int) -> None:
        body = submission_body(procedure, citizen, number)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        response = client.post("/api/v1/dossiers", body, content_type="application/json", headers=key)
        if response.status_code != 201:
            sys.exit(f"submission answered {response.status_code}: {response.content[:300]!r}")

    return submit


def count(args: argparse.Namespace, request: Callable[[int], None]) -> None:
    """Warms up, then counts `args.requests` requests between the two callgrind_control calls (or, with
    --python-calls, under cProfile)."""
    for number in range(args.warmup):
        request(number)
    # As a worker does once started (tinhso/wsgi.py): what is loaded stays out of the collector's full passes,
    # so whether one falls inside the counted requests no longer swings the count.
    gc.collect()
    gc.freeze()
    if args.python_calls:
        profile = cProfile.Profile()
        for number in range(args.warmup, args.warmup + args.requests):
            profile.runcall(request, number)
        calls = pstats.Stats(profile).total_calls / args.requests
        print(f"{args.path}: {calls:,.0f} Python calls per request, {args.requests} counted")
        return
    subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
    for number in range(args.warmup, args.warmup + args.requests):
        request(number)
    subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, capture_output=True)


def main() -> None:
    args = arguments()
    if not (args.python_calls or os.environ.get(UNDER_CALLGRIND)):
        count_under_callgrind(args)
        return
    with tempfile.TemporaryDirectory(prefix="tinhso-bench-") as var_dir:
        harness.bench_environment(database_url=args.database_url, var_dir=var_dir)
        request_pages(args)


if __name__ == "__main__":
    main()
