"""Alerts: open breaches of the thresholds and what a leader is told of one."""

from typing import Any

from django.db.models import (
    Q,
)
from django.utils.translation import gettext as _

from tinhso.core import formats
from tinhso.core import selectors as core_selectors
from tinhso.core.models import AdminUnit, Domain, User
from tinhso.ioc import periods
from tinhso.ioc.models import (
    Alert,
)
from tinhso.ioc.selectors.scope import IOC_ROLES


def alert_title(payload: dict[str, Any]) -> str:
    """What a leader is told of a breach (an `ioc.alert_raised` event's payload): the unit's name, the month,
    the rate and the threshold as the pages write them."""
    unit = AdminUnit.objects.filter(code=payload.get("unit", "")).values_list("name", flat=True).first()
    period = periods.parse(payload["period"]) if payload.get("period") else None
    threshold = payload.get("threshold")
    return _(
        "Cảnh báo: chỉ số %(indicator)s của %(unit)s tháng %(month)s là %(rate)s, dưới ngưỡng %(threshold)s."
    ) % {
        "indicator": payload.get("indicator", ""),
        "unit": unit or payload.get("unit", ""),
        "month": f"{period.first_month:02d}/{period.year}" if period else "",
        "rate": formats.percent(float(payload.get("rate", 0))),
        "threshold": formats.percent(float(threshold)) if threshold is not None else "—",
    }


def alerts_for(*, actor: User, limit: int = 20, roots: list[AdminUnit] | None = None) -> list[Alert]:
    """Open breaches in the units the user follows (those under `roots`, the root_units, when given)."""
    if roots is None:
        where = Q(
            unit__in=core_selectors.units_where(actor, *IOC_ROLES, domain=Domain.OPERATIONS).values("pk")
        )
    else:  # the alert's unit is joined anyway: its path says whether it lies under a root
        where = Q()
        for root in roots:
            where |= core_selectors.under_path(root.path, "unit__path")
    return list(Alert.objects.filter(where, cleared_at__isnull=True).select_related("rule", "unit")[:limit])
