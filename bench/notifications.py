"""Notifications on PostgreSQL, each figure against a floor measured in the same run:
1. fan-out: one event naming 100,000 people (each with a verified e-mail address) recorded, and the delivery
   job's run deriving its inbox entries and outbox rows, in one transaction, against bulk-inserting the same
   100,000 inbox entries and 100,000 outbox rows;
2. delivery: 10,000 outbox messages sent to the local fake SMS gateway (JSON shape) by the delivery job,
   against posting the same 10,000 requests to the same fake with the same HTTP client;
3. a proactive rule's first run (identity card at 14, 25, 40 and 60, 30 days ahead) over 1,000,000 citizens
   registered by the generator (`tinhso gen`'s citizens), time and peak Python memory (tracemalloc, in a
   second run), against one scan of the same rows' citizen IDs and birth dates.
Drops and recreates the database `tinhso_bench_notifications` (only a name containing `bench` is dropped).
Run: .venv/bin/python bench/notifications.py [--people 100000] [--deliveries 10000] [--citizens 1000000]
(a size of 0 skips that part; --citizens 100000,300000 measures each size in turn, on the same registry)."""

import argparse
import os
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import harness

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tinhso_bench_notifications"
ROUNDS = 3
TITLE = "Hồ sơ 000.00.15.H12-261207-0001 đã quá hạn xử lý."
LINK = "/ho-so/000.00.15.H12-261207-0001/"


class Rollback(Exception):
    pass


def prepare(url: str) -> None:
    import psycopg

    name = harness.database_name(url)
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark's database name must contain 'bench'.")
    with psycopg.connect(harness.maintenance_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def people(count: int, *, prefix: str, kind: str, address: str) -> list[int]:
    """Officials with a verified contact each, bulk-inserted (their setting up is not measured)."""
    from django.utils import timezone

    from tinhso.core.models import User
    from tinhso.notifications.models import Contact

    users = [
        User(username=f"{prefix}{n}", account_type=User.AccountType.OFFICIAL, password="!")
        for n in range(count)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    ids = list(User.objects.filter(username__startswith=prefix).values_list("pk", flat=True))
    now = timezone.now()
    contacts = [Contact(user_id=pk, kind=kind, address=address, verified_at=now) for pk in ids]
    Contact.objects.bulk_create(contacts, batch_size=5000)
    return ids


def timed_and_rolled_back(call, after=lambda: None) -> float:
    """The call's time in a transaction that is then rolled back (`after` looks at its work first)."""
    from django.db import transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            call()
            elapsed = time.perf_counter() - started
            after()
            raise Rollback
    except Rollback:
        return elapsed


def fan_out(count: int) -> tuple[float, float, int]:
    from django.utils import timezone

    from tinhso.core.services import record_event
    from tinhso.dossiers import events as dossier_events
    from tinhso.notifications import services
    from tinhso.notifications.models import Notification, OutboxMessage

    ids = people(count, prefix="fanout.", kind="email", address="canbo@example.com")
    payload = {"code": "000.00.15.H12-261207-0001", "unit": "000.00.15.H12", "notify": ids}
    written = []

    def event() -> None:
        # The event, then the delivery job's run that derives its inbox entries and outbox rows.
        record_event(subject="dossiers.dossier:1", action=dossier_events.OVERDUE, actor=None, payload=payload)
        services.deliver_notifications()

    def floor() -> None:
        # The same rows the job writes: each person's inbox entry and outbox message.
        now = timezone.now()
        told = record_event(
            subject="dossiers.dossier:1", action=dossier_events.FINISHED, actor=None, payload={"code": "x"}
        )
        inbox = [
            Notification(recipient_id=pk, event=told, title=TITLE, link=LINK, created_at=now) for pk in ids
        ]
        Notification.objects.bulk_create(inbox, batch_size=500)
        rows = [
            OutboxMessage(
                recipient_id=pk,
                template="dossier.overdue",
                context={"code": payload["code"], "link": LINK},
                channels=["email"],
                current_channel="email",
                next_attempt_at=now,
                created_at=now,
            )
            for pk in ids
        ]
        OutboxMessage.objects.bulk_create(rows, batch_size=1000)

    timings = {"event": [], "floor": []}
    for _ in range(ROUNDS):
        timings["floor"].append(timed_and_rolled_back(floor))
        timings["event"].append(
            timed_and_rolled_back(event, lambda: written.append(OutboxMessage.objects.count()))
        )
    return statistics.median(timings["event"]), statistics.median(timings["floor"]), written[0]


def delivery(count: int) -> tuple[float, float, int]:
    import requests
    from django.conf import settings
    from django.utils import timezone

    from tinhso.notifications import services
    from tinhso.notifications.fakes import FakeGateways
    from tinhso.notifications.models import OutboxMessage

    ids = people(count, prefix="sms.", kind="phone", address="84912345678")
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                recipient_id=pk,
                template="dossier.overdue",
                context={"code": "000.00.15.H12-261207-0001", "link": "/ho-so/000.00.15.H12-261207-0001/"},
                channels=["sms"],
                current_channel="sms",
                next_attempt_at=now,
                created_at=now,
            )
            for pk in ids
        ],
        batch_size=1000,
    )
    with FakeGateways() as fake:
        settings.TINHSO_SMS_GATEWAY, settings.TINHSO_SMS_URL = "json", f"{fake.url}/sms-json"
        settings.TINHSO_SEND_RATES = settings.TINHSO_SEND_RATES | {"sms": 10**9}
        body = {"ApiKey": "", "SecretKey": "", "Brandname": "TINHSO", "Phone": "84912345678", "SmsType": "2"}
        started = time.perf_counter()
        for n in range(count):
            requests.post(fake.url + "/sms-json", json=body | {"RequestId": f"floor-{n}", "Content": "x" * 160},
                          timeout=10)  # fmt: skip
        floor = time.perf_counter() - started
        started = time.perf_counter()
        while services.deliver_outbox().more:
            pass
        sent = time.perf_counter() - started
        delivered = len(fake.ids("json")) - count
    return sent, floor, delivered


