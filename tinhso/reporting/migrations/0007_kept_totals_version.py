"""A version on each kept totals row, new on every write: a process keeps the decoded totals under it and reads
only the version while it is the same (sql.kept_totals). Rows there before share one version: no process has
kept any yet."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reporting", "0006_contributions")]

    operations = [
        migrations.AddField(
            model_name="kepttotals",
            name="version",
            field=models.UUIDField(default=uuid.uuid4),
        ),
    ]
