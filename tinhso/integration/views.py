"""Pages of the integration platform: the catalogue of services with the partner's own grants, credentials,
subscriptions and deliveries (/tich-hop/), and the administrators' view of partners, the exchange log and the
national portal's outbox (/tich-hop/quan-tri/)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import Forbidden
from tinhso.integration import api, selectors


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
    }
    return render(request, "integration/admin.html", context)


@login_required
def exchange_csv(request: SignedInRequest) -> HttpResponse:
    try:
        rows = selectors.exchange_log(actor=request.user, partner_code=request.GET.get("partner", ""))
    except Forbidden:
        raise Http404 from None
    return api.csv_response(rows[:100_000])
