"""Administrators and leaders must pass a TOTP second factor, any official may enrol, recovery codes work
once each, the API asks for the code too, and demo accounts in demo mode sign in with their password alone."""

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice

from tinhso.core.models import Event, Role
from tinhso.testing.factories import JUSTICE, official

pytestmark = pytest.mark.django_db
PASSWORD = "Camau@2026"
PAGE = "/tai-khoan/ma-truy-cap/"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def required(settings):
    settings.TINHSO_REQUIRE_SECOND_FACTOR = True


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(totp_models, "time", fake)
    return fake


def app_code(user, clock: Clock) -> str:
    """The code the official's authenticator app shows now."""
    device = TOTPDevice.objects.filter(user=user).order_by("-pk").first()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = clock.now
    return f"{totp.token():06d}"


def wait_out_throttle(user) -> None:
    """django-otp makes the caller wait 2^(failures-1) seconds after wrong codes: as if that time passed."""
    long_ago = timezone.now() - timedelta(hours=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(throttling_failure_timestamp=long_ago)


def sign_in(client, username: str) -> None:
    answer = client.post(reverse("core:official-login"), {"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.content.decode()


def enrol(client, user, clock: Clock) -> list[str]:
    client.get(reverse("core:second-factor-setup"))
    page = client.post(reverse("core:second-factor-setup"), {"code": app_code(user, clock), "next": PAGE})
    assert page.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())


def test_a_leader_is_held_at_enrolment_until_an_app_is_confirmed(client, clock):
    leader = official("lanhdao", (Role.UNIT_LEADER, JUSTICE))
    sign_in(client, "lanhdao")
    held = client.get(PAGE)
    assert held.status_code == 302 and held["Location"].startswith(reverse("core:second-factor"))
    setup = client.get(held["Location"], follow=True)
    page = setup.content.decode()
    assert setup.redirect_chain[-1][0].startswith(reverse("core:second-factor-setup"))
    assert "<svg" in page and "phải dùng xác thực hai bước" in page
    wrong = client.post(reverse("core:second-factor-setup"), {"code": "000000"})
    assert wrong.status_code == 400 and "Mã xác thực không đúng" in wrong.content.decode()
    assert client.get(PAGE).status_code == 302
    codes = enrol(client, leader, clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(PAGE).status_code == 200
    assert Event.objects.filter(action="account.second_factor_enrolled").count() == 1


def test_the_next_sign_in_asks_for_a_code_and_a_recovery_code_works_once(client, clock):
    leader = official("lanhdao", (Role.UNIT_LEADER, JUSTICE))
    sign_in(client, "lanhdao")
    codes = enrol(client, leader, clock)
    client.post(reverse("core:logout"))

    sign_in(client, "lanhdao")
    assert client.get(PAGE)["Location"].startswith(reverse("core:second-factor"))
    # With the password alone the enrolment page cannot replace the app.
    assert client.get(reverse("core:second-factor-setup"))["Location"].startswith(
        reverse("core:second-factor")
    )
    wrong = client.post(reverse("core:second-factor"), {"code": "123456", "next": PAGE})
    assert wrong.status_code == 400 and "Mã không đúng" in wrong.content.decode()
    too_soon = client.post(reverse("core:second-factor"), {"code": app_code(leader, clock), "next": PAGE})
    assert too_soon.status_code == 400  # throttled after a wrong code, even the right one
    clock.now += 60
    wait_out_throttle(leader)
    right = client.post(reverse("core:second-factor"), {"code": app_code(leader, clock), "next": PAGE})
    assert right.status_code == 302 and right["Location"] == PAGE
    assert client.get(PAGE).status_code == 200
    client.post(reverse("core:logout"))

    sign_in(client, "lanhdao")
    assert client.post(reverse("core:second-factor"), {"code": codes[0], "next": PAGE})["Location"] == PAGE
    client.post(reverse("core:logout"))
    sign_in(client, "lanhdao")
    assert client.post(reverse("core:second-factor"), {"code": codes[0], "next": PAGE}).status_code == 400


def test_a_specialist_is_not_held_but_may_enrol_and_is_then_asked(client, clock):
    specialist = official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    sign_in(client, "chuyenvien")
    assert client.get(PAGE).status_code == 200
    enrol(client, specialist, clock)
    client.post(reverse("core:logout"))
    sign_in(client, "chuyenvien")
    assert client.get(PAGE).status_code == 302


def test_demo_accounts_in_demo_mode_sign_in_with_the_password_alone(client, settings):
    leader = official("lanhdao", (Role.UNIT_LEADER, JUSTICE))
    leader.is_demo = True
    leader.save(update_fields=["is_demo"])
    settings.TINHSO_DEMO = True
    sign_in(client, "lanhdao")
    assert client.get(PAGE).status_code == 200
    settings.TINHSO_DEMO = False
    client.post(reverse("core:logout"))
    sign_in(client, "lanhdao")
    assert client.get(PAGE).status_code == 302


def token(client, username: str, otp: str | None = None):
    body = {"username": username, "password": PASSWORD} | ({"otp": otp} if otp else {})
    return client.post("/api/v1/auth/token", body, content_type="application/json")


def test_the_api_asks_the_same_second_factor(client, clock):
    leader = official("lanhdao", (Role.UNIT_LEADER, JUSTICE))
    not_enrolled = token(client, "lanhdao")
    assert not_enrolled.status_code == 403
    assert not_enrolled.json()["code"] == "second_factor_enrolment_required"
    sign_in(client, "lanhdao")
    enrol(client, leader, clock)
    client.post(reverse("core:logout"))
    missing = token(client, "lanhdao")
    assert missing.status_code == 401 and missing.json()["code"] == "second_factor_required"
    clock.now += 60
    assert token(client, "lanhdao", app_code(leader, clock)).status_code == 200
    official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    assert token(client, "chuyenvien").status_code == 200


def test_a_removed_or_unconfirmed_device_holds_the_session_at_its_next_request(client, clock):
    leader = official("lanhdao", (Role.UNIT_LEADER, JUSTICE))
    sign_in(client, "lanhdao")
    enrol(client, leader, clock)
    assert client.get(PAGE).status_code == 200
    TOTPDevice.objects.filter(user=leader).update(confirmed=False)
    assert client.get(PAGE)["Location"].startswith(reverse("core:second-factor"))
    TOTPDevice.objects.filter(user=leader).update(confirmed=True)
    assert client.get(PAGE).status_code == 302  # the session forgot the device: a code is asked again
    clock.now += 60  # a code is accepted once
    right = client.post(reverse("core:second-factor"), {"code": app_code(leader, clock), "next": PAGE})
    assert right["Location"] == PAGE and client.get(PAGE).status_code == 200
    TOTPDevice.objects.filter(user=leader).delete()
    assert client.get(PAGE)["Location"].startswith(reverse("core:second-factor"))


def test_another_accounts_device_does_not_pass_the_second_factor(client, clock):
    from django_otp import DEVICE_ID_SESSION_KEY

    official("lanhdao", (Role.UNIT_LEADER, JUSTICE))
    other = official("lanhdaokhac", (Role.UNIT_LEADER, JUSTICE))
    device = TOTPDevice.objects.create(user=other, name="app", confirmed=True)
    sign_in(client, "lanhdao")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get(PAGE)["Location"].startswith(reverse("core:second-factor"))
    assert DEVICE_ID_SESSION_KEY not in client.session
