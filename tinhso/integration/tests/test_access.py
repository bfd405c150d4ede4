"""Partners, credentials and grants: OAuth 2.0 client credentials and API keys bound to a partner, 403
outside the grants, revocation at once, rotation with an overlap, 429 with Retry-After past the rate limit."""

import json
from base64 import b64encode
from datetime import timedelta

import pytest
from django.utils import timezone

from tinhso.core.errors import Conflict, Forbidden, InvalidInput
from tinhso.core.models import Event, Role
from tinhso.integration import services
from tinhso.integration.models import Credential, Partner
from tinhso.testing.factories import CENTRE, bearer, official

pytestmark = pytest.mark.django_db
TOKEN_URL = "/lgsp/oauth/token"


def token(client, client_id: str, secret: str, **extra: str):
    basic = b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post(
        TOKEN_URL, {"grant_type": "client_credentials", **extra}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )


def status_of(client, dossier_code: str, **headers):
    return client.get(f"/api/v1/lgsp/dossiers/{dossier_code}", **headers)


def test_client_credentials_token_carries_the_granted_scopes_and_expires_soon(client, partner):
    answer = token(client, partner.client_id, partner.client_secret)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "dossiers.status.read"
    assert body["expires_in"] <= 300
    assert "refresh_token" not in body


def test_a_scope_outside_the_grants_gets_no_token(client, partner):
    answer = token(client, partner.client_id, partner.client_secret, scope="open311.requests.write")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_scope"


