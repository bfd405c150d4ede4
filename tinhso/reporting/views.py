"""Pages of reporting: a unit's report (grid, narrative, checks, actions), its XLSX template and upload,
and the completeness of a period. Every rule lives in the services and selectors."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.core import selectors as core_selectors
from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import DomainError, Forbidden, InvalidInput, NotFound, answered_as_pages
from tinhso.core.models import Domain
from tinhso.core.parsing import whole_number
from tinhso.reporting import sdmx, selectors, services, xlsx
from tinhso.reporting.models import Form, Status


@login_required
@answered_as_pages
@require_GET
def index(request: SignedInRequest) -> HttpResponse:
    return render(
        request, "reporting/index.html", {"submissions": selectors.submissions_for(request.user)[:200]}
    )


def _context(request: SignedInRequest, regime_code: str, period_id: str, unit_code: str) -> dict:
    regime = selectors.regime_by_code(regime_code)
    period = selectors.period_of(regime, period_id)
    unit = core_selectors.unit_by_code(unit_code)
    submission = selectors.submission_of(regime, period_id, unit)
    above = selectors.reports_to(regime, unit)
    may_enter = selectors.may_enter(request.user, unit)
    acting = submission is not None and selectors.allowed_actions(request.user, submission)
    watching = selectors.holds(request.user, above, selectors.APPROVERS + selectors.SUBMITTERS)
    if not (may_enter or acting or watching):
        raise Forbidden(_("Bạn không xem được báo cáo này."), code="not_allowed")
    lock = selectors.entry_lock(regime, period, unit, submission, timezone.now())
    typed = {
        (cell.code, cell.disaggregation, cell.kind): cell
        for cell in (selectors.held_cells(submission=submission.pk) if submission else [])
    }
    computed = selectors.computed(regime, period_id, unit)
    lines = []
    for row in selectors.form_rows(regime):
        version = row.indicator_version
        for disaggregation, label in [("", ""), *[tuple(pair) for pair in version.disaggregations]]:
            code = version.indicator.code
            lines.append({
                "row": row, "version": version, "code": code, "disaggregation": disaggregation, "label": label,
                "key": services.cell_key(code, disaggregation),
                "plan_key": services.cell_key(code, disaggregation, "plan"),
                "value": typed.get((code, disaggregation, "period")),
                "plan": typed.get((code, disaggregation, "plan")),
                "computed": computed.get((code, disaggregation), {}),
            })  # fmt: skip
    return {
        "regime": regime,
        "period": period,
        "unit": unit,
        "above": above,
        "submission": submission,
        "lock": lock,
        "lock_message": selectors.LOCK_REASONS.get(lock or "", ""),
        "may_enter": may_enter and lock is None,
        "lines": lines,
        "outline": [
            {**item, "text": (submission.narrative if submission else {}).get(item["code"], "")}
            for item in regime.outline
        ],
        "findings": selectors.findings(submission) if submission else [],
        "crosschecks": selectors.crosschecks(submission) if submission else [],
        "actions": selectors.allowed_actions(request.user, submission) if submission else [],
        "deadline": selectors.level_deadline(regime, period, unit),
        "kept": selectors.kept_state(regime, period_id, unit),
        "forms": Form.objects.filter(regime=regime),
    }


def _page(request: HttpRequest, regime: str, period: str, unit: str) -> str:
    return reverse("reporting:report", args=[regime, period, unit])


def _posted_cells(post: QueryDict) -> list[services.Cell]:
    """The grid's cells in a page's POST: `v:KEY` the value, `c:KEY` its comment, `r:KEY` the revision seen."""
    cells: list[services.Cell] = []
    for key in post:
        if not key.startswith("v:"):
            continue
        name = key[2:]
        indicator, _sep, kind = name.partition("@")
        indicator, _sep, disaggregation = indicator.partition(".")
        seen = post.get(f"r:{name}")
        cells.append(
            services.Cell(
                indicator, post.get(key, ""), disaggregation, kind or "period",
                comment=post.get(f"c:{name}") if not kind else None, index=len(cells),
                base_revision=whole_number(seen) if seen is not None else None,
            )
        )  # fmt: skip
    return cells


def _save_posted(request: SignedInRequest, regime: str, period: str, unit: str) -> services.Outcome:
    """The page's values, then each narrative section it carries."""
    outcome = services.save_values(
        actor=request.user,
        regime_code=regime,
        period_id=period,
        unit_code=unit,
        cells=_posted_cells(request.POST),
    )
    for item in selectors.regime_by_code(regime).outline:
        text = request.POST.get(f"n:{item['code']}")
        if text is not None:
            services.save_narrative(actor=request.user, regime_code=regime, period_id=period, unit_code=unit,
                                    section=item["code"], text=text)  # fmt: skip
    return outcome


