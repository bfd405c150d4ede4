"""Citizens, officials, roles scoped to units, sign-in, and the demo accounts."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings

from tinhso.core import selectors, services
from tinhso.core.checks import demo_passwords_check
from tinhso.core.errors import Conflict, InvalidInput, NotFound
from tinhso.core.identifiers import citizen_id_prefix, validate_citizen_id
from tinhso.core.models import Domain, Event, Role, User
from tinhso.testing.factories import AN_XUYEN, CENTRE, CONSTRUCTION, JUSTICE, citizen, official, resident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("09609000123", "citizen_id_format"),
        ("0960900012345", "citizen_id_format"),
        ("09609000123a", "citizen_id_format"),
        ("097090001234", "citizen_id_province"),  # 097 is no province code
        ("196090001234", "citizen_id_province"),
    ],
)
def test_malformed_citizen_ids_are_refused_naming_the_value(value, code):
    with pytest.raises(ValidationError) as error:
        validate_citizen_id(value)
    assert error.value.code == code
    assert value in error.value.messages[0]


def test_citizen_id_must_match_birth_year_and_sex():
    assert validate_citizen_id(" 096195004321 ", birth_date=date(1995, 8, 27), sex="F") == "096195004321"
    with pytest.raises(ValidationError, match="năm sinh 1996"):
        validate_citizen_id("096195004321", birth_date=date(1996, 8, 27))
    with pytest.raises(ValidationError, match="giới tính"):
        validate_citizen_id("096195004321", sex="M")
    assert citizen_id_prefix(birth_province_code="96", birth_date=date(2001, 4, 30), sex="M") == "096201"


def test_a_citizen_account_takes_its_identity_from_the_population_registry(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = citizen("096195004321", full_name="Trần Thị Bích Ngọc", birth_date=date(1995, 8, 27), sex="F")
    assert user.is_citizen and user.full_name == "Trần Thị Bích Ngọc"
    assert user.password.startswith("argon2")
    assert Event.objects.filter(stream=f"core.user:{user.pk}", action="account.citizen_registered").exists()


def test_registration_refuses_unknown_or_duplicate_ids_and_weak_passwords_without_leaving_rows():
    with pytest.raises(NotFound, match="096090009999"):
        services.register_citizen(citizen_id="096090009999", password="Camau@2026")
    with pytest.raises(InvalidInput) as error:
        services.register_citizen(citizen_id="12345", password="Camau@2026")
    assert "citizen_id" in error.value.errors
    resident()
    with pytest.raises(InvalidInput) as error:
        services.register_citizen(citizen_id="096090001234", password="123")
    assert "password" in error.value.errors
    assert not User.objects.filter(citizen_id="096090001234").exists()
    services.register_citizen(citizen_id="096090001234", password="Camau@2026")
    with pytest.raises(Conflict):
        services.register_citizen(citizen_id="096090001234", password="Camau@2026")


def test_roles_cover_the_unit_and_everything_under_it():
    leader = official("lanhdaotinh", (Role.PROVINCE_LEADER, "96"))
    specialist = official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    province_scope = selectors.units_where(leader, Role.PROVINCE_LEADER, domain=Domain.DOSSIERS)
    assert province_scope.filter(code=AN_XUYEN).exists() and province_scope.filter(code=CONSTRUCTION).exists()
    assert not province_scope.filter(code="01").exists()  # Hà Nội is another province
    assert list(selectors.units_where(specialist, domain=Domain.DOSSIERS).values_list("code", flat=True)) == [
        JUSTICE
    ]
    assert not selectors.units_where(specialist, Role.UNIT_LEADER, domain=Domain.DOSSIERS).exists()
    assert not selectors.units_where(citizen(), domain=Domain.DOSSIERS).exists()


def test_an_unknown_unit_or_role_is_named():
    user = official("motcua", (Role.RECEPTIONIST, CENTRE))
    with pytest.raises(NotFound, match=re.escape("000.00.99.H12")):
        services.assign_role(actor=None, user=user, role=Role.SPECIALIST, unit_code="000.00.99.H12")
    with pytest.raises(InvalidInput, match="thu_ky"):
        services.assign_role(actor=None, user=user, role="thu_ky", unit_code=CENTRE)


def test_demo_accounts_are_created_only_in_demo_mode(settings):
    settings.TINHSO_DEMO = False
    call_command("load_demo", stdout=StringIO())
    assert not User.objects.filter(username__in=["congdan", "quantri"]).exists()
    settings.TINHSO_DEMO = True
    call_command("load_demo", stdout=StringIO())
    demo = {
        u.username: u for u in User.objects.filter(username__in=["congdan", "motcua", "lanhdao", "quantri"])
    }
    assert demo["congdan"].is_citizen and demo["congdan"].check_password("demo1234")
    assert selectors.has_role(demo["motcua"], Role.RECEPTIONIST)
    assert (
        selectors.units_where(demo["lanhdao"], Role.UNIT_LEADER, domain=Domain.DOSSIERS).get().code == JUSTICE
    )
    assert demo["quantri"].is_staff


def test_production_checks_name_every_demo_account_that_keeps_the_demo_password(settings):
    settings.TINHSO_DEMO = True
    call_command("load_demo", stdout=StringIO())
    official("motcua.real", (Role.RECEPTIONIST, CENTRE))  # a real account is never reported
    demo_accounts = set(User.objects.filter(is_demo=True).values_list("username", flat=True))
    assert {"congdan", "quantri", "lanhdaotinh"} <= demo_accounts
    with override_settings(TINHSO_ENV="production"):
        named = {error.msg.split("'")[1] for error in demo_passwords_check(None)}
        assert named == demo_accounts
        for user in User.objects.filter(username__in=named):
            user.set_password("A-long-unique-passphrase-2026")
            user.save()
        assert demo_passwords_check(None) == []
