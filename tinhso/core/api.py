"""JSON API of the data core: bearer tokens and the signed-in account."""

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import HttpBearer

from tinhso.core import selectors, services
from tinhso.core.auth import SignedInRequest
from tinhso.core.models import User

router = Router(tags=["auth"])


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = selectors.user_by_token(token)
        if user is not None:
            request.user = user
        return user


bearer_auth = BearerAuth()


class TokenRequest(Schema):
    username: str = Field(max_length=150)
    # Longer passwords than any person types would only make the hasher work for an attacker.
    password: str = Field(max_length=4096)


class TokenResponse(Schema):
    access_token: str
    token_type: str = "bearer"
    expires_at: str


class RoleOut(Schema):
    role: str
    unit_code: str
    unit_name: str


class MeOut(Schema):
    username: str
    full_name: str
    account_type: str
    citizen_id: str | None
    roles: list[RoleOut]


@router.post("/auth/token", response=TokenResponse, auth=None, summary="Issue a bearer token")
def issue_token(request: HttpRequest, body: TokenRequest) -> dict:
    token, api_token = services.issue_api_token(username=body.username, password=body.password)
    return {"access_token": token, "token_type": "bearer", "expires_at": api_token.expires_at.isoformat()}


@router.get("/me", response=MeOut, auth=bearer_auth, summary="The account behind the token")
def me(request: SignedInRequest) -> dict:
    user = request.auth
    roles = [
        {"role": a.role, "unit_code": a.unit.code, "unit_name": a.unit.name}
        for a in selectors.active_roles(user)
    ]
    return {
        "username": user.username,
        "full_name": user.display_name,
        "account_type": user.account_type,
        "citizen_id": user.citizen_id,
        "roles": roles,
    }
