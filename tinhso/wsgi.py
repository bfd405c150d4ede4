"""WSGI entry point. In production it refuses to serve while demo accounts keep the demo password."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

if settings.TINHSO_ENV == "production":
    from tinhso.core.production import demo_accounts_with_demo_password

    if weak := demo_accounts_with_demo_password():
        raise SystemExit(f"Refusing to start in production: demo accounts keep the password demo1234: {weak}")
