"""What production refuses: each insecure setting is named so the administrator knows what to change."""

from collections.abc import Mapping
from typing import Any

MIN_SECRET_KEY_LENGTH = 50
MIN_LOG_KEY_LENGTH = 32
DEMO_PASSWORD = "demo1234"
# The local sandbox payment gateway (tinhso.payments.sandbox): its address and shared secret.
SANDBOX_PATH = "/thanh-toan/sandbox"
SANDBOX_HASH_SECRET = "TINHSOSANDBOXSECRETNOTFORPRODUCTION0000"


def insecure_settings(settings: Mapping[str, Any]) -> list[str]:
    """Lists the settings that must not be used in production (an empty list means none)."""
    problems = []
    secret_key = settings["SECRET_KEY"]
    if secret_key == settings["INSECURE_SECRET_KEY"]:
        problems.append("SECRET_KEY is the demo default: set a random value of 50 or more characters")
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 5:
        problems.append(f"SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random characters")
    if settings["DEBUG"]:
        problems.append("DEBUG is on: set DEBUG=0")
    if settings["TINHSO_DEMO"]:
        problems.append("TINHSO_DEMO is on: demo accounts with the password demo1234 would be created")
    if len(settings.get("TINHSO_LOG_KEY", "")) < MIN_LOG_KEY_LENGTH:
        problems.append(
            f"TINHSO_LOG_KEY is unset or short: set {MIN_LOG_KEY_LENGTH}+ random characters, kept outside the "
            "database (it signs the event log's checkpoints)"
        )
    if not settings.get("TINHSO_REQUIRE_SECOND_FACTOR", True):
        problems.append(
            "TINHSO_REQUIRE_SECOND_FACTOR is off: administrators and leaders must use a second factor"
        )
    for url, secret in (
        ("TINHSO_VNPAY_URL", "TINHSO_VNPAY_HASH_SECRET"),
        ("TINHSO_DVCQG_PAY_URL", "TINHSO_DVCQG_HASH_KEY"),
    ):
        if SANDBOX_PATH in settings.get(url, "") or settings.get(secret, "") == SANDBOX_HASH_SECRET:
            problems.append(
                f"{url} or {secret} is the local sandbox gateway's (served only in demo and test mode): set "
                "the gateway's address and the secret it issued"
            )
    if "*" in settings["ALLOWED_HOSTS"]:
        problems.append("ALLOWED_HOSTS contains '*': list the host names the platform answers to")
    return problems + _demo_signing(settings)


def _demo_signing(settings: Mapping[str, Any]) -> list[str]:
    """The demo CA signs nothing and is trusted by nothing in production (its keys are files anyone made)."""
    demo = str(settings.get("TINHSO_SIGNING_DEMO_DIR", "")) or None
    if demo is None:
        return []
    problems = []
    if any(str(root).startswith(demo) for root in settings.get("TINHSO_SIGNING_TRUST_ROOTS", [])):
        problems.append("TINHSO_SIGNING_TRUST_ROOTS names the demo CA: configure the national trust roots")
    profiles = settings.get("TINHSO_SIGNING_PROFILES", {}).values()
    if any(str(profile["key"]).startswith(demo) for profile in profiles):
        problems.append("TINHSO_SIGNING_KEY is the demo key: configure the province's key or token")
    # The settings' default passphrase, never a token's PIN: each process would try it once and lock the token.
    if any(profile["kind"] == "pkcs11" and profile["passphrase"] == "demo-signing" for profile in profiles):
        problems.append("TINHSO_SIGNING_PASSPHRASE is unset for a PKCS#11 token: set the token's user PIN")
    return problems


def demo_accounts_with_demo_password() -> list[str]:
    """Usernames of demo accounts that still accept the demo password (checked against the database)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_demo=True, is_active=True)
    return [user.username for user in users if user.check_password(DEMO_PASSWORD)]


def refuse_to_serve_with_demo_passwords() -> None:
    """Called by the WSGI and ASGI entry points once Django is set up."""
    from django.conf import settings

    if settings.TINHSO_ENV == "production" and (weak := demo_accounts_with_demo_password()):
        raise SystemExit(f"Refusing to start in production: demo accounts keep the password demo1234: {weak}")
