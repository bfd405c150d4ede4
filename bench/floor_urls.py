"""The platform's URLs plus the floor: a bare endpoint inserting two rows in one transaction."""

import json

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tinhso.urls import urlpatterns as platform_urlpatterns

FLOOR_TABLE = "bench_floor"
FLOOR_TABLE_SQL = (
    f"CREATE TABLE {FLOOR_TABLE} (id bigserial PRIMARY KEY, kind text NOT NULL, "
    "body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)


@csrf_exempt
@require_POST
def floor(request: HttpRequest) -> JsonResponse:
    """The least a submission must do: parse the body, write a record and its event, commit, answer."""
    body = json.loads(request.body)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (kind, body) VALUES ('record', %s) RETURNING id", [json.dumps(body)]
        )
        record_id = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (kind, body) VALUES ('event', %s)",
            [json.dumps({"record": record_id})],
        )
    return JsonResponse({"id": record_id}, status=201)


def read_floor(request: HttpRequest) -> JsonResponse:
    """The least a catalogue read must do: one SELECT of a page of rows, answered as JSON (bench/opendata.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name, title, notes FROM opendata_dataset ORDER BY modified_at DESC LIMIT 10"
        )
        rows = [
            dict(zip(("id", "name", "title", "notes"), map(str, row), strict=True))
            for row in cursor.fetchall()
        ]
    return JsonResponse({"success": True, "result": {"results": rows}})


urlpatterns = [path("bench/floor", floor), path("bench/read-floor", read_floor), *platform_urlpatterns]
