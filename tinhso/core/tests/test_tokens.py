"""Bearer tokens die with a password change, with the sign-out of the session that asked for them, and when
revoked (by the API with the token itself, or from the person's list of tokens)."""

import pytest

from tinhso.core.models import ApiToken, Event, Role
from tinhso.testing.factories import JUSTICE, bearer, citizen, official

pytestmark = pytest.mark.django_db


def me(client, auth: dict) -> int:
    return client.get("/api/v1/me", **auth).status_code


def issue(client, username: str = "chuyenvien", password: str = "Camau@2026") -> dict:
    answer = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        HTTP_USER_AGENT="qlhs-tuphap/2.1",
    )
    assert answer.status_code == 200, answer.content
    return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['access_token']}"}


def test_a_password_change_kills_every_token(client):
    specialist = official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    auth = bearer("chuyenvien")
    assert me(client, auth) == 200
    specialist.set_password("Doi-mat-khau@2026")
    specialist.save()
    assert me(client, auth) == 401
    assert me(client, bearer("chuyenvien", "Doi-mat-khau@2026")) == 200


def test_signing_out_kills_the_tokens_that_session_asked_for_and_no_other(client):
    specialist = official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    elsewhere = bearer("chuyenvien")
    client.force_login(specialist)
    from_session = issue(client)
    assert me(client, from_session) == 200
    client.post("/dang-xuat/")
    assert me(client, from_session) == 401
    assert me(client, elsewhere) == 200
    assert Event.objects.filter(action="account.api_tokens_signed_out").count() == 1


def test_delete_revokes_the_token_sent(client):
    official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    auth, other = issue(client), issue(client)
    answer = client.delete("/api/v1/auth/token", **auth)
    assert answer.status_code == 204
    assert me(client, auth) == 401 and me(client, other) == 200
    assert client.delete("/api/v1/auth/token", **auth).status_code == 401
    assert Event.objects.filter(action="account.api_token_revoked").count() == 1


def test_a_person_lists_and_revokes_their_own_tokens_only(client):
    specialist = official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    citizen()
    auth, other = issue(client), issue(client)
    theirs = issue(client, "096090001234")
    listed = client.get("/api/v1/auth/tokens", **auth).json()
    assert [token["current"] for token in listed] == [False, True]
    assert listed[0]["client"] == "qlhs-tuphap/2.1"
    assert client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}", **auth).status_code == 204
    assert me(client, other) == 401 and me(client, auth) == 200
    their_id = ApiToken.objects.get(user__citizen_id="096090001234").pk
    assert client.delete(f"/api/v1/auth/tokens/{their_id}", **auth).status_code == 404
    assert me(client, theirs) == 200

    client.force_login(specialist)
    page = client.get("/tai-khoan/ma-truy-cap/").content.decode()
    assert "qlhs-tuphap/2.1" in page and page.count('name="token"') == 1
    mine = ApiToken.objects.get(user=specialist).pk
    assert client.post("/tai-khoan/ma-truy-cap/", {"token": their_id}).status_code == 404
    assert client.post("/tai-khoan/ma-truy-cap/", {"token": mine}, follow=True).status_code == 200
    assert me(client, auth) == 401 and me(client, theirs) == 200
    assert "không có mã truy cập nào" in client.get("/tai-khoan/ma-truy-cap/").content.decode()
