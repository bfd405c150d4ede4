"""The JSON API under /api/v1/: every app's router, and errors as application/problem+json (RFC 9457)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from tinhso.core.api import router as core_router
from tinhso.core.errors import DomainError, InvalidInput, TooManyAttempts
from tinhso.core.problems import problem
from tinhso.openapi import with_problems
from tinhso.web.apidocs import PlatformSwagger
from tinhso.web.middleware import refuse_nul


class FormParser(Parser):
    """Form fields (of multipart calls) refused, with the fields named, when their text holds a NUL character;
    the path, the query and JSON bodies are checked by tinhso.web.middleware."""

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict:
        values = super().parse_querydict(data, list_fields, request)
        refuse_nul(values)
        return values


class PlatformAPI(NinjaAPI):
    """The platform's API, whose OpenAPI document also states every problem+json refusal."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):  # type: ignore[override]
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return with_problems(schema)


api = PlatformAPI(
    title="Tỉnh số API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    docs=PlatformSwagger(),
    openapi_url="/openapi.json",
    parser=FormParser(),
)
api.add_router("/", core_router)
api.add_router("/catalog", "tinhso.catalog.api.router")
api.add_router("/dossiers", "tinhso.dossiers.api.router")
api.add_router("/fieldreports", "tinhso.fieldreports.api.router")
api.add_router("/ioc", "tinhso.ioc.api.router")
api.add_router("/reporting", "tinhso.reporting.api.router")
api.add_router("/integration", "tinhso.integration.api.router")
api.add_router("/lgsp", "tinhso.integration.api.partner_router")
api.add_router("/signatures", "tinhso.signing.api.router")
api.add_router("/payments", "tinhso.payments.api.router")


# Members of every problem: an error's own detail under one of these names is given as current_<name>.
PROBLEM_MEMBERS = frozenset({"type", "title", "status", "code", "detail", "instance", "errors"})


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    errors = error.errors if isinstance(error, InvalidInput) else None
    extra = {f"current_{key}" if key in PROBLEM_MEMBERS else key: value for key, value in error.extra.items()}
    response = problem(
        request, status=error.status, code=error.code, title=error.message, errors=errors, **extra
    )
    if isinstance(error, TooManyAttempts):
        response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        field = ".".join(str(part) for part in item.get("loc", [])[1:] if part != "body") or "body"
        errors.setdefault(field, []).append(item.get("msg", _("Giá trị không hợp lệ.")))
    return problem(
        request, status=422, code="validation_error", title=_("Dữ liệu gửi lên không hợp lệ."), errors=errors
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = problem(
        request, status=401, code="unauthenticated", title=_("Cần mã truy cập (Bearer token) hợp lệ.")
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem(request, status=error.status_code, code=f"http_{error.status_code}", title=str(error))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem(request, status=404, code="not_found", title=_("Không tìm thấy."))


@api.exception_handler(MultiPartParserError)
def malformed_body(request: HttpRequest, error: MultiPartParserError) -> HttpResponse:
    # Django answers 400 to a page for this; without its own handler the API's catch-all made it a 500.
    return problem(
        request,
        status=400,
        code="malformed_body",
        title=_("Nội dung gửi lên không đọc được: multipart/form-data thiếu hoặc sai boundary."),
    )


@api.exception_handler(Exception)
def unexpected_error(request: HttpRequest, error: Exception) -> HttpResponse:
    # Raised on (Ninja's own answer is a traceback in DEBUG) to tinhso.web.machine_edge, which answers
    # every machine interface alike and names no internals.
    raise error
