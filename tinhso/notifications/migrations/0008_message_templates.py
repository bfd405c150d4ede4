"""Message texts as data an administrator edits, seeded with today's texts."""

from django.db import migrations, models

from tinhso.notifications.texts import SPECS


def seed(apps, schema_editor) -> None:
    """Today's texts (the defaults in texts.SPECS), for every channel and the inbox, in both languages: nothing
    changes for readers until an administrator edits one."""
    template = apps.get_model("notifications", "MessageTemplate")
    template.objects.bulk_create(
        [
            template(key=key, channel="", language=language, subject=getattr(spec, language))
            for key, spec in SPECS.items()
            for language in ("vi", "en")
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0007_business_household_rule'),
    ]

    operations = [
        migrations.CreateModel(
            name='MessageTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=60, verbose_name='loại thông báo')),
                ('channel', models.CharField(blank=True, choices=[('', 'Mọi kênh và hộp thư trên Tỉnh số'), ('email', 'Thư điện tử'), ('sms', 'Tin nhắn SMS'), ('push', 'Thông báo trên trình duyệt')], max_length=10, verbose_name='kênh')),
                ('language', models.CharField(choices=[('vi', 'Tiếng Việt'), ('en', 'English')], max_length=8, verbose_name='ngôn ngữ')),
                ('subject', models.CharField(help_text='Tiêu đề thư, dòng trong hộp thư, tiêu đề thông báo trên trình duyệt.', max_length=300, verbose_name='tiêu đề')),
                ('body', models.TextField(blank=True, help_text='Nội dung thư và tin nhắn SMS (SMS gửi không dấu, tối đa 2 tin kể cả đường dẫn); để trống thì dùng tiêu đề. Đường dẫn và cách ngừng nhận được thêm vào mỗi tin.', verbose_name='nội dung')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'mẫu thông báo',
                'verbose_name_plural': 'mẫu thông báo',
                'constraints': [models.UniqueConstraint(fields=('key', 'channel', 'language'), name='one_template_per_channel')],
            },
        ),
            migrations.RunPython(seed, migrations.RunPython.noop),
    ]
