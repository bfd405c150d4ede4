"""What the benchmarks share: gunicorn on 127.0.0.1, HTTP/1.1 clients (kept alive where the server allows)
driven by asyncio in the script's own process, per-request timing sent back by bench.timing, CPU and memory read
from /proc."""

import argparse
import asyncio
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---- environment -------------------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def maintenance_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def bench_environment(*, database_url: str, var_dir: str) -> None:
    """Production-like settings of the benchmarks for this process and the servers it starts; the job
    queue and files go to `var_dir`, never the developer's var/."""
    os.environ |= {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    os.environ |= {"TINHSO_DEMO": "0", "TINHSO_ENV": "development", "DEBUG": "0", "TINHSO_VAR_DIR": var_dir}


def signed_in(user) -> tuple[dict[str, str], str]:
    """A session for `user` as the sign-in page would leave it, stored without touching the user's row (no
    last_login update): request headers carrying its cookie, and its key for end_session."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    _second_factor_passed(user, session)
    session.create()
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}, session.session_key


def _second_factor_passed(user, session) -> None:
    """An official who must pass the second factor gets a device of the benchmark's own and a session that
    passed it, as the second-factor page would leave it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tinhso.core import second_factor

    if second_factor.must_verify(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def end_session(key: str) -> None:
    from django.conf import settings

    import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).delete()


# ---- requests ----------------------------------------------------------------------------------------


def http_request(
    port: int, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def http_get(port: int, path: str, headers: dict[str, str] | None = None) -> bytes:
    return http_request(port, "GET", path, headers=headers)


def repeat(request: bytes) -> Iterator[bytes]:
    """The same request over and over (reads whose answer does not change the next one)."""
    while True:
        yield request


def distinct(port: int, page: "Page", numbers: Iterator[int]) -> Iterator[bytes]:
    """The page with a query parameter of its own each time (`numbers` shared by all clients), so that no
    page rendered for an earlier request serves it: what every leader meets just after the figures moved."""
    for number in numbers:
        yield http_get(port, f"{page.path}&n={number}", page.headers)


# ---- load generator ----------------------------------------------------------------------------------


@dataclass
class Sample:
    latency: float
    status: int
    timing: dict[str, float]
    tag: str = ""


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    transport_errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes):
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("the server closed the connection")
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status_line.split()[1]), headers


def server_timing(header: str) -> dict[str, float]:
    """{'app': ms, 'cpu': ms, 'sql': ms, 'sql_count': n} from bench.timing's Server-Timing header."""
    timing = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        for param in params:
            key, _, value = param.partition("=")
            timing[name if key == "dur" else f"{name}_count"] = float(value)
    return timing


async def _client(port: int, requests, stop_at: float, budget: list[int], run: Run, tag: str) -> None:
    reader = writer = None
    while time.monotonic() < stop_at and budget[0] > 0:
        budget[0] -= 1
        request = next(requests)
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            start = time.perf_counter()
            status, headers = await asyncio.wait_for(_exchange(reader, writer, request), timeout=30)
        except (OSError, EOFError, TimeoutError) as error:
            run.transport_errors[type(error).__name__] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        latency = time.perf_counter() - start
        timing = server_timing(headers.get("server-timing", ""))
        run.samples.append(Sample(latency, status, timing, tag))
        if headers.get("connection", "").lower() == "close":
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def drive(port: int, streams: list, seconds: float, max_requests: int, tags: list[str] | None = None) -> Run:
    """One keep-alive connection per stream, all at once, until the time or the request budget runs out.
    `tags` (one per stream) label the samples, so one run can mix several pages."""
    run = Run()
    tags = tags or [""] * len(streams)

    async def main() -> None:
        budget = [max_requests]
        stop_at = time.monotonic() + seconds
        start = time.perf_counter()
        clients = (_client(port, s, stop_at, budget, run, t) for s, t in zip(streams, tags, strict=True))
        await asyncio.gather(*clients)
        run.seconds = time.perf_counter() - start

    asyncio.run(main())
    return run


