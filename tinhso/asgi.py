"""ASGI entry point (used for server-sent events by the live dashboard)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
application = get_asgi_application()
