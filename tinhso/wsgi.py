"""WSGI entry point. In production it refuses to serve while demo accounts keep the demo password."""

import os

from django.core.wsgi import get_wsgi_application

from tinhso.core.production import refuse_to_serve_with_demo_passwords

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
application = get_wsgi_application()
refuse_to_serve_with_demo_passwords()
