"""Dossier documents and results move out of the public media folder into the private storage."""

from django.core.files.storage import default_storage, storages
from django.db import migrations, models

import tinhso.core.files


def move_to_private(apps, schema_editor) -> None:
    """Files stored before this migration sit under MEDIA_ROOT (a public URL): each moves, under the same name,
    to the private storage, and leaves the public one."""
    private = storages["private"]
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierDocument = apps.get_model("dossiers", "DossierDocument")
    names = [
        *Dossier.objects.exclude(result_file="").values_list("result_file", flat=True).iterator(),
        *DossierDocument.objects.exclude(file="").values_list("file", flat=True).iterator(),
    ]
    for name in names:
        if private.exists(name) or not default_storage.exists(name):
            continue
        with default_storage.open(name, "rb") as public:
            stored = private.save(name, public)
        if stored != name:  # never expected for a name that did not exist; keep both rather than lose one
            continue
        default_storage.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0003_fewer_insert_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dossier",
            name="result_file",
            field=models.FileField(
                blank=True, storage=tinhso.core.files.private_storage, upload_to="dossiers/results/%Y/%m/"
            ),
        ),
        migrations.AlterField(
            model_name="dossierdocument",
            name="file",
            field=models.FileField(storage=tinhso.core.files.private_storage, upload_to="dossiers/documents/%Y/%m/"),
        ),
        migrations.RunPython(move_to_private, migrations.RunPython.noop, elidable=True),
    ]
