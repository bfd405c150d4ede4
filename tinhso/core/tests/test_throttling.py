"""Password guessing is throttled per account and per address on every sign-in path, in the shared cache
that every worker process reads; the anonymous field-report limit uses the same store."""

import itertools
import logging
import uuid

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from tinhso.core import throttle
from tinhso.core.models import Role
from tinhso.testing.factories import JUSTICE, citizen, official

pytestmark = pytest.mark.django_db
RIGHT, WRONG = "Camau@2026", "doan-mo-0000"


def page_attempt(url: str, identifier: str):
    def attempt(client, password: str, address: str = "203.113.0.5"):
        response = client.post(url, {"username": identifier, "password": password}, REMOTE_ADDR=address)
        signed_in = response.status_code == 302
        text = "" if signed_in else response.content.decode()
        client.logout()
        return signed_in, text

    return attempt


def api_attempt(identifier: str):
    def attempt(client, password: str, address: str = "203.113.0.5"):
        response = client.post(
            "/api/v1/auth/token",
            {"username": identifier, "password": password},
            content_type="application/json",
            REMOTE_ADDR=address,
        )
        return response.status_code == 200, response

    return attempt


PATHS = {
    "citizen page, username": ("citizen", lambda: page_attempt(reverse("core:citizen-login"), "an.nguyen")),
    "citizen page, citizen ID": (
        "citizen",
        lambda: page_attempt(reverse("core:citizen-login"), "096090001234"),
    ),
    "officials' page": ("official", lambda: page_attempt(reverse("core:official-login"), "chuyenvien")),
    "API token": ("official", lambda: api_attempt("chuyenvien")),
}


@pytest.fixture
def accounts():
    an = citizen()
    an.username = "an.nguyen"
    an.save(update_fields=["username"])
    return {"citizen": an, "official": official("chuyenvien", (Role.SPECIALIST, JUSTICE))}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    import time

    fake = Clock(time.time())
    monkeypatch.setattr(throttle, "time", fake)
    return fake


@pytest.mark.parametrize("path", PATHS)
def test_five_wrong_passwords_lock_the_account_even_against_the_right_one_until_the_window_ends(
    client, accounts, clock, path, caplog
):
    _kind, make = PATHS[path]
    attempt = make()
    caplog.set_level(logging.INFO, logger="tinhso.sign_in")
    for _ in range(throttle.SIGN_IN_PER_ACCOUNT.attempts):
        assert not attempt(client, WRONG)[0]
    signed_in, answer = attempt(client, RIGHT)
    assert not signed_in
    if path == "API token":
        assert answer.status_code == 429 and answer["Content-Type"] == "application/problem+json"
        assert answer.json()["code"] == "too_many_attempts"
        assert 0 < int(answer["Retry-After"]) <= 15 * 60 and answer.json()["retry_after"] == int(
            answer["Retry-After"]
        )
    else:
        assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút (lúc" in answer
    assert sum("sign-in failed" in line for line in caplog.messages) == 5
    assert any("sign-in refused" in line for line in caplog.messages)
    assert not attempt(client, RIGHT, address="198.51.100.7")[0]  # per account, from anywhere
    clock.now += 15 * 60 + 1
    assert attempt(client, RIGHT)[0]


def test_a_citizen_s_username_and_citizen_id_share_one_count(client, accounts):
    by_name = page_attempt(reverse("core:citizen-login"), "an.nguyen")
    by_id = page_attempt(reverse("core:citizen-login"), "096090001234")
    for attempt in (by_name, by_id, by_name, by_id, by_name):
        assert not attempt(client, WRONG)[0]
    assert not by_id(client, RIGHT)[0]


def test_a_success_before_the_limit_starts_the_count_again(client, accounts):
    attempt = PATHS["officials' page"][1]()
    for _ in range(4):
        attempt(client, WRONG)
    assert attempt(client, RIGHT)[0]
    for _ in range(4):
        attempt(client, WRONG)
    assert attempt(client, RIGHT)[0]


def test_one_address_trying_many_accounts_is_stopped_and_others_are_not(client, accounts):
    for number in range(throttle.SIGN_IN_PER_ADDRESS.attempts):
        api_attempt(f"khong-co-{number}")(client, WRONG)
    signed_in, answer = api_attempt("chuyenvien")(client, RIGHT)
    assert not signed_in and answer.status_code == 429
    assert api_attempt("chuyenvien")(client, RIGHT, address="198.51.100.7")[0]


def redis_or_skip():
    import redis
    from django.conf import settings

    url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    prefix = f"test-{uuid.uuid4().hex}"
    return [RedisCache(url, {"KEY_PREFIX": prefix}) for _ in range(3)]


def folder_caches(tmp_path):
    return [FileBasedCache(str(tmp_path / "shared-cache"), {}) for _ in range(3)]


@pytest.mark.parametrize("workers", [redis_or_skip, folder_caches], ids=["redis", "folder"])
def test_workers_share_the_counts(client, accounts, monkeypatch, tmp_path, workers):
    """Three workers, each with its own connection to the store, answer requests in turn: the fifth wrong
    password locks the account whichever worker answered the four before."""
    caches = workers() if workers is redis_or_skip else workers(tmp_path)
    turn = itertools.cycle(caches)
    monkeypatch.setattr(throttle, "shared_cache", lambda: next(turn))
    attempt = api_attempt("chuyenvien")
    for _ in range(5):
        assert not attempt(client, WRONG)[0]
    assert attempt(client, RIGHT)[1].status_code == 429
    limit = throttle.FIELD_REPORTS_PER_ADDRESS
    counts = [throttle.hit(limit, "203.113.0.9") for _ in range(limit.attempts + 1)]
    assert counts == list(range(1, limit.attempts + 2))
    for cache in caches:
        if isinstance(cache, RedisCache):  # only this test's keys: never FLUSHDB a shared Redis
            connection = cache._cache.get_client(write=True)
            for key in connection.scan_iter(f"{cache.key_prefix}:*"):
                connection.delete(key)
