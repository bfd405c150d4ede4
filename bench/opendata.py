"""Open data on PostgreSQL, each figure against a floor measured in the same run (issue 22):

1. `package_search` over 10,000 datasets under 16 clients, against a JSON floor (one SELECT of ten rows
   answered as JSON) on the same gunicorn setup;
2. loading a 1,000,000-row CSV into the datastore (the real job: encoding detection, type inference over the
   whole file, conversion, COPY) against PostgreSQL's own COPY of the same file into a plain table;
3. `datastore_search` on that resource in-process: the first page, an equality filter, a deep page sought by
   keyset (`after`) and the same page by OFFSET.

It recreates its own database (its name must contain "bench"). Run:
    .venv/bin/python bench/opendata.py [--database-url postgres://postgres@127.0.0.1:5432/tinhso_bench_opendata]
"""

import argparse
import csv
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402 (the repository root goes on the path first)
    Page,
    add_server_options,
    bench_environment,
    latency,
    load_pages,
    server_options,
    server_setup,
    timed,
)
from bench.submit import recreate_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tinhso_bench_opendata"
GOAL_LOAD_RATIO = 3.0  # the datastore's load within 3 x PostgreSQL's COPY of the same file
WORDS = ("trường học", "bệnh viện", "chợ", "giá đất", "dân số", "quan trắc", "xe buýt", "du lịch", "ngân sách",
         "doanh nghiệp", "lao động", "thủy sản", "rừng ngập mặn", "điện", "nước sạch")  # fmt: skip


def make_catalogue(count: int) -> None:
    """`count` published datasets spread over the agencies, with tags and a resource each (bulk, not through
    the services: the figures are about reading them)."""
    from django.utils import timezone

    from tinhso.core.models import AdminUnit
    from tinhso.opendata import services
    from tinhso.opendata.models import Dataset, DatasetTag, Resource
    from tinhso.opendata.text import fold
    from tinhso.opendata.vocabulary import Frequency, Theme

    publishers = [
        services.register_organization(actor=None, unit_code=unit.code, name=f"co-quan-{unit.code.replace('.', '-')}")
        for unit in AdminUnit.objects.filter(kind=AdminUnit.Kind.AGENCY)
    ]  # fmt: skip
    rng = random.Random(22)
    now = timezone.now()
    datasets, tags, resources = [], [], []
    for number in range(count):
        words = rng.sample(WORDS, 3)
        publisher = rng.choice(publishers)
        title = f"{words[0].capitalize()} {number}"
        dataset = Dataset(
            id=uuid.uuid4(), name=f"bo-du-lieu-{number}", title=title, notes=" ".join(words), organization=publisher,
            theme=rng.choice(Theme.values), frequency=rng.choice(Frequency.values), state="published",
            published_at=now, reviewed_at=now, search_text=fold(f"{title} {' '.join(words)} {publisher.title}"),
        )  # fmt: skip
        datasets.append(dataset)
        tags += [DatasetTag(dataset=dataset, name=word) for word in words]
        resources.append(
            Resource(dataset=dataset, name=title, url="https://example.gov.vn/a.csv", format="CSV")
        )
    Dataset.objects.bulk_create(datasets, batch_size=2000)
    DatasetTag.objects.bulk_create(tags, batch_size=5000)
    Resource.objects.bulk_create(resources, batch_size=2000)


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    communes = [
        f"Xã {name}" for name in ("Tân Lộc", "Đầm Dơi", "Năm Căn", "Cái Nước", "Thới Bình", "Sông Đốc")
    ]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["ma_ho", "xa_phuong", "thang", "so_nhan_khau", "thu_nhap_trieu_dong", "ghi_chu"])
        for number in range(1, rows + 1):
            writer.writerow([number, rng.choice(communes), f"2026-{rng.randint(1, 12):02d}-01", rng.randint(1, 9),
                             round(rng.uniform(1, 40), 2), rng.choice(("", "hộ nghèo", "hộ cận nghèo", "N/A"))])  # fmt: skip


