"""The demo data, loaded once into the test database, and a token for each of the three roles the API is
probed as: a citizen with dossiers and reports, an agency's specialist, the province's leader."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from tinhso.core import services
from tinhso.core.models import User

ROLES = {"citizen": "congdan", "officer": "chuyenvien", "leader": "lanhdaotinh"}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(TINHSO_DEMO=True, PASSWORD_HASHERS=fast):
        call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture(scope="session")
def tokens(django_db_setup, django_db_blocker) -> dict[str, str]:
    with django_db_blocker.unblock():
        return {
            role: services.issue_api_token(user=User.objects.get(username=username))[0]
            for role, username in ROLES.items()
        }
