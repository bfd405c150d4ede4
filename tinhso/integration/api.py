"""JSON API of the integration platform. `partner_router` (/api/v1/lgsp/) is what partner systems call, with
an OAuth 2.0 access token or an API key, each call admitted by its grants and logged in the exchange log;
`router` (/api/v1/integration/) is the administrators' register of partners, credentials, grants and the log."""

import csv
from datetime import date, timedelta
from io import StringIO
from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from ninja.security import APIKeyHeader, HttpBearer
from pydantic import StringConstraints

from tinhso.core.api import bearer_auth
from tinhso.core.auth import SignedInRequest
from tinhso.core.schema_types import FreeText, Instant, Version, column_length
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.integration import gateway, reports, selectors, services, webhooks
from tinhso.integration.gateway import Caller
from tinhso.integration.models import Credential, ExchangeLog, Grant, Partner

router = Router(tags=["integration"])
partner_router = Router(tags=["lgsp"])

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class PartnerBearer(HttpBearer):
    """An access token from POST /lgsp/oauth/token (client credentials)."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        return gateway.identify(request)


class PartnerKey(APIKeyHeader):
    """An API key issued to the partner, in the X-API-Key header."""

    param_name = gateway.API_KEY_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        return gateway.identify(request) if key else None


partner_auth = [PartnerBearer(), PartnerKey()]


class PartnerRequest(HttpRequest):
    auth: Caller


# --- What partners call ------------------------------------------------------------------------------------


class DossierStatusOut(Schema):
    """A dossier's state as the national portal knows it (TrangThaiHoSo 1–10)."""

    code: str
    procedure_code: str
    status: int
    status_label: str
    submitted_at: str
    accepted_at: str | None
    promised_at: str | None
    returned_at: str | None


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


@partner_router.get(
    "/dossiers/{code}",
    response=DossierStatusOut,
    auth=partner_auth,
    summary="A dossier's status (TraCuuHoSo)",
)
def dossier_status(request: PartnerRequest, code: str) -> dict:
    gateway.admit(request, request.auth, service="dossier-status", scope="dossiers.status.read")
    found = dossier_selectors.tracking(code=code)
    return {
        "code": found["code"],
        "procedure_code": found["procedure_code"],
        "status": found["status"],
        "status_label": found["status_label"],
        "submitted_at": _iso(found["submitted_at"]),
        "accepted_at": _iso(found["accepted_at"]),
        "promised_at": _iso(found["promised_at"]),
        "returned_at": _iso(found.get("returned_at")),
    }


class SubscriptionIn(Schema):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)]  # the column
    event_types: list[Annotated[str, StringConstraints(max_length=60)]] = Field(max_length=20)


class SubscriptionOut(Schema):
    id: int
    url: str
    event_types: list[str]
    state: str
    failures: int


class NewSubscriptionOut(SubscriptionOut):
    secret: str = Field(description="whsec_… signing secret, shown once")


class DeliveryOut(Schema):
    message_id: str
    subscription_id: int
    event_type: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str
    next_attempt_at: str | None
    created_at: str


def _subscription(subscription: object) -> dict:
    return {
        "id": subscription.pk,  # type: ignore[attr-defined]
        "url": subscription.url,  # type: ignore[attr-defined]
        "event_types": subscription.event_types,  # type: ignore[attr-defined]
        "state": subscription.state,  # type: ignore[attr-defined]
        "failures": subscription.failures,  # type: ignore[attr-defined]
    }


def _admit_webhooks(request: PartnerRequest) -> None:
    gateway.admit(request, request.auth, service="webhooks", scope="webhooks.subscribe")


@partner_router.get(
    "/webhooks", response=list[SubscriptionOut], auth=partner_auth, summary="Your subscriptions"
)
def my_subscriptions(request: PartnerRequest) -> list[dict]:
    _admit_webhooks(request)
    return [_subscription(row) for row in selectors.subscriptions_of(request.auth.partner)]


@partner_router.post(
    "/webhooks", response={201: NewSubscriptionOut}, auth=partner_auth, summary="Subscribe to event types"
)
def subscribe(request: PartnerRequest, body: SubscriptionIn) -> Status:
    _admit_webhooks(request)
    secret, subscription = services.subscribe(
        actor=None, partner_code=request.auth.partner.code, url=body.url, event_types=body.event_types
    )
    return Status(201, _subscription(subscription) | {"secret": secret})