def copy_floor(path: Path) -> float:
    """Seconds PostgreSQL takes to COPY the same file into a plain table of text columns."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_floor")
        cursor.execute("CREATE TABLE bench_copy_floor (a text, b text, c text, d text, e text, f text)")
        start = time.perf_counter()
        with (
            open(path, "rb") as stream,
            cursor.cursor.copy("COPY bench_copy_floor FROM STDIN (FORMAT csv, HEADER)") as copy,
        ):
            while chunk := stream.read(1 << 20):
                copy.write(chunk)
        return time.perf_counter() - start


def load_resource(path: Path, number: int = 0):
    from tinhso.core.models import AdminUnit
    from tinhso.opendata import services

    unit = AdminUnit.objects.filter(kind=AdminUnit.Kind.AGENCY).first()
    publisher = services.register_organization(actor=None, unit_code=unit.code)
    dataset = services.create_dataset(actor=None, organization=publisher.name, name=f"ho-gia-dinh-{number}",
                                      title="Hộ gia đình (1 triệu dòng)", theme="xa-hoi", frequency="ANNUAL")  # fmt: skip
    with open(path, "rb") as stream:
        version = services.add_version(actor=None, dataset_id=dataset.pk, content=stream, filename="ho.csv",
                                       size=path.stat().st_size)  # fmt: skip
    start, cpu = time.perf_counter(), time.process_time()
    job = services.run_load(job_id=version.job.pk)
    seconds = time.perf_counter() - start
    print(
        f"   (the job's own CPU time {time.process_time() - cpu:.1f} s: the rest is PostgreSQL and waiting)"
    )
    for action in ("submit", "publish"):
        services.act(actor=None, dataset_id=dataset.pk, version=None, action=action)
    return seconds, job


def run(args: argparse.Namespace) -> bool:
    import django

    recreate_database(args.database_url)
    django.setup()
    from django.core.management import call_command

    from tinhso.core import services as core_services

    call_command("migrate", verbosity=0, interactive=False)
    core_services.import_admin_units()
    core_services.create_province_agencies()
    met = True
    if args.part in ("all", "search"):
        met = search(args)
    if args.part in ("all", "datastore"):
        met = datastore(args) and met
    return met


def search(args: argparse.Namespace) -> bool:
    met = True
    print(f"== package_search over {args.datasets:,} datasets, {args.clients} clients, {server_setup(args)}")
    make_catalogue(args.datasets)
    pages = [
        Page("JSON floor (one SELECT of 10 rows)", "/bench/read-floor"),
        Page("package_search q + facets", "/api/3/action/package_search?q=truong%20hoc&rows=10&facet.field=%5B%22tags%22%2C%22organization%22%5D"),
        Page("package_search all, 100 rows", "/api/3/action/package_search?rows=100"),
    ]  # fmt: skip
    figures = load_pages(
        pages, clients=args.clients, seconds=args.duration, warmup=args.warmup, **server_options(args)
    )
    floor = figures.pages[0].throughput
    for result in figures.pages:
        ratio = result.throughput / floor if floor else 0.0
        print(f"   {result.page.name}: {result.throughput:.1f} req/s ({ratio:.2f} x floor), {result.latency}, "
              f"{result.sql_count:.1f} SQL statements, errors {result.errors or 'none'}")  # fmt: skip
        met = met and not result.errors
    return met


def datastore(args: argparse.Namespace) -> bool:
    from tinhso.opendata import selectors

    met = True
    folder = Path(tempfile.mkdtemp(prefix="tinhso-bench-od-"))
    try:
        path = folder / "ho.csv"
        write_csv(path, args.rows)
        size = path.stat().st_size / 2**20
        for number in range(args.loads):  # the floor and the load alternate, so both see the same machine
            floor_s = copy_floor(path)
            load_s, job = load_resource(path, number)
            ratio = load_s / floor_s
            print(f"== loading {args.rows:,} rows ({size:.0f} MB CSV): PostgreSQL COPY {floor_s:.1f} s, datastore "
                  f"job {load_s:.1f} s ({job.status}, {job.rows_loaded:,} rows) = {ratio:.1f} x COPY; goal within "
                  f"{GOAL_LOAD_RATIO:.0f} x: {'met' if ratio <= GOAL_LOAD_RATIO else 'NOT met'}")  # fmt: skip
            met = met and ratio <= GOAL_LOAD_RATIO
        resource_id = str(job.version.resource_id)
        deep = args.rows - 1000
        cases = {
            "first page (100 rows, total)": {},
            "filter xa_phuong (100 rows, total)": {"filters": {"xa_phuong": "Xã Năm Căn"}},
            "filter, no total": {"filters": {"xa_phuong": "Xã Năm Căn"}, "include_total": False},
            f"deep page by keyset (after {deep:,})": {"after": deep, "include_total": False},
            f"deep page by OFFSET {deep:,}, sorted by a column": {"offset": deep, "sort": "ma_ho", "include_total": False},
        }  # fmt: skip
        print(f"== datastore_search on {args.rows:,} rows, in-process, {args.repetitions} calls each")
        for name, kwargs in cases.items():
            times, page = timed(lambda kwargs=kwargs: selectors.datastore_page(None, resource_id=resource_id, **kwargs),
                                args.repetitions)  # fmt: skip
            print(f"   {name}: {latency(times)}; first _id {page.records[0]['_id'] if page.records else '-'}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument(
        "--loads", type=int, default=1, help="loads of the CSV, each after its own COPY floor"
    )
    parser.add_argument("--part", choices=("all", "search", "datastore"), default="all")
    add_server_options(parser)
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="tinhso-bench-")
    bench_environment(database_url=args.database_url, var_dir=var_dir)
    try:
        met = run(args)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
