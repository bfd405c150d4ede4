"""System checks: in production, refuse to run while demo accounts still accept the demo password."""

from django.conf import settings
from django.core.checks import Error, register
from django.db.utils import DatabaseError


@register("security", deploy=False)
def demo_passwords_check(app_configs, **kwargs) -> list[Error]:
    if settings.TINHSO_ENV != "production":
        return []
    from tinhso.core.production import demo_accounts_with_demo_password

    try:
        weak = demo_accounts_with_demo_password()
    except DatabaseError:
        return []  # not migrated yet: there are no accounts to check
    return [
        Error(f"Demo account {username!r} still accepts the password demo1234.", id="tinhso.E001")
        for username in weak
    ]
