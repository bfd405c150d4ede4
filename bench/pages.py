"""An official's queue and a citizen's dossier list on an existing PostgreSQL database, signed in, over HTTP on
gunicorn (and in-process through the selectors), with the peak memory of a web worker under that load.
Reads the database; only adds (and reuses) one official's account on the busiest unit, and signs in as the
citizen with the most dossiers for the run. Run: .venv/bin/python bench/pages.py --database-url postgres://...
(see bench/README.md)."""

import argparse
import os
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import harness
from bench.ioc import with_csrf_cookie

GOAL_P95_RATIO = 3.0  # x the JSON floor's p95, same run (issue 25)
GOAL_WORKER_MB = 300.0
OFFICIAL_PREFIX = "bench.canbo."


def busiest_unit():
    """The unit with the most dossiers waiting for a receptionist (new ones at its desk) or a specialist
    (at a specialist's step in it)."""
    from django.db import connection

    from tinhso.core.models import AdminUnit, Role
    from tinhso.dossiers.models import Status

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT unit_id, sum(waiting) FROM (
                SELECT receiving_unit_id AS unit_id, count(*) AS waiting FROM dossiers_dossier
                WHERE status = %s GROUP BY 1
                UNION ALL
                SELECT d.current_unit_id, count(*) FROM dossiers_dossier d
                JOIN catalog_processstep s ON s.id = d.current_step_id
                WHERE d.status IN (%s, %s, %s) AND s.role = %s GROUP BY 1
            ) AS queues GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
            """,
            [Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.FINISHED, Role.SPECIALIST],
        )
        row = cursor.fetchone()
    if row is None:
        sys.exit("No dossier waits at any desk or step in this database: fill it first (tinhso gen).")
    return AdminUnit.objects.get(pk=row[0])


def bench_official(unit):
    """A receptionist and specialist of `unit`, created once per unit and reused; no password signs in."""
    from tinhso.core import services as core_services
    from tinhso.core.models import Role, RoleAssignment, User

    username = f"{OFFICIAL_PREFIX}{unit.code}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = core_services.create_official(
            actor=None,
            username=username,
            full_name=f"Cán bộ {unit.name} (đo hiệu năng)",
            password=secrets.token_hex(16),
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    for role in (Role.RECEPTIONIST, Role.SPECIALIST):
        if not RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
            core_services.assign_role(actor=None, user=user, role=role, unit_code=unit.code)
    return user


def busiest_citizen():
    """The citizen with the most dossiers, and how many."""
    from django.db import connection

    from tinhso.core.models import User

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant_id, count(*) FROM dossiers_dossier GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        sys.exit("No dossiers in this database: fill it first (tinhso gen).")
    return User.objects.get(pk=row[0]), row[1]


def in_process(args: argparse.Namespace, official, citizen) -> None:
    from tinhso.dossiers import selectors

    print(f"== In-process through tinhso.dossiers.selectors, {args.repetitions} repetitions each")
    calls = [
        (
            "official_queue_page (with its total)",
            lambda: selectors.official_queue_page(actor=official).items,
        ),
        ("citizen_dossier_page", lambda: selectors.citizen_dossier_page(actor=citizen).items),
    ]
    for name, call in calls:
        harness.timed(call, 3)
        times, result = harness.timed(call, args.repetitions)
        print(f"   {name:34} {harness.latency(times)}  (first page: {len(result)} rows)")


def arguments() -> argparse.Namespace:
    parser = harness.existing_database_parser(__doc__.split("\n\n")[0], repetitions=50)
    return harness.parse_for_existing_database(parser)


def main() -> None:
    harness.run_and_exit(run, arguments())


def run(args: argparse.Namespace) -> bool:
    import django

    django.setup()
    from django.db import connections

    from tinhso.dossiers import selectors

    started = time.perf_counter()
    unit = busiest_unit()
    official = bench_official(unit)
    citizen, owned = busiest_citizen()
    waiting = selectors.official_queue_page(actor=official).total
    print(
        f"Database {harness.database_name(args.database_url)}: busiest unit {unit.name} ({unit.code}), "
        f"{waiting} dossiers in its receptionist + specialist queue; citizen {citizen.pk} with {owned} dossiers."
    )
    in_process(args, official, citizen)
    official_headers, official_session = harness.signed_in(official)
    citizen_headers, citizen_session = harness.signed_in(citizen)
    # Each carries a CSRF cookie, as a browser that signed in through the sign-in form does (bench/ioc.py).
    official_headers, citizen_headers = with_csrf_cookie(official_headers), with_csrf_cookie(citizen_headers)
    connections.close_all()
    try:
        pages = [
            harness.Page("Official's queue", "/can-bo/ho-so/", official_headers),
            harness.Page("Citizen's dossiers", "/ho-so/cua-toi/", citizen_headers),
        ]
        print(
            f"== Over HTTP: {harness.server_setup(args)}, "
            f"{args.clients} clients per page for {args.duration:g} s (after {args.warmup:g} s warm-up)"
        )
        load = harness.load_pages(
            harness.with_floor(pages),
            clients=args.clients,
            seconds=args.duration,
            warmup=args.warmup,
            **harness.server_options(args),
        )
    finally:
        harness.end_session(official_session)
        harness.end_session(citizen_session)
    met = harness.show_load(load)
    floor = harness.floor_of(load)
    print(f"== Against the JSON floor (p95 {floor.p95:.1f} ms, mean of its two runs)")
    for result in load.pages[1:3]:
        ratio = result.latency.p95 / floor.p95
        met = (
            harness.show_ratio(f"{result.page.name} / floor, p95", ratio, GOAL_P95_RATIO, at_least=False)
            and met
        )
    met = harness.show_memory(load, GOAL_WORKER_MB) and met
    print(f"== Goals {'all met' if met else 'NOT all met'}. Done in {time.perf_counter() - started:.0f} s.")
    return met


if __name__ == "__main__":
    main()
