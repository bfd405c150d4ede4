"""Demo data of the IOC: the alert the province watches first, and rollups brought up to date."""

from decimal import Decimal

from tinhso.core.models import User
from tinhso.ioc import services
from tinhso.ioc.models import AlertRule


def load_demo(*, with_accounts: bool) -> list[str]:
    """A unit whose on-time rate this month falls below 90% alerts its leader; the rollups are rebuilt."""
    leader = User.objects.filter(username="lanhdaotinh").first()
    if with_accounts and leader is not None and not AlertRule.objects.exists():
        services.create_alert_rule(actor=leader, indicator="2.1", threshold=Decimal("0.9"))
    services.rebuild_rollups()
    return []
