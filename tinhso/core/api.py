"""JSON API of the data core: bearer tokens (issued, listed, revoked) and the signed-in account."""

from collections.abc import Callable, Iterable
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.security import HttpBearer

from tinhso.core import auth, second_factor, selectors, services, throttle
from tinhso.core.auth import BearerRequest, SignedInRequest
from tinhso.core.errors import DomainError, Forbidden
from tinhso.core.lifecycle import Transition
from tinhso.core.models import User

router = Router(tags=["auth"])


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        holder = selectors.token_holder(token)
        if holder is None:
            return None
        request.user, request.api_token_id = holder  # type: ignore[attr-defined]  # becomes a BearerRequest
        return holder[0]


bearer_auth = BearerAuth()


class ActionOut(Schema):
    """An action the caller may take now (from the case's declared lifecycle), the expected one first."""

    action: str
    path: str
    title: str
    expected: bool
    destructive: bool
    event: str
    documents: list[str]


def action_rows(
    transitions: Iterable[Transition], *, path_of: Callable[[Transition], str]
) -> list[dict[str, object]]:
    """The offered transitions as ActionOut rows: one shape for every case type's `/actions`."""
    return [
        {
            "action": row.action,
            "path": path_of(row),
            "title": str(row.title),
            "expected": row.expected,
            "destructive": row.destructive,
            "event": str(row.event),
            "documents": list(row.documents),
        }
        for row in transitions
    ]


class TokenRequest(Schema):
    username: str = Field(max_length=150)
    # Longer passwords than any person types would only make the hasher work for an attacker.
    password: str = Field(max_length=4096)
    otp: str | None = Field(
        default=None,
        max_length=20,
        description="Officials with a second factor: the app's code or a recovery code",
    )


class TokenResponse(Schema):
    access_token: str
    token_type: str = "bearer"
    expires_at: str


class RoleOut(Schema):
    role: str
    domain: str
    unit_code: str
    unit_name: str


class MeOut(Schema):
    username: str
    full_name: str
    account_type: str
    citizen_id: str | None
    roles: list[RoleOut]


class TokenOut(Schema):
    id: int
    created_at: datetime
    expires_at: datetime
    client: str
    address: str
    current: bool


@router.post("/auth/token", response=TokenResponse, auth=None, summary="Issue a bearer token")
def issue_token(request: HttpRequest, body: TokenRequest) -> dict:
    """Wrong passwords are throttled per account and per address: 429 with Retry-After when locked."""
    user = auth.sign_in(request=request, username=body.username, password=body.password, path="api")
    if second_factor.must_verify(user):
        if not second_factor.enrolled(user):
            message = _("Tài khoản phải cài đặt xác thực hai bước trên trang web trước khi dùng API.")
            raise Forbidden(message, code="second_factor_enrolment_required")
        if second_factor.verified_device(user=user, code=body.otp or "") is None:
            error = DomainError(_("Cần mã xác thực hai bước (otp) đúng."), code="second_factor_required")
            error.status = 401
            raise error
    session_user = getattr(request, "user", None)
    asked_by_session = (
        session_user is not None and session_user.is_authenticated and session_user.pk == user.pk
    )
    token, api_token = services.issue_api_token(
        user=user,
        session_key=(request.session.session_key or "") if asked_by_session else "",
        client=request.headers.get("User-Agent", ""),
        address=throttle.client_address(request),
    )
    return {"access_token": token, "token_type": "bearer", "expires_at": api_token.expires_at.isoformat()}


@router.delete("/auth/token", response={204: None}, auth=bearer_auth, summary="Revoke the token sent")
def revoke_token(request: BearerRequest) -> HttpResponse:
    services.revoke_api_token(actor=request.auth, token_id=request.api_token_id)
    return HttpResponse(status=204)


@router.get("/auth/tokens", response=list[TokenOut], auth=bearer_auth, summary="Your tokens still active")
def tokens(request: BearerRequest) -> list[dict]:
    return [
        {
            "id": token.pk,
            "created_at": token.created_at,
            "expires_at": token.expires_at,
            "client": token.client,
            "address": token.address,
            "current": token.pk == request.api_token_id,
        }
        for token in selectors.active_tokens(actor=request.auth)
    ]


@router.delete("/auth/tokens/{token_id}", response={204: None}, auth=bearer_auth, summary="Revoke one token")
def revoke_one(request: BearerRequest, token_id: int) -> HttpResponse:
    services.revoke_api_token(actor=request.auth, token_id=token_id)
    return HttpResponse(status=204)


@router.get("/me", response=MeOut, auth=bearer_auth, summary="The account behind the token")
def me(request: SignedInRequest) -> dict:
    user = request.auth
    roles = [
        {"role": a.role, "domain": a.domain, "unit_code": a.unit.code, "unit_name": a.unit.name}
        for a in selectors.active_roles(user)
    ]
    return {
        "username": user.username,
        "full_name": user.display_name,
        "account_type": user.account_type,
        "citizen_id": user.citizen_id,
        "roles": roles,
    }
