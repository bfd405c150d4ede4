"""A signed-in page reads its account, the account's confirmed second-factor devices and its unread count in one
statement, fresh at every request: signing out, a new password and a deactivated account count at the next
request, and the menu's badge counts what is unread now."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tinhso.core import sql
from tinhso.core.models import Role
from tinhso.core.services import record_event
from tinhso.notifications import selectors
from tinhso.notifications.models import Notification
from tinhso.testing.factories import JUSTICE, citizen, official

pytestmark = pytest.mark.django_db
PAGE = "/tai-khoan/ma-truy-cap/"


def notify(user, count: int) -> None:
    from django.db import transaction

    for number in range(count):
        with transaction.atomic():
            event = record_event(subject=f"test.subject:{number}", action="test.done", actor=None, payload={})
        Notification.objects.create(
            recipient=user, event=event, title=f"Thông báo {number}", created_at=timezone.now()
        )


def badge(client) -> str:
    page = client.get(PAGE).content.decode()
    start = page.find('class="badge"')
    return "" if start < 0 else page[page.index(">", start) + 1 : page.index("</span>", start)]


def test_the_account_its_devices_and_its_unread_count_come_from_one_statement():
    leader = official("lanhdao", (Role.UNIT_LEADER, JUSTICE))
    TOTPDevice.objects.create(user=leader, name="app", confirmed=True)
    TOTPDevice.objects.create(user=leader, name="old", confirmed=False)
    StaticDevice.objects.create(user=leader, name="codes", confirmed=True)
    notify(leader, 3)
    Notification.objects.filter(pk=Notification.objects.order_by("pk").first().pk).update(
        read_at=timezone.now()
    )
    with CaptureQueriesContext(connection) as statements:
        read = sql.signed_in_user(leader.pk)
    assert len(statements) == 1
    stored = type(leader).objects.get(pk=leader.pk)
    fields = [field.attname for field in stored._meta.concrete_fields]
    assert [getattr(read.user, name) for name in fields] == [getattr(stored, name) for name in fields]
    assert not read.user._state.adding and read.user._state.db == "default"
    assert read.confirmed_devices == {device.persistent_id for device in devices_for_user(leader)}
    assert len(read.confirmed_devices) == 2
    assert read.unread_notifications == selectors.unread_count(leader) == 2
    assert sql.signed_in_user(leader.pk + 1000) is None


def test_a_signed_in_page_reads_session_and_account_in_two_statements(client):
    person = citizen()
    client.force_login(person)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as statements:
        assert client.get(PAGE).status_code == 200
    read = [statement["sql"] for statement in statements.captured_queries]
    assert "django_session" in read[0] and "core_user" in read[1]
    # the page's own read (the account's API tokens), and no other statement for the account's extras
    assert len(read) == 3 and "core_apitoken" in read[2]
    assert not [text for text in read[2:] if "notification" in text or "otp_" in text]


def test_the_badge_counts_what_is_unread_at_each_request(client):
    person = citizen()
    client.force_login(person)
    assert badge(client) == ""
    notify(person, 2)
    assert badge(client) == "2"
    Notification.objects.filter(recipient=person).update(read_at=timezone.now())
    assert badge(client) == ""


def test_signing_out_a_new_password_and_deactivation_count_at_the_next_request(client):
    login = reverse("core:citizen-login")
    person = citizen()
    client.force_login(person)
    assert client.get(PAGE).status_code == 200
    client.post(reverse("core:logout"))
    assert client.get(PAGE)["Location"].startswith(login)

    client.force_login(person)
    person.set_password("Another@2026")
    person.save()
    assert client.get(PAGE)["Location"].startswith(login)

    client.force_login(person)
    type(person).objects.filter(pk=person.pk).update(is_active=False)
    assert client.get(PAGE)["Location"].startswith(login)


def test_an_expired_or_ended_session_signs_nobody_in(client):
    from datetime import timedelta

    from django.contrib.sessions.models import Session

    login = reverse("core:citizen-login")
    client.force_login(citizen())
    assert client.get(PAGE).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(PAGE)["Location"].startswith(login)
    client.force_login(citizen("096090001235"))
    assert client.get(PAGE).status_code == 200
    Session.objects.all().delete()  # signed out on another machine
    assert client.get(PAGE)["Location"].startswith(login)
