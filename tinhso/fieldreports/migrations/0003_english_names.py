from django.db import migrations, models

from tinhso.fieldreports.names import CATEGORY_NAMES_EN


def name_known_categories(apps, schema_editor):
    """Existing reference categories get their English name; others keep showing the Vietnamese one."""
    Category = apps.get_model("fieldreports", "Category")
    for category in Category.objects.filter(code__in=CATEGORY_NAMES_EN, name_en=""):
        category.name_en = CATEGORY_NAMES_EN[category.code]
        category.save(update_fields=["name_en"])


class Migration(migrations.Migration):
    dependencies = [
        ("fieldreports", "0002_originals_in_private_storage"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="name_en",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.RunPython(name_known_categories, migrations.RunPython.noop),
    ]
