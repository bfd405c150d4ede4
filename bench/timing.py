"""Per-request timing for the benchmark, sent back in a Server-Timing header the load generator reads."""

import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse


class _SqlClock:
    """Counts the statements a request runs and the wall time spent in them (commits are not statements)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sql = _SqlClock()
        start, cpu_start = time.perf_counter(), time.thread_time()
        with connection.execute_wrapper(sql):
            response = self.get_response(request)
        wall, cpu = time.perf_counter() - start, time.thread_time() - cpu_start
        response["Server-Timing"] = (
            f"app;dur={wall * 1000:.3f}, cpu;dur={cpu * 1000:.3f}, sql;dur={sql.seconds * 1000:.3f};desc={sql.count}"
        )
        return response
