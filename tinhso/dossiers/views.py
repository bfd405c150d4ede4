"""Pages of dossiers: the citizen's form, their dossiers and actions; the officials' queue and actions;
public tracking. Each page calls the same services and selectors as the API."""

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Protocol, TypedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.catalog import selectors as catalog_selectors
from tinhso.catalog.models import Procedure
from tinhso.core.auth import SignedInRequest
from tinhso.core.display import day_and_time, day_and_time_here, url_of
from tinhso.core.errors import DomainError, InvalidInput, NotFound
from tinhso.core.files import private_file_response
from tinhso.core.models import User
from tinhso.core.parsing import whole_number
from tinhso.core.schema_types import FIRST_YEAR, LAST_YEAR
from tinhso.dossiers import documents, selectors, services
from tinhso.dossiers.forms import (
    bundle_page,
    bundle_values,
    document_inputs,
    error_summary,
    parsed_form,
    queue_filter,
    schema_fields,
)
from tinhso.dossiers.lifecycle import FORMS, LIFECYCLE
from tinhso.dossiers.models import Dossier, Rating, Status
from tinhso.dossiers.validation import document_field
from tinhso.payments import selectors as payment_selectors
from tinhso.signing import selectors as signing_selectors
from tinhso.web.access import official_required


def _procedure(code: str) -> Procedure:
    try:
        return catalog_selectors.procedure_by_code(code)
    except NotFound as error:
        raise Http404(error.message) from None


def _dossier(user: User, code: str) -> Dossier:
    try:
        return selectors.dossier_for(actor=user, code=code)
    except NotFound as error:
        raise Http404(error.message) from None


