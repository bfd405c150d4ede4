"""The integration platform on PostgreSQL, each figure against a floor measured in the same run:
1. the relay's throughput to the local fake of the national portal (over HTTP on 127.0.0.1) against the same
   number of bare POSTs of the same bodies to the same fake (3 calls a message: TraCuuHoSo, DongBoHoSoMC,
   CapNhatTienDoHoSoMC);
2. the webhook fan-out of one event to 1,000 subscribers (dispatch, sign, send, record) against 1,000 bare
   POSTs of the same signed body to the same receiver;
3. the cost the exchange log adds to a partner's API call: the same call with and without the exchange-log
   middleware, alternating;
4. the lag from a dossier's status change to the portal's receipt, with a relay running continuously,
   alone and under submission load (4 threads submitting dossiers through the services).
The fakes (portal, webhook receiver) serve from their own process, so they do not share the sender's GIL.
Drops and recreates the database `tinhso_bench_integration` (only a name containing `bench` is dropped).
Run: .venv/bin/python bench/integration.py [--database-url postgres://.../tinhso_bench_integration]"""

import argparse
import json
import multiprocessing
import os
import queue
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import harness
from bench.submit import recreate_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tinhso_bench_integration"
SUBSCRIBERS = 1000
SUBMITTERS = 4
PORTAL_PASSWORD = "bench-portal"


def _serve(kind: str, urls: multiprocessing.Queue, receipts: multiprocessing.Queue, stop) -> None:
    """The child process: the fake portal ("portal") or a receiver answering 204 ("hook"); the portal reports
    (message id, time) of each CapNhatTienDoHoSoMC it receives."""
    from tinhso.integration.fakes import FakePortal, serving

    fake = FakePortal(password=PORTAL_PASSWORD)

    def portal(path: str, body: bytes, headers: dict) -> tuple[int, dict]:
        answer = fake.handle(path, body, headers)
        if b"CapNhatTienDoHoSoMC" in body:
            receipts.put((headers.get("x-lgsp-id", ""), time.time()))
        return answer

    def hook(path: str, body: bytes, headers: dict) -> tuple[int, dict]:
        return 204, {}

    with serving(portal if kind == "portal" else hook) as url:
        urls.put(url)
        stop.wait()


@contextmanager
def elsewhere(kind: str) -> Iterator[tuple[str, multiprocessing.Queue]]:
    """Serves a fake from its own process; yields its base URL and the queue of its receipts."""
    context = multiprocessing.get_context("spawn")
    urls, receipts, stop = context.Queue(), context.Queue(), context.Event()
    child = context.Process(target=_serve, args=(kind, urls, receipts, stop), daemon=True)
    child.start()
    try:
        yield urls.get(timeout=60), receipts
    finally:
        stop.set()
        child.join(timeout=10)


def setup_data() -> dict:
    from django.core.management import call_command

    from tinhso.core.models import Role
    from tinhso.testing.factories import CENTRE, citizen, official

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    citizens = [citizen(f"0960900{n:05d}", full_name=f"Nguyễn Văn Đo {n}") for n in range(SUBMITTERS + 1)]
    desk = official("bench.motcua", (Role.RECEPTIONIST, CENTRE))
    return {"citizens": citizens, "desk": desk}


def submit_and_accept(citizen, desk, count: int) -> list:
    from tinhso.dossiers import services
    from tinhso.testing.dossiers import RECORD, RECORD_FORM

    accepted = []
    for _ in range(count):
        dossier, _created = services.submit_dossier(
            actor=citizen, procedure_code=RECORD, form_data=RECORD_FORM
        )
        accepted.append(services.accept(actor=desk, code=dossier.code, version=dossier.version))
    return accepted


def relay_figures(data: dict, count: int) -> tuple[float, float, int]:
    import requests
    from django.conf import settings

    from tinhso.integration import portal
    from tinhso.integration.models import PortalMessage

    submit_and_accept(data["citizens"][0], data["desk"], count)
    settings.TINHSO_PORTAL_PASSWORD = PORTAL_PASSWORD
    with elsewhere("portal") as (url, _receipts):
        adapter = portal.DvcqgAdapter(base_url=url)
        started = time.perf_counter()
        sent = portal.relay(sender=adapter)
        relay_seconds = time.perf_counter() - started
        assert sent == PortalMessage.objects.filter(state="acknowledged").count() == count, sent
        bodies = [
            json.dumps(message.body, ensure_ascii=False).encode() for message in PortalMessage.objects.all()
        ]
        session = requests.Session()  # as the relay's adapter does
        started = time.perf_counter()
        for body in bodies:
            for _call in range(3):
                session.post(f"{url}/integration", data=body, headers={"Content-Type": "application/json"})
        floor_seconds = time.perf_counter() - started
    return relay_seconds, floor_seconds, count


