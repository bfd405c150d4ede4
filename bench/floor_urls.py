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


urlpatterns = [path("bench/floor", floor), *platform_urlpatterns]