def proactive_rule(count: int) -> tuple[float, float, int, float]:
    """Citizens registered up to `count` (those of a smaller size before are kept), then the rule's first run
    over them: its time, then its peak memory in a second first run (its findings deleted in between)."""
    import random

    from django.utils import timezone

    from tinhso.core.models import PopulationRecord
    from tinhso.generator import services as generator
    from tinhso.notifications import services
    from tinhso.notifications.models import Suggestion

    now = timezone.now()
    world = generator._world(random.Random(2026))
    started = time.perf_counter()
    generator._citizens(world, count, random.Random(count), now, now, replica=False)
    print(f"   (citizens registered up to {count:,} in {time.perf_counter() - started:.0f} s, not measured)")
    Suggestion.objects.all().delete()
    started = time.perf_counter()
    scanned = sum(1 for _ in PopulationRecord.objects.values_list("citizen_id", "birth_date").iterator(5000))
    floor = time.perf_counter() - started
    started = time.perf_counter()
    found = services.run_rule(code="identity-card-age")
    run = time.perf_counter() - started
    Suggestion.objects.all().delete()
    tracemalloc.start()
    services.run_rule(code="identity-card-age")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"   ({scanned:,} registry rows scanned by the floor)")
    return run, floor, found, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--citizens", default="1000000", help="sizes, comma-separated (100000,300000)")
    args = parser.parse_args()
    prepare(args.database_url)
    harness.bench_environment(database_url=args.database_url, var_dir="/tmp/tinhso-bench-notifications")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.settings"
    import io

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    if args.people:
        fan_out_figures(args.people)
    if args.deliveries:
        delivery_figures(args.deliveries)
    for size in [int(size) for size in args.citizens.split(",") if int(size)]:
        rule_figures(size)


def fan_out_figures(people: int) -> None:
    event, floor, written = fan_out(people)
    print(f"1. fan-out of one event to {people:,} people: {event:.2f} s with {written:,} outbox rows; "
          f"floor (bulk insert of the same inbox and outbox rows) {floor:.2f} s; ratio {event / floor:.2f}x the floor")  # fmt: skip


def delivery_figures(deliveries: int) -> None:
    sent, floor, delivered = delivery(deliveries)
    print(f"2. delivery of {deliveries:,} SMS to the fake gateway: {sent:.2f} s ({delivered / sent:,.0f}/s, "
          f"{delivered:,} delivered); floor (the same posts) {floor:.2f} s ({deliveries / floor:,.0f}/s); "
          f"ratio {sent / floor:.2f}x the floor")  # fmt: skip


def rule_figures(citizens: int) -> None:
    run, floor, found, peak = proactive_rule(citizens)
    print(f"3. proactive rule over {citizens:,} citizens: {run:.2f} s, {found:,} found, peak Python memory "
          f"{peak:.1f} MiB; floor (one scan of the registry) {floor:.2f} s; ratio {run / floor:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
