"""Fixtures every test shares: reference data loaded once per test database, fresh caches, media in a
temporary folder. The casts and helpers shared between apps live in tinhso.testing; a test never imports
another app's tests."""

import importlib

import hypothesis
import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from huey.contrib.djhuey import HUEY

from tinhso.core import caching, services
from tinhso.core.models import AdminUnit

pytest_plugins = [
    "tinhso.testing.browser",
    "tinhso.testing.dossiers",
    "tinhso.testing.fieldreports",
    "tinhso.testing.signing",
    "tinhso.testing.notifications",
]

# Hypothesis's timing checks judge the machine, not the code: a loaded CI runner must not fail a property.
hypothesis.settings.register_profile(
    "tinhso", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("tinhso")


# Rows a data migration seeds, which a transactional test's flush removes: (model, migration module).
SEEDED_BY_MIGRATIONS = [
    ("notifications.ProactiveRule", "tinhso.notifications.migrations.0004_seed_proactive_rules"),
    ("notifications.ProactiveRule", "tinhso.notifications.migrations.0007_business_household_rule"),
]


def load_reference_data() -> None:
    if not AdminUnit.objects.filter(kind=AdminUnit.Kind.PROVINCE).exists():
        services.import_admin_units()
        services.create_province_agencies()
    empty = {model for model, _ in SEEDED_BY_MIGRATIONS if not apps.get_model(model).objects.exists()}
    for model, migration in SEEDED_BY_MIGRATIONS:
        if model in empty:  # several migrations may seed one model
            importlib.import_module(migration).seed(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 at production cost takes ~100 MB and a second a hash; tests that check Argon2 ask for it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_optional(settings):
    """Tests sign leaders in without an authenticator app; tinhso/core/tests/test_second_factor.py turns the
    requirement on. An official who enrolled must still pass it."""
    settings.TINHSO_REQUIRE_SECOND_FACTOR = False


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Stored files go to the test's own folder, never to var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    # The event log's anchor too: tests running at once must not see each other's newest checkpoint.
    settings.TINHSO_LOG_ANCHOR = tmp_path / "log-anchor.json"


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the thread (LocaleMiddleware activates, never resets)."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Every cache the platform keeps (tinhso.core.caching) is emptied around each test: a rolled-back test
    must not leave any of them behind."""
    caching.clear_all()
    yield
    caching.clear_all()


@pytest.fixture(autouse=True)
def _jobs_run_inline():
    """Jobs run at once in tests, in the test's own transaction."""
    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def reference_data(db) -> None:
    """For transactional tests, whose database is emptied after each test."""
    load_reference_data()
