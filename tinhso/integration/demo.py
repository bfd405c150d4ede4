"""Demo data of the integration platform: the land-administration system of the Department of Agriculture
and Environment as a partner, with an API key, grants to read dossier statuses and to receive events, a
request for Open311 filing awaiting its answer, and a webhook subscription to the demo's own receiver (/gia-lap/nhan-su-kien/); dossier statuses go to the local
fake of the national portal (/gia-lap/dvcqg/), which the demo's job worker relays to every minute."""

from datetime import date

from django.conf import settings
from django.db import transaction

from tinhso.integration import services
from tinhso.integration.models import Partner

DEMO_PARTNER = "VN/GOV/000.00.20.H12/QLDD"
RECEIVER_SECRET_FILE = "demo-webhook-secret"


@transaction.atomic
def load_demo(*, with_accounts: bool) -> list[str]:
    if Partner.objects.filter(code=DEMO_PARTNER).exists():
        return []
    partner = services.register_partner(
        actor=None,
        agency_code="000.00.20.H12",
        agency_name="Sở Nông nghiệp và Môi trường tỉnh Cà Mau",
        system="QLDD",
        system_name="Hệ thống thông tin đất đai",
        contact_name="Trần Thị Bích",
        contact_email="bich.tt@snnmt.camau.gov.vn",
        contact_phone="0290 3831 234",
    )
    # The demo's receiver runs on this machine: an administrator allows the partner's private address.
    partner = services.update_partner(
        actor=None, code=partner.code, version=partner.version, private_addresses_allowed=True
    )
    key, _credential = services.issue_credential(actor=None, partner_code=partner.code, kind="api_key")
    for service, scope, purpose in (
        (
            "dossier-status",
            "dossiers.status.read",
            "Tra cứu tình trạng hồ sơ đất đai để cập nhật hồ sơ địa chính",
        ),
        ("webhooks", "webhooks.subscribe", "Nhận thông báo khi hồ sơ đất đai đổi trạng thái"),
    ):
        services.approve_grant(
            actor=None,
            partner_code=partner.code,
            service_code=service,
            scopes=[scope],
            purpose=purpose,
            legal_basis="Quyết định 1619/QĐ-UBND ngày 15/6/2021 (quy chế LGSP), Quyết định 766/QĐ-TTg",
            valid_from=date(2026, 1, 1),
        )
    # A request waiting for the data owner's answer (2 working days), on the administrators' page.
    services.request_grant(
        actor=None,
        partner_code=partner.code,
        service_code="open311",
        scopes=["open311.requests.write"],
        purpose="Chuyển phản ánh lấn chiếm đất công từ hệ thống đất đai sang phản ánh hiện trường",
        legal_basis="Quyết định 1619/QĐ-UBND ngày 15/6/2021 (quy chế LGSP)",
        valid_from=date(2026, 1, 1),
    )
    secret, _subscription = services.subscribe(
        actor=None,
        partner_code=partner.code,
        url="http://127.0.0.1:8000/gia-lap/nhan-su-kien/",
        event_types=["dossier.status_changed", "dossier.finished"],
    )
    (settings.VAR_DIR / RECEIVER_SECRET_FILE).write_text(secret)
    return [f"đối tác {DEMO_PARTNER}: khóa API {key} (gửi trong X-API-Key)"] if with_accounts else []