@partner_router.get(
    "/webhooks/deliveries", response=list[DeliveryOut], auth=partner_auth, summary="Your delivery log"
)
def my_deliveries(request: PartnerRequest) -> list[dict]:
    _admit_webhooks(request)
    return [webhooks.delivery_row(row) for row in selectors.deliveries_of(request.auth.partner)]


@partner_router.post(
    "/webhooks/deliveries/{message_id}/replay",
    response={202: DeliveryOut},
    auth=partner_auth,
    summary="Deliver again",
)
def replay(request: PartnerRequest, message_id: str) -> Status:
    _admit_webhooks(request)
    selectors.delivery_of(request.auth.partner, message_id=message_id)
    return Status(202, webhooks.delivery_row(services.replay_delivery(actor=None, message_id=message_id)))


class GrantTerms(Schema):
    """What a grant gives, or a request asks for."""

    service: Code
    scopes: list[Annotated[str, StringConstraints(max_length=60)]] = Field(max_length=20)
    purpose: str = Field(max_length=column_length(Grant, "purpose"))
    legal_basis: str = Field(max_length=column_length(Grant, "legal_basis"))
    valid_from: date
    valid_to: date | None = None


class GrantTermsOut(Schema):
    id: int
    partner: str
    service: str
    scopes: list[str]
    purpose: str
    legal_basis: str
    valid_from: date
    valid_to: date | None
    version: int


class GrantRequestOut(GrantTermsOut):
    state: str
    reason: str
    requested_at: str
    due_at: str
    overdue: bool
    grant: int | None


def _grant_request_row(row: object, *, overdue: bool | None = None) -> dict:
    fields = (
        "id",
        "scopes",
        "purpose",
        "legal_basis",
        "valid_from",
        "valid_to",
        "state",
        "reason",
        "version",
    )
    values = {name: getattr(row, name) for name in fields}
    return values | {
        "partner": row.partner.code,  # type: ignore[attr-defined]
        "service": row.service.code,  # type: ignore[attr-defined]
        "requested_at": row.requested_at.isoformat(),  # type: ignore[attr-defined]
        "due_at": row.due_at.isoformat(),  # type: ignore[attr-defined]
        "overdue": getattr(row, "overdue", False) if overdue is None else overdue,
        "grant": row.grant_id,  # type: ignore[attr-defined]
    }


def _asked(body: GrantTerms) -> dict:
    fields = body.dict(exclude={"partner"})
    fields["service_code"] = fields.pop("service")
    return fields


@partner_router.post(
    "/grant-requests",
    response={201: GrantRequestOut},
    auth=partner_auth,
    summary="Ask for scopes of a service (answered in 2 working days)",
)
def my_grant_request(request: PartnerRequest, body: GrantTerms) -> Status:
    request.lgsp_service = "grant-requests"  # type: ignore[attr-defined]  # read by the exchange log
    asked = services.request_grant(actor=None, partner_code=request.auth.partner.code, **_asked(body))
    return Status(201, _grant_request_row(asked, overdue=False))


# --- The administrators' register --------------------------------------------------------------------------


class PartnerIn(Schema):
    agency_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
    agency_name: str = Field(max_length=column_length(Partner, "agency_name"))
    system: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
    system_name: str = Field(max_length=column_length(Partner, "system_name"))
    contact_name: str = Field(default="", max_length=column_length(Partner, "contact_name"))
    contact_email: str = Field(default="", max_length=column_length(Partner, "contact_email"))
    contact_phone: str = Field(default="", max_length=column_length(Partner, "contact_phone"))
    rate_limit_per_minute: int = Field(default=600, ge=1, le=100_000)


class PartnerOut(Schema):
    code: str
    agency_code: str
    agency_name: str
    system_name: str
    state: str
    rate_limit_per_minute: int
    version: int


class PartnerStateIn(Schema):
    partner: Code
    version: Version
    action: Annotated[str, StringConstraints(pattern="^(suspend|resume|retire)$")]
    reason: FreeText = ""


class CredentialIn(Schema):
    partner: Code
    kind: Annotated[str, StringConstraints(pattern="^(api_key|oauth_client)$")]


class CredentialRefIn(Schema):
    partner: Code
    prefix: Code
    overlap_hours: int = Field(default=24, ge=0, le=720)


class CredentialOut(Schema):
    partner: str
    kind: str
    prefix: str = Field(description="The key's first characters, or the OAuth client_id")
    secret: str = Field(description="Shown once: the API key, or the OAuth client_secret")
    expires_at: str | None = None


class GrantIn(GrantTerms):
    partner: Code


