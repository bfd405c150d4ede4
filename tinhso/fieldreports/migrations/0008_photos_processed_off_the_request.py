from django.db import migrations, models

import tinhso.fieldreports.models

STATES = [("pending", "Đang xử lý ảnh"), ("public", "Đã công bố"), ("refused", "Ảnh hỏng, không công bố")]


class Migration(migrations.Migration):
    """Photos get their public copy from a job after the upload: a state (the photos already stored have
    their public copy), the job's starts and why it refused a photo."""

    dependencies = [
        ("fieldreports", "0007_open_reports_index_as_equalities"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportphoto",
            name="state",
            field=models.CharField(choices=STATES, default="public", max_length=7),
        ),
        migrations.AlterField(
            model_name="reportphoto",
            name="state",
            field=models.CharField(choices=STATES, default="pending", max_length=7),
        ),
        migrations.AddField(
            model_name="reportphoto",
            name="refusal",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="reportphoto",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="reportphoto",
            name="image",
            field=models.FileField(blank=True, upload_to=tinhso.fieldreports.models._photo_name),
        ),
        migrations.AddIndex(
            model_name="reportphoto",
            index=models.Index(
                condition=models.Q(("state", "pending")), fields=["uploaded_at"], name="fieldreport_photo_waiting"
            ),
        ),
    ]
