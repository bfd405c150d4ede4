"""Kept totals folded after an approval rather than inside it: each report's share of them (Contribution).
Reports approved before are pending with their share unknown (null): counted as their values stand, which stay
locked while they are approved; the fold's first run records them (its additions skip cells already counted)."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def approved_reports_pending(apps, schema_editor) -> None:
    Submission = apps.get_model("reporting", "Submission")
    Contribution = apps.get_model("reporting", "Contribution")
    now = timezone.now()
    Contribution.objects.bulk_create(
        Contribution(submission_id=key, cells=None, pending=True, changed_at=now)
        for key in Submission.objects.filter(status="approved").values_list("pk", flat=True).iterator()
    )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0005_value_blocks")]

    operations = [
        migrations.CreateModel(
            name="Contribution",
            fields=[
                (
                    "submission",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="reporting.submission",
                    ),
                ),
                ("cells", models.JSONField(blank=True, null=True)),
                ("pending", models.BooleanField(default=True)),
                (
                    "changed_at",
                    models.DateTimeField(help_text="When its last approval or return asked for a fold"),
                ),
                ("folded_at", models.DateTimeField(blank=True, null=True)),
            ],  # fmt: skip
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("pending", True)),
                        fields=["changed_at"],
                        name="contribution_pending",
                    )
                ]
            },
        ),
        migrations.RunPython(approved_reports_pending, migrations.RunPython.noop),
    ]