@login_required
@answered_as_pages
def report(request: SignedInRequest, regime: str, period: str, unit: str) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    current: dict[str, dict] = {}
    if request.method == "POST":
        try:
            outcome = _save_posted(request, regime, period, unit)
            messages.success(
                request,
                _("Đã lưu: %(new)s giá trị mới, %(changed)s giá trị sửa.")
                % {"new": outcome.imported, "changed": outcome.updated},
            )
            return redirect(_page(request, regime, period, unit))
        except InvalidInput as error:
            errors, current = error.errors, error.extra.get("current", {})
            if not errors:
                messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    context = _context(request, regime, period, unit)
    summary = []
    for line in context["lines"]:
        line["errors"] = errors.get(line["key"], []) + errors.get(line["plan_key"], [])
        line["posted"] = request.POST.get(f"v:{line['key']}") if request.method == "POST" else None
        line["plan_posted"] = request.POST.get(f"v:{line['plan_key']}") if request.method == "POST" else None
        line["comment_posted"] = request.POST.get(f"c:{line['key']}") if request.method == "POST" else None
        # After a refusal for someone else's newer save, saving again replaces it on purpose.
        line["revision"] = current.get(line["key"], {}).get("revision", getattr(line["value"], "revision", 0))
        line["plan_revision"] = current.get(line["plan_key"], {}).get(
            "revision", getattr(line["plan"], "revision", 0)
        )
        if line["errors"]:
            label = f"{line['version'].name} – {line['label']}" if line["label"] else line["version"].name
            summary.append(
                {"anchor": f"v-{line['key']}", "label": label, "message": " ".join(line["errors"])}
            )
    context["summary"] = summary
    return render(request, "reporting/report.html", context, status=422 if errors else 200)


@login_required
@require_POST
def autosave(request: SignedInRequest, regime: str, period: str, unit: str) -> HttpResponse:
    """The entry grid's background save: JSON with each saved cell's revision, or what was refused and why
    (beside which cell, and the newer value another official saved)."""
    try:
        outcome = _save_posted(request, regime, period, unit)
    except InvalidInput as error:
        return JsonResponse(
            {"code": error.code, "message": error.message, "errors": error.errors,
             "current": error.extra.get("current", {})},
            status=409 if error.code == "stale_value" else 422,
        )  # fmt: skip
    except DomainError as error:
        return JsonResponse({"code": error.code, "message": error.message, "errors": {}}, status=error.status)
    return JsonResponse(
        {"revisions": outcome.revisions, "saved_at": timezone.localtime().strftime("%H:%M:%S")}
    )


