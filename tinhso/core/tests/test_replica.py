"""Reads on the streaming replica (issue 25, tinhso.core.routers), against the real replica that
`scripts/replica.sh start` runs on 127.0.0.1:5433; skipped when it is not running. The test database made on
the primary reaches the replica by streaming, like every committed row."""

import subprocess
import time
from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from tinhso.core.models import Event, Role
from tinhso.core.routers import REPLICA, replica_reads
from tinhso.testing.factories import official

REPLICA_PORT = 5433


def replica_running() -> bool:
    if connection.vendor != "postgresql":
        return False
    probe = ["/usr/lib/postgresql/15/bin/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(REPLICA_PORT)]
    return subprocess.run(probe, check=False).returncode == 0


pytestmark = [
    pytest.mark.replica,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # rows must commit to reach the replica
    pytest.mark.skipif(
        not replica_running(), reason="needs the replica of scripts/replica.sh on 127.0.0.1:5433"
    ),
]


@pytest.fixture
def replica(settings, reference_data) -> Iterator[None]:
    """The `replica` alias pointed at the replica's copy of this test database, with the router on."""
    replica_settings = dict(connections["default"].settings_dict, PORT=str(REPLICA_PORT))
    # A connection made here, not declared in DATABASES at start-up: the test database exists only on the
    # primary (the replica receives it), and Django's test case allows such a connection.
    connections[REPLICA] = load_backend(replica_settings["ENGINE"]).DatabaseWrapper(replica_settings, REPLICA)
    settings.DATABASES = {**settings.DATABASES, REPLICA: replica_settings}
    settings.DATABASE_ROUTERS = ["tinhso.core.routers.ReplicaRouter"]
    yield
    connections[REPLICA].close()
    del connections[REPLICA]


def replicated(pk: int) -> None:
    """Waits until the replica has replayed the row (streaming lag is milliseconds here)."""
    for _ in range(100):
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT 1 FROM core_user WHERE id = %s", [pk])
            if cursor.fetchone():
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not replay the row within 5 s")


def test_the_operations_centre_reads_from_the_replica(replica, client):
    leader = official("lanhdaotinh", (Role.PROVINCE_LEADER, "96"))
    replicated(leader.pk)
    client.force_login(leader)

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get("/dieu-hanh/")

    assert response.status_code == 200
    assert any("ioc_" in query["sql"] for query in on_replica.captured_queries)
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0]  # it is the standby, not the primary under another name


def test_a_browser_that_just_wrote_reads_from_the_primary(replica, client):
    leader = official("lanhdaotinh", (Role.PROVINCE_LEADER, "96"))
    client.force_login(leader)

    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get("/dieu-hanh/").status_code == 200

    assert on_replica.captured_queries == []


def test_a_write_inside_replica_reads_is_read_back_from_the_primary(replica):
    with replica_reads():
        with CaptureQueriesContext(connections[REPLICA]) as before_writing:
            Event.objects.count()
        leader = official("lanhdaotinh", (Role.PROVINCE_LEADER, "96"))  # written on the primary
        with CaptureQueriesContext(connections[REPLICA]) as after_writing:
            found = Event.objects.filter(stream=f"core.user:{leader.pk}").count()

    assert len(before_writing.captured_queries) == 1
    assert after_writing.captured_queries == [] and found >= 1


def test_the_operations_centre_shows_how_far_the_replica_trails(replica, client):
    leader = official("lanhdaotinh", (Role.PROVINCE_LEADER, "96"))
    replicated(leader.pk)
    client.force_login(leader)

    html = client.get("/dieu-hanh/").content.decode()
    status = client.get("/dieu-hanh/trang-thai/").json()

    assert 'data-testid="replica-lag">đọc từ bản sao, trễ ' in html
    assert isinstance(status["replica_lag_seconds"], int) and status["replica_lag_seconds"] >= 0
