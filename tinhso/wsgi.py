"""WSGI entry point. In production it refuses to serve while demo accounts keep the demo password."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver
from django.utils import timezone

from tinhso.core import working_time
from tinhso.core.production import refuse_to_serve_with_demo_passwords

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
application = get_wsgi_application()
refuse_to_serve_with_demo_passwords()
# Views and URLs loaded now, then the whole start-up heap set aside: the collector's full passes, which
# otherwise walk it again and again for the worker's life, see only what requests left behind.
get_resolver().url_patterns  # noqa: B018 (importing every view is the point)
working_time.load_public_calendar(year=timezone.localdate().year)
gc.collect()
gc.freeze()
