"""CKAN's action API (the contract of ckanapi and of every CKAN harvester): `/api/3/action/<name>` and
`/api/action/<name>`, GET with a query string or POST with a JSON body, answered in CKAN's envelope
`{"help", "success", "result"}` or `{"success": false, "error": {"__type", ...}}` with CKAN's statuses (409 for
a validation error). Read actions only; what they read comes from the selectors, with the caller's scope."""

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tinhso.core.models import User
from tinhso.opendata import selectors, services
from tinhso.opendata.models import Dataset, Hit, Organization, Resource
from tinhso.opendata.vocabulary import EU_THEME, FORMATS, LICENCES, Theme

CKAN_VERSION = "2.11-compat"
Params = dict[str, Any]


class ActionError(Exception):
    def __init__(self, status: int, kind: str, detail: dict[str, Any]) -> None:
        super().__init__(kind)
        self.status, self.kind, self.detail = status, kind, detail


def _caller(request: HttpRequest) -> User | None:
    """The account of a token sent as CKAN clients send it: raw in Authorization or X-CKAN-API-Key."""
    token = request.headers.get("Authorization", "") or request.headers.get("X-CKAN-API-Key", "")
    token = token.removeprefix("Bearer ").strip()
    if not token:
        return None
    user = core_selectors.user_by_token(token)
    if user is None:
        raise ActionError(403, "Authorization Error", {"message": _("Mã truy cập không hợp lệ.")})
    return user


def _params(request: HttpRequest) -> Params:
    if request.method == "POST" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            raise ActionError(
                400, "Bad Request", {"message": _("Nội dung gửi lên không phải JSON.")}
            ) from None
        if not isinstance(body, dict):
            raise ActionError(
                400, "Bad Request", {"message": _("Nội dung gửi lên phải là một đối tượng JSON.")}
            )
        return body
    return {key: values if len(values) > 1 else values[0] for key, values in request.GET.lists()}


def _int(params: Params, name: str, default: int, *, minimum: int = 0) -> int:
    value = params.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput.on(name, _("Phải là số nguyên.")) from None
    if number < minimum:
        raise InvalidInput.on(name, _("Phải từ %(minimum)s trở lên.") % {"minimum": minimum})
    return number


def _json_or(value: Any, name: str) -> Any:
    """A value GET callers send as JSON text (CKAN expects JSON for dicts and lists in a query string)."""
    if isinstance(value, str) and value.startswith(("[", "{")):
        try:
            return json.loads(value)
        except ValueError:
            raise InvalidInput.on(name, _("Không phải JSON hợp lệ.")) from None
    return value


def _bool(params: Params, name: str, default: bool) -> bool:
    value = params.get(name, default)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes")


# ---- shaping -------------------------------------------------------------------------------------------------


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def organization_dict(organization: Organization, *, package_count: int | None = None) -> dict[str, Any]:
    shaped = {
        "id": str(organization.pk), "name": organization.name, "title": organization.title,
        "display_name": organization.title, "description": organization.description, "type": "organization",
        "is_organization": True, "state": "active", "image_url": "", "approval_status": "approved",
        "created": organization.created_at.isoformat(),
    }  # fmt: skip
    if package_count is not None:
        shaped["package_count"] = package_count
    return shaped


def resource_dict(request: HttpRequest, resource: Resource) -> dict[str, Any]:
    version = resource.current
    url = resource.url or _absolute(request, reverse("opendata:download", args=[resource.pk, "csv"]))
    return {
        "id": str(resource.pk), "package_id": str(resource.dataset_id), "name": resource.name,
        "description": resource.description, "url": url, "format": resource.format,
        "mimetype": FORMATS[resource.format].media_type if resource.format in FORMATS else None,
        "size": version.size if version else None, "hash": f"sha256:{version.sha256}" if version else "",
        "datastore_active": resource.datastore_active, "position": resource.position, "state": "active",
        "created": resource.created_at.isoformat(), "last_modified": version.created_at.isoformat() if version else None,
        "data_as_of": version.data_as_of.isoformat() if version else None,
        "schema": {"fields": version.fields} if version else None,
        "url_type": "" if resource.url else "upload",
    }  # fmt: skip