class GrantOut(GrantTermsOut):
    status: str


class RevokeIn(Schema):
    version: Version
    reason: FreeText


class AnswerIn(Schema):
    version: Version
    reason: FreeText = ""


class ExchangeOut(Schema):
    message_id: str
    chain: str
    seq: int
    direction: str
    service: str
    method: str
    target: str
    status: int
    started_at: str
    duration_ms: int
    request_bytes: int
    response_bytes: int
    request_sha512: str
    response_sha512: str


class ExchangeFilter(Schema):
    partner: str = ""
    service: str = ""
    status: int | None = None
    since: Instant | None = None
    until: Instant | None = None
    limit: int = Field(default=100, ge=1, le=1000)


def _partner_row(partner: object) -> dict:
    return {name: getattr(partner, name) for name in PartnerOut.model_fields}


def _grant_row(grant: object) -> dict:
    fields = ("id", "scopes", "purpose", "legal_basis", "valid_from", "valid_to", "status", "version")
    row = {name: getattr(grant, name) for name in fields}
    return row | {"partner": grant.partner.code, "service": grant.service.code}  # type: ignore[attr-defined]


def _exchange_row(row: ExchangeLog) -> dict:
    fields = [name for name in ExchangeOut.model_fields if name != "started_at"]
    return {name: getattr(row, name) for name in fields} | {"started_at": row.started_at.isoformat()}


@router.get("/partners", response=list[PartnerOut], auth=bearer_auth, summary="Registered partners")
def partner_list(request: SignedInRequest) -> list[dict]:
    return [_partner_row(row) for row in selectors.partners(actor=request.auth)]


@router.post("/partners", response={201: PartnerOut}, auth=bearer_auth, summary="Register a partner system")
def partner_register(request: SignedInRequest, body: PartnerIn) -> Status:
    partner = services.register_partner(actor=request.auth, **body.dict())
    return Status(201, _partner_row(partner))


@router.post("/partners/state", response=PartnerOut, auth=bearer_auth, summary="Suspend, resume or retire")
def partner_state(request: SignedInRequest, body: PartnerStateIn) -> dict:
    partner = services.change_partner_state(
        actor=request.auth, code=body.partner, version=body.version, action=body.action, reason=body.reason
    )
    return _partner_row(partner)


@router.post("/credentials", response={201: CredentialOut}, auth=bearer_auth, summary="Issue a credential")
def credential_issue(request: SignedInRequest, body: CredentialIn) -> Status:
    secret, credential = services.issue_credential(
        actor=request.auth, partner_code=body.partner, kind=body.kind
    )
    return Status(
        201, {"partner": body.partner, "kind": credential.kind, "prefix": credential.prefix, "secret": secret}
    )


@router.post(
    "/credentials/rotate", response={201: CredentialOut}, auth=bearer_auth, summary="Rotate with an overlap"
)
def credential_rotate(request: SignedInRequest, body: CredentialRefIn) -> Status:
    secret, credential = services.rotate_credential(
        actor=request.auth,
        partner_code=body.partner,
        prefix=body.prefix,
        overlap=timedelta(hours=body.overlap_hours),
    )
    old = Credential.objects.get(replaced_by=credential)
    row = {"partner": body.partner, "kind": credential.kind, "prefix": credential.prefix, "secret": secret}
    return Status(201, row | {"expires_at": _iso(old.expires_at)})


@router.post("/credentials/revoke", response={204: None}, auth=bearer_auth, summary="Revoke at once")
def credential_revoke(request: SignedInRequest, body: CredentialRefIn) -> HttpResponse:
    services.revoke_credential(actor=request.auth, partner_code=body.partner, prefix=body.prefix)
    return HttpResponse(status=204)


@router.post("/grants", response={201: GrantOut}, auth=bearer_auth, summary="Grant scopes of a service")
def grant_approve(request: SignedInRequest, body: GrantIn) -> Status:
    grant = services.approve_grant(
        actor=request.auth,
        partner_code=body.partner,
        service_code=body.service,
        scopes=body.scopes,
        purpose=body.purpose,
        legal_basis=body.legal_basis,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
    )
    return Status(201, _grant_row(grant))


@router.post("/grants/{grant_id}/revoke", response=GrantOut, auth=bearer_auth, summary="Revoke a grant")
def grant_revoke(request: SignedInRequest, grant_id: int, body: RevokeIn) -> dict:
    grant = services.revoke_grant(
        actor=request.auth, grant_id=grant_id, version=body.version, reason=body.reason
    )
    return _grant_row(grant)


