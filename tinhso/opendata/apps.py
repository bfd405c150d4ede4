from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "tinhso.opendata"
    label = "opendata"
    verbose_name = "Dữ liệu mở"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from tinhso.opendata import datastore
        from tinhso.opendata.models import ResourceVersion

        post_delete.connect(
            datastore.version_deleted, sender=ResourceVersion, dispatch_uid="opendata.drop_table"
        )
