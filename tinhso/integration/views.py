"""Pages of the integration platform: the catalogue of services with the partner's own grants, requests,
credentials, subscriptions and deliveries (/tich-hop/), and the administrators' view of partners, grant
requests to answer, the exchange log and the national portal's outbox (/tich-hop/quan-tri/)."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tinhso.core import caching
from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import Forbidden, InvalidInput, answered_as_pages
from tinhso.core.working_time import local_zone
from tinhso.integration import api, demo, forms, reports, selectors, services
from tinhso.integration.fakes import FakePortal, WebhookReceiver


def catalogue(request: HttpRequest) -> HttpResponse:
    """Anyone sees the services; a partner's contact sees their partner's grants, keys and webhooks too, and
    asks for a grant here."""
    if request.method == "POST":
        return _ask_for_grant(request)
    return _catalogue_page(request)


def _request_form(request: HttpRequest, data: object = None) -> forms.GrantRequestForm:
    partners = selectors.partners_of_contact(actor=request.user)  # type: ignore[arg-type]
    return forms.GrantRequestForm(
        data,
        partners=[(partner.code, partner.system_name) for partner in partners],
        services=[(service.code, service.name) for service in selectors.services()],
    )


def _ask_for_grant(request: HttpRequest) -> HttpResponse:
    form = _request_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_grant(
                actor=request.user,  # type: ignore[arg-type]
                partner_code=data["partner"],
                service_code=data["service"],
                scopes=form.scope_list(),
                purpose=data["purpose"],
                legal_basis=data["legal_basis"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except InvalidInput as error:
            forms.show_service_errors(form, error)
        else:
            messages.success(request, _("Đã gửi yêu cầu; cơ quan chủ quản trả lời trong 2 ngày làm việc."))
            return redirect("integration:catalogue")
    return _catalogue_page(request, form=form, status=422)


def _catalogue_page(
    request: HttpRequest, *, form: forms.GrantRequestForm | None = None, status: int = 200
) -> HttpResponse:
    own = []
    for partner in selectors.partners_of_contact(actor=request.user):  # type: ignore[arg-type]
        own.append(
            {
                "partner": partner,
                "grants": list(selectors.grants_of(partner)),
                "credentials": list(selectors.credentials_of(partner)),
                "subscriptions": list(selectors.subscriptions_of(partner)),
                "deliveries": selectors.deliveries_of(partner, limit=20),
                "requests": selectors.grant_requests_of(partner),
            }
        )
    context = {
        "services": selectors.services(),
        "own": own,
        "form": (form or _request_form(request)) if own else None,
    }
    return render(request, "integration/catalogue.html", context, status=status)


@login_required
def admin_index(request: SignedInRequest) -> HttpResponse:
    return _admin_page(request)


def _admin_page(
    request: SignedInRequest, *, failed: tuple[int, forms.AnswerForm] | None = None, status: int = 200
) -> HttpResponse:
    """The administrators' page; `failed`: the answer refused, shown again with its errors beside its fields."""
    try:
        partners = list(selectors.partners(actor=request.user))
    except Forbidden:
        raise Http404 from None
    requests = selectors.grant_requests(actor=request.user, pending_only=True)
    for row in requests:
        bound = failed[1] if failed is not None and failed[0] == row.pk else None
        row.form = bound or forms.AnswerForm(  # type: ignore[attr-defined]
            initial={"version": row.version}, prefix=f"r{row.pk}"
        )
    context = {
        "partners": partners,
        "requests": requests,
        "exchanges": list(selectors.exchange_log(actor=request.user)[:50]),
        "dead": list(selectors.portal_messages(actor=request.user, state="dead")[:50]),
        "pending": selectors.portal_messages(actor=request.user, state="pending").count(),
        "deliveries": selectors.recent_deliveries(actor=request.user, limit=30),
        "fakes": settings.TINHSO_FAKES,
    }
    return render(request, "integration/admin.html", context, status=status)


@login_required
@require_POST
@answered_as_pages
def answer_request(request: SignedInRequest, request_id: int) -> HttpResponse:
    """The data owner's approval or refusal of a grant request; a refusal without its reason comes back
    with the message beside the reason."""
    form = forms.AnswerForm(request.POST, prefix=f"r{request_id}")
    if form.is_valid():
        try:
            services.answer_grant_request(
                actor=request.user,
                request_id=request_id,
                version=form.cleaned_data["version"],
                action=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as error:
            forms.show_service_errors(form, error)
        else:
            messages.success(request, _("Đã trả lời yêu cầu cấp quyền."))
            return redirect("integration:admin")
    return _admin_page(request, failed=(request_id, form), status=422)


def local_period(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, in the province's time."""
    zone = local_zone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    return start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)


@login_required
def statistics(request: SignedInRequest) -> HttpResponse:
    """The platform's traffic and the 766 self-check over a period (this month by default)."""
    if not selectors.is_admin(request.user):
        raise Http404
    today = timezone.localdate()
    form = forms.PeriodForm(request.GET or {"tu": today.replace(day=1), "den": today})
    context: dict = {"form": form}
    if form.is_valid():
        since, until = local_period(form.cleaned_data["tu"], form.cleaned_data["den"])
        context["traffic"] = reports.traffic(actor=request.user, since=since, until=until)
        context["check"] = reports.self_check(actor=request.user, since=since, until=until)
    return render(request, "integration/statistics.html", context, status=200 if form.is_valid() else 422)


@login_required
def exchange_csv(request: SignedInRequest) -> HttpResponse:
    try:
        rows = selectors.exchange_log(actor=request.user, partner_code=request.GET.get("partner", ""))
    except Forbidden:
        raise Http404 from None
    return api.csv_response(rows[:100_000])


# --- Local fakes of outside parties (demo and trials; never in production) --------------------------------


@caching.memo("integration.fake_portal", maxsize=1)
def _fake_portal() -> FakePortal:
    return FakePortal(username=settings.TINHSO_PORTAL_USERNAME, password=settings.TINHSO_PORTAL_PASSWORD)


@caching.memo("integration.fake_receiver", maxsize=1)
def _receiver() -> WebhookReceiver:
    return WebhookReceiver(secret=(settings.VAR_DIR / demo.RECEIVER_SECRET_FILE).read_text().strip())


def _answer(status: int, body: dict) -> HttpResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _headers(request: HttpRequest) -> dict[str, str]:
    return {key.lower(): value for key, value in request.headers.items()}


@csrf_exempt
def fake_portal(request: HttpRequest, service: str = "") -> HttpResponse:
    """POST /gia-lap/dvcqg/auth and /integration as the national portal answers; GET shows what it got."""
    if not settings.TINHSO_FAKES:
        raise Http404
    fake = _fake_portal()
    if request.method == "POST":
        return _answer(*fake.handle(f"/{service}", request.body, _headers(request)))
    if not selectors.is_admin(request.user):  # type: ignore[arg-type]
        raise Http404
    rows = [call for call in fake.received if call["service"] == "DongBoHoSoMC"]
    return render(request, "integration/fake_portal.html", {"calls": rows[-200:], "total": len(rows)})


@csrf_exempt
def fake_receiver(request: HttpRequest) -> HttpResponse:
    """The demo partner's webhook endpoint: verifies each delivery with `standardwebhooks`."""
    if not settings.TINHSO_FAKES:
        raise Http404
    receiver = _receiver()
    if request.method == "POST":
        return _answer(*receiver.handle(request.path, request.body, _headers(request)))
    if not selectors.is_admin(request.user):  # type: ignore[arg-type]
        raise Http404
    return render(request, "integration/fake_receiver.html", {"received": receiver.received[-200:]})
