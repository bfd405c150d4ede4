from django.db import migrations, models

from tinhso.catalog.names import STEP_NAMES_EN


def name_known_steps(apps, schema_editor):
    """Existing steps with one of the usual names get its English; others keep showing the Vietnamese one."""
    ProcessStep = apps.get_model("catalog", "ProcessStep")
    for vietnamese, english in STEP_NAMES_EN.items():
        ProcessStep.objects.filter(name=vietnamese, name_en="").update(name_en=english)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_document_from_form"),
    ]

    operations = [
        migrations.AddField(
            model_name="processstep",
            name="name_en",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.RunPython(name_known_steps, migrations.RunPython.noop),
    ]
