"""Checkpoints carry a MAC under the log key (issue 19): the checkpoints already taken are signed as they are."""

from django.db import migrations, models


def sign_existing(apps, schema_editor) -> None:
    from tinhso.core.eventlog import checkpoint_mac, log_key

    Checkpoint = apps.get_model("core", "Checkpoint")
    key = log_key()
    for checkpoint in Checkpoint.objects.filter(mac="").iterator(chunk_size=1000):
        checkpoint.mac = checkpoint_mac(checkpoint.digest, key=key)
        checkpoint.save(update_fields=["mac"])


class Migration(migrations.Migration):
    dependencies = [("core", "0002_revocable_tokens")]

    operations = [
        migrations.AddField(
            model_name="checkpoint",
            name="mac",
            field=models.CharField(
                blank=True, help_text="HMAC-SHA256 of the digest under the log key", max_length=64
            ),
        ),
        migrations.RunPython(sign_existing, migrations.RunPython.noop),
    ]
