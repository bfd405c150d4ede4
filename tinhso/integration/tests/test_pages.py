"""The catalogue for partners (/tich-hop/), the administrators' page, the demo's fakes under /gia-lap/ and
the demo data."""

import json

import pytest

from tinhso.integration import demo, services
from tinhso.integration.models import GrantRequest, Partner, WebhookSubscription

pytestmark = pytest.mark.django_db


def test_the_catalogue_lists_the_services_for_anyone(client):
    page = client.get("/tich-hop/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "dossier-status" in text and "open311.requests.write" in text and "/lgsp/oauth/token" in text


def test_a_partner_contact_sees_the_partner_grants_and_credentials(client, admin, partner):
    from tinhso.testing.factories import official

    contact = official("kythuat.qldd")
    services.update_partner(
        actor=admin, code=partner.partner.code, version=partner.partner.version, contacts=[contact]
    )
    client.force_login(contact)
    text = client.get("/tich-hop/").content.decode()
    assert partner.partner.code in text and "Quyết định 1619/QĐ-UBND" in text and partner.client_id in text
    assert partner.key not in text  # the key was shown once, at its issue


def test_the_administrators_page_is_theirs_only(client, admin, partner, cast):
    client.force_login(admin)
    page = client.get("/tich-hop/quan-tri/")
    assert page.status_code == 200 and partner.partner.code in page.content.decode()
    client.force_login(cast.desk)
    assert client.get("/tich-hop/quan-tri/").status_code == 404
    assert client.get("/tich-hop/quan-tri/nhat-ky.csv").status_code == 404


def test_the_fake_portal_under_gia_lap_speaks_the_protocol(client, settings):
    login = client.post(
        "/gia-lap/dvcqg/auth",
        json.dumps(
            {"username": settings.TINHSO_PORTAL_USERNAME, "password": settings.TINHSO_PORTAL_PASSWORD}
        ),
        content_type="application/json",
    ).json()
    assert login["error_code"] == 0 and login["session"]
    lookup = client.post(
        "/gia-lap/dvcqg/integration",
        json.dumps({"session": login["session"], "service": "TraCuuHoSo", "mahoso": "X"}),
        content_type="application/json",
    ).json()
    assert lookup == {"error_code": "00", "result": []}
    settings.TINHSO_FAKES = False
    assert client.post("/gia-lap/dvcqg/auth", "{}", content_type="application/json").status_code == 404


def test_the_demo_registers_a_partner_with_a_subscription(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    lines = demo.load_demo(with_accounts=True)
    partner = Partner.objects.get(code=demo.DEMO_PARTNER)
    assert partner.private_addresses_allowed and WebhookSubscription.objects.filter(partner=partner).exists()
    assert lines and "lgsp_" in lines[0]
    assert (tmp_path / demo.RECEIVER_SECRET_FILE).read_text().startswith("whsec_")
    assert GrantRequest.objects.get(partner=partner).state == "pending"  # for the administrators' page
    assert demo.load_demo(with_accounts=True) == []  # loading twice changes nothing
