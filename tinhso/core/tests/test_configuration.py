"""Configuration comes from the environment; bad values and insecure production settings are refused."""

import os
import subprocess
import sys
from datetime import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from tinhso.config import Env
from tinhso.core.production import insecure_settings

STRONG_KEY = "k3Jf9-vQ2xLm8Rt7Zp1Wc5Yb4Nh6Gd0Sa9Ue2Io7Pl3Mk8Jn5Bv1Cx6Hz4Tq0Wr2E"
# A merchant's own gateways, as production needs them (the sandbox's are refused).
GATEWAYS = {
    "TINHSO_VNPAY_URL": "https://pay.vnpay.vn",
    "TINHSO_VNPAY_HASH_SECRET": STRONG_KEY[:32],
    "TINHSO_DVCQG_PAY_URL": "https://thanhtoan.dichvucong.gov.vn",
    "TINHSO_DVCQG_HASH_KEY": STRONG_KEY[:32],
}


def run_settings(**environ: str) -> subprocess.CompletedProcess:
    """Imports the settings in a fresh interpreter, as a starting server would."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"} | environ
    return subprocess.run(
        [sys.executable, "-c", "import tinhso.settings"], env=env, capture_output=True, text=True, timeout=60
    )


def test_booleans_accept_the_usual_spellings_and_name_a_bad_value():
    assert Env({"DEBUG": "yes"}).flag("DEBUG", False) is True
    assert Env({"DEBUG": "0"}).flag("DEBUG", True) is False
    assert Env({}).flag("DEBUG", True) is True
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe'"):
        Env({"DEBUG": "maybe"}).flag("DEBUG", False)


def test_numbers_and_choices_name_the_variable_and_value():
    with pytest.raises(ImproperlyConfigured, match="TINHSO_JOB_WORKERS='two'"):
        Env({"TINHSO_JOB_WORKERS": "two"}).number("TINHSO_JOB_WORKERS", 2)
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        Env({"TINHSO_JOB_WORKERS": "0"}).number("TINHSO_JOB_WORKERS", 2, minimum=1)
    with pytest.raises(ImproperlyConfigured, match="TINHSO_ENV='prod'"):
        Env({"TINHSO_ENV": "prod"}).choice("TINHSO_ENV", "development", ("development", "production"))


def test_office_hours_are_parsed_and_overlaps_refused():
    periods = Env({"H": "07:30-11:30, 13:30-17:00"}).office_hours("H", "")
    assert periods == [(time(7, 30), time(11, 30)), (time(13, 30), time(17, 0))]
    with pytest.raises(ImproperlyConfigured, match="must be ordered"):
        Env({"H": "13:30-17:00,07:30-11:30"}).office_hours("H", "")
    with pytest.raises(ImproperlyConfigured, match="H='8h-17h'"):
        Env({"H": "8h-17h"}).office_hours("H", "")


def test_production_lists_every_insecure_setting():
    settings = {
        "SECRET_KEY": "demo",
        "INSECURE_SECRET_KEY": "demo",
        "DEBUG": True,
        "TINHSO_DEMO": True,
        "ALLOWED_HOSTS": ["*"],
    }
    problems = " | ".join(insecure_settings(settings))
    for name in ("SECRET_KEY", "DEBUG", "TINHSO_DEMO", "ALLOWED_HOSTS", "TINHSO_LOG_KEY"):
        assert name in problems
    secure = settings | {
        "SECRET_KEY": STRONG_KEY,
        "DEBUG": False,
        "TINHSO_DEMO": False,
        "ALLOWED_HOSTS": ["x"],
        "TINHSO_LOG_KEY": STRONG_KEY,
    }
    assert insecure_settings(secure) == []


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "SECRET_KEY is the demo default"),
        ({"SECRET_KEY": STRONG_KEY, "DEBUG": "1"}, "DEBUG is on"),
        ({"SECRET_KEY": STRONG_KEY, "TINHSO_DEMO": "1"}, "TINHSO_DEMO is on"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too weak"),
        ({"SECRET_KEY": STRONG_KEY}, "TINHSO_LOG_KEY is unset"),
    ],
)
def test_a_production_process_refuses_to_start_and_says_why(environ, named):
    result = run_settings(TINHSO_ENV="production", ALLOWED_HOSTS="tinhso.camau.gov.vn", **environ)
    assert result.returncode != 0
    assert named in result.stderr


def test_a_secure_production_configuration_starts():
    result = run_settings(
        TINHSO_ENV="production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="tinhso.camau.gov.vn",
        TINHSO_LOG_KEY=STRONG_KEY[:40],
        **GATEWAYS,
        TINHSO_SIGNING_KEY="/etc/tinhso/province.p12",
        TINHSO_SIGNING_TRUST_ROOTS="/etc/tinhso/roots/vn-root-ca.crt",
    )
    assert result.returncode == 0, result.stderr


def test_production_refuses_the_sandbox_payment_gateway():
    environ = {"SECRET_KEY": STRONG_KEY, "TINHSO_LOG_KEY": STRONG_KEY[:40]}
    result = run_settings(TINHSO_ENV="production", ALLOWED_HOSTS="tinhso.camau.gov.vn", **environ)
    assert "TINHSO_VNPAY_URL or TINHSO_VNPAY_HASH_SECRET is the local sandbox" in result.stderr
    assert "TINHSO_DVCQG_PAY_URL or TINHSO_DVCQG_HASH_KEY is the local sandbox" in result.stderr


def test_production_refuses_the_demo_signing_ca():
    result = run_settings(
        TINHSO_ENV="production", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="x", TINHSO_LOG_KEY=STRONG_KEY[:40]
    )
    assert result.returncode != 0
    assert "TINHSO_SIGNING_TRUST_ROOTS names the demo CA" in result.stderr
    assert "TINHSO_SIGNING_KEY is the demo key" in result.stderr


def test_production_refuses_a_pkcs11_token_without_its_pin():
    environ = {
        "TINHSO_ENV": "production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "tinhso.camau.gov.vn",
        "TINHSO_LOG_KEY": STRONG_KEY[:40],
        **GATEWAYS,
        "TINHSO_SIGNING_KIND": "pkcs11",
        "TINHSO_SIGNING_KEY": "/usr/lib/softhsm/libsofthsm2.so",
        "TINHSO_SIGNING_PKCS11_TOKEN": "ubnd-ca-mau",
        "TINHSO_SIGNING_PKCS11_KEY_LABEL": "ky-so",
        "TINHSO_SIGNING_TRUST_ROOTS": "/etc/tinhso/roots/vn-root-ca.crt",
    }

    refused = run_settings(**environ)
    started = run_settings(**environ, TINHSO_SIGNING_PASSPHRASE="824613")

    assert (
        refused.returncode != 0 and "TINHSO_SIGNING_PASSPHRASE is unset for a PKCS#11 token" in refused.stderr
    )
    assert started.returncode == 0, started.stderr


def test_malformed_environment_variables_are_named_at_start():
    assert "DATABASE_URL='mysql//oops'" in run_settings(DATABASE_URL="mysql//oops").stderr
    assert "TINHSO_PROVINCE='H99'" in run_settings(TINHSO_PROVINCE="H99").stderr
    assert "TINHSO_OFFICE_HOURS='7-5'" in run_settings(TINHSO_OFFICE_HOURS="7-5").stderr


def _database_options(**environ: str) -> str:
    env = {**os.environ, "DATABASE_URL": "postgres://tinhso@db.example/tinhso", **environ}
    code = "import tinhso.settings as s; print(s.DATABASES['default'].get('OPTIONS'))"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgresql_prepares_repeated_statements_unless_a_pooler_forbids_it():
    assert "'server_side_binding': True" in _database_options()
    assert _database_options(TINHSO_DB_PREPARED="0") == "None"
