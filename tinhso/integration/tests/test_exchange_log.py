"""The exchange log: every call through the platform, with a message id returned to the caller and the
SHA-512 of the bodies (never the bodies), hash-chained per partner and verified by `tinhso verify-log`."""

import hashlib

import pytest
from django.core.management import call_command

from tinhso.core.selectors import verify_event_log
from tinhso.integration.models import ExchangeChain, ExchangeLog
from tinhso.testing.factories import bearer

pytestmark = pytest.mark.django_db


def call(client, partner, dossier, **headers):
    return client.get(f"/api/v1/lgsp/dossiers/{dossier.code}", HTTP_X_API_KEY=partner.key, **headers)


def test_each_call_is_logged_with_its_message_id_and_the_hashes_of_its_bodies(client, partner, dossier):
    answer = call(client, partner, dossier, HTTP_X_LGSP_USERID="VN/096090001234")
    row = ExchangeLog.objects.get(message_id=answer["X-LGSP-Id"])
    assert row.partner == partner.partner and row.chain == partner.partner.code
    assert row.service == "dossier-status" and row.status == 200 and row.direction == "in"
    assert row.response_sha512 == hashlib.sha512(answer.content).hexdigest()
    assert row.request_sha512 == hashlib.sha512(b"").hexdigest() == answer["X-LGSP-Request-Hash"]
    assert row.response_bytes == len(answer.content) and row.user_ref == "VN/096090001234"
    stored = str(ExchangeLog.objects.values().get(pk=row.pk))
    assert answer.json()["status_label"] not in stored  # the hashes of the body only, never the body


def test_refused_calls_are_logged_too(client, partner, dossier):
    forged = client.get(f"/api/v1/lgsp/dossiers/{dossier.code}", HTTP_X_API_KEY="lgsp_forged")
    row = ExchangeLog.objects.get(message_id=forged["X-LGSP-Id"])
    assert row.status == 401 and row.partner is None and row.chain == "-"


def test_the_request_hash_is_the_sha512_of_the_body_sent(client, partner):
    body = b"grant_type=client_credentials"
    answer = client.post("/lgsp/oauth/token", body, content_type="application/x-www-form-urlencoded")
    assert answer["X-LGSP-Request-Hash"] == hashlib.sha512(body).hexdigest()
    assert (
        ExchangeLog.objects.get(message_id=answer["X-LGSP-Id"]).request_sha512
        == hashlib.sha512(body).hexdigest()
    )


def test_the_chain_verifies_and_an_edited_row_is_named(client, partner, dossier):
    for _ in range(3):
        call(client, partner, dossier)
    assert not verify_event_log()
    second = ExchangeLog.objects.filter(chain=partner.partner.code).order_by("seq")[1]
    ExchangeLog.objects.filter(pk=second.pk).update(status=500)
    problems = [str(problem) for problem in verify_event_log()]
    assert len(problems) == 1 and f"#{second.pk}" in problems[0]


def test_a_deleted_row_or_a_truncated_chain_is_found(client, partner, dossier):
    for _ in range(3):
        call(client, partner, dossier)
    rows = list(ExchangeLog.objects.filter(chain=partner.partner.code).order_by("seq"))
    ExchangeLog.objects.filter(pk=rows[-1].pk).delete()
    assert any(partner.partner.code in str(problem) for problem in verify_event_log())
    ExchangeLog.objects.filter(pk=rows[0].pk).delete()
    assert len(verify_event_log()) == 2


def test_verify_log_command_fails_on_a_broken_exchange_log(client, partner, dossier):
    call(client, partner, dossier)
    call_command("verify_log")  # intact: no exit
    ExchangeLog.objects.update(response_sha512="0" * 128)
    with pytest.raises(SystemExit):
        call_command("verify_log")


def test_administrators_search_and_export_the_log(client, admin, partner, dossier):
    call(client, partner, dossier)
    client.get(f"/api/v1/lgsp/dossiers/{dossier.code}", HTTP_X_API_KEY="lgsp_forged")
    headers = bearer("quantri")
    found = client.get(f"/api/v1/integration/exchange-log?partner={partner.partner.code}", **headers).json()
    assert [row["status"] for row in found] == [200]
    exported = client.get("/api/v1/integration/exchange-log.csv?status=401", **headers)
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("message_id,chain,seq") and len(lines) == 2 and ",401," in lines[1]
    assert ExchangeChain.objects.get(name=partner.partner.code).seq == 1
