"""B6: a partner asks for scopes of a service; the data owner approves (the grant is created: the partner's
key works on that service, not on another) or refuses with a mandatory reason, within 2 working days counted
on the platform's calendar; an unanswered request past its due time is flagged for administrators."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tinhso.core.models import CalendarDay, Event
from tinhso.core.selectors import verify_event_log
from tinhso.core.working_time import forget_calendar, local_zone
from tinhso.integration import services
from tinhso.integration.models import Grant, GrantRequest
from tinhso.testing.factories import bearer

pytestmark = pytest.mark.django_db
FRIDAY_MORNING = datetime(2026, 3, 6, 10, 0, tzinfo=local_zone())


@pytest.fixture
def newcomer(admin):
    """A partner registered with a key and no grant yet."""
    partner = services.register_partner(
        actor=admin,
        agency_code="000.00.15.H12",
        agency_name="Sở Tư pháp",
        system="HTTP",
        system_name="Hệ thống hộ tịch",
    )
    key, _ = services.issue_credential(actor=admin, partner_code=partner.code, kind="api_key")
    return partner, key


def ask(client, key: str, **changes):
    body = {
        "service": "dossier-status",
        "scopes": ["dossiers.status.read"],
        "purpose": "Tra cứu tình trạng hồ sơ hộ tịch để trả lời công dân",
        "legal_basis": "Nghị định 47/2020/NĐ-CP",
        "valid_from": "2026-01-01",
    } | changes
    return client.post(
        "/api/v1/lgsp/grant-requests", body, content_type="application/json", HTTP_X_API_KEY=key
    )


def answer(client, request_id: int, action: str, **body):
    return client.post(
        f"/api/v1/integration/grant-requests/{request_id}/{action}",
        {"version": 1} | body,
        content_type="application/json",
        **bearer("quantri"),
    )


def test_approval_creates_the_grant_for_that_service_only(client, admin, newcomer, dossier):
    partner, key = newcomer
    status_call = f"/api/v1/lgsp/dossiers/{dossier.code}"
    assert client.get(status_call, HTTP_X_API_KEY=key).status_code == 403
    asked = ask(client, key)
    assert asked.status_code == 201 and asked.json()["state"] == "pending"
    approved = answer(client, asked.json()["id"], "approve")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    grant = Grant.objects.get(pk=approved.json()["grant"])
    assert (grant.partner, grant.service.code, grant.approver) == (partner, "dossier-status", admin)
    assert client.get(status_call, HTTP_X_API_KEY=key).status_code == 200
    assert client.get("/api/v1/lgsp/webhooks", HTTP_X_API_KEY=key).status_code == 403
    actions = list(
        Event.objects.filter(action__startswith="integration.grant").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "integration.grant_approved",
        "integration.grant_request_approved",
        "integration.grant_requested",
    ]
    assert not verify_event_log()


def test_a_refusal_needs_its_reason(client, admin, newcomer):
    _partner, key = newcomer
    request_id = ask(client, key).json()["id"]
    refused = answer(client, request_id, "refuse", reason="  ")
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    assert "reason" in refused.json()["errors"]
    assert GrantRequest.objects.get(pk=request_id).state == "pending"
    refused = answer(client, request_id, "refuse", reason="Mục đích không thuộc phạm vi dữ liệu dùng chung")
    assert refused.json()["state"] == "refused" and not Grant.objects.filter(partner=_partner).exists()
    assert answer(client, request_id, "approve", version=2).status_code == 409  # answered once only


def test_the_answer_is_due_in_two_working_days_on_the_calendar(admin, newcomer):
    partner, _key = newcomer
    fields = {
        "partner_code": partner.code,
        "service_code": "dossier-status",
        "scopes": ["dossiers.status.read"],
        "purpose": "Tra cứu",
        "legal_basis": "Nghị định 47/2020/NĐ-CP",
        "valid_from": date(2026, 3, 1),
    }
    friday = services.request_grant(actor=admin, now=FRIDAY_MORNING, **fields)
    assert friday.due_at == datetime(2026, 3, 10, 17, 0, tzinfo=local_zone())  # the weekend does not count
    CalendarDay.objects.create(date=date(2026, 3, 9), kind=CalendarDay.Kind.DAY_OFF, reason="Nghỉ bù")
    forget_calendar()
    try:
        declared = services.request_grant(actor=admin, now=FRIDAY_MORNING, **fields)
    finally:
        forget_calendar()
    assert declared.due_at == datetime(2026, 3, 11, 17, 0, tzinfo=local_zone())


def test_an_overdue_request_is_flagged_and_a_refusal_without_reason_is_shown_beside_it(
    client, admin, newcomer
):
    partner, key = newcomer
    old = services.request_grant(
        actor=admin,
        partner_code=partner.code,
        service_code="webhooks",
        scopes=["webhooks.subscribe"],
        purpose="Nhận sự kiện hồ sơ",
        legal_basis="Nghị định 47/2020/NĐ-CP",
        valid_from=date(2026, 1, 1),
        now=timezone.now() - timedelta(days=10),
    )
    fresh = ask(client, key).json()["id"]
    client.force_login(admin)
    page = client.get("/tich-hop/quan-tri/").content.decode()
    rows = {
        request_id: page.split(f'id="request-{request_id}"')[1].split("</tr>")[0]
        for request_id in (old.pk, fresh)
    }
    assert "Quá hạn" in rows[old.pk] and "Quá hạn" not in rows[fresh]
    refused = client.post(
        f"/tich-hop/quan-tri/yeu-cau/{old.pk}/", {f"r{old.pk}-version": 1, f"r{old.pk}-action": "refuse"}
    )
    assert refused.status_code == 422
    row = refused.content.decode().split(f'id="request-{old.pk}"')[1].split("</tr>")[0]
    assert "Cần nêu lý do từ chối." in row and 'class="field-error"' in row
    approved = client.post(
        f"/tich-hop/quan-tri/yeu-cau/{old.pk}/", {f"r{old.pk}-version": 1, f"r{old.pk}-action": "approve"}
    )
    assert approved.status_code == 302 and GrantRequest.objects.get(pk=old.pk).grant is not None
    assert Event.objects.get(action="integration.grant_request_approved").payload["late"] is True


def test_a_partner_s_staff_ask_on_the_catalogue_page_in_english_too(client, admin, newcomer):
    from tinhso.testing.factories import official

    partner, _key = newcomer
    staff = official("kythuat.http")
    partner.contacts.add(staff)
    client.force_login(staff)
    form = {
        "partner": partner.code,
        "service": "dossier-status",
        "scopes": "dossiers.status.read",
        "purpose": "Tra cứu tình trạng hồ sơ",
        "legal_basis": "Nghị định 47/2020/NĐ-CP",
        "valid_from": "01/03/2026",
    }
    wrong = client.post("/tich-hop/", form | {"scopes": "dossiers.delete"}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 422 and "Scopes must be chosen among" in wrong.content.decode()
    assert client.post("/tich-hop/", form).status_code == 302
    asked = GrantRequest.objects.get(partner=partner)
    assert asked.requested_by == staff and asked.valid_from == date(2026, 3, 1)
    assert "Chờ xem xét" in client.get("/tich-hop/").content.decode()


def test_an_administrator_asks_on_a_partner_s_behalf_and_others_may_not(client, admin, newcomer):
    from tinhso.testing.factories import official

    partner, _key = newcomer
    body = {
        "partner": partner.code,
        "service": "webhooks",
        "scopes": ["webhooks.subscribe"],
        "purpose": "Nhận sự kiện hồ sơ hộ tịch",
        "legal_basis": "Nghị định 47/2020/NĐ-CP",
        "valid_from": "2026-01-01",
    }
    url = "/api/v1/integration/grant-requests"
    asked = client.post(url, body, content_type="application/json", **bearer("quantri"))
    assert asked.status_code == 201 and asked.json()["partner"] == partner.code
    official("nguoi.ngoai")
    outsider = client.post(url, body, content_type="application/json", **bearer("nguoi.ngoai"))
    assert outsider.status_code == 403 and GrantRequest.objects.count() == 1
    listed = client.get(f"{url}?pending=true", **bearer("quantri")).json()
    assert [(row["id"], row["overdue"]) for row in listed] == [(asked.json()["id"], False)]
