"""Each event chain's head kept in its own row by a trigger on the log (issue 25; tinhso.core.heads): built
from the log, writers held off meanwhile, then kept by every insert."""

from django.db import migrations, models


def keep_heads(apps, schema_editor) -> None:
    from tinhso.core import heads

    heads.rebuild(schema_editor.connection)
    heads.install(schema_editor.connection)


def stop_keeping(apps, schema_editor) -> None:
    from tinhso.core import heads

    heads.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0008_partition_events")]

    operations = [
        migrations.CreateModel(
            name="StreamHead",
            fields=[
                ("stream", models.CharField(max_length=120, primary_key=True, serialize=False)),
                ("seq", models.PositiveIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("occurred_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(keep_heads, stop_keeping),
    ]
