"""The cast of the integration platform's tests: an administrator, a partner system with an API key and an
OAuth client, and a grant to read dossier statuses."""

from datetime import date
from types import SimpleNamespace

import pytest

from tinhso.core.models import Role
from tinhso.integration import services
from tinhso.testing.factories import CENTRE, official


@pytest.fixture
def admin(db):
    return official("quantri", (Role.ADMINISTRATOR, CENTRE))


@pytest.fixture
def partner(admin):
    registered = services.register_partner(
        actor=admin,
        agency_code="000.00.20.H12",
        agency_name="Sở Tài nguyên và Môi trường",
        system="QLDD",
        system_name="Hệ thống quản lý đất đai",
        contact_name="Trần Thị Bích",
        contact_email="bich.tt@stnmt.camau.gov.vn",
        rate_limit_per_minute=5,
    )
    key, _ = services.issue_credential(actor=admin, partner_code=registered.code, kind="api_key")
    secret, client = services.issue_credential(actor=admin, partner_code=registered.code, kind="oauth_client")
    grant = services.approve_grant(
        actor=admin,
        partner_code=registered.code,
        service_code="dossier-status",
        scopes=["dossiers.status.read"],
        purpose="Tra cứu tình trạng hồ sơ đất đai để cập nhật cơ sở dữ liệu đất đai",
        legal_basis="Quyết định 1619/QĐ-UBND ngày 15/6/2021",
        valid_from=date(2026, 1, 1),
    )
    return SimpleNamespace(
        partner=registered, key=key, client_id=client.prefix, client_secret=secret, grant=grant
    )


@pytest.fixture
def dossier(cast):
    """An accepted dossier (status 2), as partners look it up."""
    from tinhso.testing.dossier_flow import in_state

    return in_state(cast, "accepted")


@pytest.fixture
def portal(settings):
    """The local fake of the national portal over HTTP, and the adapter pointed at it with a new session."""
    from tinhso.integration.fakes import FakePortal, serving
    from tinhso.integration.portal import DvcqgAdapter

    fake = FakePortal(password="mat-khau-dvcqg")
    with serving(fake.handle) as url:
        settings.TINHSO_PORTAL_URL = url
        settings.TINHSO_PORTAL_PASSWORD = fake.password
        settings.TINHSO_PORTAL_TIMEOUT_SECONDS = 1
        DvcqgAdapter.session = ""
        yield fake
    DvcqgAdapter.session = ""
