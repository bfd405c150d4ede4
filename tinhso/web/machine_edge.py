"""The edge of the machine interfaces (/api/ and /open311/): whatever goes wrong answers problem+json.

Errors raised by a view, by another middleware or by Django itself (a body over the upload limit, a path that
matches nothing) would otherwise answer Django's HTML pages, and a 500 page may name internals."""

import json
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse

from tinhso.core.problems import problem

logger = logging.getLogger(__name__)

MACHINE_PREFIXES = ("/api/", "/open311/")
# A JSON escape of a UTF-16 surrogate: only bodies holding one need parsing here.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_MESSAGE = "Văn bản chứa ký tự không hợp lệ (nửa cặp UTF-16 đứng riêng)."
OUT_OF_RANGE_MESSAGE = "Một giá trị gửi lên dài hoặc lớn hơn mức cho phép."
TITLES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần xác thực.",
    403: "Không có quyền thực hiện.",
    404: "Không tìm thấy.",
    405: "Phương thức không được hỗ trợ.",
    413: "Nội dung gửi lên quá lớn.",
    500: "Lỗi hệ thống, vui lòng thử lại sau.",
}
CODES = {400: "bad_request", 413: "body_too_large", 500: "internal_error"}


def surrogate_paths(value: object, path: str = "") -> list[str]:
    """Where `value` (parsed JSON) holds a lone UTF-16 surrogate, as dotted paths: no UTF-8 text (a database
    column, a hash of the event log) can hold one."""
    if isinstance(value, str):
        return [path or "body"] if _LONE_SURROGATE.search(value) else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _LONE_SURROGATE.search(str(key)):
                found.append(_LONE_SURROGATE.sub("\ufffd", where))
            else:
                found += surrogate_paths(item, where)
        return found
    if isinstance(value, list):
        return [
            found for index, item in enumerate(value) for found in surrogate_paths(item, f"{path}.{index}")
        ]
    return []


class MachineEdge:
    """Answers problem+json on /api/ and /open311/ for a body too large, a lone surrogate in a JSON body, an
    unexpected exception anywhere, and any error Django would answer with an HTML page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(MACHINE_PREFIXES):
            return self.get_response(request)
        if _too_large(request):
            return problem(request, status=413, code="body_too_large", title=TITLES[413])
        errors = _surrogate_errors(request)
        if errors:
            return problem(request, status=422, code="invalid_text", title=SURROGATE_MESSAGE, errors=errors)
        response = self.get_response(request)
        if response.status_code >= 400 and response.get("Content-Type", "").startswith("text/html"):
            # Django's own error page (an exception in a middleware, an unknown path): same status, no HTML.
            return _problem_for_status(request, response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(MACHINE_PREFIXES):
            return None
        if isinstance(exception, DataError):
            # A value the database cannot hold (text longer than its column, a number past its range) that
            # no check at the edge refused: the transaction rolled back, the client may correct it.
            logger.warning("Value refused by the database on %s: %s", request.path, exception)
            return problem(request, status=422, code="value_out_of_range", title=OUT_OF_RANGE_MESSAGE)
        logger.error("Unhandled error on %s", request.path, exc_info=exception)
        return _problem_for_status(request, 500)


def _problem_for_status(request: HttpRequest, status: int) -> HttpResponse:
    code = CODES.get(status, "not_found" if status == 404 else f"http_{status}")
    title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    return problem(request, status=status, code=code, title=title)


def _too_large(request: HttpRequest) -> bool:
    """A body Django would refuse to read into memory (uploads are streamed, so multipart is left to it)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.content_type == "multipart/form-data":
        return False
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False


def _surrogate_errors(request: HttpRequest) -> dict[str, list[str]]:
    if request.content_type != "application/json" or not _SURROGATE_ESCAPE.search(request.body):
        return {}
    try:
        return {path: [SURROGATE_MESSAGE] for path in surrogate_paths(json.loads(request.body))}
    except ValueError:
        return {}  # the API answers a body it cannot parse