def package_dict(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    """A dataset as CKAN shapes it, from the rows the selector prefetched (no statement of its own)."""
    licence = LICENCES.get(dataset.license_id)
    tags = [tag.name for tag in dataset.tags.all()]
    resources = sorted(dataset.resources.all(), key=lambda r: (r.position, r.created_at))
    extras = {
        "access_level": dataset.access_level, "frequency": dataset.frequency, "theme": dataset.theme,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
        "spatial": dataset.spatial.name if dataset.spatial else "",
        "eu_theme": EU_THEME[Theme(dataset.theme)] if dataset.theme in Theme.values else "",
    }  # fmt: skip
    return {
        "id": str(dataset.pk), "name": dataset.name, "title": dataset.title, "notes": dataset.notes,
        "type": "dataset", "state": "active" if dataset.state == "published" else dataset.state,
        "private": dataset.access_level != "open", "license_id": dataset.license_id,
        "license_title": licence.title if licence else dataset.license_id, "license_url": licence.url if licence else "",
        "owner_org": str(dataset.organization_id), "organization": organization_dict(dataset.organization),
        "maintainer": dataset.contact_name, "maintainer_email": dataset.contact_email,
        "metadata_created": dataset.created_at.isoformat(), "metadata_modified": dataset.modified_at.isoformat(),
        "tags": [{"name": tag, "display_name": tag, "state": "active"} for tag in tags], "num_tags": len(tags),
        "groups": [{"name": dataset.theme, "title": dataset.get_theme_display(), "display_name": dataset.get_theme_display()}],
        "resources": [resource_dict(request, resource) for resource in resources], "num_resources": len(resources),
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
        "url": _absolute(request, reverse("opendata:dataset", args=[dataset.name])),
    }  # fmt: skip


# ---- actions -------------------------------------------------------------------------------------------------


def _fq(fq: str) -> dict[str, list[str]]:
    """CKAN's filter query, `field:value` terms (values quoted or not) joined by spaces or AND."""
    import shlex

    filters: dict[str, list[str]] = {}
    try:
        terms = shlex.split(fq)
    except ValueError:
        raise InvalidInput.on("fq", _("Biểu thức lọc không hợp lệ.")) from None
    for term in terms:
        if term.upper() == "AND":
            continue
        name, colon, value = term.partition(":")
        if not colon or not value:
            raise InvalidInput.on("fq", _("Mỗi điều kiện lọc có dạng trường:giá trị."))
        filters.setdefault(name.lstrip("+"), []).append(value.strip('"'))
    return filters


def package_search(request: HttpRequest, params: Params, actor: User | None) -> Any:
    facet_fields = _json_or(params.get("facet.field", []), "facet.field")
    if isinstance(facet_fields, str):
        facet_fields = [facet_fields]
    found = selectors.search(
        actor,
        q=str(params.get("q", "") or "").replace("*:*", ""),
        filters=_fq(str(params.get("fq", "") or "")),
        rows=min(_int(params, "rows", 10), selectors.ROWS_MAX),
        start=_int(params, "start", 0),
        sort=str(params.get("sort", "") or ""),
        facet_fields=list(facet_fields),
        facet_limit=_int(params, "facet.limit", 50, minimum=1),
    )
    return {
        "count": found.count,
        "sort": params.get("sort", "score desc, metadata_modified desc"),
        "results": [package_dict(request, dataset) for dataset in found.results],
        "facets": {name: dict(items) for name, items in found.facets.items()},
        "search_facets": {
            name: {"title": name, "items": [{"name": v, "display_name": v, "count": n} for v, n in items]}
            for name, items in found.facets.items()
        },
    }


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value or not isinstance(value, str):
        raise InvalidInput.on(name, _("Thiếu giá trị."))
    return value


def package_show(request: HttpRequest, params: Params, actor: User | None) -> Any:
    found = selectors.dataset_shown(actor, _required(params, "id"))
    return package_dict(request, found)


def package_list(request: HttpRequest, params: Params, actor: User | None) -> Any:
    names = selectors.visible(actor).order_by("name").values_list("name", flat=True)
    offset = _int(params, "offset", 0)
    limit = params.get("limit")
    return list(names[offset : offset + _int(params, "limit", 0, minimum=1)] if limit else names[offset:])


def organization_list(request: HttpRequest, params: Params, actor: User | None) -> Any:
    counted = selectors.organizations_with_counts(actor)
    if _bool(params, "all_fields", False):
        return [organization_dict(org, package_count=count) for org, count in counted]
    return [org.name for org, _count in counted]


def organization_show(request: HttpRequest, params: Params, actor: User | None) -> Any:
    organization = selectors.organization(_required(params, "id"))
    found = selectors.search(actor, filters={"organization": [organization.name]}, rows=selectors.ROWS_MAX)
    shaped = organization_dict(organization, package_count=found.count)
    if _bool(params, "include_datasets", False):
        shaped["packages"] = [package_dict(request, dataset) for dataset in found.results]
    return shaped


def group_list(request: HttpRequest, params: Params, actor: User | None) -> Any:
    if _bool(params, "all_fields", False):
        counts = selectors.theme_counts(actor)
        return [{"name": t.value, "title": str(t.label), "display_name": str(t.label), "package_count": counts.get(t.value, 0),
                 "type": "group", "is_organization": False} for t in Theme]  # fmt: skip
    return [theme.value for theme in Theme]


def tag_list(request: HttpRequest, params: Params, actor: User | None) -> Any:
    return selectors.tag_names(actor, query=str(params.get("query", "") or ""))


def resource_show(request: HttpRequest, params: Params, actor: User | None) -> Any:
    return resource_dict(request, selectors.resource(actor, _required(params, "id")))


def license_list(request: HttpRequest, params: Params, actor: User | None) -> Any:
    return [{"id": licence.id, "title": licence.title, "url": licence.url, "status": "active", "od_conformance": "approved"}
            for licence in LICENCES.values()]  # fmt: skip


def status_show(request: HttpRequest, params: Params, actor: User | None) -> Any:
    return {"ckan_version": CKAN_VERSION, "site_title": "Tỉnh số", "site_url": _absolute(request, "/"),
            "extensions": ["datastore", "dcat"], "locale_default": settings.LANGUAGE_CODE}  # fmt: skip


def datastore_search(request: HttpRequest, params: Params, actor: User | None) -> Any:
    resource_id = _required(params, "resource_id") if "resource_id" in params else _required(params, "id")
    filters = _json_or(params.get("filters", {}), "filters")
    if not isinstance(filters, dict):
        raise InvalidInput.on("filters", _("Phải là một đối tượng JSON."))
    q = _json_or(params.get("q", ""), "q")
    fields = _json_or(params.get("fields", []), "fields")
    if isinstance(fields, str):
        fields = [name.strip() for name in fields.split(",") if name.strip()]
    after = params.get("after")
    page = selectors.datastore_page(
        actor,
        resource_id=resource_id,
        filters=filters,
        q=q if isinstance(q, (dict, str)) else str(q),
        fields=list(fields),
        sort=str(params.get("sort", "") or ""),
        limit=_int(params, "limit", selectors.DATASTORE_DEFAULT) if "limit" in params else None,
        offset=_int(params, "offset", 0),
        after=_int(params, "after", 0) if after is not None else None,
        include_total=_bool(params, "include_total", True),
    )
    base = reverse("opendata:ckan-action", args=["datastore_search"]) + f"?resource_id={page.resource.pk}"
    next_link = f"{base}&offset={page.offset + page.limit}"
    if page.keyset and page.last_row is not None:
        next_link += f"&after={page.last_row}"
    result: dict[str, Any] = {
        "resource_id": str(page.resource.pk), "fields": page.fields, "records": page.records,
        "limit": page.limit, "offset": page.offset, "_links": {"start": base, "next": next_link},
        "records_format": "objects",
    }  # fmt: skip
    if page.total is not None:
        result["total"] = page.total
        result["total_was_estimated"] = False
    return result


ACTIONS: dict[str, Callable[[HttpRequest, Params, User | None], Any]] = {
    "package_search": package_search, "package_show": package_show, "package_list": package_list,
    "organization_list": organization_list, "organization_show": organization_show, "group_list": group_list,
    "tag_list": tag_list, "resource_show": resource_show, "license_list": license_list, "status_show": status_show,
    "datastore_search": datastore_search,
}  # fmt: skip
# Writes go through the portal's pages and the platform's API, never through this compatibility layer.
WRITE_ACTIONS = frozenset({"package_create", "package_update", "package_patch", "package_delete", "resource_create",
                           "resource_update", "resource_delete", "datastore_create", "datastore_upsert",
                           "datastore_delete", "datastore_search_sql"})  # fmt: skip


def _error(request: HttpRequest, status: int, kind: str, detail: dict[str, Any], name: str) -> JsonResponse:
    return JsonResponse(
        {"help": _help(request, name), "success": False, "error": {"__type": kind, **detail}}, status=status
    )


def _help(request: HttpRequest, name: str) -> str:
    return _absolute(request, reverse("opendata:ckan-action", args=["help_show"])) + f"?name={name}"


@csrf_exempt
def action(request: HttpRequest, name: str) -> JsonResponse:
    if request.method not in ("GET", "POST"):
        return _error(request, 405, "Bad Request", {"message": _("Chỉ nhận GET hoặc POST.")}, name)
    handler = ACTIONS.get(name)
    if handler is None:
        if name in WRITE_ACTIONS:
            return _error(request, 403, "Authorization Error",
                          {"message": _("Cổng chỉ cho đọc qua giao diện tương thích CKAN.")}, name)  # fmt: skip
        return _error(
            request,
            400,
            "Bad Request",
            {"message": _("Không có thao tác “%(name)s”.") % {"name": name}},
            name,
        )
    try:
        actor = _caller(request)
        result = handler(request, _params(request), actor)
    except ActionError as error:
        return _error(request, error.status, error.kind, error.detail, name)
    except InvalidInput as error:
        return _error(request, 409, "Validation Error", error.errors or {"message": [error.message]}, name)
    except Conflict as error:
        return _error(request, 409, "Validation Error", {"message": [error.message]}, name)
    except NotFound as error:
        return _error(request, 404, "Not Found Error", {"message": error.message}, name)
    except Forbidden as error:
        return _error(request, 403, "Authorization Error", {"message": error.message}, name)
    except DomainError as error:
        return _error(request, 409, "Validation Error", {"message": [error.message]}, name)
    services.count_hit(kind=Hit.Kind.API, action=name)
    response = JsonResponse({"help": _help(request, name), "success": True, "result": result},
                            json_dumps_params={"ensure_ascii": False})  # fmt: skip
    response["Cache-Control"] = "no-cache"
    return response
