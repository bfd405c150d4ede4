"""OAuth 2.0 client credentials (RFC 6749 §4.4) through django-oauth-toolkit: the scopes a client may ask
for are its partner's grants in force now; a client whose credential was revoked, rotated out or whose partner
is suspended gets no token. Tokens are short-lived (settings.OAUTH2_PROVIDER)."""

from base64 import b64decode

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.views import TokenView

from tinhso.integration.gateway import usable
from tinhso.integration.models import Credential, Grant, Service


def _credential(application: object) -> Credential | None:
    return getattr(application, "credential", None) if application is not None else None


def _granted(application: object) -> list[str]:
    credential = _credential(application)
    if credential is None or not usable(credential, now=timezone.now()):
        return []
    today = timezone.localdate()
    grants = Grant.objects.filter(
        partner=credential.partner, status=Grant.Status.ACTIVE, valid_from__lte=today
    )
    scopes = {
        scope
        for grant in grants
        if grant.valid_to is None or grant.valid_to >= today
        for scope in grant.scopes
    }
    return sorted(scopes)


class GrantedScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return {scope: service.name for service in Service.objects.all() for scope in service.scopes}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return _granted(application)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return _granted(application)


class PartnerValidator(OAuth2Validator):
    def authenticate_client(self, request, *args, **kwargs) -> bool:
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        credential = _credential(request.client)
        return credential is not None and usable(credential, now=timezone.now())


_token_view = TokenView.as_view()


def _client_id(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            return b64decode(header[6:]).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return ""
    return request.POST.get("client_id", "")


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """The token endpoint; the exchange log names the partner whose client asked."""
    client_id = _client_id(request)
    credential = (
        Credential.objects.select_related("partner").filter(prefix=client_id).first() if client_id else None
    )
    if credential is not None:
        request.lgsp_partner = credential.partner  # type: ignore[attr-defined]
    request.lgsp_service = "oauth-token"  # type: ignore[attr-defined]
    return _token_view(request)
