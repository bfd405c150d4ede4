"""PostgreSQL keeps each loaded version in its own typed table (`tinhso.opendata.tables`), so no row reaches
`opendata_datastorerow` there and its GIN index (0002, PostgreSQL only) only costs space; SQLite never had it."""

from importlib import import_module

from django.db import migrations

GIN = import_module("tinhso.opendata.migrations.0002_datastore_gin")  # its create and drop, run the other way


class Migration(migrations.Migration):
    dependencies = [("opendata", "0002_datastore_gin")]
    operations = [migrations.RunPython(GIN.drop, GIN.create)]
