"""The event log partitioned by month on PostgreSQL (issue 25; tinhso.core.partitions): every event copied with
its id into its month's partition. The foreign keys that pointed at the events were dropped just before. SQLite
keeps one table: nothing to do there."""

from django.db import migrations
from django.utils import timezone

AHEAD = 3  # months made ahead of the current one; the periodic job keeps it so


def partition(apps, schema_editor) -> None:
    from tinhso.core import partitions

    database = schema_editor.connection
    if database.vendor == "postgresql" and not partitions.is_partitioned(database):
        partitions.partition(database, today=timezone.now().date(), ahead=AHEAD)


def unpartition(apps, schema_editor) -> None:
    from tinhso.core import partitions

    if partitions.is_partitioned(schema_editor.connection):
        partitions.unpartition(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_sealed_months"),
        ("notifications", "0005_events_partitioned"),
        ("signing", "0002_events_partitioned"),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