def fanout_figures(data: dict) -> tuple[float, float, int]:
    """One status change (acceptance) dispatched, signed, sent and recorded to SUBSCRIBERS subscribers; the
    demo's own subscription (to a server not running here) is switched off first."""
    import requests
    from django.utils import timezone

    from tinhso.dossiers import services as dossiers
    from tinhso.integration import services, webhooks
    from tinhso.integration.models import Partner, WebhookDelivery, WebhookSubscription
    from tinhso.testing.dossiers import RECORD, RECORD_FORM

    with elsewhere("hook") as (url, _receipts):
        partner = services.register_partner(
            actor=None, agency_code="000.00.99.H12", agency_name="Đo", system="FANOUT", system_name="Đo"
        )
        Partner.objects.filter(pk=partner.pk).update(private_addresses_allowed=True)
        WebhookSubscription.objects.update(state=WebhookSubscription.State.DISABLED)
        WebhookSubscription.objects.bulk_create(
            WebhookSubscription(
                partner=partner,
                url=f"{url}/hook/{n}",
                event_types=["dossier.status_changed"],
                secret=services.new_webhook_secret(),
            )
            for n in range(SUBSCRIBERS)
        )
        dossier, _created = dossiers.submit_dossier(
            actor=data["citizens"][1], procedure_code=RECORD, form_data=RECORD_FORM
        )
        webhooks.dispatch()  # everything before the one event measured
        WebhookDelivery.objects.all().delete()
        dossiers.accept(actor=data["desk"], code=dossier.code, version=dossier.version)
        started = time.perf_counter()
        webhooks.dispatch(now=timezone.now())
        tried = webhooks.send_due()
        fanout_seconds = time.perf_counter() - started
        delivered = WebhookDelivery.objects.filter(state="delivered").count()
        assert tried == delivered == SUBSCRIBERS, (tried, delivered)
        delivery = WebhookDelivery.objects.select_related("subscription").first()
        body = json.dumps(delivery.payload).encode()
        headers = webhooks.headers_for(
            delivery.subscription, message_id="msg_floor", body=body, now=timezone.now()
        )
        started = time.perf_counter()
        for n in range(SUBSCRIBERS):
            requests.post(f"{url}/hook/{n}", data=body, headers=headers, timeout=10)  # a connection each, too
        floor_seconds = time.perf_counter() - started
    return fanout_seconds, floor_seconds, delivered


def exchange_log_figures(data: dict, calls: int) -> tuple[list[float], list[float]]:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from tinhso.integration import services

    partner = services.register_partner(
        actor=None, agency_code="000.00.98.H12", agency_name="Đo", system="LOG", system_name="Đo",
        rate_limit_per_minute=100_000,
    )  # fmt: skip
    key, _credential = services.issue_credential(actor=None, partner_code=partner.code, kind="api_key")
    services.approve_grant(
        actor=None, partner_code=partner.code, service_code="dossier-status", scopes=["dossiers.status.read"],
        purpose="Đo", legal_basis="Đo", valid_from=timezone.localdate(),
    )  # fmt: skip
    dossier = submit_and_accept(data["citizens"][2], data["desk"], 1)[0]
    from tinhso.integration.models import ExchangeLog

    without = [name for name in settings.MIDDLEWARE if "ExchangeLog" not in name]
    # A client builds its middleware chain at its first request and keeps it: one client each way.
    with_log, without_log = Client(), Client()
    with override_settings(MIDDLEWARE=without):
        without_log.get("/")
    path = f"/api/v1/lgsp/dossiers/{dossier.code}"
    logged, bare = [], []
    before = ExchangeLog.objects.count()
    for n in range(calls * 2):
        client, times = (without_log, bare) if n % 2 else (with_log, logged)
        started = time.perf_counter()
        answer = client.get(path, HTTP_X_API_KEY=key)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.content
    assert ExchangeLog.objects.count() - before == calls, "only the calls with the log are logged"
    return logged, bare


