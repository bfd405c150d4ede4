"""A block's numbers and cells compressed by lz4 rather than pglz on PostgreSQL, where the server has lz4: pglz
was about half of the backend's work to take an import's new blocks (docs/benchmarks.md, "Sixteenth session:
import"). Blocks already written keep their compression until rewritten."""

from django.db import migrations

# lz4 exists only if the server was built with it; elsewhere the columns keep the server's default.
TO = """
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
        ALTER TABLE reporting_valueblock ALTER COLUMN "values" SET COMPRESSION {0}, ALTER COLUMN cells SET COMPRESSION {0};
    END IF;
END $$
"""


def _compress(method: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(TO.format(method))

    return run


class Migration(migrations.Migration):
    dependencies = [("reporting", "0008_fold_marks")]

    operations = [migrations.RunPython(_compress("lz4"), _compress("default"))]
