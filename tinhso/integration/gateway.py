"""The platform's security server: who is calling (an OAuth 2.0 access token or an API key, bound to a
partner), whether a grant covers the call now, and the partner's rate limit. Every partner call passes here;
the exchange log (exchange.py) records it whatever the answer."""

from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_access_token_model

from tinhso.core import throttle
from tinhso.core.errors import Forbidden, TooManyAttempts
from tinhso.integration.models import Credential, Grant, Partner

API_KEY_HEADER = "X-API-Key"


@dataclass(frozen=True)
class Caller:
    """A partner let in: its credential, and the scopes its token carries (None for an API key, which
    carries no scopes of its own: its grants alone decide)."""

    partner: Partner
    credential: Credential
    token_scopes: frozenset[str] | None = None


def usable(credential: Credential, *, now: datetime) -> bool:
    """Not revoked, not past its overlap, and its partner connected."""
    return (
        credential.revoked_at is None
        and (credential.expires_at is None or credential.expires_at > now)
        and credential.partner.state == Partner.State.ACTIVE
    )


def caller_by_key(secret: str) -> Caller | None:
    from tinhso.integration.services import key_digest

    credential = (
        Credential.objects.select_related("partner")
        .filter(kind=Credential.Kind.API_KEY, key_hash=key_digest(secret))
        .first()
    )
    if credential is None or not usable(credential, now=timezone.now()):
        return None
    return Caller(partner=credential.partner, credential=credential)


def caller_by_token(token: str) -> Caller | None:
    """An access token issued at the token endpoint, not expired, whose client is still usable."""
    access = (
        get_access_token_model()
        .objects.select_related("application__credential__partner")
        .filter(token_checksum=sha256(token.encode()).hexdigest())
        .first()
    )
    now = timezone.now()
    if access is None or access.is_expired() or access.application is None:
        return None
    credential = getattr(access.application, "credential", None)
    if credential is None or not usable(credential, now=now):
        return None
    return Caller(
        partner=credential.partner, credential=credential, token_scopes=frozenset(access.scope.split())
    )


def identify(request: HttpRequest) -> Caller | None:
    """The caller named by the request's Authorization: Bearer header or its X-API-Key header."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        caller = caller_by_token(header[7:].strip())
    elif request.headers.get(API_KEY_HEADER):
        caller = caller_by_key(request.headers[API_KEY_HEADER].strip())
    else:
        caller = None
    if caller is not None:
        request.lgsp_partner = caller.partner  # type: ignore[attr-defined]  # read by the exchange log
    return caller


def granted_scopes(partner: Partner, *, service: str, on: datetime) -> set[str]:
    today = timezone.localdate(on)
    grants = Grant.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        partner=partner,
        service__code=service,
        status=Grant.Status.ACTIVE,
        valid_from__lte=today,
    ).values_list("scopes", flat=True)
    return {scope for scopes in grants for scope in scopes}


def partner_limit(partner: Partner) -> throttle.Limit:
    return throttle.Limit("lgsp-partner", attempts=partner.rate_limit_per_minute, seconds=60)


def admit(request: HttpRequest, caller: Caller, *, service: str, scope: str) -> None:
    """Forbidden (403) unless a grant in force now covers `scope` of `service` (and the token carries the
    scope); TooManyAttempts (429, Retry-After) past the partner's calls a minute. Grants are read on every
    call, so a revocation takes effect at once."""
    request.lgsp_service = service  # type: ignore[attr-defined]
    allowed = granted_scopes(caller.partner, service=service, on=timezone.now())
    if caller.token_scopes is not None:
        allowed &= caller.token_scopes
    if scope not in allowed:
        raise Forbidden(
            _("Đối tác chưa được cấp quyền “%(scope)s” của dịch vụ “%(service)s”."),
            code="not_granted",
            params={"scope": scope, "service": service},
        )
    limit = partner_limit(caller.partner)
    if throttle.hit(limit, caller.partner.code) > limit.attempts:
        wait = max(1, throttle.retry_after(limit, caller.partner.code))
        raise TooManyAttempts(
            str(_("Đối tác đã gọi quá %(count)s lượt mỗi phút.") % {"count": limit.attempts}),
            retry_after=wait,
        )
