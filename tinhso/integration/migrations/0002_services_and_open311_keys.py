"""The services offered at first, the national status codes (internal statuses are already the 1–10 codes),
and every Open311 key issued before the platform adopted as a partner key (same hash: the secret keeps
working), each adoption an event of its partner's chain."""

from django.db import migrations
from django.utils import timezone

SERVICES = [
    (
        "dossier-status",
        "Tra cứu tình trạng hồ sơ thủ tục hành chính",
        "Tình trạng, ngày tiếp nhận, ngày hẹn trả và ngày trả kết quả của một hồ sơ theo mã hồ sơ.",
        ["dossiers.status.read"],
        "/api/v1/openapi.json",
    ),
    (
        "open311",
        "Gửi phản ánh hiện trường (Open311 GeoReport v2)",
        "Ứng dụng đối tác gửi phản ánh của người dân; kết quả xử lý công khai.",
        ["open311.requests.write"],
        "/open311/v2/discovery.json",
    ),
    (
        "webhooks",
        "Nhận sự kiện (Standard Webhooks)",
        "Đối tác đăng ký địa chỉ nhận sự kiện: hồ sơ đổi trạng thái, phản ánh có kết quả, ...",
        ["webhooks.subscribe"],
        "/api/v1/openapi.json",
    ),
]

NATIONAL_CODES = [
    (1, "Mới đăng ký"),
    (2, "Được tiếp nhận"),
    (3, "Không được tiếp nhận"),
    (4, "Đang xử lý"),
    (5, "Yêu cầu bổ sung giấy tờ"),
    (6, "Yêu cầu thực hiện nghĩa vụ tài chính"),
    (7, "Công dân yêu cầu rút hồ sơ"),
    (8, "Dừng xử lý"),
    (9, "Đã xử lý xong"),
    (10, "Đã trả kết quả"),
]


def forwards(apps, schema_editor):
    from tinhso.core.eventlog import GENESIS_HASH, event_hash

    Service = apps.get_model("integration", "Service")
    StatusMapping = apps.get_model("integration", "StatusMapping")
    Partner = apps.get_model("integration", "Partner")
    Credential = apps.get_model("integration", "Credential")
    Grant = apps.get_model("integration", "Grant")
    ApiKey = apps.get_model("fieldreports", "ApiKey")
    Event = apps.get_model("core", "Event")
    for code, name, description, scopes, openapi_url in SERVICES:
        Service.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "scopes": scopes,
                "openapi_url": openapi_url,
                "owner": "Sở Khoa học và Công nghệ",
            },
        )
    for status, label in NATIONAL_CODES:
        StatusMapping.objects.get_or_create(status=status, defaults={"national_code": status, "label": label})
    open311 = Service.objects.get(code="open311")
    for key in ApiKey.objects.order_by("pk"):
        partner = Partner.objects.create(
            code=f"VN/GOV/OPEN311/key-{key.pk}",
            agency_code="OPEN311",
            agency_name=key.name,
            system_name=key.name,
            open311_identity=key,
        )
        Credential.objects.create(
            partner=partner,
            kind="api_key",
            prefix=key.prefix,
            key_hash=key.key_hash,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )
        Grant.objects.create(
            partner=partner,
            service=open311,
            scopes=["open311.requests.write"],
            purpose="Gửi phản ánh hiện trường của người dân qua Open311",
            legal_basis="Khóa Open311 cấp trước khi có nền tảng tích hợp",
            valid_from=timezone.localdate(key.created_at),
        )
        stream, now = f"integration.partner:{partner.pk}", timezone.now()
        payload = {"partner": partner.code, "prefix": key.prefix}
        action = "integration.open311_key_adopted"
        digest = event_hash(
            stream=stream, seq=1, action=action, actor_id=None, payload=payload, occurred_at=now, prev_hash=GENESIS_HASH
        )
        Event.objects.create(
            stream=stream, seq=1, action=action, actor_id=None, payload=payload, occurred_at=now,
            prev_hash=GENESIS_HASH, hash=digest,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0001_initial"),
        ("fieldreports", "0003_english_names"),
        ("core", "0004_role_domains"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
