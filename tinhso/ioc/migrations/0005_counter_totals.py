"""Counters summed over every sector, filled from the counters, with the index the KPIs read them by: on
PostgreSQL a covering one (period, metric, unit) INCLUDE (value), as for the counters (migration 0003).
Run with the job consumer stopped (README, Upgrading): the earlier code's consumer writes no totals."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "ioc_countertotal_period_metric_unit_value"


def fill(apps, schema_editor) -> None:
    schema_editor.execute(
        "INSERT INTO ioc_countertotal (unit_id, period, metric, value) "
        "SELECT unit_id, period, metric, SUM(value) FROM ioc_counter GROUP BY unit_id, period, metric"
    )
    include = " INCLUDE (value)" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {INDEX} ON ioc_countertotal (period, metric, unit_id){include}")


def empty(apps, schema_editor) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("ioc", "0004_drop_repeated_fact_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="CounterTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("period", models.CharField(max_length=7)),
                ("metric", models.CharField(max_length=40)),
                ("value", models.BigIntegerField(default=0)),
                (
                    "unit",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.adminunit",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("unit", "period", "metric"), name="ioc_countertotal_key")
                ],
            },
        ),
        migrations.RunPython(fill, empty),
    ]
