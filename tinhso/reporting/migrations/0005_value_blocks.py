# Values stored as one block per (report, indicator version, kind) in place of a row per value
# (docs/benchmarks.md, Reporting, "The storage of values, decided by measuring it").

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REFERENCES_0003 = import_module("tinhso.reporting.migrations.0003_references_per_statement")
REFERENCES_0004 = import_module("tinhso.reporting.migrations.0004_import_batches")

# A block's few rows keep ordinary foreign keys: the triggers that checked a row per value once per statement go.
POSTGRESQL_DROP = (
    """
DROP TRIGGER reporting_importbatch_referred ON reporting_importbatch;
"""
    + REFERENCES_0003.POSTGRESQL_REVERSE
)


def drop_triggers(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for name in REFERENCES_0003.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_triggers(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFERENCES_0003.POSTGRESQL, params=None)
        schema_editor.execute(REFERENCES_0004.POSTGRESQL, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in REFERENCES_0004.SQLITE:
            schema_editor.execute(statement)


def _text(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.0001")), "f")


def _meta(row, block) -> dict:
    """What sets a value's row apart from its block's columns (models.ValueBlock.cells)."""
    meta = {}
    if row.comment:
        meta["c"] = row.comment
    if row.obs_status != block.obs_status:
        meta["s"] = row.obs_status
    if row.revision != 1:
        meta["r"] = row.revision
    if row.changed_at != block.changed_at:
        meta["t"] = row.changed_at.isoformat()
    if row.changed_by_id != block.changed_by_id:
        meta["u"] = row.changed_by_id
    if row.batch_id != block.batch_id:
        meta["b"] = row.batch_id
    return meta


def to_blocks(apps, schema_editor) -> None:
    """Each report's rows of one indicator version and kind become a block; revisions follow their value."""
    DataValue = apps.get_model("reporting", "DataValue")
    ValueBlock = apps.get_model("reporting", "ValueBlock")
    ValueRevision = apps.get_model("reporting", "ValueRevision")
    groups = defaultdict(list)
    for row in DataValue.objects.order_by("pk").iterator(chunk_size=5000):
        groups[(row.submission_id, row.indicator_version_id, row.kind)].append(row)
    blocks, cells = [], {}
    for (submission, version, kind), rows in groups.items():
        first = rows[0]  # the oldest row's columns stand for the block's
        block = ValueBlock(submission_id=submission, indicator_version_id=version, kind=kind, values={}, cells={},
                           obs_status=first.obs_status, public=all(row.public for row in rows),
                           changed_at=first.changed_at, changed_by_id=first.changed_by_id, batch_id=first.batch_id)  # fmt: skip
        for row in rows:
            if row.value is not None:
                block.values[row.disaggregation] = _text(row.value)
            meta = _meta(row, block)
            if meta or row.value is None:
                block.cells[row.disaggregation] = meta
        blocks.append(block)
    ValueBlock.objects.bulk_create(blocks, batch_size=1000)
    keys = {(block.submission_id, block.indicator_version_id, block.kind): block.pk for block in blocks}
    for rows in groups.values():
        for row in rows:
            cells[row.pk] = (
                keys[(row.submission_id, row.indicator_version_id, row.kind)],
                row.disaggregation,
            )
    revisions = list(ValueRevision.objects.only("pk", "data_value_id"))
    for revision in revisions:
        revision.block_id, revision.disaggregation = cells[revision.data_value_id]
    ValueRevision.objects.bulk_update(revisions, ["block", "disaggregation"], batch_size=1000)


def to_rows(apps, schema_editor) -> None:
    """Back: each cell of a block becomes a row again, its revisions re-pointed at it."""
    DataValue = apps.get_model("reporting", "DataValue")
    ValueBlock = apps.get_model("reporting", "ValueBlock")
    ValueRevision = apps.get_model("reporting", "ValueRevision")
    rows, keys = [], []
    for block in ValueBlock.objects.order_by("pk").iterator(chunk_size=1000):
        for breakdown in sorted(block.values.keys() | block.cells.keys()):
            meta, value = block.cells.get(breakdown, {}), block.values.get(breakdown)
            rows.append(DataValue(
                submission_id=block.submission_id, indicator_version_id=block.indicator_version_id,
                disaggregation=breakdown, kind=block.kind, value=None if value is None else Decimal(value),
                comment=meta.get("c", ""), obs_status=meta.get("s", block.obs_status), public=block.public,
                revision=meta.get("r", 1), changed_by_id=meta.get("u", block.changed_by_id),
                batch_id=meta.get("b", block.batch_id),
                changed_at=datetime.fromisoformat(meta["t"]) if "t" in meta else block.changed_at,
            ))  # fmt: skip
            keys.append((block.pk, breakdown))
    DataValue.objects.bulk_create(rows, batch_size=1000)
    ids = {key: row.pk for key, row in zip(keys, rows, strict=True)}
    revisions = list(ValueRevision.objects.only("pk", "block_id", "disaggregation"))
    for revision in revisions:
        revision.data_value_id = ids[(revision.block_id, revision.disaggregation)]
    ValueRevision.objects.bulk_update(revisions, ["data_value"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0004_import_batches"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_triggers, create_triggers),
        migrations.CreateModel(
            name="ValueBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("period", "Thực hiện kỳ báo cáo"), ("plan", "Kế hoạch năm")],
                        default="period",
                        max_length=6,
                    ),
                ),
                ("values", models.JSONField(default=dict)),
                ("cells", models.JSONField(default=dict)),
                (
                    "obs_status",
                    models.CharField(
                        choices=[("E", "Ước tính"), ("P", "Sơ bộ"), ("A", "Chính thức")],
                        default="A",
                        max_length=1,
                    ),
                ),
                (
                    "public",
                    models.BooleanField(default=True, help_text="SDMX CONF_STATUS F (free) when true"),
                ),
                ("changed_at", models.DateTimeField()),
                (
                    "batch",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reporting.importbatch",
                    ),
                ),
                (
                    "changed_by",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "indicator_version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="blocks",
                        to="reporting.indicatorversion",
                    ),
                ),
                (
                    "submission",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="blocks",
                        to="reporting.submission",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("submission", "indicator_version", "kind"), name="one_block_per_row"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="valuerevision",
            name="block",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="revisions",
                to="reporting.valueblock",
            ),
        ),
        migrations.AddField(
            model_name="valuerevision",
            name="disaggregation",
            field=models.CharField(blank=True, max_length=40, default=""),
            preserve_default=False,
        ),
        migrations.AlterField(  # nullable first, so that going back can add it before filling it
            model_name="valuerevision",
            name="data_value",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="revisions",
                to="reporting.datavalue",
            ),
        ),
        migrations.RunPython(to_blocks, to_rows),
        migrations.RemoveConstraint(model_name="valuerevision", name="value_revision"),
        migrations.RemoveField(model_name="valuerevision", name="data_value"),
        migrations.AlterField(
            model_name="valuerevision",
            name="block",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="revisions",
                to="reporting.valueblock",
            ),
        ),
        migrations.AddConstraint(
            model_name="valuerevision",
            constraint=models.UniqueConstraint(
                fields=("block", "disaggregation", "revision"), name="cell_revision"
            ),
        ),
        migrations.AlterField(
            model_name="valuerevision",
            name="changed_by",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="valuerevision",
            name="batch",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reporting.importbatch",
            ),
        ),
        migrations.DeleteModel(name="DataValue"),
    ]