# ---- server ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(*, port: int, workers: int, threads: int, worker_class: str) -> subprocess.Popen:
    """gunicorn serving the platform with the environment of this process: `gthread` workers keep the
    clients' connections alive; `sync` workers answer one request per connection, as behind nginx."""
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "tinhso.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--worker-class={worker_class}",
        f"--workers={workers}",
        "--log-level=warning",
        f"--chdir={ROOT}",
    ]
    if worker_class == "gthread":
        command += [f"--threads={threads}", "--keep-alive=10"]
    server = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with status {server.returncode}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    sys.exit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# ---- /proc -------------------------------------------------------------------------------------------


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(values[:8])
    return (total - values[3] - values[4]) / CLOCK_TICKS, total / CLOCK_TICKS


def memory_of(pid: int) -> dict[str, int]:
    """Resident set now (VmRSS) and its peak since the process started (VmHWM), in bytes; {} once gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    found = {}
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) * 1024
    return found


def processes_named(name: str) -> list[int]:
    """The pids of the processes whose command is `name` (e.g. redis-server)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class CpuMeter:
    """CPU seconds spent by the server's workers, the benchmark database's PostgreSQL backends, this process
    (the load generator) and Redis (shared with whoever else uses it) between two readings: what a request
    costs the machine, which a loaded machine hides from throughput."""

    def __init__(self, server_pid: int) -> None:
        import psycopg

        self.server_pid = server_pid
        self.database = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
        self.monitor = psycopg.connect(maintenance_url(os.environ["DATABASE_URL"]), autocommit=True)

    def _pids(self) -> dict[str, list[int]]:
        rows = self.monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.database]
        )
        return {
            "server": children_of(self.server_pid),
            "postgres": [pid for (pid,) in rows],
            "redis": processes_named("redis-server") if os.environ.get("REDIS_URL") else [],
        }

    def read(self) -> dict[str, dict[int, float]]:
        readings = {part: {pid: process_cpu(pid) for pid in pids} for part, pids in self._pids().items()}
        return readings | {"client": {0: sum(os.times()[:2])}}

    @staticmethod
    def spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        """Seconds per part between two readings (a process started meanwhile counts from its start)."""
        return {
            part: sum(cpu - before[part].get(pid, 0.0) for pid, cpu in readings.items())
            for part, readings in after.items()
        }

    def close(self) -> None:
        self.monitor.close()


class MemorySampler(threading.Thread):
    """Reads the resident memory of a server's worker processes 20 times a second while the load runs;
    the peak is the larger of the highest sample and the kernel's own high-water mark (VmHWM)."""

    def __init__(self, server_pid: int) -> None:
        super().__init__(daemon=True)
        self.server_pid = server_pid
        self.finished = threading.Event()
        self.peaks: dict[int, int] = {}

    def _read(self) -> None:
        for pid in children_of(self.server_pid):
            memory = memory_of(pid)
            if memory:
                self.peaks[pid] = max(self.peaks.get(pid, 0), memory["VmRSS"], memory["VmHWM"])

    def run(self) -> None:
        while not self.finished.wait(0.05):
            self._read()

    def stop(self) -> dict[int, int]:
        """Peak bytes per worker pid."""
        self.finished.set()
        self.join()
        self._read()
        return dict(self.peaks)


# ---- figures -----------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))]


@dataclass
class Latency:
    count: int
    p50: float
    p95: float
    p99: float
    worst: float

    def __str__(self) -> str:
        return (
            f"n {self.count}  p50 {self.p50:.1f} ms  p95 {self.p95:.1f} ms  p99 {self.p99:.1f} ms  "
            f"max {self.worst:.1f} ms"
        )


def latency(milliseconds: list[float]) -> Latency:
    ordered = sorted(milliseconds)
    worst = ordered[-1] if ordered else float("nan")
    return Latency(
        len(ordered),
        percentile(ordered, 0.50),
        percentile(ordered, 0.95),
        percentile(ordered, 0.99),
        worst,
    )


def timed(call: Callable[[], object], repetitions: int) -> tuple[list[float], object]:
    """Milliseconds of each call, and the last call's result."""
    times, result = [], None
    for _ in range(repetitions):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def megabytes(size: int) -> float:
    return size / (1024 * 1024)