def _submission(request: SignedInRequest, procedure: Procedure, values: dict, key: str) -> dict:
    """The submit service's arguments from the page: online for a citizen, at the desk for a receptionist."""
    post = request.POST
    arguments = {
        "actor": request.user,
        "procedure_code": procedure.code,
        "form_data": values,
        "idempotency_key": key,
        "attachments": request.FILES.getlist("attachments"),
        "documents": {
            document.order: request.FILES.getlist(document_field(document.order))
            for document in procedure.documents.all()
        },
    }
    commune_level = procedure.level == Procedure.Level.COMMUNE
    if request.user.is_citizen:
        return arguments | {
            "receiving_unit_code": (post.get("receiving_unit") or None) if commune_level else None
        }
    channel = post.get("channel", "")
    return arguments | {
        "receiving_unit_code": post.get("receiving_unit") or None,
        "authority_unit_code": (post.get("authority_unit") or None) if commune_level else None,
        "channel": whole_number(channel),
        "applicant_citizen_id": post.get("applicant_citizen_id", "").strip(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: SignedInRequest, code: str) -> HttpResponse:
    """A citizen submits online; a receptionist lodges a dossier brought to the desk or by post."""
    procedure = _procedure(code)
    at_desk = not request.user.is_citizen
    if at_desk and not selectors.receptionist_desks(actor=request.user).exists():
        messages.error(request, _("Chỉ cán bộ một cửa được nộp hồ sơ thay công dân."))
        return redirect("catalog:procedure-detail", code=code)
    values, sources, desk = (
        ({}, {}, None) if at_desk else selectors.prefill(actor=request.user, procedure=procedure)
    )
    errors: dict[str, list[str]] = {}
    key = str(uuid.uuid4())
    if request.method == "POST":
        values = parsed_form(procedure.form_schema, request.POST)
        desk = request.POST.get("receiving_unit") or None
        key = request.POST.get("idempotency_key") or key
        try:
            dossier, _created = services.submit_dossier(**_submission(request, procedure, values, key))
        except InvalidInput as error:
            errors = error.errors  # shown beside each field and summed up above the form, once
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Đã nộp hồ sơ. Mã hồ sơ là %(code)s.") % {"code": dossier.code})
            return redirect("dossiers:detail", code=dossier.code)
    commune_desks = selectors.receiving_desks() if procedure.level == Procedure.Level.COMMUNE else None
    fields = schema_fields(procedure.form_schema, values, errors, sources)
    document_fields = document_inputs(procedure, errors, request.FILES, at_desk=at_desk)
    context = {
        "procedure": procedure,
        "fields": fields,
        "documents": document_fields,
        "summary": error_summary(errors, fields, document_fields),
        "chosen": [upload.name for upload in request.FILES.getlist("attachments")],
        "at_desk": at_desk,
        "desks": selectors.receptionist_desks(actor=request.user) if at_desk else commune_desks,
        "authorities": commune_desks if at_desk else None,
        "desk": desk,
        "posted": request.POST,
        "errors": errors,
        "idempotency_key": key,
    }
    return render(request, "dossiers/submit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def submit_bundle(request: SignedInRequest, code: str) -> HttpResponse:
    """One application for a bundle of interconnected procedures (Đề án 06): a linked dossier for each."""
    try:
        bundle = catalog_selectors.bundle_by_code(code)
        procedures = catalog_selectors.bundle_procedures(bundle)
    except NotFound as error:
        raise Http404(error.message) from None
    if not request.user.is_citizen:
        messages.error(request, _("Nhóm thủ tục liên thông do công dân nộp trực tuyến."))
        return redirect("catalog:procedure-list")
    offered = {p.code: selectors.prefill(actor=request.user, procedure=p) for p in procedures}
    values = {p.code: offered[p.code][0] for p in procedures}
    desk = next((found[2] for found in offered.values() if found[2]), None)
    errors: dict[str, list[str]] = {}
    key = str(uuid.uuid4())
    if request.method == "POST":
        values = bundle_values(procedures, request.POST)
        desk = request.POST.get("receiving_unit") or None
        key = request.POST.get("idempotency_key") or key
        documents = {
            p.code: {
                d.order: request.FILES.getlist(f"{p.code}__{document_field(d.order)}")
                for d in p.documents.all()
            }
            for p in procedures
        }
        try:
            dossiers = services.submit_bundle(
                actor=request.user,
                bundle_code=code,
                forms=values,
                receiving_unit_code=desk,
                idempotency_key=key,
                documents=documents,
            )
        except InvalidInput as error:
            errors = error.errors  # beside each field and summed up above the form, once
        except DomainError as error:
            messages.error(request, error.message)
        else:
            codes = ", ".join(dossier.code for dossier in dossiers)
            messages.success(request, _("Đã nộp các hồ sơ liên thông: %(codes)s.") % {"codes": codes})
            return redirect("dossiers:mine")
    sources = {code: found[1] for code, found in offered.items()}
    form = bundle_page(procedures, values, errors, sources, request.FILES)
    context = {
        "bundle": bundle,
        "form": form,
        "summary": form.summary,
        "desks": selectors.receiving_desks(),
        "desk": desk,
        "errors": errors,
        "idempotency_key": key,
    }
    return render(request, "dossiers/bundle_submit.html", context)


@login_required
@require_GET
def my_dossiers(request: SignedInRequest) -> HttpResponse:
    page = selectors.citizen_dossier_page(actor=request.user, cursor=request.GET.get("sau", ""))
    owing = payment_selectors.owing(actor=request.user, dossiers=page.items)
    return render(request, "dossiers/my_dossiers.html", {"lines": _my_lines(page.items, owing), "page": page})


class MyLine(TypedDict):
    code: str
    url: str
    procedure: str
    submitted: str
    status: str
    promised: str
    owing: bool


def _my_lines(rows: list[selectors.CitizenRow], owing: Collection[int]) -> list[MyLine]:
    """What each card of a citizen's list shows, as text, as the queue's rows are (`_queue_lines`): the status
    labels translated once a page instead of once a card."""
    statuses = {value: str(label) for value, label in Status.choices}
    detail = url_of("dossiers:detail")
    when = day_and_time_here()
    return [
        MyLine(
            code=row.code,
            url=detail(row.code),
            procedure=row.procedure_name,
            submitted=when(row.submitted_at, ""),
            status=statuses[row.status],
            promised=when(row.promised_at, ""),
            owing=row.pk in owing,
        )
        for row in rows
    ]


@official_required
@require_GET
def queue(request: SignedInRequest) -> HttpResponse:
    filters, errors = queue_filter(request.GET)
    cursor = request.GET.get("sau", "")
    page, procedures = selectors.queue_page_and_procedures(actor=request.user, cursor=cursor, filters=filters)
    context = {
        "lines": _queue_lines(page.items),
        "page": page,
        "filters": filters,
        "errors": errors,
        "cursor": cursor,
        "procedures": procedures,
        "statuses": [(value, label) for value, label in Status.choices if value in QUEUE_STATUSES],
    }
    return render(request, "dossiers/queue.html", context)


# The statuses a dossier has while it waits in an official's queue.
QUEUE_STATUSES = (Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.FINISHED)


class QueueLine(TypedDict):
    code: str
    url: str
    procedure: str
    state: str
    due: str
    overdue: bool
    near_due: bool


def _queue_lines(rows: list[selectors.QueueRow]) -> list[QueueLine]:
    """What each row of the queue shows, as text: the status labels translated once a page instead of once a
    row, one reverse() for every link, dates by strftime (the template's lookups cost more than the queries)."""
    statuses = {value: str(label) for value, label in Status.choices}
    detail = url_of("dossiers:detail")
    when = day_and_time_here()
    return [
        QueueLine(
            code=row.code,
            url=detail(row.code),
            procedure=row.procedure_name,
            state=f"{statuses[row.status]} · {row.step_name}" if row.step_name else statuses[row.status],
            due=when(row.due_at, ""),
            overdue=row.overdue,
            near_due=row.near_due,
        )
        for row in rows
    ]


# The printable forms of Circular 03/2025 (dossiers.lifecycle.FORMS): each exists once the transition that
# produces it has happened, and is built from the dossier and its events.
class _Builder(Protocol):
    def __call__(self, dossier: Dossier, *, tracking_url: str) -> bytes: ...


BUILDERS: dict[str, _Builder] = {
    "giay-tiep-nhan": documents.receipt_pdf,
    "phieu-yeu-cau-bo-sung": documents.supplement_request_pdf,
    "phieu-tu-choi": documents.refusal_pdf,
    "van-ban-xin-loi": documents.apology_pdf,
    "thong-bao-dung": documents.stop_notice_pdf,
    "phieu-kiem-soat": documents.control_sheet_pdf,
}
PRODUCED_BY = {form: row.event for row in LIFECYCLE.transitions for form in row.documents}
DOCUMENTS = {form: (PRODUCED_BY[form], BUILDERS[form]) for form in FORMS}
DOCUMENT_TITLES = {form: title for form, (_number, title) in FORMS.items()}

# What each action's form asks besides the version: the fields `_perform` reads, with their labels.
ACTION_FIELDS: dict[str, dict] = {
    "accept": {"pass_on": True},
    "refuse": {"reason": gettext_lazy("Lý do từ chối (mẫu 03)")},
    "request_supplement": {"reason": gettext_lazy("Giấy tờ, thông tin cần bổ sung (mẫu 02)")},
    "answer_supplement": {"note": gettext_lazy("Nội dung bổ sung"), "files": True},
    "attach_documents": {"files": True, "files_required": True},
    "forward": {"note": gettext_lazy("Ghi chú")},
    "finish": {"note": gettext_lazy("Ghi chú"), "upload": True},
    "return_result": {},
    "request_payment": {"amount": True, "note": gettext_lazy("Khoản phải nộp (phí, lệ phí, thuế)")},
    "confirm_payment": {"note": gettext_lazy("Số biên lai thu tiền mặt tại quầy"), "note_required": True},
    "apologize": {"reason": gettext_lazy("Lý do chậm (mẫu 04)"), "when": True},
    "consult": {"units": True, "reason": gettext_lazy("Nội dung xin ý kiến")},
    "answer_consultation": {"reason": gettext_lazy("Ý kiến của cơ quan")},
    "send_back": {"reason": gettext_lazy("Lý do")},
    "stop": {"reason": gettext_lazy("Lý do dừng (mẫu 05)")},
    "withdraw": {"note": gettext_lazy("Lý do (không bắt buộc)")},
    "rate": {"ratings": True, "comment": True},
}


# Where an action's page URL is not its name with dashes.
SLUGS = {"return_result": "return"}


def _action_forms(user: User, dossier: Dossier) -> list[dict]:
    """The forms of the actions the user may take now, in the order the lifecycle selector gives them: the
    first is the expected next one; destructive ones ask for a confirmation."""
    offered = selectors.offered_actions(actor=user, dossier=dossier)
    # Accepting and forwarding can name who handles the next step.
    naming = ("accept", "forward")
    wants_assignees = any(row.action in naming for row in offered)
    assignees = selectors.step_assignees(dossier=dossier) if wants_assignees else []
    return [
        {
            "slug": SLUGS.get(row.action, row.slug),
            "title": row.title,
            "primary": position == 0 and row.expected,
            "destructive": row.destructive,
            "assignees": assignees if row.action in naming else [],
            **ACTION_FIELDS[row.action],
        }
        for position, row in enumerate(offered)
    ]


@login_required
@require_GET
def document(request: SignedInRequest, code: str, form: str) -> HttpResponse:
    dossier = _dossier(request.user, code)
    if form not in DOCUMENTS:
        raise Http404(_("Không có văn bản này."))
    needed, build = DOCUMENTS[form]
    if not selectors.events_of(dossier).filter(action=needed).exists():
        raise Http404(_("Hồ sơ chưa có văn bản này."))
    signed = signing_selectors.signed_form(dossier_code=dossier.code, form=form)
    if signed:  # the copy the desk's signature went on, as the applicant received it
        with signed.file.open("rb") as stored:
            pdf = stored.read()
    else:
        tracking_url = request.build_absolute_uri(reverse("dossiers:track", kwargs={"code": code}))
        pdf = build(dossier, tracking_url=tracking_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{code}-{form}.pdf"'
    return response


@login_required
@require_GET
def detail(request: SignedInRequest, code: str) -> HttpResponse:
    dossier = _dossier(request.user, code)
    labels = {
        name: spec.get("title", name) for name, spec in dossier.procedure.form_schema["properties"].items()
    }
    history = [
        {
            "label": _(selectors.PUBLIC_ACTIONS.get(event.action, event.action)),
            "at": event.occurred_at,
            "actor": event.actor.display_name if event.actor else "",
            "reason": event.payload.get("reason", ""),
            "on_time": event.payload.get("on_time"),
        }
        for event in selectors.events_of(dossier).select_related("actor")
    ]
    happened = set(selectors.events_of(dossier).values_list("action", flat=True))
    printable = [
        (form, DOCUMENT_TITLES[form]) for form, (needed, _build) in DOCUMENTS.items() if needed in happened
    ]
    forms = _action_forms(request.user, dossier)
    context = {
        "dossier": dossier,
        "answers": [(labels.get(name, name), value) for name, value in dossier.form_data.items()],
        "history": history,
        "printable": printable,
        "documents": list(dossier.documents.all()),
        "Status": Status,
        "actions": [form for form in forms if not form["destructive"]],
        "destructive_actions": [form for form in forms if form["destructive"]],
        "ratings": Rating.choices,
        "result_ready": selectors.result_ready_for(actor=request.user, dossier=dossier),
        "agencies": selectors.consultable_agencies(),
    }
    return render(request, "dossiers/detail.html", context)


def _instant(value: str) -> datetime:
    try:
        instant = timezone.make_aware(datetime.fromisoformat(value))
        if not FIRST_YEAR <= instant.year <= LAST_YEAR:
            raise ValueError(value)
        return instant
    except ValueError:
        message = _("Ngày giờ hẹn mới không hợp lệ.")
        raise InvalidInput(message, errors={"new_promised_at": [message]}) from None


class _Target(TypedDict):
    """What every dossier service is told first: who acts, on which dossier, at which version."""

    actor: User
    code: str
    version: int


def _perform(action: str, request: SignedInRequest, code: str, version: int) -> Dossier:
    post = request.POST
    common = _Target(actor=request.user, code=code, version=version)
    match action:
        case "accept" if post.get("pass_on"):
            assignee = whole_number(post.get("assignee", ""))
            return services.accept_and_forward(**common, note=post.get("note", ""), assignee_id=assignee)
        case "accept":
            return services.accept(**common)
        case "refuse":
            return services.refuse(**common, reason=post.get("reason", ""))
        case "request-supplement":
            return services.request_supplement(**common, reason=post.get("reason", ""))
        case "answer-supplement":
            return services.answer_supplement(
                **common, note=post.get("note", ""), attachments=request.FILES.getlist("attachments")
            )
        case "forward":
            assignee = whole_number(post.get("assignee", ""))
            return services.forward(**common, note=post.get("note", ""), assignee_id=assignee)
        case "attach-documents":
            return services.attach_documents(**common, attachments=request.FILES.getlist("attachments"))
        case "send-back":
            return services.send_back(**common, reason=post.get("reason", ""))
        case "apologize":
            when = _instant(post.get("new_promised_at", ""))
            return services.apologize(**common, new_promised_at=when, reason=post.get("reason", ""))
        case "consult":
            return services.consult(
                **common, unit_code=post.get("unit_code", ""), question=post.get("reason", "")
            )
        case "answer-consultation":
            return services.answer_consultation(**common, answer=post.get("reason", ""))
        case "request-payment":
            amount = post.get("amount", "")
            return services.request_payment(
                **common, amount=whole_number(amount) or 0, note=post.get("note", "")
            )
        case "confirm-payment":
            return services.confirm_payment(**common, receipt=post.get("note", ""))
        case "stop":
            return services.stop(**common, reason=post.get("reason", ""))
        case "finish":
            return services.finish(
                **common, result_file=request.FILES.get("result_file"), note=post.get("note", "")
            )
        case "return":
            return services.return_result(**common)
        case "withdraw":
            return services.withdraw(**common, reason=post.get("note", ""))
        case "rate":
            rating = whole_number(post.get("rating", "")) or 0
            return services.rate(**common, rating=rating, comment=post.get("comment", ""))
    raise Http404(_("Không có thao tác này."))


@login_required
@require_POST
def act(request: SignedInRequest, code: str, action: str) -> HttpResponse:
    version = whole_number(request.POST.get("version", ""))
    if version is None:
        raise Http404(_("Thiếu phiên bản hồ sơ."))
    try:
        dossier = _perform(action, request, code, version)
    except NotFound as error:
        raise Http404(error.message) from None
    except InvalidInput as error:
        details = " ".join(message for messages_ in error.errors.values() for message in messages_)
        messages.error(
            request, f"{error.message} {details}" if details not in error.message else error.message
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message(action, dossier))
    return redirect("dossiers:detail", code=code)


# What each action did, said after it succeeded; %(step)s and %(date)s are the dossier's after the change.
DONE = {
    "accept": gettext_lazy("Đã tiếp nhận hồ sơ %(code)s; hẹn trả kết quả %(date)s."),
    "refuse": gettext_lazy("Đã từ chối tiếp nhận hồ sơ %(code)s."),
    "request-supplement": gettext_lazy("Đã gửi yêu cầu bổ sung hồ sơ %(code)s cho người nộp."),
    "answer-supplement": gettext_lazy("Đã gửi phần bổ sung của hồ sơ %(code)s."),
    "forward": gettext_lazy("Đã chuyển hồ sơ %(code)s sang bước “%(step)s”."),
    "send-back": gettext_lazy("Đã chuyển hồ sơ %(code)s về bước “%(step)s”."),
    "apologize": gettext_lazy("Đã gửi văn bản xin lỗi; hồ sơ %(code)s hẹn trả kết quả mới %(date)s."),
    "consult": gettext_lazy("Đã gửi xin ý kiến về hồ sơ %(code)s."),
    "answer-consultation": gettext_lazy("Đã gửi ý kiến trả lời về hồ sơ %(code)s."),
    "request-payment": gettext_lazy("Đã yêu cầu người nộp thực hiện nghĩa vụ tài chính của hồ sơ %(code)s."),
    "confirm-payment": gettext_lazy("Đã xác nhận nghĩa vụ tài chính của hồ sơ %(code)s."),
    "stop": gettext_lazy("Đã dừng xử lý hồ sơ %(code)s."),
    "finish": gettext_lazy(
        "Đã ghi kết quả giải quyết hồ sơ %(code)s; hồ sơ chuyển về bộ phận một cửa để trả kết quả."
    ),
    "return": gettext_lazy("Đã trả kết quả hồ sơ %(code)s cho người nộp."),
    "withdraw": gettext_lazy("Đã rút hồ sơ %(code)s."),
    "rate": gettext_lazy("Cảm ơn anh/chị đã đánh giá việc giải quyết hồ sơ %(code)s."),
}


def done_message(action: str, dossier: Dossier) -> str:
    step = dossier.current_step
    values = {
        "code": dossier.code,
        "step": step.display_name if step else "",
        "date": day_and_time(dossier.promised_at, ""),
    }
    return str(DONE.get(action, gettext_lazy("Đã cập nhật hồ sơ %(code)s."))) % values


@login_required
@require_GET
def result(request: SignedInRequest, code: str) -> FileResponse:
    dossier = _dossier(request.user, code)
    if not selectors.result_ready_for(actor=request.user, dossier=dossier):
        raise Http404(_("Hồ sơ chưa có kết quả để tải về."))
    # The copy the province signed once there is one; the file recorded was checked to start with %PDF-.
    signed = signing_selectors.signed_result(dossier_code=dossier.code)
    return private_file_response(
        signed.file if signed else dossier.result_file,
        content_type="application/pdf",
        filename=f"{dossier.code}.pdf",
    )


@login_required
@require_GET
def attachment(request: SignedInRequest, code: str, pk: int) -> FileResponse:
    document = _dossier(request.user, code).documents.filter(pk=pk).first()
    if document is None:
        raise Http404(_("Không tìm thấy tệp."))
    preview = request.GET.get("xem") == "1"
    response = private_file_response(
        document.file, content_type=document.content_type, filename=document.name, inline=preview
    )
    if preview:
        # Shown inside the dossier's own page (a frame of the same origin), never inside another site.
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("code", "")
    code = selectors.receipt_code(typed)
    if code:
        return redirect("dossiers:track", code=code)
    if typed:
        error = _("Nhập mã hồ sơ in trên giấy tiếp nhận, ví dụ 32002.H12-261206-0005.")
        return render(request, "dossiers/lookup.html", {"code": typed, "error": error}, status=400)
    return render(request, "dossiers/lookup.html", {})


@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    if selectors.receipt_code(code) != code and selectors.receipt_code(code):
        return redirect("dossiers:track", code=selectors.receipt_code(code))
    try:
        tracked = selectors.tracking(code=code)
    except NotFound as error:
        return render(request, "dossiers/lookup.html", {"code": code, "error": error.message}, status=404)
    return render(request, "dossiers/track.html", {"tracked": tracked})
