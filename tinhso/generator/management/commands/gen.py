"""`tinhso gen --dossiers N --reports M`: realistic history for benchmarks (see tinhso.generator.services)."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.errors import InvalidInput
from tinhso.generator.services import generate


class Command(BaseCommand):
    # The run follows `migrate`, which checked the project: the checks' imports and walks are a fixed cost here.
    requires_system_checks: list[str] = []
    help = (
        "Sinh lịch sử hồ sơ, phản ánh hiện trường và sự kiện giống như khi các dịch vụ ghi (cần `tinhso load-demo` "
        "trước). Fills the database with realistic history written in bulk."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dossiers", type=int, default=10_000, help="how many dossiers (default 10,000)")
        parser.add_argument(
            "--reports", type=int, default=1_000, help="how many field reports (default 1,000)"
        )
        parser.add_argument(
            "--months", type=int, default=24, help="how far back the history starts (default 24)"
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed: the same seed, the same history"
        )
        parser.add_argument("--batch", type=int, default=20_000, help="records per transaction")
        parser.add_argument(
            "--workers", type=int, default=1, help="worker processes on PostgreSQL (one per core is fastest)"
        )
        parser.add_argument(
            "--defer-indexes",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="drop secondary indexes while loading, rebuild at the end (default: when the run at least "
            "doubles the dossiers, from 100,000, on PostgreSQL)",
        )

    def handle(self, *args, **options) -> None:
        try:
            summary = generate(
                dossiers=options["dossiers"],
                reports=options["reports"],
                months=options["months"],
                seed=options["seed"],
                batch_size=options["batch"],
                workers=max(1, options["workers"]),
                defer_indexes=options["defer_indexes"],
                log=self.stdout.write,
            )
        except InvalidInput as error:
            raise CommandError(str(error)) from None
        rate = summary.dossiers / summary.seconds if summary.seconds else 0
        self.stdout.write(
            f"Xong: {summary.dossiers:,} hồ sơ, {summary.reports:,} phản ánh, {summary.citizens:,} công dân, "
            f"{summary.events:,} sự kiện trong {summary.seconds:.1f} s ({rate:,.0f} hồ sơ/s)."
        )
