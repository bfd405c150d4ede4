"""Contacts are verified before use, wrong ones refused beside the field; opt-ins are recorded with their time,
text version and channel; a browser's push subscription is kept."""

import json
import re

import pytest
from django.core import mail

from tinhso.core.models import Event
from tinhso.notifications import services
from tinhso.notifications.models import Consent, Contact, Preference, PushSubscription
from tinhso.testing.factories import citizen

pytestmark = pytest.mark.django_db


def test_an_e_mail_address_is_used_only_after_the_code_sent_to_it_comes_back(client):
    person = citizen()
    client.force_login(person)
    page = client.post(
        "/thong-bao/cai-dat/",
        {"action": "send-code", "kind": "email", "address": "An.Nguyen@Example.com"},
        follow=True,
    )
    assert "Đã gửi mã xác minh" in page.content.decode()
    contact = Contact.objects.get(user=person)
    assert contact.address == "an.nguyen@example.com" and contact.verified_at is None
    [sent] = mail.outbox
    code = re.search(r"\d{6}", sent.subject).group(0)
    wrong = client.post(
        "/thong-bao/cai-dat/",
        {"action": "verify", "kind": "email", "code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 400 and "Mã xác minh không đúng." in wrong.content.decode()
    client.post("/thong-bao/cai-dat/", {"action": "verify", "kind": "email", "code": code})
    contact.refresh_from_db()
    assert contact.verified_at is not None
    assert Event.objects.filter(
        action="notifications.contact_verified", stream=f"core.user:{person.pk}"
    ).exists()


@pytest.mark.parametrize(
    ("kind", "address", "message"),
    [
        ("phone", "0212 345 678", "Số điện thoại di động không hợp lệ"),
        ("phone", "09123", "Số điện thoại di động không hợp lệ"),
        ("email", "an.nguyen@", "Địa chỉ thư điện tử không hợp lệ"),
    ],
)
def test_a_wrong_phone_or_address_is_refused_beside_its_field(client, kind, address, message):
    client.force_login(citizen())
    page = client.post("/thong-bao/cai-dat/", {"action": "send-code", "kind": kind, "address": address})
    assert page.status_code == 400
    assert re.search(rf'id="address-{kind}-error"><p>{message}', page.content.decode())
    assert not Contact.objects.exists() and not mail.outbox


@pytest.mark.parametrize("number", ["0912 345 678", "+84912345678", "84-912-345-678", "0912.345.678"])
def test_vietnamese_mobile_numbers_are_kept_as_84(number):
    assert services.normalise_address(kind="phone", address=number) == "84912345678"


def test_a_code_expires_after_five_wrong_tries(client):
    person = citizen()
    client.force_login(person)
    client.post("/thong-bao/cai-dat/", {"action": "send-code", "kind": "email", "address": "an@example.com"})
    code = re.search(r"\d{6}", mail.outbox[0].subject).group(0)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        client.post("/thong-bao/cai-dat/", {"action": "verify", "kind": "email", "code": wrong})
    page = client.post("/thong-bao/cai-dat/", {"action": "verify", "kind": "email", "code": code})
    assert "Mã đã hết hiệu lực" in page.content.decode()
    assert Contact.objects.get().verified_at is None


def test_an_opt_in_is_recorded_with_its_time_text_version_and_channel(client):
    person = citizen()
    client.force_login(person)
    assert "phiên bản 2026-12-01" in client.get("/thong-bao/cai-dat/").content.decode()
    form = {
        "action": "preferences",
        "first": "zalo",
        "language": "en",
        "email_notices": "on",
        "sms_notices": "on",
        "zalo_notices": "on",
        "email_suggestions": "on",
    }
    client.post("/thong-bao/cai-dat/", form)
    opted = {(c.channel, c.purpose): c for c in Consent.objects.filter(user=person)}
    assert set(opted) == {("zalo", "notices"), ("email", "suggestions")}  # e-mail/SMS notices need none
    assert all(
        c.granted and c.text_version == "2026-12-01" and c.via == "preferences" for c in opted.values()
    )
    preference = Preference.objects.get(user=person)
    assert preference.order == ["zalo", "email", "sms", "push"] and preference.language == "en"
    client.post("/thong-bao/cai-dat/", form | {"zalo_notices": ""})
    assert not Consent.objects.filter(user=person, channel="zalo").latest("at").granted
    assert Consent.objects.filter(user=person).count() == 3  # nothing re-recorded that did not change
    assert Event.objects.filter(action="notifications.consent_withdrawn").count() == 1


def test_a_browser_subscription_is_kept_and_a_broken_one_refused(client):
    person = citizen()
    client.force_login(person)
    body = {"endpoint": "https://push.example.net/send/abc", "keys": {"p256dh": "BPk", "auth": "c2VjcmV0"}}
    answer = client.post("/thong-bao/trinh-duyet/", json.dumps(body), content_type="application/json")
    assert answer.status_code == 201 and PushSubscription.objects.get().user == person
    assert client.post("/thong-bao/trinh-duyet/", "{}", content_type="application/json").status_code == 400
    assert (
        client.post("/thong-bao/trinh-duyet/", "not json", content_type="application/json").status_code == 400
    )


def test_the_service_worker_is_served_from_the_root(client):
    answer = client.get("/sw.js")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/javascript")
    assert b"showNotification" in answer.content
