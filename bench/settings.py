"""Settings of the submission benchmark: the platform's own, plus the floor endpoint and per-request timing."""

import warnings

from tinhso.settings import *  # noqa: F403
from tinhso.settings import MIDDLEWARE

# Static files are not served in the benchmark, so WhiteNoise need not warn that they were never collected.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

ROOT_URLCONF = "bench.floor_urls"
# Production-like: DEBUG would keep every query in memory and slow each request down.
DEBUG = False
# Outermost, so the timing covers every other middleware of the platform.
MIDDLEWARE = ["bench.timing.ServerTimingMiddleware", *MIDDLEWARE]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
