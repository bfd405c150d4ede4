"""Background jobs: Huey keeps its queue in SQLite by default and in Redis when REDIS_URL is set."""

import os
import socket
import subprocess
import sys

import pytest
from huey import RedisHuey, SqliteHuey


def huey_settings(**environ: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")} | environ
    code = "import tinhso.settings as s; print(s.HUEY['huey_class'], s.HUEY.get('url') or s.HUEY.get('filename'))"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
        return True
    except OSError:
        return False


def test_the_queue_is_sqlite_by_default_and_redis_with_redis_url(tmp_path):
    assert huey_settings(TINHSO_VAR_DIR=str(tmp_path)) == f"huey.SqliteHuey {tmp_path}/jobs.sqlite3\n"
    assert huey_settings(REDIS_URL="redis://127.0.0.1:6379/3") == "huey.RedisHuey redis://127.0.0.1:6379/3\n"


def round_trip(huey) -> int:
    @huey.task()
    def add(a: int, b: int) -> int:
        return a + b

    result = add(20, 22)  # enqueued, not run: a consumer takes it from storage
    assert huey.pending_count() == 1
    huey.execute(huey.dequeue())
    return result.get()


def test_a_job_goes_through_sqlite_storage(tmp_path):
    assert round_trip(SqliteHuey("tinhso-test", filename=str(tmp_path / "jobs.sqlite3"))) == 42


@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer on 127.0.0.1:6379")
def test_a_job_goes_through_redis():
    huey = RedisHuey(f"tinhso-test-{os.getpid()}", url="redis://127.0.0.1:6379/15")
    try:
        assert round_trip(huey) == 42
    finally:
        huey.storage.flush_all()