@router.get(
    "/grant-requests", response=list[GrantRequestOut], auth=bearer_auth, summary="Requests for grants"
)
def grant_request_list(request: SignedInRequest, pending: bool = False) -> list[dict]:
    return [
        _grant_request_row(row) for row in selectors.grant_requests(actor=request.auth, pending_only=pending)
    ]


@router.post(
    "/grant-requests",
    response={201: GrantRequestOut},
    auth=bearer_auth,
    summary="Ask for a grant on a partner's behalf (its staff or an administrator)",
)
def grant_request_on_behalf(request: SignedInRequest, body: GrantIn) -> Status:
    asked = services.request_grant(actor=request.auth, partner_code=body.partner, **_asked(body))
    return Status(201, _grant_request_row(asked, overdue=False))


def _answer(request: SignedInRequest, request_id: int, body: AnswerIn, action: str) -> dict:
    answered = services.answer_grant_request(
        actor=request.auth, request_id=request_id, version=body.version, action=action, reason=body.reason
    )
    return _grant_request_row(answered, overdue=False)


@router.post(
    "/grant-requests/{request_id}/approve",
    response=GrantRequestOut,
    auth=bearer_auth,
    summary="Approve: the grant is created",
)
def grant_request_approve(request: SignedInRequest, request_id: int, body: AnswerIn) -> dict:
    return _answer(request, request_id, body, "approve")


@router.post(
    "/grant-requests/{request_id}/refuse",
    response=GrantRequestOut,
    auth=bearer_auth,
    summary="Refuse, with the reason (required)",
)
def grant_request_refuse(request: SignedInRequest, request_id: int, body: AnswerIn) -> dict:
    return _answer(request, request_id, body, "refuse")


class RatioOut(Schema):
    count: int
    total: int
    percent: float | None


class SelfCheckOut(Schema):
    on_time: RatioOut
    online: RatioOut
    digitised: RatioOut
    unacknowledged: int
    without_due_date: int


class StatisticsOut(Schema):
    calls: list[reports.CallRow]
    deliveries: dict[str, int]
    portal_messages: dict[str, int]
    self_check: SelfCheckOut


class PeriodIn(Schema):
    since: Instant
    until: Instant


@router.get(
    "/statistics",
    response=StatisticsOut,
    auth=bearer_auth,
    summary="Traffic over a period and the Decision 766 self-check from the synced data",
)
def statistics(request: SignedInRequest, period: Query[PeriodIn]) -> dict:
    traffic = reports.traffic(actor=request.auth, since=period.since, until=period.until)
    check = reports.self_check(actor=request.auth, since=period.since, until=period.until)
    ratios = {
        name: {"count": ratio.count, "total": ratio.total, "percent": ratio.percent}
        for name, ratio in (
            ("on_time", check.on_time),
            ("online", check.online),
            ("digitised", check.digitised),
        )
    }
    return {
        "calls": traffic.calls,
        "deliveries": traffic.deliveries,
        "portal_messages": traffic.portal_messages,
        "self_check": ratios
        | {"unacknowledged": check.unacknowledged, "without_due_date": check.without_due_date},
    }


@router.get("/exchange-log", response=list[ExchangeOut], auth=bearer_auth, summary="Search the exchange log")
def exchange_log(request: SignedInRequest, filters: Query[ExchangeFilter]) -> list[dict]:
    return [_exchange_row(row) for row in _filtered(request, filters)[: filters.limit]]


@router.get("/exchange-log.csv", auth=bearer_auth, summary="Export the exchange log (CSV)")
def exchange_log_csv(request: SignedInRequest, filters: Query[ExchangeFilter]) -> HttpResponse:
    return csv_response(_filtered(request, filters)[: filters.limit * 100])


def _filtered(request: SignedInRequest, filters: ExchangeFilter) -> "QuerySet[ExchangeLog]":
    return selectors.exchange_log(
        actor=request.auth,
        partner_code=filters.partner,
        service=filters.service,
        status=filters.status,
        since=filters.since,
        until=filters.until,
    )


def csv_response(rows: object) -> HttpResponse:
    """The rows as CSV (UTF-8 with a BOM, so spreadsheet programs read the Vietnamese)."""
    out = StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    columns = list(ExchangeOut.model_fields)
    writer.writerow(columns)
    for row in rows:  # type: ignore[attr-defined]
        values = _exchange_row(row)
        writer.writerow([values[name] for name in columns])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_("nhat-ky-trao-doi")}.csv"'
    return response
