"""Open311 keys become partner keys: the data migration adopts the keys issued before the platform (same
secret keeps working), and a key issued now is a partner key with a grant to file reports."""

import hashlib
import importlib

import pytest
from django.apps import apps
from django.test.client import BOUNDARY, encode_multipart
from django.utils import timezone

from tinhso.core.selectors import verify_event_log
from tinhso.fieldreports import selectors as fieldreport_selectors
from tinhso.fieldreports import services as fieldreport_services
from tinhso.fieldreports.models import ApiKey
from tinhso.integration import services
from tinhso.integration.models import Credential, ExchangeLog, Grant, Partner
from tinhso.testing.fieldreport_helpers import AN_XUYEN_POINT, jpeg_with_gps

pytestmark = pytest.mark.django_db
migration = importlib.import_module("tinhso.integration.migrations.0002_services_and_open311_keys")


def test_the_migration_adopts_older_keys_and_their_secrets_keep_working(db):
    # A key as fieldreports issued them before the platform: a row of its own, no partner.
    from hashlib import sha256

    secret = "ts311_older-key-issued-before-the-platform"
    older = ApiKey.objects.create(
        name="Ứng dụng Cà Mau-G", prefix=secret[:10], key_hash=sha256(secret.encode()).hexdigest()
    )
    migration.forwards(apps, None)
    partner = Partner.objects.get(open311_identity=older)
    assert partner.code == f"VN/GOV/OPEN311/key-{older.pk}"
    assert Credential.objects.get(partner=partner).key_hash == older.key_hash
    assert Grant.objects.get(partner=partner).scopes == ["open311.requests.write"]
    assert fieldreport_selectors.api_key_by_secret(secret) == older
    assert not verify_event_log()  # the adoption's event is a well-formed chain


def test_a_key_issued_now_is_a_partner_key_whose_grant_decides(db):
    admin = None
    secret, api_key = fieldreport_services.create_api_key(actor=admin, name="Ứng dụng Zalo OA")
    assert fieldreport_selectors.api_key_by_secret(secret) == api_key
    grant = Grant.objects.get(partner__open311_identity=api_key)
    services.revoke_grant(actor=None, grant_id=grant.pk, version=grant.version, reason="Hết hạn hợp tác")
    assert fieldreport_selectors.api_key_by_secret(secret) is None


def test_a_revoked_open311_key_stays_refused(db):
    secret, api_key = fieldreport_services.create_api_key(actor=None, name="Ứng dụng Zalo OA")
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    assert fieldreport_selectors.api_key_by_secret(secret) is None


def _filing(client, secret: str, **extra):
    """Posts a filing as multipart, and gives the answer and the exact body sent."""
    fields = {
        "api_key": secret,
        "service_code": "ha-tang-den",
        "lat": str(AN_XUYEN_POINT[0]),
        "long": str(AN_XUYEN_POINT[1]),
        "description": "Hai bóng đèn đường không sáng.",
    }
    body = encode_multipart(BOUNDARY, fields | extra)
    content_type = f"multipart/form-data; boundary={BOUNDARY}"  # not the client's constant: sent as given
    return client.post("/open311/v2/requests.json", body, content_type=content_type), body


def test_an_open311_filing_is_one_exchange_log_entry_of_its_partner(client, categories, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = (
        1000  # the body, photo included, is too big to hold: hashed as read
    )
    secret, api_key = fieldreport_services.create_api_key(actor=None, name="Ứng dụng Zalo OA")
    answer, body = _filing(client, secret, media=jpeg_with_gps())
    assert answer.status_code == 200 and len(body) > 1000
    [row] = ExchangeLog.objects.all()
    assert row.message_id == answer["X-LGSP-Id"]
    assert row.partner == Partner.objects.get(open311_identity=api_key) and row.chain == row.partner.code
    assert row.service == "open311" and row.status == 200 and row.method == "POST"
    assert row.request_sha512 == answer["X-LGSP-Request-Hash"] == hashlib.sha512(body).hexdigest()
    assert row.request_bytes == len(body)
    assert row.response_sha512 == hashlib.sha512(answer.content).hexdigest()
    assert not verify_event_log()


def test_a_refused_open311_filing_is_logged_and_public_reads_are_not(client, categories):
    answer, body = _filing(client, "ts311_forged")
    assert answer.status_code == 403
    row = ExchangeLog.objects.get(message_id=answer["X-LGSP-Id"])
    assert row.partner is None and row.service == "open311" and row.status == 403
    assert row.request_sha512 == hashlib.sha512(body).hexdigest()
    client.get("/open311/v2/requests.json")
    assert ExchangeLog.objects.count() == 1  # no key, no partner: a public read, as a web page
