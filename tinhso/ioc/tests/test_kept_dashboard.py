"""The dashboard answered from a kept page (ioc.middleware, issue 25): one statement checks the session, the
account and its roles on every request, and any change to them sends the request through the whole page at
once: a signed-out or expired session, a revoked role, a new password, a deactivated account, a removed second
factor. New figures, a new notification and another leader get a page of their own."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tinhso.core import caching
from tinhso.core.models import Event, Role, RoleAssignment
from tinhso.core.services import record_event
from tinhso.ioc import middleware, services
from tinhso.ioc.tests.helpers import submit
from tinhso.notifications.models import Notification
from tinhso.testing.factories import official

PAGE = "/dieu-hanh/"
QUERY = {"period": "2026-03"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def fetch(client: Client, query: dict | None = None):
    """The answer and the number of statements it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE, QUERY if query is None else query)
    return response, len(captured.captured_queries)


def kept(client: Client):
    """The dashboard rendered once, then answered from the kept page (one statement) once the rollups read the
    whole log, as the job run every minute leaves them (accounts and roles made by the fixtures wrote events)."""
    services.consume_events()
    rendered, _ = fetch(client)
    assert rendered.status_code == 200
    again, statements = fetch(client)
    assert again.status_code == 200 and statements == 1
    return rendered, again


@pytest.fixture
def leader_client(client, march, province_leader) -> Client:
    client.force_login(province_leader)
    return client


def test_a_kept_page_is_the_rendered_page_with_a_token_of_its_own(march, province_leader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(province_leader)
    rendered, again = kept(client)
    first, second = (TOKEN.search(page.content.decode()).group(1) for page in (rendered, again))
    assert first != second  # masked anew for each answer, as Django does
    assert rendered.content.replace(first.encode(), b"") == again.content.replace(second.encode(), b"")
    assert again["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in again
    assert "Cookie" in again["Vary"]
    # The kept page's token is accepted, a made-up one is not.
    assert client.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": second}).status_code == 302
    assert (
        client.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": "x" * 64}).status_code == 403
    )


def test_a_kept_page_gives_a_browser_without_a_csrf_cookie_one_and_a_token_for_it(march, province_leader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(province_leader)
    kept(client)
    del client.cookies[settings.CSRF_COOKIE_NAME]
    again, statements = fetch(client)
    assert statements == 1 and settings.CSRF_COOKIE_NAME in again.cookies
    token = TOKEN.search(again.content.decode()).group(1)
    assert client.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token}).status_code == 302


def test_a_signed_out_or_expired_session_is_refused_at_once(leader_client):
    kept(leader_client)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    expired, _ = fetch(leader_client)
    assert expired.status_code == 302 and "dang-nhap" in expired["Location"]
    leader_client.force_login(RoleAssignment.objects.get(role=Role.PROVINCE_LEADER).user)
    kept(leader_client)
    Session.objects.all().delete()  # signed out elsewhere (the sign-out page deletes the session's row)
    signed_out, _ = fetch(leader_client)
    assert signed_out.status_code == 302 and "dang-nhap" in signed_out["Location"]


def test_a_revoked_role_is_refused_at_once(leader_client, province_leader):
    kept(leader_client)
    RoleAssignment.objects.filter(user=province_leader).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    assert fetch(leader_client)[0].status_code == 403


def test_a_new_password_or_a_deactivated_account_is_refused_at_once(leader_client, province_leader):
    kept(leader_client)
    province_leader.set_password("Another@2026")
    province_leader.save()
    assert fetch(leader_client)[0].status_code == 302
    leader_client.force_login(province_leader)
    kept(leader_client)
    province_leader.is_active = False
    province_leader.save()
    assert fetch(leader_client)[0].status_code == 302


def test_a_removed_second_factor_is_asked_again_at_once(settings, client, march, province_leader):
    settings.TINHSO_REQUIRE_SECOND_FACTOR = True
    client.force_login(province_leader)
    device = TOTPDevice.objects.create(user=province_leader, name="app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # as the second-factor page leaves it
    session.save()
    kept(client)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    held, _ = fetch(client)
    assert held.status_code == 302 and held["Location"].startswith(reverse("core:second-factor"))


def test_new_figures_and_a_new_notification_are_rendered_anew(leader_client, cast, clock, province_leader):
    rendered, _ = kept(leader_client)
    clock.set(2026, 3, 25, 10)  # within the session's eight hours
    submit(cast)  # the rollups are behind the log: the page catches them up
    moved, statements = fetch(leader_client)
    assert statements > 1 and moved.content != rendered.content
    kept(leader_client)
    Notification.objects.create(
        recipient=province_leader, event=Event.objects.last(), title="Báo cáo", created_at=timezone.now()
    )
    badge, statements = fetch(leader_client)
    assert statements > 1 and 'class="badge"' in badge.content.decode()
    services.consume_events()


def test_an_event_of_another_kind_keeps_the_page_after_one_more_statement(leader_client, province_leader):
    """The check reads the log's highest id: past the rollups' cursor, it asks whether a dossier, report or
    payment event came (a second statement); an account's event changes no figure, so the page is kept."""
    rendered, _ = kept(leader_client)
    with transaction.atomic():
        record_event(subject=province_leader, action="viewed", actor=province_leader)
    again, statements = fetch(leader_client)
    assert statements == 2 and again.content.count(b"<") == rendered.content.count(b"<")
    services.consume_events()  # the cursor passes it: the page of the new rollup state is kept after one read
    kept(leader_client)


def test_each_leader_and_each_view_has_a_page_of_its_own(leader_client, march):
    kept(leader_client)
    other = Client()
    other.force_login(official("lanhdaoso", (Role.UNIT_LEADER, "000.00.15.H12")))
    theirs, _ = fetch(other)
    assert theirs.status_code == 200 and "lanhdaoso" in theirs.content.decode()
    assert "lanhdaotinh" not in theirs.content.decode()
    march_figures, statements = fetch(leader_client, {"period": "2026-02"})
    assert statements > 1 and march_figures.status_code == 200


def test_a_page_read_by_this_process_lives_no_longer_than_the_shared_one(leader_client, monkeypatch):
    kept(leader_client)
    caches["pages"].clear()  # as when the shared copy expires
    assert fetch(leader_client)[1] == 1  # the copy this process read, rendered less than a minute ago
    later = time.time() + middleware.KEPT_SECONDS
    monkeypatch.setattr(caching.time, "time", lambda: later)
    page, statements = fetch(leader_client)
    assert page.status_code == 200 and statements > 1