# ---- pages under load --------------------------------------------------------------------------------


@dataclass
class Page:
    """A GET measured under load: `name` in the figures, the path, and headers such as the session cookie."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    distinct: bool = False  # each request differs (see `distinct`)


@dataclass
class PageFigures:
    page: Page
    latency: Latency
    errors: dict[str, int]
    throughput: float
    app_ms: float
    sql_ms: float
    sql_count: float
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per answered request, by process kind


@dataclass
class LoadFigures:
    pages: list[PageFigures]
    worker_peaks: dict[int, int]

    @property
    def peak(self) -> int:
        return max(self.worker_peaks.values(), default=0)


def _page_figures(page: Page, run: Run, cpu: dict[str, float]) -> PageFigures:
    ok = [sample for sample in run.samples if sample.status == 200]
    errors = Counter(f"HTTP {sample.status}" for sample in run.samples if sample.status != 200)
    errors.update(run.transport_errors)
    mean = {
        key: sum(sample.timing.get(key, 0.0) for sample in ok) / max(len(ok), 1)
        for key in ("app", "sql", "sql_count")
    }
    return PageFigures(
        page=page,
        latency=latency([sample.latency * 1000 for sample in ok]),
        errors=dict(errors),
        throughput=len(ok) / run.seconds if run.seconds else 0.0,
        app_ms=mean["app"],
        sql_ms=mean["sql"],
        sql_count=mean["sql_count"],
        cpu_ms={part: seconds * 1000 / max(len(ok), 1) for part, seconds in cpu.items()},
    )


def _streams(port: int, page: Page, clients: int) -> list[Iterator[bytes]]:
    if page.distinct:
        numbers = itertools.count(time.monotonic_ns())  # not the warm-up's numbers again
        return [distinct(port, page, numbers) for _ in range(clients)]
    request = http_get(port, page.path, page.headers)
    return [repeat(request) for _ in range(clients)]


def load_pages(
    pages: list[Page],
    *,
    clients: int,
    seconds: float,
    warmup: float,
    workers: int,
    threads: int,
    worker_class: str,
    max_requests: int = 100_000,
) -> LoadFigures:
    """Serves the platform with gunicorn and loads each page in turn with `clients` clients,
    reading the workers' resident memory the whole time (warm-up included: a worker's peak counts)."""
    port = free_port()
    server = start_server(port=port, workers=workers, threads=threads, worker_class=worker_class)
    sampler = MemorySampler(server.pid)
    sampler.start()
    meter = CpuMeter(server.pid)
    results = []
    try:
        for page in pages:
            drive(port, _streams(port, page, clients), warmup, max_requests)
            before = meter.read()
            run = drive(port, _streams(port, page, clients), seconds, max_requests)
            results.append(_page_figures(page, run, meter.spent(before, meter.read())))
    finally:
        meter.close()
        peaks = sampler.stop()
        stop_server(server)
    return LoadFigures(results, peaks)


def show_load(figures: LoadFigures, goal_ms: float | None = None) -> bool:
    """Prints each page's figures; True when every page answered 200 (with p95 under `goal_ms` if given)."""
    met = True
    for result in figures.pages:
        ok = not result.errors and (goal_ms is None or result.latency.p95 < goal_ms)
        met = met and ok
        print(f"== {result.page.name}: GET {result.page.path}")
        print(f"   {result.latency}  throughput {result.throughput:.1f} req/s")
        if result.errors:
            print(f"   errors: {result.errors}")
        goal = "" if goal_ms is None else f"; p95 goal < {goal_ms:.0f} ms: {'met' if ok else 'NOT met'}"
        print(
            f"   in Django per request: {result.app_ms:.1f} ms wall, {result.sql_ms:.1f} ms in "
            f"{result.sql_count:.1f} SQL statements{goal}"
        )
        if result.cpu_ms:
            parts = " + ".join(f"{part} {ms:.2f}" for part, ms in result.cpu_ms.items())
            print(f"   CPU per request: {parts} = {sum(result.cpu_ms.values()):.2f} ms")
    return met


