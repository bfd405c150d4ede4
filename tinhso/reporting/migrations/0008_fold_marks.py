"""A report is marked for the fold by a row of its own (FoldMark) instead of a flag on its share: an approval or
return no longer writes the share a running fold holds, so it never waits for the fold. Shares pending become
marks (and back)."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def pending_shares_marked(apps, schema_editor) -> None:
    Contribution = apps.get_model("reporting", "Contribution")
    FoldMark = apps.get_model("reporting", "FoldMark")
    FoldMark.objects.bulk_create(
        FoldMark(submission_id=key, marked_at=at)
        for key, at in Contribution.objects.filter(pending=True).values_list("submission_id", "changed_at")
    )


def marked_shares_pending(apps, schema_editor) -> None:
    Contribution = apps.get_model("reporting", "Contribution")
    FoldMark = apps.get_model("reporting", "FoldMark")
    marked = set(FoldMark.objects.values_list("submission_id", flat=True))
    Contribution.objects.filter(submission_id__in=marked).update(pending=True)
    Contribution.objects.bulk_create(
        [
            Contribution(submission_id=key, cells={}, pending=True, changed_at=timezone.now())
            for key in marked
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0007_kept_totals_version")]

    operations = [
        migrations.CreateModel(
            name="FoldMark",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("marked_at", models.DateTimeField()),
                (
                    "submission",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reporting.submission",
                    ),
                ),
            ],  # fmt: skip
        ),
        # Reversed, the share's columns come back before the marks are read into them.
        migrations.AlterField(
            model_name="contribution",
            name="changed_at",
            field=models.DateTimeField(
                default=timezone.now, help_text="When its last approval or return asked for a fold"
            ),
        ),
        migrations.RunPython(pending_shares_marked, marked_shares_pending),
        migrations.RemoveIndex(model_name="contribution", name="contribution_pending"),
        migrations.RemoveField(model_name="contribution", name="changed_at"),
        migrations.RemoveField(model_name="contribution", name="pending"),
    ]
