"""Pages of the integration platform: the catalogue of services with the partner's own grants, credentials,
subscriptions and deliveries (/tich-hop/), and the administrators' view of partners, the exchange log and the
national portal's outbox (/tich-hop/quan-tri/)."""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import Forbidden
from tinhso.integration import api, demo, selectors
from tinhso.integration.fakes import FakePortal, WebhookReceiver


def catalogue(request: HttpRequest) -> HttpResponse:
    """Anyone sees the services; a partner's contact sees their partner's grants, keys and webhooks too."""
    own = []
    for partner in selectors.partners_of_contact(actor=request.user):  # type: ignore[arg-type]
        own.append(
            {
                "partner": partner,
                "grants": list(selectors.grants_of(partner)),
                "credentials": list(selectors.credentials_of(partner)),
                "subscriptions": list(selectors.subscriptions_of(partner)),
                "deliveries": selectors.deliveries_of(partner, limit=20),
            }
        )
    return render(request, "integration/catalogue.html", {"services": selectors.services(), "own": own})


@login_required
def admin_index(request: SignedInRequest) -> HttpResponse:
    try:
        partners = list(selectors.partners(actor=request.user))
    except Forbidden:
        raise Http404 from None
    context = {
        "partners": partners,
        "exchanges": list(selectors.exchange_log(actor=request.user)[:50]),
        "dead": list(selectors.portal_messages(actor=request.user, state="dead")[:50]),
        "pending": selectors.portal_messages(actor=request.user, state="pending").count(),
        "deliveries": selectors.recent_deliveries(actor=request.user, limit=30),
        "fakes": settings.TINHSO_FAKES,
    }
    return render(request, "integration/admin.html", context)


@login_required
def exchange_csv(request: SignedInRequest) -> HttpResponse:
    try:
        rows = selectors.exchange_log(actor=request.user, partner_code=request.GET.get("partner", ""))
    except Forbidden:
        raise Http404 from None
    return api.csv_response(rows[:100_000])


# --- Local fakes of outside parties (demo and trials; never in production) --------------------------------


@lru_cache(maxsize=1)
def _fake_portal() -> FakePortal:
    return FakePortal(username=settings.TINHSO_PORTAL_USERNAME, password=settings.TINHSO_PORTAL_PASSWORD)


@lru_cache(maxsize=1)
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
