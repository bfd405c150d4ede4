"""ASGI entry point (for server-sent events). In production it refuses to serve with demo passwords."""

import os

from django.core.asgi import get_asgi_application

from tinhso.core.production import refuse_to_serve_with_demo_passwords

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
application = get_asgi_application()
refuse_to_serve_with_demo_passwords()