# The bare JSON endpoint the read goals of issue 25 are ratios to (bench/floor_urls.py), loaded first and last
# in a run: the load others put on the machine drifts within a run, the mean of both is the floor.
FLOOR_NAME = "JSON floor (one SELECT of 10 rows)"


def with_floor(pages: list[Page]) -> list[Page]:
    floor = Page(FLOOR_NAME, "/bench/read-floor")
    return [floor, *pages, Page(f"{FLOOR_NAME}, again", floor.path)]


@dataclass
class Floor:
    throughput: float
    p95: float


def floor_of(figures: LoadFigures) -> Floor:
    """The mean of the floor's two runs in `figures` (made from with_floor)."""
    runs = [result for result in figures.pages if result.page.name.startswith(FLOOR_NAME)]
    return Floor(
        throughput=sum(run.throughput for run in runs) / len(runs),
        p95=sum(run.latency.p95 for run in runs) / len(runs),
    )


def show_ratio(name: str, value: float, goal: float, *, at_least: bool) -> bool:
    met = value >= goal if at_least else value <= goal
    print(
        f"   {name} = {value:.2f} (goal {'>=' if at_least else '<='} {goal:g}): {'met' if met else 'NOT met'}"
    )
    return met


def show_memory(figures: LoadFigures, goal_mb: float) -> bool:
    peaks = ", ".join(f"{megabytes(size):.0f} MB" for size in sorted(figures.worker_peaks.values()))
    met = 0 < megabytes(figures.peak) < goal_mb
    print(
        f"== Peak resident memory of a gunicorn worker under this load: {megabytes(figures.peak):.0f} MB "
        f"(workers: {peaks}; VmRSS sampled 20/s and VmHWM from /proc) — goal < {goal_mb:.0f} MB: "
        f"{'met' if met else 'NOT met'}"
    )
    return met


# ---- scripts on an existing database ------------------------------------------------------------------


def existing_database_parser(description: str, *, repetitions: int) -> argparse.ArgumentParser:
    """The options bench/ioc.py and bench/pages.py share; the script adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--repetitions", type=int, default=repetitions, help="calls per selector in-process")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients per page")
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per page")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before measuring")
    add_server_options(parser)
    return parser


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """gunicorn as production runs it behind nginx (sync workers, 2 x cores + 1), or threaded workers that
    keep the clients' connections alive (2 x 8, the setup of the earlier figures)."""
    parser.add_argument(
        "--worker-class",
        choices=("sync", "gthread"),
        default="sync",
        help="sync: one request per connection, as behind nginx; gthread: keep-alive connections",
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="worker processes (default: sync 2 x cores + 1, gthread 2)"
    )
    parser.add_argument("--threads", type=int, default=8, help="threads per gthread worker")


def server_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of start_server and load_pages from those options."""
    workers = args.workers or (2 * (os.cpu_count() or 1) + 1 if args.worker_class == "sync" else 2)
    return {"workers": workers, "threads": args.threads, "worker_class": args.worker_class}


def server_setup(args: argparse.Namespace) -> str:
    """How the benchmark serves the platform, for its printed figures."""
    workers = server_options(args)["workers"]
    if args.worker_class == "sync":
        return f"gunicorn sync, {workers} workers on {HOST} (a new connection per request)"
    return f"gunicorn gthread, {workers} workers x {args.threads} threads on {HOST} (keep-alive)"


def parse_for_existing_database(parser: argparse.ArgumentParser) -> argparse.Namespace:
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error(
            "give the PostgreSQL database to read: --database-url postgres://... or BENCH_DATABASE_URL"
        )
    return args


def run_and_exit(run: Callable[[argparse.Namespace], bool], args: argparse.Namespace) -> None:
    """Runs the script in the bench environment with a temporary var/; exits 0 when its goals are met."""
    var_dir = tempfile.mkdtemp(prefix="tinhso-bench-")
    bench_environment(database_url=args.database_url, var_dir=var_dir)
    try:
        met = run(args)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    sys.exit(0 if met else 1)