@login_required
@answered_as_pages
@require_POST
def act(request: SignedInRequest, regime: str, period: str, unit: str, action: str) -> HttpResponse:
    submission = selectors.visible_submission(
        request.user, regime_code=regime, period_id=period, unit_code=unit
    )
    try:
        services.act(actor=request.user, submission_id=submission.pk, version=whole_number(request.POST.get("version", "")) or 0,
                     action=action, reason=request.POST.get("reason", ""))  # fmt: skip
        messages.success(request, _("Đã thực hiện."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(_page(request, regime, period, unit))


@login_required
@answered_as_pages
@require_POST
def explain(request: SignedInRequest, regime: str, period: str, unit: str) -> HttpResponse:
    submission = selectors.visible_submission(
        request.user, regime_code=regime, period_id=period, unit_code=unit
    )
    try:
        services.explain(actor=request.user, submission_id=submission.pk, subject=request.POST.get("subject", ""),
                         text=request.POST.get("text", ""))  # fmt: skip
        messages.success(request, _("Đã lưu giải trình."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(_page(request, regime, period, unit))


@login_required
@answered_as_pages
@require_GET
def sheet(request: SignedInRequest, regime: str, period: str, unit: str, form: str) -> HttpResponse:
    context = _context(request, regime, period, unit)
    chosen = context["forms"].filter(code=form).first()
    if chosen is None:
        raise InvalidInput(_("Không có biểu này."), code="form_not_found")
    values = {
        (line["code"], line["disaggregation"], kind): getattr(line[field], "value", None)
        for line in context["lines"]
        for kind, field in (("period", "value"), ("plan", "plan"))
    }
    content = xlsx.template(
        regime=regime, form=chosen.code, title=chosen.title, period=period, unit=unit, unit_name=context["unit"].name,
        rows=[row for row in selectors.form_rows(context["regime"]) if row.form_id == chosen.pk], values=values,
    )  # fmt: skip
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{regime}-{period}-{unit}.xlsx"'
    return response


@login_required
@answered_as_pages
@require_POST
def upload(request: SignedInRequest, regime: str, period: str, unit: str, form: str) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise xlsx.SheetError([_("Chưa chọn tệp bảng tính.")])
        cells = xlsx.read(upload.read(xlsx.MAX_BYTES + 1), regime=regime, form=form, period=period, unit=unit)
        given = [
            services.Cell(c.indicator, c.value, c.disaggregation, c.kind, c.comment, index=i)
            for i, c in enumerate(cells)
        ]
        try:
            outcome = services.save_values(actor=request.user, regime_code=regime, period_id=period, unit_code=unit,
                                           cells=given, channel="xlsx")  # fmt: skip
        except InvalidInput as error:
            problems = []
            for cell in cells:
                for message in error.errors.get(
                    services.cell_key(cell.indicator, cell.disaggregation, cell.kind), []
                ):
                    problems.append(
                        _("Dòng %(row)s, ô %(cell)s: %(message)s")
                        % {"row": cell.row, "cell": f"{cell.column}{cell.row}", "message": message}
                    )
            raise xlsx.SheetError(problems or [error.message]) from None
        messages.success(
            request,
            _("Đã nhập từ bảng tính: %(new)s giá trị mới, %(changed)s giá trị sửa.")
            % {"new": outcome.imported, "changed": outcome.updated},
        )
    except xlsx.SheetError as error:
        for message in error.messages[:50]:
            messages.error(request, message)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(_page(request, regime, period, unit))


@login_required
@answered_as_pages
@require_GET
def drill(request: SignedInRequest, regime: str, period: str, unit: str, code: str) -> HttpResponse:
    chosen, place = selectors.visible_report_place(
        request.user, regime_code=regime, period_id=period, unit_code=unit
    )
    found = selectors.derivation_records(chosen, period, place, code)
    return render(
        request, "reporting/drill.html", {"regime": chosen, "period": period, "unit": place, "drill": found}
    )


@login_required
@answered_as_pages
@require_GET
def progress(request: SignedInRequest, regime: str, period: str) -> HttpResponse:
    chosen = selectors.regime_by_code(regime)
    rows = selectors.completeness_tree(request.user, chosen, period)
    if not rows:
        raise Forbidden(_("Chỉ lãnh đạo cấp nhận báo cáo xem được tiến độ."), code="not_allowed")
    reports = [row.report for row in rows if row.level]
    return render(request, "reporting/progress.html", {
        "regime": chosen, "period": selectors.period_of(chosen, period), "rows": rows,
        "expected": len(reports), "received": sum(1 for report in reports if report.submitted_at),
        "on_time": sum(1 for report in reports if report.on_time),
        "late": [report for report in reports if report.submitted_at is None and report.days_late],
        "statuses": Status.choices,
    })  # fmt: skip


@login_required
@answered_as_pages
@require_GET
def progress_overview(request: SignedInRequest) -> HttpResponse:
    """Leaders' view from the operations centre: every regime's last periods, who is late."""
    if not core_selectors.units_where(request.user, *selectors.APPROVERS, domain=Domain.REPORTING).exists():
        raise Forbidden(_("Chỉ lãnh đạo cấp nhận báo cáo xem được tiến độ."), code="not_allowed")
    return render(
        request, "reporting/progress_overview.html", {"progress": selectors.progress_overview(request.user)}
    )


# ---- SDMX 2.1 REST (public, read-only) ------------------------------------------------------------------

STRUCTURES = ("dataflow", "datastructure", "codelist", "conceptscheme")
EVERYTHING = {"dataflow", "datastructure", "codelist", "conceptscheme"}


def _sdmx_error(status: int, code: int, text: str) -> HttpResponse:
    return HttpResponse(sdmx.error(code, text), status=status, content_type="application/xml")


@require_GET
def sdmx_structure(request: HttpRequest, resource: str, agency: str = "all", resource_id: str = "all",
                   version: str = "latest") -> HttpResponse:  # fmt: skip
    if resource not in STRUCTURES:
        return _sdmx_error(501, 501, _("Không hỗ trợ truy vấn “%(resource)s”.") % {"resource": resource})
    if agency not in ("all", sdmx.AGENCY) or version not in ("all", "latest", sdmx.VERSION):
        return _sdmx_error(404, 100, _("Không có kết quả."))
    flows = selectors.published_flows()
    references = request.GET.get("references", "none")
    codelists = None
    if resource in ("dataflow", "datastructure") and resource_id != "all":
        flows = [flow for flow in flows if resource_id in (flow.id, flow.dsd)]
    if resource == "codelist" and resource_id != "all":
        codelists = {resource_id} & set(sdmx.CODELISTS)
    if resource == "conceptscheme" and resource_id not in ("all", "CS_TINHSO"):
        flows = []
    if not flows or codelists == set():
        return _sdmx_error(404, 100, _("Không có kết quả."))
    parts = {resource} if references == "none" else EVERYTHING
    content = sdmx.structure(flows, parts=parts, codelists=codelists if references == "none" else None)
    return HttpResponse(content, content_type=sdmx.STRUCTURE_TYPE)


@require_GET
def sdmx_data(request: HttpRequest, flow: str, key: str = "all", provider: str = "all") -> HttpResponse:
    flow_id = flow.split(",")[1] if "," in flow else flow
    key_parts = [] if key in ("all", "") else [set(filter(None, part.split("+"))) for part in key.split(".")]
    updated_after = None
    if request.GET.get("updatedAfter"):
        updated_after = datetime.fromisoformat(request.GET["updatedAfter"].replace("Z", "+00:00"))
        if updated_after.tzinfo is None:
            updated_after = updated_after.replace(tzinfo=timezone.get_default_timezone())
    try:
        observations = selectors.published(
            flow_id, key=key_parts, start=request.GET.get("startPeriod", ""), end=request.GET.get("endPeriod", ""),
            updated_after=updated_after, last_n=whole_number(request.GET.get("lastNObservations", "")) or 0,
        )  # fmt: skip
    except NotFound as error:
        return _sdmx_error(404, 100, error.message)
    except InvalidInput as error:
        return _sdmx_error(400, 140, error.message)
    flows = {item.id: item for item in selectors.published_flows()}
    if not observations:
        return _sdmx_error(404, 100, _("Không có kết quả."))
    detail = request.GET.get("detail", "full")
    wants_csv = "csv" in request.headers.get("Accept", "") or request.GET.get("format") == "csv"
    if wants_csv:
        return HttpResponse(
            sdmx.sdmx_csv(flows[flow_id], observations, detail=detail), content_type=sdmx.CSV_TYPE
        )
    return HttpResponse(sdmx.data(flows[flow_id], observations, detail=detail), content_type=sdmx.DATA_TYPE)
