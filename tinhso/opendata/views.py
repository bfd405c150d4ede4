"""Pages of the open-data portal (/du-lieu-mo/): search with facets, a dataset with a table preview, a chart
and downloads, statistics; for officials, their datasets, uploads, the lifecycle's actions and the register of
shared data. Every rule lives in the services and selectors."""

import csv
import io
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import DomainError, Forbidden, InvalidInput, NotFound, answered_as_pages
from tinhso.opendata import forms, lifecycle, pii, selectors, services
from tinhso.opendata.models import AccessRequest, Hit, Organization
from tinhso.opendata.vocabulary import Theme

PAGE = 20
PREVIEW_ROWS = 20


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("trang", "1")))
    except ValueError:
        return 1


@require_GET
@answered_as_pages
def search(request: HttpRequest) -> HttpResponse:
    filters = {name: request.GET.getlist(name) for name in ("organization", "theme", "tags", "res_format")
               if request.GET.getlist(name)}  # fmt: skip
    page = _page_number(request)
    found = selectors.search(
        request.user, q=request.GET.get("q", ""), filters=filters, rows=PAGE, start=(page - 1) * PAGE,
        facet_fields=["organization", "theme", "tags", "res_format"], facet_limit=15,
    )  # fmt: skip
    titles = dict(Organization.objects.values_list("name", "title"))
    themes = dict(Theme.choices)
    facets = {
        name: [(value, titles.get(value) if name == "organization" else themes.get(value, value), count,
                value in filters.get(name, [])) for value, count in items]
        for name, items in found.facets.items()
    }  # fmt: skip
    return render(request, "opendata/search.html", {
        "found": found, "facets": facets, "q": request.GET.get("q", ""), "page": page,
        "pages": max(1, -(-found.count // PAGE)), "query": request.GET.urlencode(),
    })  # fmt: skip


def _chart(page: selectors.Page) -> dict[str, Any] | None:
    """The preview's numeric columns against its first text column, for the page's chart."""
    numeric = [f["id"] for f in page.fields if f["type"] in ("int", "numeric") and f["id"] != "_id"][:3]
    labels = [f["id"] for f in page.fields if f["type"] == "text"]
    if not numeric or not page.records:
        return None
    label = labels[0] if labels else "_id"
    return {
        "labels": [str(record.get(label)) for record in page.records],
        "series": [{"name": name, "data": [record.get(name) for record in page.records]} for name in numeric],
    }


@require_GET
@answered_as_pages
def dataset(request: HttpRequest, name: str) -> HttpResponse:
    found = selectors.dataset_shown(request.user, name)
    resources = list(found.resources.all())
    preview = None
    for resource in resources:
        if resource.datastore_active:
            preview = selectors.datastore_page(request.user, resource_id=str(resource.pk), limit=PREVIEW_ROWS)
            break
    editing = selectors.may_edit(request.user, found.organization) or selectors.may_review(
        request.user, found.organization
    )
    findings = []
    if editing:
        for resource in resources:
            resource.recent = selectors.latest_versions(resource)  # type: ignore[attr-defined]
        findings = [pii.describe(finding) for finding in selectors.pii_findings(found)]
    return render(request, "opendata/dataset.html", {
        "dataset": found, "resources": resources, "preview": preview,
        "chart": _chart(preview) if preview else None, "editing": editing, "findings": findings,
        "actions": selectors.offered_actions(request.user, found) if editing else [],
        "may_review": selectors.may_review(request.user, found.organization),
        "upload_form": forms.UploadForm(), "reason_form": forms.ReasonForm(initial={"version": found.version}),
        "api_base": request.build_absolute_uri(reverse("opendata:ckan-action", args=["datastore_search"])),
        "show_url": request.build_absolute_uri(reverse("opendata:ckan-action", args=["package_show"])),
        "needs_reason": lifecycle.NEEDS_REASON, "overdue": selectors.review_overdue().filter(pk=found.pk).exists(),
    })  # fmt: skip


def _csv(columns: list[str], rows) -> StreamingHttpResponse:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines():
        yield "\ufeff" + writer.writerow(columns)  # a BOM: Excel opens UTF-8 Vietnamese correctly
        for row in rows:
            yield writer.writerow(["" if value is None else value for value in row])

    return StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")


def _json(columns: list[str], rows) -> StreamingHttpResponse:
    def chunks():
        yield "["
        for index, row in enumerate(rows):
            yield ("," if index else "") + json.dumps(
                dict(zip(columns, row, strict=True)), ensure_ascii=False
            )
        yield "]"

    return StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")


def _xlsx(columns: list[str], rows) -> FileResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


@require_GET
@answered_as_pages
def download(request: HttpRequest, resource_id: str, fmt: str) -> HttpResponseBase:
    found = selectors.resource(request.user, str(resource_id))
    services.count_hit(kind=Hit.Kind.DOWNLOAD, dataset_id=found.dataset_id)
    if found.url:
        return HttpResponseRedirect(found.url)
    writers = {"csv": _csv, "json": _json, "xlsx": _xlsx}
    if fmt not in writers:
        raise Http404(fmt)
    resource, columns, rows = selectors.all_rows(request.user, str(resource_id))
    response = writers[fmt](columns, rows)
    response["Content-Disposition"] = f'attachment; filename="{resource.dataset.name}-{resource.pk}.{fmt}"'
    return response


@require_GET
@answered_as_pages
def statistics(request: HttpRequest) -> HttpResponse:
    figures = selectors.statistics()
    themes = dict(Theme.choices)
    return render(request, "opendata/statistics.html", {
        "figures": figures, "per_theme": [(themes.get(code, code), count) for code, count in figures.per_theme],
    })  # fmt: skip


# ---- officials -----------------------------------------------------------------------------------------------


def _organizations(request: HttpRequest) -> list[tuple[str, str]]:
    return [(org.name, org.title) for org in Organization.objects.select_related("unit")
            if selectors.may_edit(request.user, org)]  # fmt: skip


@login_required
@answered_as_pages
def manage(request: SignedInRequest) -> HttpResponse:
    organizations = _organizations(request)
    datasets = selectors.editable(request.user).select_related("organization").order_by("-modified_at")[:200]
    return render(request, "opendata/manage.html", {
        "datasets": datasets, "form": forms.DatasetForm(organizations=organizations),
        "overdue": selectors.review_overdue().filter(pk__in=[d.pk for d in datasets]),
    })  # fmt: skip


@login_required
@require_POST
@answered_as_pages
def create(request: SignedInRequest) -> HttpResponse:
    organizations = _organizations(request)
    form = forms.DatasetForm(request.POST, organizations=organizations)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["tags"] = [tag for tag in data["tags"].split(",") if tag.strip()]
        try:
            created = services.create_dataset(actor=request.user, **data)
        except InvalidInput as error:
            forms.show_refusal(form, error)
        else:
            messages.success(request, _("Đã tạo bộ dữ liệu dự thảo."))
            return redirect("opendata:dataset", created.name)
    datasets = selectors.editable(request.user).select_related("organization")[:200]
    return render(request, "opendata/manage.html", {"datasets": datasets, "form": form}, status=400)


@login_required
@require_POST
@answered_as_pages
def upload(request: SignedInRequest, name: str) -> HttpResponse:
    found = selectors.dataset(request.user, name)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            services.add_version(
                actor=request.user, dataset_id=found.pk, content=uploaded, filename=uploaded.name, size=uploaded.size,
                name=form.cleaned_data["name"], resource_id=form.cleaned_data["resource"] or None,
            )  # fmt: skip
        except InvalidInput as error:
            forms.show_refusal(form, error)
        else:
            messages.success(request, _("Đã nhận tệp; dữ liệu đang được nạp, trạng thái hiện bên dưới."))
            return redirect("opendata:dataset", found.name)
    messages.error(request, " ".join(str(m) for messages_ in form.errors.values() for m in messages_))
    return redirect("opendata:dataset", found.name)


def _reason_form(request: HttpRequest) -> tuple[str, int | None]:
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        raise SuspiciousOperation(_("Thiếu phiên bản của bộ dữ liệu."))
    return form.cleaned_data["reason"] or "", form.cleaned_data["version"]


def _refused(request: HttpRequest, error: DomainError, name: str) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("opendata:dataset", name)


@login_required
@require_POST
@answered_as_pages
def act(request: SignedInRequest, name: str, action: str) -> HttpResponse:
    found = selectors.dataset(request.user, name)
    reason, version = _reason_form(request)
    try:
        services.act(
            actor=request.user,
            dataset_id=found.pk,
            version=version,
            action=action.replace("-", "_"),
            reason=reason,
        )
    except KeyError:
        raise Http404(action) from None
    except (InvalidInput, DomainError) as error:
        if isinstance(error, (NotFound, Forbidden)):
            raise
        return _refused(request, error, name)
    messages.success(request, _("Đã thực hiện."))
    return redirect("opendata:dataset", name)


@login_required
@require_POST
@answered_as_pages
def exempt(request: SignedInRequest, name: str) -> HttpResponse:
    found = selectors.dataset(request.user, name)
    reason, version = _reason_form(request)
    try:
        services.exempt_personal_data(actor=request.user, dataset_id=found.pk, version=version, reason=reason)
    except InvalidInput as error:
        return _refused(request, error, name)
    messages.success(request, _("Đã ghi nhận miễn trừ."))
    return redirect("opendata:dataset", name)


@login_required
@require_POST
@answered_as_pages
def review(request: SignedInRequest, name: str) -> HttpResponse:
    found = selectors.dataset(request.user, name)
    _reason, version = _reason_form(request)
    services.mark_reviewed(actor=request.user, dataset_id=found.pk, version=version)
    messages.success(request, _("Đã ghi nhận rà soát định kỳ."))
    return redirect("opendata:dataset", name)


# ---- shared data ---------------------------------------------------------------------------------------------


@login_required
@answered_as_pages
def shared(request: SignedInRequest) -> HttpResponse:
    units = [(org.unit.code, org.title) for org in Organization.objects.select_related("unit")
             if selectors.may_edit(request.user, org)]  # fmt: skip
    register = list(selectors.services_of_register())
    form = forms.AccessRequestForm(
        request.POST or None, services=[(s.code, s.name) for s in register], units=units
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_access(
                actor=request.user, service=data["service"], requester=data["requester"], purpose=data["purpose"],
                legal_basis=data["legal_basis"], scopes=[s.strip() for s in data["scopes"].split(",") if s.strip()],
            )  # fmt: skip
        except InvalidInput as error:
            forms.show_refusal(form, error)
        else:
            messages.success(request, _("Đã gửi yêu cầu; cơ quan chủ quản trả lời trong 2 ngày làm việc."))
            return redirect("opendata:shared")
    requests = selectors.access_requests_for(request.user)
    now = timezone.now()
    for item in requests:
        item.offered = selectors.offered_answers(request.user, item)  # type: ignore[attr-defined]
        item.overdue = item.state == AccessRequest.State.PENDING and item.due_at < now  # type: ignore[attr-defined]
    return render(request, "opendata/shared.html", {
        "register": register, "form": form, "requests": requests, "may_request": bool(units),
    }, status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_POST
@answered_as_pages
def answer(request: SignedInRequest, request_id: int, action: str) -> HttpResponse:
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        raise SuspiciousOperation(_("Thiếu phiên bản của yêu cầu."))
    try:
        services.answer_access(actor=request.user, request_id=request_id, version=form.cleaned_data["version"],
                               action=action, reason=form.cleaned_data["reason"] or "")  # fmt: skip
    except KeyError:
        raise Http404(action) from None
    except InvalidInput as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã trả lời yêu cầu."))
    return redirect("opendata:shared")
