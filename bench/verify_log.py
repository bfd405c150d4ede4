"""`tinhso verify-log` after its months are sealed (issue 25) against the full read, in one run on one generated log:
1. the seals are removed and a full run reads every event and seals the closed months;
2. a second run reads only the months not sealed (the open one);
3. `--full` reads everything again.
Reported per run: events read, wall time, CPU of this process and of the PostgreSQL backend (pg_stat is not
needed: the backend's /proc), and the second run's cost as a share of the full one's, beside the open month's
share of the events (goal: at most that share). The database must hold a log (`tinhso gen`) made with the same
TINHSO_VAR_DIR (the log key); it is not dropped, only its seals are.
Run: .venv/bin/python bench/verify_log.py --database-url postgres://.../tinhso_bench_scaleout_300k --var-dir DIR"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import harness


def timed(label: str, run, backend_pid: int) -> dict:
    wall, cpu, backend = time.perf_counter(), time.process_time(), harness.process_cpu(backend_pid)
    result = run()
    figures = {
        "run": label,
        "events": result.events,
        "problems": len(result),
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "backend": harness.process_cpu(backend_pid) - backend,
    }
    print(
        f"{label:<22} {figures['events']:>10,} events  wall {figures['wall']:8.2f} s  "
        f"python CPU {figures['cpu']:8.2f} s  PostgreSQL CPU {figures['backend']:7.2f} s  "
        f"problems {figures['problems']}",
        flush=True,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--var-dir", required=True, help="The TINHSO_VAR_DIR the log was generated with")
    options = parser.parse_args()
    if "bench" not in harness.database_name(options.database_url):
        sys.exit("The benchmark's database name must contain 'bench' (its seals are deleted).")
    harness.bench_environment(database_url=options.database_url, var_dir=options.var_dir)
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from tinhso.core import services
    from tinhso.core.logmonths import month_of, month_start
    from tinhso.core.models import Event, SealedMonth

    SealedMonth.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]
    total = Event.objects.count()
    open_month = Event.objects.filter(occurred_at__gte=month_start(month_of(timezone.now()))).count()
    first = timed("full, sealing", lambda: services.verify_event_log(full=False), backend_pid)
    second = timed("second (sealed)", lambda: services.verify_event_log(full=False), backend_pid)
    full = timed("--full", lambda: services.verify_event_log(full=True), backend_pid)
    share = open_month / total
    print(
        f"sealed months: {SealedMonth.objects.count()}; open month: {open_month:,} of {total:,} events ({share:.1%})"
    )
    for key in ("wall", "cpu"):
        print(
            f"second ÷ --full, {key}: {second[key] / full[key]:.3f} (first run {first[key] / full[key]:.2f}×)"
        )
    ok = second["wall"] / full["wall"] <= share and not (first["problems"] or full["problems"])
    print(f"goal (second run at most the open month's share of the full one): {'met' if ok else 'not met'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
