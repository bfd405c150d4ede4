"""The IOC's kept renders on Redis when REDIS_URL is set (issue 25): every web process, on any machine, finds
the render another one made for the same rollup state; a new rollup state is rendered anew."""

import os
import subprocess
import sys

import pytest
from django.core.cache import caches

from tinhso.core import caching
from tinhso.core.models import Role
from tinhso.core.tests.test_jobs import redis_answers
from tinhso.ioc import services
from tinhso.testing.factories import official

REDIS_PAGES = "redis://127.0.0.1:6379/4"


def pages_backend(**environ: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")} | environ
    code = "import tinhso.settings as s; print(s.CACHES['pages']['BACKEND'])"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout


def test_the_pages_are_kept_per_process_by_default_and_on_redis_with_redis_url(tmp_path):
    assert pages_backend(TINHSO_VAR_DIR=str(tmp_path)).strip().endswith("LocMemCache")
    assert pages_backend(REDIS_URL=REDIS_PAGES).strip() == "tinhso.core.rediscache.RedisCache"


@pytest.fixture
def redis_pages(settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "tinhso.core.rediscache.RedisCache",
            "LOCATION": REDIS_PAGES,
            "KEY_PREFIX": "tinhso-pages",
        },
    }
    caching.clear_shared("pages")
    yield caches["pages"]
    caching.clear_shared("pages")


def dashboards(cache) -> set[str]:
    """The keys of the dashboard's laid-out figures kept on Redis."""
    client = cache._cache.get_client()
    return {key.decode() for key in client.keys("tinhso-pages:*ioc.dashboard_parts*")}


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_the_figures_are_built_once_per_rollup_state_and_shared_through_redis(
    redis_pages, client, reference_data
):
    leader = official("lanhdaotinh", (Role.PROVINCE_LEADER, "96"))
    client.force_login(leader)

    assert client.get("/dieu-hanh/").status_code == 200
    first = dashboards(redis_pages)
    del caches["pages"]  # another process: a cache handler of its own, the same Redis
    assert client.get("/dieu-hanh/").status_code == 200

    assert len(first) == 1 and dashboards(caches["pages"]) == first
    official("chuyenvien", (Role.SPECIALIST, "96"))
    services.consume_events()  # the rollups move on
    assert client.get("/dieu-hanh/").status_code == 200
    assert len(dashboards(caches["pages"])) == 2