def test_a_wrong_client_secret_gets_no_token(client, partner):
    answer = token(client, partner.client_id, "not-the-secret")
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_the_token_opens_the_granted_service(client, partner, dossier):
    access = token(client, partner.client_id, partner.client_secret).json()["access_token"]
    answer = status_of(client, dossier.code, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == dossier.status
    assert answer["X-LGSP-Id"]


def test_forged_or_expired_tokens_get_401(client, partner, dossier):
    forged = status_of(client, dossier.code, HTTP_AUTHORIZATION="Bearer forged-token")
    assert forged.status_code == 401 and forged["Content-Type"] == "application/problem+json"
    access = token(client, partner.client_id, partner.client_secret).json()["access_token"]
    from oauth2_provider.models import AccessToken

    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    expired = status_of(client, dossier.code, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert expired.status_code == 401


def test_an_api_key_works_and_a_call_outside_the_grants_gets_403(client, partner, dossier):
    ok = status_of(client, dossier.code, HTTP_X_API_KEY=partner.key)
    assert ok.status_code == 200
    outside = client.get("/api/v1/lgsp/webhooks", HTTP_X_API_KEY=partner.key)
    assert outside.status_code == 403 and outside["Content-Type"] == "application/problem+json"
    assert outside.json()["code"] == "not_granted"


def test_revoking_a_grant_takes_effect_at_once_even_for_a_token_already_issued(
    client, admin, partner, dossier
):
    access = token(client, partner.client_id, partner.client_secret).json()["access_token"]
    services.revoke_grant(actor=admin, grant_id=partner.grant.pk, version=1, reason="Hết nhu cầu khai thác")
    by_token = status_of(client, dossier.code, HTTP_AUTHORIZATION=f"Bearer {access}")
    by_key = status_of(client, dossier.code, HTTP_X_API_KEY=partner.key)
    assert by_token.status_code == by_key.status_code == 403


def test_a_revoked_key_or_client_stops_at_once(client, admin, partner, dossier):
    access = token(client, partner.client_id, partner.client_secret).json()["access_token"]
    services.revoke_credential(actor=admin, partner_code=partner.partner.code, prefix=partner.key[:13])
    services.revoke_credential(actor=admin, partner_code=partner.partner.code, prefix=partner.client_id)
    assert status_of(client, dossier.code, HTTP_X_API_KEY=partner.key).status_code == 401
    assert status_of(client, dossier.code, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401
    assert token(client, partner.client_id, partner.client_secret).status_code == 401


def test_a_rotated_key_works_beside_the_new_one_until_the_overlap_ends(client, admin, partner, dossier):
    new_key, new = services.rotate_credential(
        actor=admin, partner_code=partner.partner.code, prefix=partner.key[:13], overlap=timedelta(hours=2)
    )
    for key in (partner.key, new_key):
        assert status_of(client, dossier.code, HTTP_X_API_KEY=key).status_code == 200
    Credential.objects.filter(replaced_by=new).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert status_of(client, dossier.code, HTTP_X_API_KEY=partner.key).status_code == 401
    assert status_of(client, dossier.code, HTTP_X_API_KEY=new_key).status_code == 200


def test_a_suspended_partner_is_refused_and_resumes(client, admin, partner, dossier):
    suspended = services.change_partner_state(
        actor=admin,
        code=partner.partner.code,
        version=partner.partner.version,
        action="suspend",
        reason="Sự cố",
    )
    assert status_of(client, dossier.code, HTTP_X_API_KEY=partner.key).status_code == 401
    services.change_partner_state(
        actor=admin, code=suspended.code, version=suspended.version, action="resume"
    )
    assert status_of(client, dossier.code, HTTP_X_API_KEY=partner.key).status_code == 200
    with pytest.raises(Conflict):
        services.change_partner_state(
            actor=admin, code=suspended.code, version=suspended.version, action="resume"
        )


def test_past_the_rate_limit_the_partner_gets_429_with_retry_after(client, partner, dossier):
    answers = [status_of(client, dossier.code, HTTP_X_API_KEY=partner.key) for _ in range(6)]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    assert int(answers[-1]["Retry-After"]) >= 1
    assert answers[-1]["Content-Type"] == "application/problem+json"


def test_each_change_of_the_register_is_an_event(partner):
    actions = set(Event.objects.filter(stream__startswith="integration.").values_list("action", flat=True))
    assert {
        "integration.partner_registered",
        "integration.credential_issued",
        "integration.grant_approved",
    } <= actions


def test_the_secret_is_not_stored(partner):
    stored = json.dumps(list(Credential.objects.values()), default=str)
    assert partner.key not in stored and partner.client_secret not in stored


def test_only_administrators_manage_partners(client, partner):
    desk = official("motcua.tichhop", (Role.RECEPTIONIST, CENTRE))
    with pytest.raises(Forbidden):
        services.register_partner(
            actor=desk, agency_code="000.00.12.H12", agency_name="Sở Y tế", system="HIS", system_name="HIS"
        )
    answer = client.get("/api/v1/integration/partners", **bearer("motcua.tichhop"))
    assert answer.status_code == 403
    assert not Partner.objects.filter(agency_code="000.00.12.H12").exists()


def test_a_grant_needs_purpose_legal_basis_and_known_scopes(admin, partner):
    with pytest.raises(InvalidInput) as missing:
        services.approve_grant(
            actor=admin,
            partner_code=partner.partner.code,
            service_code="open311",
            scopes=["open311.requests.write"],
            purpose=" ",
            legal_basis="Quyết định 1619/QĐ-UBND",
            valid_from=timezone.localdate(),
        )
    assert "purpose" in missing.value.errors
    with pytest.raises(InvalidInput) as unknown:
        services.approve_grant(
            actor=admin,
            partner_code=partner.partner.code,
            service_code="open311",
            scopes=["dossiers.status.read"],
            purpose="Gửi phản ánh",
            legal_basis="Quyết định 1619/QĐ-UBND",
            valid_from=timezone.localdate(),
        )
    assert "scopes" in unknown.value.errors


def test_administrators_register_partners_and_issue_credentials_through_the_api(client, admin):
    headers = bearer("quantri")
    created = client.post(
        "/api/v1/integration/partners",
        {
            "agency_code": "000.00.12.H12",
            "agency_name": "Sở Y tế",
            "system": "HIS",
            "system_name": "Hệ thống thông tin bệnh viện",
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201 and created.json()["code"] == "VN/GOV/000.00.12.H12/HIS"
    issued = client.post(
        "/api/v1/integration/credentials",
        {"partner": "VN/GOV/000.00.12.H12/HIS", "kind": "api_key"},
        content_type="application/json",
        **headers,
    )
    assert issued.status_code == 201 and issued.json()["secret"].startswith("lgsp_")
