"""On PostgreSQL, a GIN index over the datastore's rows answers `datastore_search` equality filters
(`data @> {"column": value}`) without reading a resource's every row; SQLite has no such index."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS opendata_row_data_gin ON opendata_datastorerow USING gin (data jsonb_path_ops)"
DROP = "DROP INDEX IF EXISTS opendata_row_data_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("opendata", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
