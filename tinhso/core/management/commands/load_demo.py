"""`tinhso load-demo`: loads every app's demo data (each app may offer `<app>.demo.load_demo`)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Loads the demo data of every app; creates the demo accounts only in demo mode (TINHSO_DEMO=1)."

    def handle(self, *args, **options) -> None:
        if settings.TINHSO_ENV == "production":
            raise CommandError("Demo data is never loaded in production (TINHSO_ENV=production).")
        lines: list[str] = []
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if app_config.name.startswith("tinhso.") and find_spec(module_name):
                lines += import_module(module_name).load_demo(with_accounts=settings.TINHSO_DEMO) or []
        if lines:
            self.stdout.write("Tài khoản demo (demo accounts):")
            for line in lines:
                self.stdout.write(f"  {line}")