def lag_figures(data: dict, changes: int) -> tuple[list[float], list[float]]:
    """Seconds from each status change (the outbox message's creation) to the fake's receipt, alone, then
    with SUBMITTERS threads submitting dossiers at the same time."""
    from django.conf import settings
    from django.db import connection

    from tinhso.integration import portal
    from tinhso.integration.models import PortalMessage

    received_at: dict[str, float] = {}

    def drain(receipts: multiprocessing.Queue, until: float) -> None:
        try:
            while True:
                message_id, at = receipts.get(timeout=max(0.0, until - time.time()))
                received_at.setdefault(message_id, at)
                until = time.time()  # then take what is already queued without waiting
        except queue.Empty:
            pass

    def measure(load: bool) -> list[float]:
        stop = threading.Event()
        settings.TINHSO_PORTAL_PASSWORD = PORTAL_PASSWORD

        def relay_loop() -> None:
            adapter = portal.DvcqgAdapter(base_url=url)
            while not stop.is_set():
                portal.relay(sender=adapter)
            connection.close()

        def submit_loop(citizen) -> None:
            from tinhso.dossiers import services
            from tinhso.testing.dossiers import RECORD, RECORD_FORM

            while not stop.is_set():
                services.submit_dossier(actor=citizen, procedure_code=RECORD, form_data=RECORD_FORM)
            connection.close()

        threads = [threading.Thread(target=relay_loop)]
        if load:
            threads += [
                threading.Thread(target=submit_loop, args=(c,)) for c in data["citizens"][:SUBMITTERS]
            ]
        for thread in threads:
            thread.start()
        first = PortalMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
        created: dict[str, float] = {}
        for dossier in submit_and_accept(data["citizens"][SUBMITTERS], data["desk"], changes):
            message = PortalMessage.objects.filter(dossier=dossier).order_by("-seq").first()
            created[message.message_id] = message.created_at.timestamp()
        deadline = time.time() + 60
        while time.time() < deadline and not all(mid in received_at for mid in created):
            drain(receipts, time.time() + 0.05)
        stop.set()
        for thread in threads:
            thread.join()
        assert PortalMessage.objects.filter(id__gt=first).exists()
        return [received_at[mid] - at for mid, at in created.items() if mid in received_at]

    with elsewhere("portal") as (url, receipts):
        alone = measure(load=False)
        loaded = measure(load=True)
    return alone, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--messages", type=int, default=300, help="status changes relayed in figure 1")
    parser.add_argument("--calls", type=int, default=300, help="API calls each way in figure 3")
    parser.add_argument("--changes", type=int, default=40, help="status changes timed in figure 4")
    args = parser.parse_args()
    recreate_database(args.database_url)
    harness.bench_environment(database_url=args.database_url, var_dir="/tmp/tinhso-bench-integration")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.settings"
    os.environ["TINHSO_ENV"] = "test"
    import django

    django.setup()
    data = setup_data()
    relay_seconds, floor_seconds, count = relay_figures(data, args.messages)
    print(f"1. relay {count} messages: {relay_seconds:.2f} s ({count / relay_seconds:.1f}/s); floor of "
          f"{3 * count} bare POSTs {floor_seconds:.2f} s ({count / floor_seconds:.1f} messages/s); "
          f"ratio {floor_seconds / relay_seconds:.2f}")  # fmt: skip
    fanout, floor, delivered = fanout_figures(data)
    print(f"2. fan-out of one event to {SUBSCRIBERS} subscribers: {fanout:.2f} s ({delivered} delivered); "
          f"floor of {SUBSCRIBERS} bare POSTs {floor:.2f} s; ratio {floor / fanout:.2f}")  # fmt: skip
    logged, bare = (sorted(values) for values in exchange_log_figures(data, args.calls))
    added = statistics.median(logged) - statistics.median(bare)
    print(f"3. partner API call: with the exchange log p50 {statistics.median(logged):.2f} ms, p99 "
          f"{harness.percentile(logged, 0.99):.2f} ms; without p50 {statistics.median(bare):.2f} ms, p99 "
          f"{harness.percentile(bare, 0.99):.2f} ms; the log adds {added:.2f} ms at p50 "
          f"({statistics.median(logged) / statistics.median(bare):.2f}x)")  # fmt: skip
    alone, loaded = lag_figures(data, args.changes)
    for name, lags in (("alone", sorted(alone)), (f"under {SUBMITTERS} submitting threads", sorted(loaded))):
        print(f"4. lag status change -> portal receipt, {name}: p50 {statistics.median(lags) * 1000:.0f} ms, "
              f"p99 {harness.percentile(lags, 0.99) * 1000:.0f} ms ({len(lags)} changes)")  # fmt: skip


if __name__ == "__main__":
    main()
