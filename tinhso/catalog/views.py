"""Public pages of the catalog: search and browse procedures, and everything a citizen needs about one."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tinhso.catalog import selectors
from tinhso.catalog.models import Procedure
from tinhso.core.errors import NotFound


@require_GET
def procedure_list(request: HttpRequest) -> HttpResponse:
    query, sector, level = (request.GET.get(name, "").strip() for name in ("q", "sector", "level"))
    procedures = selectors.search_procedures(query=query, sector=sector, level=level)
    page = Paginator(procedures, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "sectors": selectors.sectors(),
        "levels": Procedure.Level.choices,
        "filters": {"q": query, "sector": sector, "level": level},
        "bundles": selectors.bundles(),
    }
    return render(request, "catalog/procedure_list.html", context)


@require_GET
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        procedure = selectors.procedure_by_code(code)
    except NotFound as error:
        raise Http404(error.message) from None
    context = {"procedure": procedure, "bundles": selectors.bundles(containing=code)}
    return render(request, "catalog/procedure_detail.html", context)
